/*
 * The physical GICv3 Keel owns (distributor, one redistributor per CPU, the
 * EL2 view of the CPU interface). Keel uses Group 1 non-secure interrupts
 * with EOImode 1: it drops priority on acknowledge and deactivates
 * separately, so an interrupt forwarded to a guest stays active until the
 * guest deactivates it through a hardware-linked list register.
 */
#ifndef KEEL_DRIVERS_GICV3_H
#define KEEL_DRIVERS_GICV3_H

#include <keel/types.h>

#define GIC_SPURIOUS 1020

/* Boot CPU, once: distributor on, every SPI disabled and routed to CPU 0. */
void gicv3_dist_init(void);
/* Every CPU: wake its redistributor and enable the system-register interface at EL2. */
void gicv3_cpu_init(u32 cpu);
/* Enable or disable INTID on the calling CPU (SGI/PPI) or globally (SPI). */
void gicv3_enable(u32 intid, bool enable);
/* Route SPI intid to physical CPU pcpu. */
void gicv3_route_spi(u32 intid, u32 pcpu);
/* Set the trigger mode of an SPI (true: edge). */
void gicv3_set_edge(u32 intid, bool edge);
/* Acknowledge the highest pending interrupt; GIC_SPURIOUS (or above) if none. */
u32 gicv3_ack(void);
/* Priority drop (end of Keel's handling) and deactivation, separately. */
void gicv3_eoi(u32 intid);
void gicv3_deactivate(u32 intid);
/* Clear the active state of an SGI or PPI on the calling CPU, or of an SPI (a guest that owned it is gone). */
void gicv3_clear_active(u32 intid);
/* Active state of an SGI or PPI on the calling CPU, and setting it (vCPU switch). */
bool gicv3_is_active(u32 intid);
void gicv3_set_active(u32 intid);
/* Send SGI intid to physical CPU pcpu. */
void gicv3_send_sgi(u32 pcpu, u32 intid);

#endif
