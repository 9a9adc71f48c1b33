/*
 * Entering and leaving a guest. The run loop is plain C:
 *
 *     for (;;) { reason = arch_guest_enter(vcpu); exit_handle(vcpu, reason); ... }
 *
 * arch_guest_enter() restores the vCPU's general registers, enters it, and
 * returns when the guest traps, with every general register saved in
 * vcpu->regs. The system state (EL1 registers, FP/SIMD, timer, GIC virtual
 * interface, stage-2 root and VMID) is loaded and saved separately, only when
 * the physical CPU changes vCPU.
 */
#ifndef KEEL_ARCH_GUEST_H
#define KEEL_ARCH_GUEST_H

#include <keel/types.h>

struct vcpu;

enum exit_reason {
	EXIT_SYNC = 0, /* a trapped instruction or an abort: see the syndrome */
	EXIT_IRQ = 1, /* a physical interrupt arrived */
	EXIT_FIQ = 2,
	EXIT_SERROR = 3,
};

/* Trap syndrome, read on the exit path before anything can clobber it. */
struct exit_syndrome {
	u64 esr, far, hpfar;
};

enum exit_reason arch_guest_enter(struct vcpu *vcpu);
void arch_exit_syndrome(struct exit_syndrome *s);
/* Load the vCPU's system state onto this CPU / save it back to memory. */
void arch_vcpu_load(struct vcpu *vcpu);
void arch_vcpu_put(struct vcpu *vcpu);
/* Architectural reset values of the vCPU's system registers. */
void arch_vcpu_reset_sysregs(struct vcpu *vcpu);

#endif
