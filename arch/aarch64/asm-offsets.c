/*
 * Struct offsets the assembly needs, emitted as "@@OFFSET NAME value" lines
 * that the Makefile turns into build/keel/asm-offsets.h. Compiled, never
 * linked.
 */
#include <keel/cpu.h>
#include <keel/vcpu.h>

#define OFFSET(name, type, member)                                             \
	__asm__ volatile("\n@@OFFSET " #name " %0" : : "i"(offsetof(type, member)))

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(VCPU_REGS_X0, struct vcpu, regs.x[0]);
	OFFSET(VCPU_REGS_PC, struct vcpu, regs.pc);
	OFFSET(CPU_CURRENT, struct cpu, current);
	OFFSET(FP_Q0, struct vcpu_fpsimd, q[0]);
	OFFSET(FP_FPSR, struct vcpu_fpsimd, fpsr);
	OFFSET(FP_FPCR, struct vcpu_fpsimd, fpcr);
}

/* The vectors find the trap frame at the start of struct vcpu. */
_Static_assert(offsetof(struct vcpu, regs) == 0, "vcpu regs must be first");
_Static_assert(offsetof(struct vcpu_regs, pc) == 31 * 8, "pc follows x30");
_Static_assert(offsetof(struct vcpu_regs, pstate) == 32 * 8, "pstate follows pc");
