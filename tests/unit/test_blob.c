/*
 * Keel's checks of the configuration blob at EL2 (core/blob.c). A good
 * two-VM blob, like the ones keelcfg writes, is accepted and copied whole.
 * Then each mutation of one field, with the CRC recomputed so that only the
 * content check can catch it, must be refused with a message naming that
 * field; the header mutations are refused before the copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/blob.h>
#include <keel/crc32.h>
#include <keel/types.h>

#define PLATFORM "qemu-virt"
#define NR_CPUS 4
#define NR_VMS 2
#define BLOB_BYTES (sizeof(struct keel_blob) + NR_VMS * sizeof(struct keel_blob_vm))

static union {
	struct keel_blob b;
	u8 bytes[BLOB_BYTES];
} good, blob;
static u8 copy[sizeof(struct keel_blob) + KEEL_MAX_VMS * sizeof(struct keel_blob_vm)]
	__attribute__((aligned(8)));
static char msg[200];

static void add_vdev(struct keel_blob_vm *v, u32 kind, u64 ipa, u64 size, u32 irq, u32 arg0)
{
	v->vdevs[v->nr_vdevs++] = (struct keel_blob_vdev){ .kind = kind, .irq = irq, .ipa = ipa, .size = size,
							   .args = { arg0 } };
}

/* A VM with vCPUs on the given CPUs, RAM at ram_pa, a kernel and a DTB, and its three devices. */
static void make_vm(struct keel_blob_vm *v, const char *name, u32 nr_vcpus, const u32 *pcpus, u64 ram_pa)
{
	strcpy(v->name, name);
	v->nr_vcpus = nr_vcpus;
	for (u32 i = 0; i < nr_vcpus; i++)
		v->pcpu[i] = pcpus[i];
	v->nr_mem = 1;
	v->mem[0] = (struct keel_blob_mem){ 0x40000000, ram_pa, 64 * MiB };
	v->nr_images = 2;
	v->images[0] = (struct keel_blob_image){ 0x50100000, 0x20000, 0x40080000, KEEL_IMAGE_KERNEL, 0 };
	v->images[1] = (struct keel_blob_image){ 0x50200000, 0x1000, 0x43e00000, KEEL_IMAGE_DTB, 0 };
	v->nr_spis = 64;
	v->s2_table_pages = 40;
	v->entry_ipa = 0x40080000;
	add_vdev(v, KEEL_VDEV_GICV3_DIST, 0x08000000, 0x10000, 0, 64);
	add_vdev(v, KEEL_VDEV_GICV3_REDIST, 0x080a0000, nr_vcpus * 0x20000ull, 0, 0);
	add_vdev(v, KEEL_VDEV_PL011, 0x09000000, 0x1000, 33, 0);
}

static void seal(struct keel_blob *b)
{
	b->header.checksum = 0;
	b->header.checksum = crc32(b, b->header.total_size);
}

