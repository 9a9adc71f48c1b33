/*
 * GICv3 as a guest sees it: the distributor at PLAT_GICD_BASE, one
 * redistributor per vCPU, and the CPU interface through ICC_* system
 * registers. Only SGIs and PPIs (INTID < 32) and a few SPIs are handled.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdint.h>

#define GIC_MAX_INTID 64u /* handlers exist for INTIDs below this */
#define GIC_DEFAULT_PRIO 0xa0u

/* Boot CPU, once: enables affinity routing and Group 1 in GICD_CTLR, installs the IRQ handler. */
void gic_init_dist(void);
/* Each CPU: wakes its redistributor, puts SGIs/PPIs in Group 1, enables the CPU interface. */
void gic_init_cpu(void);
/* Sets the handler for intid (on all CPUs), called with the INTID after acknowledge. */
void gic_set_handler(uint32_t intid, void (*handler)(uint32_t intid));
/* Enables SGI/PPI intid on the calling CPU's redistributor with the given priority. */
void gic_enable_private(uint32_t intid, uint8_t prio);
/* Sends SGI intid (0..15) to the CPUs in target_list (bit n = Aff0 n, Aff1..3 = 0). */
void gic_send_sgi(uint32_t intid, uint16_t target_list);
/* Acknowledges and handles interrupts until none is pending; the IRQ exception handler. */
void gic_handle_irq(void);

#endif
