/*
 * A polled driver for the board's virtio-blk devices (virtio 1.x, 5.2) over
 * virtio-mmio version 2 (QEMU needs `-global virtio-mmio.force-legacy=false`
 * for that). Each disk has one queue of DISK_QUEUE entries in Keel's memory
 * and carries one request at a time: header, data buffers, status byte.
 * Keel's memory and guest RAM are identity-mapped at EL2, so an address
 * Keel sees is the physical address the device is given.
 *
 * A device that does not answer within DISK_TIMEOUT_MS is marked failed and
 * every later request gets DISK_IOERR: one broken disk stops its VM's I/O,
 * never Keel.
 */
#include <keel/arch/cpu.h>
#include <keel/disk.h>
#include <keel/log.h>
#include <keel/mmio.h>
#include <keel/platform.h>
#include <keel/spinlock.h>

#define DISK_QUEUE 64
#define DISK_TIMEOUT_MS 10000

/* virtio-mmio registers and status bits (virtio 1.x, 4.2.2). */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC 0x080
#define R_QUEUE_DRIVER 0x090
#define R_QUEUE_DEVICE 0x0a0
#define R_CONFIG 0x100
#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u

#define F_RO 5
#define F_FLUSH 9
#define F_VERSION_1 32
#define REQ_IN 0
#define REQ_OUT 1
#define REQ_FLUSH 4
#define DESC_NEXT 1u
#define DESC_WRITE 2u

