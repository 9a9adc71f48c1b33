/*
 * Building the configuration blob. Everything Keel needs to create the VMs
 * is resolved here into plain numbers (physical CPU indices, IPA and PA
 * ranges, image source and destination addresses, SPI numbers, each CPU's
 * policy and time table, each vCPU's server in nanoseconds, one record per
 * virtual device), so the code at EL2 has nothing left to interpret.
 */
#include <stdlib.h>
#include <string.h>

#include <keel/crc32.h>

#include "blob.h"
#include "validate.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the blob is little-endian and is written straight from memory");

size_t blob_size(u32 nr_vms)
{
	return sizeof(struct keel_blob_header) + KEEL_MAX_CPUS * sizeof(struct keel_blob_cpu) +
	       nr_vms * sizeof(struct keel_blob_vm);
}

static void blob_image(struct keel_blob_vm *out, u64 src, u64 size, u64 dst, u32 kind)
{
	struct keel_blob_image *img = &out->images[out->nr_images++];

	img->src_pa = src;
	img->size = size;
	img->dst_ipa = dst;
	img->kind = kind;
}

/* A virtual device record; guest_dt.c describes the same devices at the same CFG_* addresses. */
static void blob_vdev(struct keel_blob_vm *out, u32 kind, u64 ipa, u64 size, u32 irq, u32 arg0)
{
	out->vdevs[out->nr_vdevs++] = (struct keel_blob_vdev){
		.kind = kind, .irq = irq, .ipa = ipa, .size = size, .args = { arg0 },
	};
}

/*
 * Every VM gets the same three: GICv3 distributor, its redistributors, a
 * PL011 console; then its virtio devices in the order written (virtio.c),
 * then its watchdog if it has one (watchdog.c).
 */
static void blob_vdevs(const struct cfg_system *sys, const struct cfg_vm *vm,
		       const struct platform_desc *plat, struct keel_blob_vm *out)
{
	blob_vdev(out, KEEL_VDEV_GICV3_DIST, CFG_GICD_IPA, CFG_GICD_SIZE, 0, CFG_NR_SPIS);
	blob_vdev(out, KEEL_VDEV_GICV3_REDIST, CFG_GICR_IPA, vm->nr_vcpus * CFG_GICR_STRIDE, 0, 0);
	blob_vdev(out, KEEL_VDEV_PL011, CFG_VUART_IPA, CFG_VUART_SIZE, CFG_VUART_INTID, 0);
	out->nr_vdevs += virtio_vm_records(sys, plat, (u32)(vm - sys->vms), &out->vdevs[out->nr_vdevs]);
	out->nr_vdevs += watchdog_vm_record(sys, plat, (u32)(vm - sys->vms), &out->vdevs[out->nr_vdevs]);
}

#define BLOB_NS_PER_US 1000ull

/* vCPU i's server: zero unless it runs on a fixed-priority CPU. */
static struct keel_blob_server blob_server(const struct cfg_system *sys, const struct cfg_vm *vm,
					   u32 i)
{
	struct keel_blob_server s = { 0 };

	if (validate_cpu_policy(sys, vm->affinity[i]) != KEEL_SCHED_FIXED_PRIORITY ||
	    !vm->budget_us.v[i])
		return s; /* no server, or a background one: budget 0 */
	s.budget_ns = vm->budget_us.v[i] * BLOB_NS_PER_US;
	s.period_ns = vm->period_us.v[i] * BLOB_NS_PER_US;
	s.priority = vm->priority.v[i];
	return s;
}

/* Physical CPU n's policy and, for a time table, its windows sorted by offset. */
static void blob_cpu(const struct cfg_system *sys, u32 n, struct keel_blob_cpu *out)
{
	const struct cfg_cpu *cpu = validate_find_cpu(sys, n);

	out->policy = validate_cpu_policy(sys, n);
	if (out->policy != KEEL_SCHED_TIME_TABLE)
		return;
	out->major_frame_ns = cpu->frame_us.v * BLOB_NS_PER_US;
	for (u32 i = 0; i < cpu->nr_windows; i++) {
		const struct cfg_window *w = &cpu->windows[i];
		struct keel_blob_window bw = {
			.offset_ns = w->offset_us.v * BLOB_NS_PER_US,
			.length_ns = w->length_us.v * BLOB_NS_PER_US,
			.vm = (u32)validate_find_vm(sys, w->vm),
			.vcpu = w->vcpu.v,
		};
		u32 k = out->nr_windows++;

		for (; k > 0 && out->windows[k - 1].offset_ns > bw.offset_ns; k--)
			out->windows[k] = out->windows[k - 1];
		out->windows[k] = bw;
	}
}

