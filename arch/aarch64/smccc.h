/*
 * What the SMCCC decode (smccc.c) and the exit fast path (trap.c) share:
 * the one place a call's results reach the guest's registers.
 */
#ifndef KEEL_ARCH_SMCCC_H
#define KEEL_ARCH_SMCCC_H

#include <keel/exit.h>
#include <keel/hypercall.h>
#include <keel/vcpu.h>

/* A call's results to x0..x3, or back to the HVC/SMC if it must be made again; a handoff to the run loop. */
static inline void smccc_finish(struct vcpu *vcpu, const struct hc_result *out)
{
	if (out->restart) {
		/* Back to the HVC or SMC (both 4 bytes, and PC is past it): x0..x6 are untouched. */
		vcpu->regs.pc -= 4;
		return;
	}
	vcpu->regs.x[0] = (u64)out->x0;
	vcpu->regs.x[1] = out->x1;
	vcpu->regs.x[2] = out->x2;
	vcpu->regs.x[3] = out->x3;
	if (out->next)
		exit_handoff(out->next);
}

#endif
