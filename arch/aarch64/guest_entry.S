/*
 * The EL2 vector table and the guest entry/exit path.
 *
 * arch_guest_enter(vcpu) is an ordinary C call: it saves Keel's callee-saved
 * registers on this CPU's stack, loads the guest's general registers from
 * vcpu->regs and ERETs. When the guest traps, the lower-EL vector saves the
 * guest's registers back into the current vCPU (found through TPIDR_EL2 ->
 * struct cpu -> current), restores Keel's registers and returns from
 * arch_guest_enter with the exit reason in x0. The run loop is thus plain C.
 *
 * Keel itself runs with interrupts masked, so the current-EL vectors fire
 * only on a Keel bug: they record the registers and panic, naming the slot.
 */
#include "asm.h"
#include "asm-offsets.h"
#include "stacks.h"

#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3
#define FRAME_SIZE (34 * 8)

/*
 * Saving a guest's general registers into struct vcpu_regs at \base
 * (x[0..30] at 0..240, then PC and PSTATE), in the pieces the two exit
 * paths need: x2-x19, which a C call may change (and x19, paired with x18),
 * and x20-x29, which it keeps.
 */
.macro save_x2_x19 base
	stp	x2, x3, [\base, #16]
	stp	x4, x5, [\base, #32]
	stp	x6, x7, [\base, #48]
	stp	x8, x9, [\base, #64]
	stp	x10, x11, [\base, #80]
	stp	x12, x13, [\base, #96]
	stp	x14, x15, [\base, #112]
	stp	x16, x17, [\base, #128]
	stp	x18, x19, [\base, #144]
.endm

.macro save_x20_x29 base
	stp	x20, x21, [\base, #160]
	stp	x22, x23, [\base, #176]
	stp	x24, x25, [\base, #192]
	stp	x26, x27, [\base, #208]
	stp	x28, x29, [\base, #224]
.endm

/* The guest's x0 and x1, stashed on the stack by the vector, and ELR/SPSR as PC and PSTATE. */
.macro save_x0_x1_pc base
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [\base, #0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [\base, #VCPU_REGS_PC]
.endm

/* A vector slot for an exception from a guest: stash x0/x1, go to the exit path. */
.macro guest_vector reason
	.balign	128
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\reason
	b	guest_exit
.endm

/* The IRQ slot: the exit fast path for interrupts first (guest_irq_exit). */
.macro guest_irq_vector
	.balign	128
	stp	x0, x1, [sp, #-16]!
	b	guest_irq_exit
.endm

/* A vector slot that must never fire: panic naming it. */
.macro bad_vector slot
	.balign	128
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\slot
	b	el2_bad_exception
.endm

/*
 * Slot 4, a synchronous exception at EL2: always a Keel bug, perhaps a stack
 * overflow into the guard, where SP is unusable. So it moves to this CPU's
 * emergency stack first, found from SP alone (stacks.h), with x0 parked in
 * SP_EL0 (the guest's SP_EL0 is lost, but Keel is going down).
 */
.macro el2_sync_vector
	.balign	128
	msr	sp_el0, x0
	mov	x0, sp
	and	x0, x0, #~(CPU_STACK_REGION - 1)
	add	x0, x0, #CPU_STACK_REGION	/* the region's end: the emergency stack's top */
	add	sp, sp, x0			/* swap SP and x0 with no free register: */
	sub	x0, sp, x0			/*   x0 = the SP the exception came with */
	sub	sp, sp, x0			/*   SP = the emergency stack's top */
	sub	sp, sp, #FRAME_SIZE
	str	x1, [sp, #8]
	mrs	x1, sp_el0
	str	x1, [sp, #0]
	mov	x1, #4
	b	el2_bad_exception_sp
.endm

	.text
	.balign	2048
	.globl	el2_vectors
el2_vectors:
	bad_vector 0			/* current EL, SP_EL0: synchronous */
	bad_vector 1			/* current EL, SP_EL0: IRQ */
	bad_vector 2			/* current EL, SP_EL0: FIQ */
	bad_vector 3			/* current EL, SP_EL0: SError */
	el2_sync_vector			/* current EL, SP_EL2: synchronous (a Keel fault) */
	bad_vector 5			/* current EL, SP_EL2: IRQ (Keel runs masked) */
	bad_vector 6			/* current EL, SP_EL2: FIQ */
	bad_vector 7			/* current EL, SP_EL2: SError */
	guest_vector EXIT_SYNC		/* lower EL, AArch64: synchronous (trap, abort, call) */
	guest_irq_vector		/* lower EL, AArch64: IRQ */
	guest_vector EXIT_FIQ		/* lower EL, AArch64: FIQ */
	guest_vector EXIT_SERROR	/* lower EL, AArch64: SError */
	bad_vector 12			/* lower EL, AArch32: EL1 is AArch64 (HCR_EL2.RW), so never, */
					/* even from a guest's AArch32 EL0 (Arm ARM D1.10.2) */
	bad_vector 13
	bad_vector 14
	bad_vector 15

/* enum exit_reason arch_guest_enter(struct vcpu *vcpu) */
	.globl	arch_guest_enter
arch_guest_enter:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
guest_load:
	/* x0: the vCPU. Also where the exit fast path re-enters the guest. */
	ldp	x1, x2, [x0, #VCPU_REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #0]
	eret
	dsb	nsh				/* no speculation past the ERET */
	isb

guest_exit:
	/* x0: exit reason; the guest's x0 and x1 are on the stack. */
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #CPU_CURRENT]
	save_x2_x19 x1
	save_x20_x29 x1
	str	x30, [x1, #240]
	save_x0_x1_pc x1
	/*
	 * A synchronous exit may be handled without returning to the run loop
	 * (exit_fast(), include/keel/exit.h): Keel's own callee-saved registers
	 * stay in arch_guest_enter's frame, and the guest's are all in the vCPU.
	 */
	cbnz	x0, guest_exit_slow
	mov	x0, x1
	bl	exit_fast
	cmp	w0, #1			/* EXIT_FAST_DONE */
	b.ne	1f
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #CPU_CURRENT]
	b	guest_load
1:	lsl	w0, w0, #1		/* EXIT_FAST_NO: EXIT_SYNC (0); EXIT_FAST_RUN_LOOP: EXIT_HANDLED (4) */
guest_exit_slow:
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

/*
 * An interrupt from a guest. exit_fast_irq() is C: it keeps x19-x29 as the
 * procedure call standard says, and ELR_EL2 and SPSR_EL2 stay as they are
 * while Keel takes no exception. So only the registers a call may change are
 * saved first; if the interrupt is handled there, they come back and the
 * guest resumes. Otherwise the rest is saved as guest_exit does, and the
 * full path goes on with EXIT_IRQ.
 */
guest_irq_exit:
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #CPU_CURRENT]
	save_x2_x19 x1
	str	x30, [x1, #240]
	mov	x0, x1
	bl	exit_fast_irq
	mrs	x1, tpidr_el2
	ldr	x1, [x1, #CPU_CURRENT]
	cbz	w0, 1f
	ldp	x2, x3, [x1, #16]
	ldp	x4, x5, [x1, #32]
	ldp	x6, x7, [x1, #48]
	ldp	x8, x9, [x1, #64]
	ldp	x10, x11, [x1, #80]
	ldp	x12, x13, [x1, #96]
	ldp	x14, x15, [x1, #112]
	ldp	x16, x17, [x1, #128]
	ldr	x18, [x1, #144]
	ldr	x30, [x1, #240]
	ldp	x0, x1, [sp], #16
	eret
	dsb	nsh				/* no speculation past the ERET */
	isb
1:	save_x20_x29 x1
	save_x0_x1_pc x1
	mov	x0, #EXIT_IRQ
	b	guest_exit_slow

el2_bad_exception:
	/* x1: slot; x0/x1 of the faulting context saved at sp. Save the rest and panic. */
	add	x0, sp, #FRAME_SIZE
el2_bad_exception_sp:
	/* x0: the stack pointer before the exception. */
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	stp	x30, x0, [sp, #240]		/* x30 and the stack pointer before the fault */
	mrs	x2, elr_el2
	str	x2, [sp, #256]
	mov	x0, sp
	bl	el2_exception_panic
1:	wfe
	b	1b

/* FP/SIMD state of a vCPU: void arch_fpsimd_save/restore(struct vcpu_fpsimd *) */
	.globl	arch_fpsimd_save
arch_fpsimd_save:
	stp	q0, q1, [x0, #(FP_Q0 + 0 * 32)]
	stp	q2, q3, [x0, #(FP_Q0 + 1 * 32)]
	stp	q4, q5, [x0, #(FP_Q0 + 2 * 32)]
	stp	q6, q7, [x0, #(FP_Q0 + 3 * 32)]
	stp	q8, q9, [x0, #(FP_Q0 + 4 * 32)]
	stp	q10, q11, [x0, #(FP_Q0 + 5 * 32)]
	stp	q12, q13, [x0, #(FP_Q0 + 6 * 32)]
	stp	q14, q15, [x0, #(FP_Q0 + 7 * 32)]
	stp	q16, q17, [x0, #(FP_Q0 + 8 * 32)]
	stp	q18, q19, [x0, #(FP_Q0 + 9 * 32)]
	stp	q20, q21, [x0, #(FP_Q0 + 10 * 32)]
	stp	q22, q23, [x0, #(FP_Q0 + 11 * 32)]
	stp	q24, q25, [x0, #(FP_Q0 + 12 * 32)]
	stp	q26, q27, [x0, #(FP_Q0 + 13 * 32)]
	stp	q28, q29, [x0, #(FP_Q0 + 14 * 32)]
	stp	q30, q31, [x0, #(FP_Q0 + 15 * 32)]
	mrs	x1, fpsr
	str	x1, [x0, #FP_FPSR]
	mrs	x1, fpcr
	str	x1, [x0, #FP_FPCR]
	ret

	.globl	arch_fpsimd_restore
arch_fpsimd_restore:
	ldp	q0, q1, [x0, #(FP_Q0 + 0 * 32)]
	ldp	q2, q3, [x0, #(FP_Q0 + 1 * 32)]
	ldp	q4, q5, [x0, #(FP_Q0 + 2 * 32)]
	ldp	q6, q7, [x0, #(FP_Q0 + 3 * 32)]
	ldp	q8, q9, [x0, #(FP_Q0 + 4 * 32)]
	ldp	q10, q11, [x0, #(FP_Q0 + 5 * 32)]
	ldp	q12, q13, [x0, #(FP_Q0 + 6 * 32)]
	ldp	q14, q15, [x0, #(FP_Q0 + 7 * 32)]
	ldp	q16, q17, [x0, #(FP_Q0 + 8 * 32)]
	ldp	q18, q19, [x0, #(FP_Q0 + 9 * 32)]
	ldp	q20, q21, [x0, #(FP_Q0 + 10 * 32)]
	ldp	q22, q23, [x0, #(FP_Q0 + 11 * 32)]
	ldp	q24, q25, [x0, #(FP_Q0 + 12 * 32)]
	ldp	q26, q27, [x0, #(FP_Q0 + 13 * 32)]
	ldp	q28, q29, [x0, #(FP_Q0 + 14 * 32)]
	ldp	q30, q31, [x0, #(FP_Q0 + 15 * 32)]
	ldr	x1, [x0, #FP_FPSR]
	msr	fpsr, x1
	ldr	x1, [x0, #FP_FPCR]
	msr	fpcr, x1
	ret
