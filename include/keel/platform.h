/*
 * The board, as data. Everything Keel and the configuration tool need to know
 * about a machine (RAM, CPUs, the interrupt controller, the console UART, the
 * regions reserved for Keel and for boot modules, device regions that may be
 * given to guests) lives in one struct platform_desc defined in
 * platform/<board>/platform.c. Porting Keel to a board is writing that file.
 * Both Keel and the host tools link it, so they can never disagree.
 */
#ifndef KEEL_PLATFORM_H
#define KEEL_PLATFORM_H

#define PLAT_MAX_CPUS 8
#define PLAT_MAX_DEVICES 16

#ifndef __ASSEMBLY__
#include <keel/types.h>

struct plat_region {
	u64 base;
	u64 size;
};

/* A device region a configuration may pass through to one guest. */
struct plat_device {
	const char *name;
	struct plat_region mmio;
	u32 irq; /* SPI INTID, 0 if none */
};

struct platform_desc {
	const char *name;
	struct plat_region ram; /* all RAM the board has */
	struct plat_region keel; /* RAM Keel's image, stacks and pools live in */
	struct plat_region firmware_dtb; /* where the loader leaves its device tree (kept free) */
	struct plat_region modules; /* where the loader puts the blob and guest images */
	struct plat_region guest_ram; /* RAM VMs may be given */
	u32 nr_cpus;
	u64 cpu_mpidr[PLAT_MAX_CPUS]; /* affinity of each physical CPU, by index */
	u64 uart_base; /* PL011 owned by Keel */
	u32 uart_irq;
	u64 gicd_base;
	u64 gicr_base;
	u64 gicr_stride; /* bytes between redistributors (128 KiB on GICv3) */
	u32 gic_max_intid; /* highest SPI INTID the distributor implements */
	u32 timer_freq_hz; /* 0: read CNTFRQ_EL0 */
	u64 blob_addr; /* where the loader puts the configuration blob */
	/*
	 * Worst-case cost of one scheduling event (timer or wake-up interrupt,
	 * pick, vCPU context switch), charged by the schedulability analysis in
	 * keelcfg; see docs/scheduling.md.
	 */
	u32 sched_event_overhead_ns;
	u32 nr_devices;
	struct plat_device devices[PLAT_MAX_DEVICES];
	/*
	 * virtio-mmio slots of the board (QEMU's virt has 32) where Keel looks for
	 * block devices it serves to VMs as their disks (drivers/virtio_blk.c);
	 * size 0 if the board has none.
	 */
	struct plat_region virtio_mmio;
	u32 virtio_mmio_stride;
};

/* The board this Keel image was built for (PLATFORM= in the Makefile). */
extern const struct platform_desc platform;

/* Index of the physical CPU with this MPIDR affinity, or -1. */
int plat_cpu_index(u64 mpidr);

#endif /* __ASSEMBLY__ */

/* PPI INTIDs fixed by the Arm architecture (Server Base System Architecture). */
#define IRQ_PPI_MAINTENANCE 25
#define IRQ_PPI_HYP_TIMER 26
#define IRQ_PPI_VIRT_TIMER 27
#define IRQ_PPI_PHYS_TIMER 30
#define IRQ_SGI_KICK 0 /* Keel's own IPI: "look at your requests" */

#endif
