/*
 * SMC Calling Convention decode for guests (Arm DEN 0028): a call from HVC
 * or a trapped SMC lands here with the function ID in w0. This file only
 * decodes: yielding calls are refused (Keel has none), SMC32 arguments are
 * cut to their low 32 bits (SMCCC 2.6: the upper halves are not the
 * caller's to rely on, and a guest may leave garbage there), and the owner
 * field routes the call to core: Keel's own calls (core/hypercall.c), PSCI
 * (core/psci.c). The Arm architecture calls (owner 0) talk to the firmware
 * underneath, so they stay here. The result goes back to x0..x3 in
 * smccc_finish(), the one place that writes them.
 *
 * Spectre workaround calls (SMCCC_ARCH_WORKAROUND_1/2/3): a guest must make
 * them only if SMCCC_ARCH_FEATURES says they exist, and then they must work.
 * WORKAROUND_1 and _3 are stateless ("invalidate predictors now"), so Keel
 * forwards them to the firmware whenever the firmware implements SMCCC 1.1,
 * and ARCH_FEATURES passes the firmware's answer for them through: a guest
 * gets what it would get without Keel. WORKAROUND_2 sets per-PE state (SSBD)
 * that Keel would have to switch with the vCPU, so both the call and the
 * query answer NOT_SUPPORTED. QEMU's firmware reports SMCCC 1.0, so on QEMU
 * none of the three is offered (docs/guests.md).
 */
#include <keel/exit.h>
#include <keel/hypercall.h>
#include <keel/vcpu.h>
#include "smccc.h"

u64 arch_smc_call(u32 fid, u64 a1, u64 a2, u64 a3);

/* The firmware's SMCCC version, asked once: it is the same on every CPU. */
static s64 firmware_smccc_version(void)
{
	static s64 version;

	if (!version)
		version = (s64)(s32)arch_smc_call(SMCCC_VERSION, 0, 0, 0);
	return version;
}

static bool is_forwarded_workaround(u32 fid)
{
	return fid == SMCCC_ARCH_WORKAROUND_1 || fid == SMCCC_ARCH_WORKAROUND_3;
}

/* SMCCC_ARCH_FEATURES: what Keel itself answers, and the firmware's word for forwarded calls. */
static s64 arch_features(u32 queried)
{
	if (queried == SMCCC_VERSION || queried == SMCCC_ARCH_FEATURES)
		return SMCCC_RET_SUCCESS;
	if (!is_forwarded_workaround(queried) || firmware_smccc_version() < SMCCC_VERSION_1_1)
		return SMCCC_RET_NOT_SUPPORTED;
	return (s64)(s32)arch_smc_call(SMCCC_ARCH_FEATURES, queried, 0, 0);
}

/* The Arm architecture calls (owner 0). */
static void arch_call(const struct hc_args *in, struct hc_result *out)
{
	if (in->fid == SMCCC_VERSION)
		out->x0 = SMCCC_VERSION_1_1;
	else if (in->fid == SMCCC_ARCH_FEATURES)
		out->x0 = arch_features((u32)in->x[1]);
	else if (is_forwarded_workaround(in->fid) && firmware_smccc_version() >= SMCCC_VERSION_1_1)
		out->x0 = (s64)(s32)arch_smc_call(in->fid, 0, 0, 0);
	else
		out->x0 = SMCCC_RET_NOT_SUPPORTED;
}

void smccc_dispatch(struct vcpu *vcpu)
{
	struct hc_args in;
	struct hc_result out = { .x0 = SMCCC_RET_NOT_SUPPORTED };
	bool smc64;
	u64 mask;

	in.fid = (u32)vcpu->regs.x[0];
	smc64 = in.fid & SMCCC_64BIT;
	mask = smc64 ? ~0ull : 0xffffffffull; /* an SMC32 call's arguments are their low 32 bits */
	in.x[0] = 0;
	in.x[1] = vcpu->regs.x[1] & mask; /* unrolled: this is every hypercall's path */
	in.x[2] = vcpu->regs.x[2] & mask;
	in.x[3] = vcpu->regs.x[3] & mask;
	in.x[4] = vcpu->regs.x[4] & mask;
	in.x[5] = vcpu->regs.x[5] & mask;
	in.x[6] = vcpu->regs.x[6] & mask;
	if (in.fid & SMCCC_FAST_CALL) { /* Keel offers no yielding calls */
		switch (SMCCC_OWNER(in.fid)) {
		case SMCCC_OWNER_VENDOR_HYP:
			hypercall_dispatch(vcpu, &in, &out);
			break;
		case SMCCC_OWNER_STANDARD:
			psci_dispatch(vcpu, &in, &out);
			break;
		case SMCCC_OWNER_ARCH:
			arch_call(&in, &out);
			break;
		}
	}
	smccc_finish(vcpu, &out);
}