static int setup(void **state)
{
	static const u32 linux_cpus[] = { 0, 1 }, rt_cpus[] = { 2 };
	struct keel_blob *b = &good.b;

	(void)state;
	memset(&good, 0, sizeof(good));
	b->header = (struct keel_blob_header){ .magic = KEEL_BLOB_MAGIC, .version = KEEL_BLOB_VERSION,
					       .total_size = BLOB_BYTES, .nr_vms = NR_VMS };
	strcpy(b->header.platform, PLATFORM);
	make_vm(&b->vms[0], "linux", 2, linux_cpus, 0x80000000);
	b->vms[0].flags = KEEL_VM_FLAG_AUTOSTART;
	b->vms[0].nr_irqs = 1;
	b->vms[0].irqs[0] = 34;
	b->vms[0].nr_mmio = 1;
	b->vms[0].mmio[0] = (struct keel_blob_mmio){ 0x09010000, 0x09010000, 0x1000 };
	make_vm(&b->vms[1], "rt", 1, rt_cpus, 0x90000000);
	b->vms[1].servers[0] = (struct keel_blob_server){ 1000000, 5000000, 3, 0 };
	b->cpus[2] = (struct keel_blob_cpu){ .policy = KEEL_SCHED_TIME_TABLE, .nr_windows = 1,
					     .major_frame_ns = 10000000 };
	b->cpus[2].windows[0] = (struct keel_blob_window){ 0, 5000000, 1, 0 };
	/* rt serves one IPC endpoint, granted to linux for calls with badge 7. */
	b->vms[1].nr_endpoints = 1;
	b->vms[1].nr_ipc_slots = 1;
	b->vms[1].ipc_slots[0] = (struct keel_blob_ipc_slot){ 1, 0, KEEL_IPC_RIGHT_RECV, 0, 0 };
	b->vms[0].nr_ipc_slots = 1;
	b->vms[0].ipc_slots[0] = (struct keel_blob_ipc_slot){ 1, 0, KEEL_IPC_RIGHT_CALL, 0, 7 };
	/* A channel between them: board guest RAM outside both VMs' RAM, at a free IPA, SPI 40 in rt. */
	b->vms[0].nr_channels = b->vms[1].nr_channels = 1;
	b->vms[0].channels[0] = (struct keel_blob_channel){ 0x70000000, 0xa0000000, 0x10000, KEEL_CHANNEL_WRITE, 0, 0, 0 };
	b->vms[1].channels[0] = (struct keel_blob_channel){ 0x70000000, 0xa0000000, 0x10000, 0, 0, 40, 0 };
	/* A virtio console link between them (vdevs[3] of each) and a port each on network 0. */
	for (u32 v = 0; v < NR_VMS; v++) {
		add_vdev(&b->vms[v], KEEL_VDEV_VIRTIO_CONSOLE, 0x0a100000, 0x1000, 48, KEEL_VIRTIO_CONSOLE_TO_PEER);
		b->vms[v].vdevs[3].args[1] = 1 - v;
		b->vms[v].vdevs[3].args[2] = 3;
		add_vdev(&b->vms[v], KEEL_VDEV_VIRTIO_NET, 0x0a101000, 0x1000, 49, 0);
		b->vms[v].vdevs[4].args[1] = 0x00004b02 | (v << 24); /* 02:4b:00:0v:00:00 */
		b->vms[v].vdevs[4].args[2] = 1;
	}
	seal(b);
	memcpy(&blob, &good, sizeof(good));
	return 0;
}

static const char *verify(void)
{
	return blob_verify(&blob, copy, sizeof(copy), &platform, msg, sizeof(msg));
}

static void test_good_blob_accepted(void **state)
{
	(void)state;
	memset(copy, 0xa5, sizeof(copy));
	assert_null(verify());
	assert_memory_equal(copy, &good, BLOB_BYTES); /* what Keel uses is the blob as written */
}

/* One field changed; recrc: the checksum recomputed, so only the contents are wrong. */
struct mutation {
	const char *what;
	void (*apply)(struct keel_blob *b);
	bool recrc;
	const char *want; /* a substring of the message */
};

#define MUT(name, stmt)                                  \
	static void mut_##name(struct keel_blob *b)      \
	{                                                \
		stmt;                                    \
	}

MUT(magic, b->header.magic ^= 1)
MUT(version, b->header.version = 4)
MUT(nr_vms, b->header.nr_vms = 3)
MUT(platform, strcpy(b->header.platform, "rpi4"))
MUT(flip, b->vms[1].entry_ipa ^= 0x1000)
MUT(nr_vcpus_big, b->vms[0].nr_vcpus = KEEL_MAX_VCPUS_PER_VM + 1)
MUT(nr_vcpus_zero, b->vms[1].nr_vcpus = 0)
MUT(pcpu, b->vms[1].pcpu[0] = NR_CPUS)
MUT(crowded_cpu, b->vms[0].nr_vcpus = 4; b->vms[0].pcpu[1] = b->vms[0].pcpu[2] = b->vms[0].pcpu[3] = 0;
    b->vms[0].vdevs[1].size = 4 * 0x20000; b->vms[1].pcpu[0] = 0; b->cpus[2].policy = 0)