static void blob_vm(const struct cfg_system *sys, const struct cfg_vm *vm,
		    const struct cfg_layout *lay,
		    const struct platform_desc *plat, struct keel_blob_vm *out)
{
	memcpy(out->name, vm->name, strlen(vm->name));
	out->nr_vcpus = vm->nr_vcpus;
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		out->pcpu[i] = vm->affinity[i];
	out->flags = vm->autostart ? KEEL_VM_FLAG_AUTOSTART : 0;

	out->nr_mem = vm->nr_mem;
	for (u32 i = 0; i < vm->nr_mem; i++) {
		out->mem[i] = (struct keel_blob_mem){ vm->mem[i].ipa, vm->mem[i].pa, vm->mem[i].size };
		out->mem_read_only |= vm->mem[i].read_only ? 1u << i : 0;
	}

	blob_image(out, lay->kernel_src, vm->kernel.file_size, lay->kernel_ipa, KEEL_IMAGE_KERNEL);
	if (vm->initrd.given)
		blob_image(out, lay->initrd_src, vm->initrd.file_size, lay->initrd_ipa,
			   KEEL_IMAGE_INITRD);
	blob_image(out, lay->dtb_src, lay->dtb_size, lay->dtb_ipa, KEEL_IMAGE_DTB);
	for (u32 i = 0; i < vm->nr_mem; i++) /* a read-only region's content, at its start */
		if (vm->mem[i].image.given)
			blob_image(out, lay->mem_src[i], vm->mem[i].image.file_size, vm->mem[i].ipa, KEEL_IMAGE_DATA);

	for (u32 i = 0; i < vm->nr_pass; i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);

		out->mmio[out->nr_mmio++] = (struct keel_blob_mmio){ dev->mmio.base, dev->mmio.base,
								     dev->mmio.size };
		if (dev->irq)
			out->irqs[out->nr_irqs++] = dev->irq;
	}

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		out->servers[i] = blob_server(sys, vm, i);

	out->s2_table_pages = validate_s2_tables(vm, plat) + channel_s2_pages(sys, (u32)(vm - sys->vms));
	out->nr_spis = CFG_NR_SPIS;
	out->entry_ipa = lay->entry_ipa;
	blob_vdevs(sys, vm, plat, out);
	out->nr_ipc_slots = ipc_vm_slots(sys, (u32)(vm - sys->vms), out->ipc_slots, &out->nr_endpoints);
	out->nr_channels = channel_vm_records(sys, (u32)(vm - sys->vms), out->channels);
	standby_blob(sys, plat, (u32)(vm - sys->vms), &out->standby); /* standby.c */
}

void blob_build(const struct cfg_system *sys, const struct cfg_layout *lays,
		const struct platform_desc *plat, void *buf)
{
	struct keel_blob *blob = buf;
	size_t size = blob_size(sys->nr_vms);

	memset(buf, 0, size);
	blob->header.magic = KEEL_BLOB_MAGIC;
	blob->header.version = KEEL_BLOB_VERSION;
	blob->header.total_size = (u32)size;
	blob->header.nr_vms = sys->nr_vms;
	memcpy(blob->header.platform, plat->name,
	       MIN(strlen(plat->name), (size_t)KEEL_PLATFORM_NAME_LEN - 1));
	if (sys->sched_forced)
		blob->header.flags |= KEEL_BLOB_FLAG_UNSAFE;
	if (sys->trace)
		blob->header.flags |= KEEL_BLOB_FLAG_TRACE;
	for (u32 n = 0; n < KEEL_MAX_CPUS; n++)
		blob_cpu(sys, n, &blob->cpus[n]);
	for (u32 i = 0; i < sys->nr_vms; i++)
		blob_vm(sys, &sys->vms[i], &lays[i], plat, &blob->vms[i]);
	blob->header.checksum = crc32(buf, size);
}

/* The CRC covers the whole blob with the checksum field zero. */
static bool blob_crc_ok(const void *buf, size_t len, u32 want)
{
	u8 *copy = malloc(len);
	bool ok;

	if (!copy)
		return false;
	memcpy(copy, buf, len);
	memset(copy + offsetof(struct keel_blob_header, checksum), 0, sizeof(u32));
	ok = crc32(copy, len) == want;
	free(copy);
	return ok;
}

const char *blob_check(const void *buf, size_t len, const char *platform)
{
	struct keel_blob_header h;

	if (len < sizeof(h))
		return "shorter than the header";
	memcpy(&h, buf, sizeof(h));
	if (h.magic != KEEL_BLOB_MAGIC)
		return "bad magic (not a Keel configuration blob)";
	if (h.version != KEEL_BLOB_VERSION)
		return "unsupported version";
	if (h.total_size != len)
		return "total_size does not match the file size";
	if (h.nr_vms == 0 || h.nr_vms > KEEL_MAX_VMS || h.total_size != blob_size(h.nr_vms))
		return "nr_vms does not match total_size";
	if (platform && strncmp(h.platform, platform, KEEL_PLATFORM_NAME_LEN))
		return "built for another platform";
	if (memchr(h.platform, '\0', sizeof(h.platform)) == NULL)
		return "platform name not terminated";

	return blob_crc_ok(buf, len, h.checksum) ? NULL : "bad checksum";
}
