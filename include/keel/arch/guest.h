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
	EXIT_HANDLED = 4, /* a trap the exit fast path handled; the scheduler is to act (exit_fast()) */
};

/* Trap syndrome, read on the exit path before anything can clobber it. */
struct exit_syndrome {
	u64 esr, far, hpfar;
};

/* Enter the loaded vCPU; return why it left, with its general registers saved in vcpu->regs. */
enum exit_reason arch_guest_enter(struct vcpu *vcpu);
/* Read ESR_EL2, FAR_EL2 and HPFAR_EL2 of the exit being handled. */
void arch_exit_syndrome(struct exit_syndrome *s);
/*
 * Load the vCPU's system state onto this CPU (EL1 registers, timer, GIC
 * virtual interface, stage-2 root, a pending virtual SError) / save it back
 * to memory and leave nothing of it behind for the next vCPU. FP/SIMD moves
 * lazily: the registers stay with their owner until another vCPU's first
 * use claims them (arch_vcpu_claim_fpsimd), and no other vCPU can read them
 * meanwhile. On the vCPU's own CPU only.
 */
void arch_vcpu_load(struct vcpu *vcpu);
void arch_vcpu_put(struct vcpu *vcpu);
/* Trap the loaded vCPU's WFI or not (HCR_EL2.TWI); records it in vcpu->wfi_untrapped. */
void arch_vcpu_set_wfi_trap(struct vcpu *vcpu, bool untrap);
/*
 * vcpu's first FP/SIMD instruction since it was loaded trapped: save the
 * registers' owner's state, load vcpu's, make vcpu the owner and stop
 * trapping. False if vcpu owned them already. On vcpu's CPU, loaded.
 */
bool arch_vcpu_claim_fpsimd(struct vcpu *vcpu);
/*
 * On vcpu's CPU, vcpu not loaded: if this CPU's FP/SIMD registers hold its
 * state, save them to vcpu->fp and give them up, so vcpu->fp is the whole
 * truth (a checkpoint reads it, a failover replaces it) and its next use
 * reloads it from there.
 */
void arch_vcpu_fpsimd_release(struct vcpu *vcpu);
/* Architectural reset values of the vCPU's system registers (no virtual SError pending). */
void arch_vcpu_reset_sysregs(struct vcpu *vcpu);
/* Reset the vCPU's general registers: enter at pc with x0, at the guest kernel's level with every exception masked. */
void arch_vcpu_reset_regs(struct vcpu *vcpu, u64 pc, u64 x0);
/*
 * For a vCPU that is not loaded: the counter value (arch_counter()) at
 * which its saved virtual timer (or its emulated EL1 physical timer) fires
 * first, or ~0 if both are disabled or masked. Meaningless while the vCPU
 * is loaded.
 */
u64 arch_vcpu_vtimer_deadline(const struct vcpu *vcpu);
/*
 * Whether the output of the vCPU's timer whose interrupt is intid (the
 * virtual timer's PPI 27, the emulated EL1 physical timer's PPI 30) is
 * asserted now: enabled, not masked, and at or past its deadline, the
 * condition its level-sensitive interrupt follows. False for any other
 * intid. On the vCPU's own CPU, loaded or not.
 */
bool arch_vcpu_timer_asserted(const struct vcpu *vcpu, u32 intid);

#endif