MUT(server, b->vms[1].servers[0].budget_ns = 6000000)
MUT(nr_mem, b->vms[0].nr_mem = KEEL_MAX_MEM_REGIONS + 1)
MUT(mem_size, b->vms[1].mem[0].size = 0)
MUT(mem_align, b->vms[1].mem[0].pa += 0x800)
MUT(mem_ipa, b->vms[1].mem[0].ipa = 1ull << 39)
MUT(nr_images, b->vms[0].nr_images = KEEL_MAX_IMAGES + 1)
MUT(image_kind, b->vms[0].images[0].kind = 9)
MUT(image_dst, b->vms[1].images[1].dst_ipa = 0x44000000)
MUT(nr_irqs, b->vms[0].nr_irqs = KEEL_MAX_PASSTHROUGH_IRQS + 1)
MUT(irq_high, b->vms[0].irqs[0] = 96)
MUT(irq_ppi, b->vms[0].irqs[0] = 27)
MUT(nr_mmio, b->vms[0].nr_mmio = KEEL_MAX_PASSTHROUGH_MMIO + 1)
MUT(mmio_size, b->vms[0].mmio[0].size = 0)
MUT(nr_spis, b->vms[0].nr_spis = 96)
MUT(nr_vdevs, b->vms[0].nr_vdevs = KEEL_MAX_VDEVS + 1)
MUT(vdev_kind, b->vms[1].vdevs[2].kind = 77)
MUT(vdev_size, b->vms[1].vdevs[2].size = 0)
MUT(vdev_irq, b->vms[1].vdevs[2].irq = 200)
MUT(vdev_uart_noirq, b->vms[1].vdevs[2].irq = 0)
MUT(no_dist, b->vms[0].vdevs[0] = b->vms[0].vdevs[2]; b->vms[0].vdevs[0].ipa = 0x09001000)
MUT(two_redists, b->vms[0].vdevs[2] = b->vms[0].vdevs[1]; b->vms[0].vdevs[2].ipa = 0x0a000000)
MUT(redist_size, b->vms[0].vdevs[1].size = 0x20000)
MUT(dist_spis, b->vms[0].vdevs[0].args[0] = 32)
MUT(vdev_overlap, b->vms[0].vdevs[2].ipa = 0x08001000)
MUT(name, memset(b->vms[1].name, 'x', KEEL_VM_NAME_LEN))
MUT(s2_pages, b->vms[1].s2_table_pages = 0)
MUT(policy, b->cpus[1].policy = 7)
MUT(policy_cpu, b->cpus[5].policy = KEEL_SCHED_FIXED_PRIORITY)
MUT(nr_windows, b->cpus[2].nr_windows = KEEL_MAX_WINDOWS + 1)
MUT(window_vm, b->cpus[2].windows[0].vm = NR_VMS)
MUT(window_vcpu, b->cpus[2].windows[0].vcpu = 1)
MUT(window_other_cpu, b->cpus[2].windows[0].vm = 0)
MUT(window_len, b->cpus[2].windows[0].length_ns = 0)
MUT(frame, b->cpus[2].major_frame_ns = 0)
MUT(mem_pa_keel, b->vms[1].mem[0].pa = 0x40000000) /* Keel's own memory */
MUT(mem_pa_off_board, b->vms[1].mem[0].pa = 0xfff0000000ull)
MUT(image_src_ram, b->vms[0].images[0].src_pa = 0x90000000) /* the other VM's RAM */
MUT(image_src_wrap, b->vms[0].images[0].src_pa = ~0ull - 0xfff)
MUT(mmio_not_device, b->vms[0].mmio[0].pa = b->vms[0].mmio[0].ipa = 0x08000000) /* the physical GIC */
MUT(mmio_moved, b->vms[0].mmio[0].ipa = 0x0a000000)
MUT(s2_pages_big, b->vms[0].s2_table_pages = KEEL_STAGE2_POOL_PAGES + 1)

MUT(nr_endpoints, b->vms[1].nr_endpoints = KEEL_MAX_ENDPOINTS_PER_VM + 1)
MUT(nr_ipc_slots, b->vms[0].nr_ipc_slots = KEEL_MAX_IPC_SLOTS + 1)
MUT(ipc_slot_vm, b->vms[0].ipc_slots[0].vm = NR_VMS)
MUT(ipc_slot_endpoint, b->vms[0].ipc_slots[0].endpoint = 1)
MUT(ipc_slot_no_endpoints, b->vms[1].nr_endpoints = 0)
MUT(ipc_slot_recv_other, b->vms[0].ipc_slots[0].rights = KEEL_IPC_RIGHT_RECV)
MUT(ipc_slot_call_own, b->vms[1].ipc_slots[0].rights = KEEL_IPC_RIGHT_CALL)
MUT(ipc_slot_rights_unknown, b->vms[0].ipc_slots[0].rights = 0x10)
MUT(ipc_slot_rights_none, b->vms[0].ipc_slots[0].rights = 0)

