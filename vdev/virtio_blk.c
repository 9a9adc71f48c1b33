/*
 * virtio-blk (virtio 1.x, 5.2): a VM's disk, backed by one of the board's
 * block devices (include/keel/disk.h) that the configuration
 * gives this VM alone. One request queue; reads, writes, flush and the
 * device ID are served, anything else is answered UNSUPP.
 *
 * A request is served in the trap of the notify that announced it, on the
 * VM's own CPU and in its own time: the data goes by DMA between the disk
 * and the VM's buffers (checked to be its RAM) with no copy in Keel. At
 * most BLK_REQUESTS_PER_TRAP requests are served per trap; if more wait,
 * the guest's notify is made to run again (vdev_retry_access), so pending
 * interrupts, and other vCPUs of the CPU, get their turn between batches.
 *
 * A read-only disk (the configuration says so, or the device is) offers
 * VIRTIO_BLK_F_RO and answers writes IOERR. Flush reaches the device.
 */
#include <keel/disk.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define BLK_REQUESTQ 0
#define BLK_REQUESTS_PER_TRAP 4
#define BLK_MAX_PER_VM 4
#define BLK_HDR_LEN 16
#define BLK_ID_LEN 20
#define BLK_SEG_MAX (VIRTQ_MAX_SEGS - 2) /* a header and a status buffer besides the data */

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8

struct virtio_blk {
	struct virtio_dev vd; /* must stay first: the transport's handlers see this */
	u32 disk;
	bool read_only;
	u64 sectors;
	u64 nr_reads, nr_writes, nr_errors;
};

static struct virtio_blk *blk_of(struct virtio_dev *vd)
{
	return (struct virtio_blk *)vd;
}

static void blk_config(struct virtio_dev *vd, u8 *out)
{
	struct virtio_blk *b = blk_of(vd);
	u32 seg_max = BLK_SEG_MAX, blk_size = DISK_SECTOR;

	memset(out, 0, 24);
	memcpy(out, &b->sectors, 8); /* capacity, in 512-byte sectors */
	memcpy(out + 12, &seg_max, 4);
	memcpy(out + 20, &blk_size, 4);
}

/*
 * The physical ranges of bytes [start, start + len) of the chain's readable
 * (writable = false) or writable buffers. Returns how many, at most max.
 */
static u32 blk_ranges(const struct virtq_chain *c, bool writable, u32 start, u32 len, struct disk_seg *out, u32 max)
{
	u32 first = writable ? c->nr_out : 0, end = writable ? c->nr_out + c->nr_in : c->nr_out, n = 0;

	for (u32 i = first; i < end && len && n < max; i++) {
		const struct virtq_seg *s = &c->seg[i];
		u32 take;

		if (start >= s->len) {
			start -= s->len;
			continue;
		}
		take = MIN(s->len - start, len);
		/* Keel's view of guest RAM is identity-mapped: its address is the physical one. */
		out[n++] = (struct disk_seg){ (u64)(uintptr_t)s->host + start, take };
		len -= take;
		start = 0;
	}
	return n;
}

/* Serve one read or write request; returns its status and what it wrote into the guest. */
static u8 blk_rw(struct virtio_blk *b, const struct virtq_chain *c, bool write, u64 sector, u32 *written)
{
	struct disk_seg segs[BLK_SEG_MAX];
	u32 len = write ? c->out_len - BLK_HDR_LEN : c->in_len - 1, n;
	struct guest_mem *gm = &b->vd.vdev->vm->mem;
	enum disk_status st;

	if (len % DISK_SECTOR || sector > b->sectors || len / DISK_SECTOR > b->sectors - sector ||
	    (write && b->read_only))
		return DISK_IOERR;
	n = blk_ranges(c, !write, write ? BLK_HDR_LEN : 0, len, segs, BLK_SEG_MAX);
	st = disk_io(b->disk, write, sector, segs, n);
	if (!write && st == DISK_OK) {
		/* The device wrote guest RAM behind the accessor's back: the dirty log must know. */
		for (u32 i = c->nr_out; i < c->nr_out + c->nr_in; i++)
			gm_write_done(gm, ipa_of(c->seg[i].ipa), c->seg[i].len);
		*written = len;
	}
	if (write)
		b->nr_writes++;
	else
		b->nr_reads++;
	return (u8)st;
}

