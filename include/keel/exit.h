/*
 * Handling a guest exit: the arch code decodes the trap and calls back into
 * these generic services.
 */
#ifndef KEEL_EXIT_H
#define KEEL_EXIT_H

#include <keel/arch/guest.h>
#include <keel/types.h>

struct vcpu;

/* Handle why the vCPU left the guest; on return it may run again (or not, per its state). */
void exit_handle(struct vcpu *vcpu, enum exit_reason reason);
/* An SMCCC call (HVC or SMC) from the guest: function ID in x0, results to x0..x3. */
void smccc_dispatch(struct vcpu *vcpu);
/* Keel's own calls (owner: vendor-specific hypervisor service). */
void hypercall_keel(struct vcpu *vcpu, u32 fid);
/* The guest executed WFI: idle the vCPU until an interrupt is pending for it. */
void vcpu_wait_for_interrupt(struct vcpu *vcpu);

#endif
