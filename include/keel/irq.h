/*
 * Physical interrupts: who owns each one, and handling the ones pending on
 * this CPU. Keel keeps SGI 0 (kick), the maintenance interrupt, the virtual
 * timer and the console UART; a configuration may assign SPIs to one VM,
 * whose guest then completes them through a hardware-linked list register.
 */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

#include <keel/types.h>

struct cpu;
struct vm;

/* Boot-time: give physical SPI intid to the VM, delivered to its vCPU 0. */
void irq_assign_spi(u32 intid, struct vm *vm);
/*
 * The loaded vCPU's timer interrupt intid (a PPI: virtual or EL1 physical
 * timer) is no longer the guest's to complete (it left this CPU for good,
 * or its pending interrupt was withdrawn): clear its physical active state.
 */
void irq_release_vcpu_timer(u32 intid);
/*
 * A guest's hardware-linked SPI will never be deactivated by its guest (VM
 * reset, vCPU off): deactivate it in the distributor, from any CPU.
 */
void irq_release_spi(u32 intid);
/* Acknowledge and handle every interrupt pending on this CPU. */
void irq_handle_pending(struct cpu *cpu);
/*
 * Handle intid, which this CPU has just acknowledged: the exit fast path's
 * leftover, an interrupt that overtook the one it looked for. The current
 * vCPU's registers are then only partly saved in vcpu->regs (the interrupt
 * exit saves x19-x29, PC and PSTATE only when it takes the full path): a
 * handler must not read or change them.
 */
void irq_handle_acked(struct cpu *cpu, u32 intid);

#endif