static u8 blk_serve(struct virtio_blk *b, const struct virtq_chain *c, u32 *written)
{
	struct {
		u32 type, reserved;
		u64 sector;
	} hdr;
	char id[BLK_ID_LEN] = { 0 };

	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return blk_rw(b, c, hdr.type == VIRTIO_BLK_T_OUT, hdr.sector, written);
	case VIRTIO_BLK_T_FLUSH:
		return (u8)(b->read_only ? DISK_OK : disk_flush(b->disk));
	case VIRTIO_BLK_T_GET_ID:
		format(id, sizeof(id), "keel-disk%u", b->disk);
		*written = virtq_chain_write(c, &b->vd.vdev->vm->mem, 0, id, MIN(BLK_ID_LEN, c->in_len - 1));
		return DISK_OK;
	default:
		return DISK_UNSUPP;
	}
}

static bool blk_notify(struct virtio_dev *vd, u32 q)
{
	struct virtio_blk *b = blk_of(vd);
	struct virtq *vq = virtio_queue(vd, q);
	struct virtq_env env = virtio_env(vd);
	bool more = false;

	for (u32 n = 0; vq; n++) {
		struct virtq_chain c;
		const char *why;
		enum virtq_status s;
		u32 written = 0;
		u8 status;

		if (n == BLK_REQUESTS_PER_TRAP) {
			/*
			 * Ask for the next notify either way: with the event index a
			 * driver notifies only when it passes avail_event, and a stale
			 * one would leave its next request unannounced.
			 */
			more = virtq_arm_notify(vq, &env);
			break;
		}
		s = virtq_pop(vq, &env, &c, &why);
		if (s == VQ_EMPTY && virtq_arm_notify(vq, &env))
			continue;
		if (s == VQ_RETRY) {
			more = true;
			break;
		}
		if (s == VQ_OK && (c.out_len < BLK_HDR_LEN || c.in_len < 1))
			s = VQ_BROKEN, why = "a request without its header or status byte";
		if (s == VQ_BROKEN)
			virtio_break(vd, q, why);
		if (s != VQ_OK)
			break;
		status = blk_serve(b, &c, &written);
		b->nr_errors += status != DISK_OK;
		virtq_chain_write(&c, env.gm, c.in_len - 1, &status, 1);
		if (!virtq_push(vq, &env, c.head, written + 1, &why)) {
			virtio_break(vd, q, why);
			break;
		}
	}
	if (vq && virtio_live(vd))
		virtio_interrupt(vd, vq);
	return !more;
}

static const struct virtio_type blk_type = {
	.device_id = 2,
	.features = BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_FLUSH),
	.nr_queues = 1,
	.config_size = 24,
	.config = blk_config,
	.notify = blk_notify,
};

static const struct virtio_type blk_type_ro = {
	.device_id = 2,
	.features = BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_FLUSH) |
		    BIT(VIRTIO_BLK_F_RO),
	.nr_queues = 1,
	.config_size = 24,
	.config = blk_config,
	.notify = blk_notify,
};

static const char *blk_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	(void)vm;
	if (rec->size != VIRTIO_MMIO_SIZE)
		return "size is not 4 KiB";
	if (!rec->irq)
		return "no interrupt";
	if (rec->args[0] >= DISK_MAX)
		return "disk number out of range";
	if (rec->args[1] & ~KEEL_VIRTIO_BLK_READ_ONLY || rec->args[2] || rec->args[3])
		return "unknown flags or unused arguments set";
	return NULL;
}

static void blk_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct virtio_blk *b = dev->state;
	bool device_ro = false;

	b->disk = rec->args[0];
	b->sectors = 0;
	if (!disk_info(b->disk, &b->sectors, &device_ro))
		vm_log(dev->vm, "virtio-blk at 0x%lx: the board has no disk %u; the VM sees an empty disk", dev->base,
		       b->disk);
	b->read_only = (rec->args[1] & KEEL_VIRTIO_BLK_READ_ONLY) || device_ro;
	b->nr_reads = b->nr_writes = b->nr_errors = 0;
	virtio_dev_init(&b->vd, dev, b->read_only ? &blk_type_ro : &blk_type);
}

VDEV_POOL(blk_pool, struct virtio_blk, KEEL_MAX_VMS * BLK_MAX_PER_VM);

const struct vdev_kind virtio_blk_kind = {
	.id = KEEL_VDEV_VIRTIO_BLK,
	.name = "virtio-blk",
	.max_per_vm = BLK_MAX_PER_VM,
	.min_per_vm = 0,
	.save_size = sizeof(struct virtio_saved),
	.pool = &blk_pool,
	.check = blk_check,
	.init = blk_init,
	.reset = virtio_mmio_reset,
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.save = virtio_mmio_save,
	.restore = virtio_mmio_restore,
};