struct disk_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct disk {
	struct spinlock lock;
	u64 base;
	u64 sectors;
	bool read_only, has_flush, failed;
	u16 avail_idx; /* requests given to the device */
	struct disk_desc desc[DISK_QUEUE] __attribute__((aligned(16)));
	struct {
		u16 flags, idx, ring[DISK_QUEUE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		u16 flags, idx;
		struct {
			u32 id, len;
		} ring[DISK_QUEUE];
		u16 avail_event;
	} used __attribute__((aligned(4)));
	struct {
		u32 type, reserved;
		u64 sector;
	} header;
	volatile u8 status;
};

static struct disk disks[DISK_MAX];
static u32 nr_disks;

static u32 disk_rd(const struct disk *d, u32 reg)
{
	return mmio_read32(d->base + reg);
}

static void disk_wr(const struct disk *d, u32 reg, u32 value)
{
	mmio_write32(d->base + reg, value);
}

static void disk_wr64(const struct disk *d, u32 reg, u64 value)
{
	disk_wr(d, reg, (u32)value);
	disk_wr(d, reg + 4, (u32)(value >> 32));
}

static u64 disk_features(const struct disk *d)
{
	disk_wr(d, R_DEVICE_FEATURES_SEL, 1);
	u64 hi = disk_rd(d, R_DEVICE_FEATURES);
	disk_wr(d, R_DEVICE_FEATURES_SEL, 0);
	return hi << 32 | disk_rd(d, R_DEVICE_FEATURES);
}

/* Negotiate and set up queue 0. False if the device is not one Keel can drive. */
static bool disk_setup(struct disk *d)
{
	u64 offered, wanted;

	disk_wr(d, R_STATUS, 0);
	disk_wr(d, R_STATUS, ST_ACK | ST_DRIVER);
	offered = disk_features(d);
	if (!(offered & BIT(F_VERSION_1)))
		return false;
	wanted = offered & (BIT(F_VERSION_1) | BIT(F_RO) | BIT(F_FLUSH));
	disk_wr(d, R_DRIVER_FEATURES_SEL, 1);
	disk_wr(d, R_DRIVER_FEATURES, (u32)(wanted >> 32));
	disk_wr(d, R_DRIVER_FEATURES_SEL, 0);
	disk_wr(d, R_DRIVER_FEATURES, (u32)wanted);
	disk_wr(d, R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(disk_rd(d, R_STATUS) & ST_FEATURES_OK))
		return false;
	disk_wr(d, R_QUEUE_SEL, 0);
	if (disk_rd(d, R_QUEUE_NUM_MAX) < DISK_QUEUE || disk_rd(d, R_QUEUE_READY))
		return false;
	disk_wr(d, R_QUEUE_NUM, DISK_QUEUE);
	disk_wr64(d, R_QUEUE_DESC, (u64)(uintptr_t)d->desc);
	disk_wr64(d, R_QUEUE_DRIVER, (u64)(uintptr_t)&d->avail);
	disk_wr64(d, R_QUEUE_DEVICE, (u64)(uintptr_t)&d->used);
	disk_wr(d, R_QUEUE_READY, 1);
	d->read_only = wanted & BIT(F_RO);
	d->has_flush = wanted & BIT(F_FLUSH);
	d->sectors = (u64)disk_rd(d, R_CONFIG + 4) << 32 | disk_rd(d, R_CONFIG);
	disk_wr(d, R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	return true;
}

void disk_probe_all(void)
{
	const struct plat_region *slots = &platform.virtio_mmio;
	u32 n = platform.virtio_mmio_stride ? (u32)(slots->size / platform.virtio_mmio_stride) : 0;

	for (u32 i = n; i-- > 0 && nr_disks < DISK_MAX;) {
		struct disk *d = &disks[nr_disks];

		d->base = slots->base + (u64)i * platform.virtio_mmio_stride;
		if (disk_rd(d, R_MAGIC) != 0x74726976u || disk_rd(d, R_DEVICE_ID) != 2)
			continue;
		if (disk_rd(d, R_VERSION) != 2 || !disk_setup(d)) {
			klog("disk at 0x%lx: not a virtio 1.x block device Keel can drive (QEMU: "
			     "-global virtio-mmio.force-legacy=false); skipped", d->base);
			continue;
		}
		d->lock = (struct spinlock)SPINLOCK_INIT;
		klog("disk %u: %lu MiB%s at 0x%lx", nr_disks, d->sectors / 2048, d->read_only ? " read-only" : "",
		     d->base);
		nr_disks++;
	}
}

u32 disk_count(void)
{
	return nr_disks;
}

bool disk_info(u32 index, u64 *sectors, bool *read_only)
{
	if (index >= nr_disks)
		return false;
	*sectors = disks[index].sectors;
	*read_only = disks[index].read_only;
	return true;
}

static void disk_desc_set(struct disk *d, u32 i, u64 addr, u32 len, u16 flags)
{
	d->desc[i] = (struct disk_desc){ addr, len, flags, (u16)(i + 1) };
}

/* Give the chain at descriptor 0 to the device and wait for it (d locked). */
static enum disk_status disk_submit(struct disk *d)
{
	u64 deadline = arch_counter() + arch_counter_freq() / 1000 * DISK_TIMEOUT_MS;
	u16 want = (u16)(d->avail_idx + 1);

	d->status = 0xff;
	d->avail.ring[d->avail_idx % DISK_QUEUE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the chain and ring entry before the index */
	d->avail.idx = want;
	d->avail_idx = want;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	disk_wr(d, R_QUEUE_NOTIFY, 0);
	while (*(volatile u16 *)&d->used.idx != want) {
		if (arch_counter() > deadline) {
			d->failed = true;
			klog("disk at 0x%lx: no answer in %u ms; failed", d->base, DISK_TIMEOUT_MS);
			return DISK_IOERR;
		}
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	disk_wr(d, R_INTERRUPT_ACK, disk_rd(d, R_INTERRUPT_STATUS));
	return d->status == 0 ? DISK_OK : d->status == 2 ? DISK_UNSUPP : DISK_IOERR;
}

static enum disk_status disk_request(u32 index, u32 type, u64 sector, const struct disk_seg *segs, u32 nr_segs)
{
	struct disk *d = &disks[index];
	u16 data_flags = type == REQ_IN ? DESC_NEXT | DESC_WRITE : DESC_NEXT;
	enum disk_status st;
	u32 i;

	if (index >= nr_disks || nr_segs > DISK_MAX_SEGS)
		return DISK_IOERR;
	spin_lock(&d->lock);
	if (d->failed) {
		spin_unlock(&d->lock);
		return DISK_IOERR;
	}
	d->header.type = type;
	d->header.reserved = 0;
	d->header.sector = sector;
	disk_desc_set(d, 0, (u64)(uintptr_t)&d->header, sizeof(d->header), DESC_NEXT);
	for (i = 0; i < nr_segs; i++)
		disk_desc_set(d, i + 1, segs[i].pa, segs[i].len, data_flags);
	disk_desc_set(d, i + 1, (u64)(uintptr_t)&d->status, 1, DESC_WRITE);
	st = disk_submit(d);
	spin_unlock(&d->lock);
	return st;
}

enum disk_status disk_io(u32 index, bool write, u64 sector, const struct disk_seg *segs, u32 nr_segs)
{
	u64 bytes = 0;

	for (u32 i = 0; i < nr_segs && i < DISK_MAX_SEGS; i++)
		bytes += segs[i].len;
	if (index >= nr_disks || bytes % DISK_SECTOR || sector > disks[index].sectors ||
	    bytes / DISK_SECTOR > disks[index].sectors - sector || (write && disks[index].read_only))
		return DISK_IOERR;
	return disk_request(index, write ? REQ_OUT : REQ_IN, sector, segs, nr_segs);
}

enum disk_status disk_flush(u32 index)
{
	if (index >= nr_disks)
		return DISK_IOERR;
	if (!disks[index].has_flush)
		return DISK_OK; /* no write cache: written is durable */
	return disk_request(index, REQ_FLUSH, 0, NULL, 0);
}
