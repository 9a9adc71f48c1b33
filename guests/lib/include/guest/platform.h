/*
 * The machine a Keel VM (and QEMU's `virt` board) shows a guest. These are
 * the only addresses guests assume; everything else comes from the device tree.
 */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#define PLAT_RAM_BASE 0x40000000ul
#define PLAT_UART_BASE 0x09000000ul
#define PLAT_UART_INTID 33u
#define PLAT_GICD_BASE 0x08000000ul
#define PLAT_GICR_BASE 0x080a0000ul
#define PLAT_GICR_STRIDE 0x20000ul /* RD_base + SGI_base frames per CPU */
#define PLAT_VTIMER_INTID 27u

/* Most vCPUs any guest here uses; sizes the per-CPU stacks and state. */
#define PLAT_MAX_CPUS 4u

#endif
