/*
 * QEMU's `virt` machine (hw/arm/virt.c) with virtualization=on, gic-version=3
 * and -m 2048: the only file that knows its addresses.
 *
 * Physical memory map used by Keel (RAM starts at 0x4000_0000):
 *   0x4000_0000 +  64 MiB  Keel: image at +0x8_0000, stacks, page-table pool
 *   0x4800_0000 +   2 MiB  QEMU's device tree (it puts it at RAM + 128 MiB)
 *   0x5000_0000 + 256 MiB  boot modules: config blob, then guest images
 *   0x6000_0000 + 1.5 GiB  RAM the configuration may hand to VMs
 */
#include <keel/platform.h>

const struct platform_desc platform = {
	.name = "qemu-virt",
	.ram = { 0x40000000, 2 * GiB },
	.keel = { 0x40000000, 64 * MiB },
	.firmware_dtb = { 0x48000000, 2 * MiB },
	.modules = { 0x50000000, 256 * MiB },
	.guest_ram = { 0x60000000, 1536 * MiB },
	.nr_cpus = 4,
	.cpu_mpidr = { 0x0, 0x1, 0x2, 0x3 },
	.uart_base = 0x09000000,
	.uart_irq = 33,
	.gicd_base = 0x08000000,
	.gicr_base = 0x080a0000,
	.gicr_stride = 0x20000,
	.gic_max_intid = 287,
	.timer_freq_hz = 0,
	.blob_addr = 0x50000000,
	.sched_event_overhead_ns = 20000, /* conservative guess for TCG, to be measured */
	.virtio_mmio = { 0x0a000000, 32 * 0x200 }, /* QEMU fills them from the last one down */
	.virtio_mmio_stride = 0x200,
	.nr_devices = 2,
	.devices = {
		{ "rtc", { 0x09010000, 0x1000 }, 34 },
		{ "gpio", { 0x09030000, 0x1000 }, 39 },
	},
};

int plat_cpu_index(u64 mpidr)
{
	for (u32 i = 0; i < platform.nr_cpus; i++)
		if (platform.cpu_mpidr[i] == (mpidr & 0xff00ffffffull))
			return (int)i;
	return -1;
}