MUT(nr_channels, b->vms[1].nr_channels = KEEL_MAX_CHANNELS_PER_VM + 1)
MUT(channel_size, b->vms[1].channels[0].size = 0)
MUT(channel_pa, b->vms[1].channels[0].pa = 0x40000000) /* Keel's own memory */
MUT(channel_flags, b->vms[1].channels[0].flags = 4)
MUT(channel_doorbell, b->vms[1].channels[0].doorbell = 200)
MUT(channel_over_ram, b->vms[1].channels[0].ipa = b->vms[1].mem[0].ipa)
MUT(channel_over_vdev, b->vms[1].channels[0].ipa = 0x08000000)
MUT(channel_over_channel, b->vms[1].nr_channels = 2; b->vms[1].channels[1] = b->vms[1].channels[0];
    b->vms[1].channels[1].ipa += 0x8000; b->vms[1].channels[1].pa = 0xa0100000)
MUT(virtio_size, b->vms[1].vdevs[3].size = 0x2000)
MUT(virtio_noirq, b->vms[1].vdevs[4].irq = 0)
MUT(virtio_console_to, b->vms[1].vdevs[3].args[0] = 2)
MUT(link_missing, b->vms[0].vdevs[3].args[2] = 5)
MUT(link_not_back, b->vms[0].vdevs[3].args[2] = 4)
MUT(link_self, b->vms[0].vdevs[3].args[1] = 0)
MUT(link_vm, b->vms[0].vdevs[3].args[1] = NR_VMS)
MUT(net_multicast, b->vms[0].vdevs[4].args[1] |= 1)
MUT(net_zero_mac, b->vms[0].vdevs[4].args[1] = b->vms[0].vdevs[4].args[2] = 0)
MUT(net_network, b->vms[0].vdevs[4].args[0] = KEEL_MAX_NETWORKS)
MUT(net_args, b->vms[0].vdevs[4].args[3] = 1)
MUT(standby_off_flags, b->vms[1].standby.flags = KEEL_STANDBY_INJECT)
MUT(standby_interval, b->vms[1].standby.flags = KEEL_STANDBY_ON; b->vms[1].standby.interval_ns = 1000)
MUT(standby_features, b->vms[1].standby.flags = KEEL_STANDBY_ON; b->vms[1].standby.interval_ns = 20000000;
    b->vms[1].standby.mem_pa[0] = 0xb0000000)
MUT(standby_copy_unaligned, b->vms[1].standby.flags = KEEL_STANDBY_ON; b->vms[1].standby.interval_ns = 20000000;
    b->vms[1].standby.mem_pa[0] = 0xb0000800)
/* A second region of rt, read-only, with its content (a data image) at its start. */
static void add_rom(struct keel_blob_vm *v)
{
	v->nr_mem = 2;
	v->mem[1] = (struct keel_blob_mem){ 0x48000000, 0x94000000, 2 * MiB };
	v->mem_read_only = 1u << 1;
	v->images[v->nr_images++] = (struct keel_blob_image){ 0x50300000, 0x1000, 0x48000000, KEEL_IMAGE_DATA, 0 };
}

MUT(read_only_beyond, b->vms[1].mem_read_only = 1u << 1)
/* A standby VM's read-only region has no copy: a copy named for it is refused, none passes (to the next check). */
MUT(standby_ro_copy, add_rom(&b->vms[1]); b->vms[1].standby.flags = KEEL_STANDBY_ON;
    b->vms[1].standby.interval_ns = 20000000; b->vms[1].standby.mem_pa[0] = 0xb0000000;
    b->vms[1].standby.mem_pa[1] = 0xb8000000)
MUT(standby_ro_no_copy, add_rom(&b->vms[1]); b->vms[1].standby.flags = KEEL_STANDBY_ON;
    b->vms[1].standby.interval_ns = 20000000; b->vms[1].standby.mem_pa[0] = 0xb0000000)

#define M(name, recrc, want) { #name, mut_##name, recrc, want }

static const struct mutation mutations[] = {
	M(magic, false, "magic 0x4c45454a: not a Keel configuration blob"),
	M(version, false, "version 4, Keel reads version 7"),
	M(standby_off_flags, true, "vms[1].standby: settings without KEEL_STANDBY_ON"),
	M(read_only_beyond, true, "vms[1].mem_read_only 0x2: a bit beyond its 1 RAM regions"),
	M(standby_ro_copy, true, "vms[1].standby.mem_pa[1]: a copy of no region, or of a read-only one"),
	M(standby_ro_no_copy, true, "vms[1].standby: a standby VM may not have IPC"),
	M(standby_interval, true, "vms[1].standby.interval_ns 1000: outside 1 ms .. 1 s"),
	M(standby_features, true, "vms[1].standby: a standby VM may not have"),
	M(standby_copy_unaligned, true, "vms[1].standby.mem_pa[0] 0xb0000800: unaligned or not the board's guest RAM"),
	M(nr_vms, false, "size"),
	M(platform, false, "is for platform 'rpi4', this Keel is for 'qemu-virt'"),
	M(flip, false, "checksum"),
	M(nr_vcpus_big, true, "vms[0].nr_vcpus 5: must be 1..4"),
	M(nr_vcpus_zero, true, "vms[1].nr_vcpus 0: must be 1..4"),
	M(pcpu, true, "vms[1].pcpu[0] 4: the platform has 4 CPUs"),
	M(crowded_cpu, true, "vms[1].pcpu[0] 0: more than 4 vCPUs on that CPU"),
	M(server, true, "vms[1].servers[0]: budget 6000000 ns, period 5000000 ns"),
	M(nr_mem, true, "vms[0].nr_mem 5: must be 1..4"),
	M(mem_size, true, "vms[1].mem[0]: empty"),
	M(mem_align, true, "vms[1].mem[0]: empty, unaligned"),
	M(mem_ipa, true, "vms[1].mem[0]: empty, unaligned or beyond the IPA space"),
	M(mem_pa_keel, true, "vms[1].mem[0]: physical 0x40000000+0x4000000 is not the board's guest RAM"),
	M(mem_pa_off_board, true, "vms[1].mem[0]: physical 0xfff0000000+0x4000000 is not the board's guest RAM"),
	M(image_src_ram, true, "vms[0].images[0]: source 0x90000000+0x20000 is outside the boot modules"),
	M(image_src_wrap, true, "vms[0].images[0]: source 0xfffffffffffff000+0x20000 is outside the boot modules"),
	M(mmio_not_device, true, "vms[0].mmio[0]: 0x8000000+0x1000 is not a device of the board"),
	M(mmio_moved, true, "vms[0].mmio[0]: 0x9010000+0x1000 is not a device of the board"),
	M(s2_pages_big, true, "vms[0].s2_table_pages 1025: must be 1..1024"),

	M(nr_images, true, "vms[0].nr_images 5: above 4"),
	M(image_kind, true, "vms[0].images[0].kind 9: unknown"),
	M(image_dst, true, "vms[1].images[1]: empty or not inside the VM's RAM"),
	M(nr_irqs, true, "vms[0].nr_irqs 9: above 8"),
	M(irq_high, true, "vms[0].irqs[0] 96: not an SPI of the VM (32..95)"),
	M(irq_ppi, true, "vms[0].irqs[0] 27: not an SPI"),
	M(nr_mmio, true, "vms[0].nr_mmio 5: above 4"),
	M(mmio_size, true, "vms[0].mmio[0]: empty"),
	M(nr_spis, true, "vms[0].nr_spis 96: must be a multiple of 32 up to 64"),
	M(nr_vdevs, true, "vms[0].nr_vdevs 9: above 8"),
	M(vdev_kind, true, "vms[1].vdevs[2].kind 77: unknown device kind"),
	M(vdev_size, true, "vms[1].vdevs[2] (pl011): size 0"),
	M(vdev_irq, true, "vms[1].vdevs[2].irq 200: not an SPI of the VM"),
	M(vdev_uart_noirq, true, "vms[1].vdevs[2] (pl011): irq missing"),
	M(no_dist, true, "vms[0].vdevs: 0 of kind gicv3-dist, must be 1..1"),
	M(two_redists, true, "vms[0].vdevs: 2 of kind gicv3-redist, must be 1..1"),
	M(redist_size, true, "vms[0].vdevs[1] (gicv3-redist): size is not 128 KiB per vCPU"),
	M(dist_spis, true, "vms[0].vdevs[0] (gicv3-dist): args[0] (SPIs) differs"),
	M(vdev_overlap, true, "vms[0].vdevs[2]: overlaps vdevs[0]"),
	M(name, true, "vms[1].name: not NUL-terminated"),
	M(s2_pages, true, "vms[1].s2_table_pages 0"),
	M(policy, true, "cpus[1].policy 7: unknown"),
	M(policy_cpu, true, "cpus[5].policy 1: the platform has 4 CPUs"),
	M(nr_windows, true, "cpus[2].nr_windows 17: must be 1..16"),
	M(window_vm, true, "cpus[2].windows[0].vm 2: the blob has 2 VMs"),
	M(window_vcpu, true, "cpus[2].windows[0].vcpu 1: not a vCPU of vm 1 on this CPU"),
	M(window_other_cpu, true, "cpus[2].windows[0].vcpu 0: not a vCPU of vm 0 on this CPU"),
	M(window_len, true, "cpus[2].windows[0]: empty or outside the major frame"),
	M(frame, true, "cpus[2].major_frame_ns 0"),
	M(nr_endpoints, true, "vms[1].nr_endpoints 5: above 4"),
	M(nr_ipc_slots, true, "vms[0].nr_ipc_slots 9: above 8"),
	M(ipc_slot_vm, true, "vms[0].ipc_slots[0].vm 2: the blob has 2 VMs"),
	M(ipc_slot_endpoint, true, "vms[0].ipc_slots[0].endpoint 1: vm 1 has 1 endpoints"),
	M(ipc_slot_no_endpoints, true, "vms[0].ipc_slots[0].endpoint 0: vm 1 has 0 endpoints"),
	M(ipc_slot_recv_other, true, "vms[0].ipc_slots[0].rights 0x4"),
	M(ipc_slot_call_own, true, "vms[1].ipc_slots[0].rights 0x1"),
	M(ipc_slot_rights_unknown, true, "vms[0].ipc_slots[0].rights 0x10"),
	M(ipc_slot_rights_none, true, "vms[0].ipc_slots[0].rights 0x0"),
	M(nr_channels, true, "vms[1].nr_channels 5: above 4"),
	M(channel_size, true, "vms[1].channels[0]: empty"),
	M(channel_pa, true, "vms[1].channels[0]: physical 0x40000000+0x10000 is not the board's guest RAM"),
	M(channel_flags, true, "vms[1].channels[0].flags 0x4: unknown"),
	M(channel_doorbell, true, "vms[1].channels[0].doorbell 200: not an SPI of the VM"),
	M(channel_over_channel, true, "vms[1].channels[1]: IPA overlaps channels[0]"),
	M(channel_over_ram, true, "vms[1].channels[0]: IPA overlaps mem[0]"),
	M(channel_over_vdev, true, "vms[1].channels[0]: IPA overlaps vdevs[0]"),
	M(virtio_size, true, "vms[1].vdevs[3] (virtio-console): size is not 4 KiB"),
	M(virtio_noirq, true, "vms[1].vdevs[4] (virtio-net): no interrupt"),
	M(virtio_console_to, true, "vms[1].vdevs[3] (virtio-console): args[0] is neither"),
	M(link_missing, true, "vms[0].vdevs[3]: console peer vms[1].vdevs[5] does not exist"),
	M(link_not_back, true, "vms[0].vdevs[3]: console peer vms[1].vdevs[4] does not name it back"),
	M(link_self, true, "vms[0].vdevs[3]: console peer vms[0].vdevs[3] does not exist"),
	M(link_vm, true, "vms[0].vdevs[3]: console peer vms[2].vdevs[3] does not exist"),
	M(net_multicast, true, "vms[0].vdevs[4] (virtio-net): MAC not a unicast address"),
	M(net_zero_mac, true, "vms[0].vdevs[4] (virtio-net): MAC not a unicast address"),
	M(net_network, true, "vms[0].vdevs[4] (virtio-net): network number out of range"),
	M(net_args, true, "vms[0].vdevs[4] (virtio-net): MAC not a unicast address, or unused bits set"),
};

/* A read-only region with its data image is a good blob too. */
static void test_read_only_region_accepted(void **state)
{
	(void)state;
	add_rom(&blob.b.vms[1]);
	seal(&blob.b);
	assert_null(verify());
}

static void test_each_mutation_refused(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(mutations); i++) {
		const struct mutation *m = &mutations[i];
		const char *err;

		memcpy(&blob, &good, sizeof(good));
		m->apply(&blob.b);
		if (m->recrc)
			seal(&blob.b);
		err = verify();
		if (!err)
			fail_msg("mutation %s: accepted", m->what);
		if (!strstr(err, m->want))
			fail_msg("mutation %s: \"%s\", expected \"%s\"", m->what, err, m->want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_blob_accepted, setup),
		cmocka_unit_test_setup(test_each_mutation_refused, setup),
		cmocka_unit_test_setup(test_read_only_region_accepted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
