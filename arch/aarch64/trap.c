/*
 * What happens when a guest leaves: decode ESR_EL2 and dispatch on its
 * exception class through one static table (Arm ARM D13.2.37). Everything a
 * guest can cause ends in an emulated result, an error code or an exception
 * injected into that guest, never in a Keel panic.
 */
#include <abi/keel/hypercall.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/guest_mem.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include "smccc.h"
#include "sysreg.h"
#include "sysreg_trap.h"

void arch_exit_syndrome(struct exit_syndrome *s)
{
	s->esr = read_sysreg(esr_el2);
	s->far = read_sysreg(far_el2);
	s->hpfar = read_sysreg(hpfar_el2);
}

/*
 * The abort handlers' view of the syndrome: ESR as exit_handle() read it,
 * the fault addresses read now. They stay valid as long as Keel takes no
 * exception at EL2, which holds while an exit is handled; reading them only
 * here keeps two system-register reads off every other exit.
 */
static inline __attribute__((always_inline)) struct exit_syndrome abort_syndrome(const struct exit_syndrome *s)
{
	return (struct exit_syndrome){ .esr = s->esr, .far = read_sysreg(far_el2), .hpfar = read_sysreg(hpfar_el2) };
}

void vcpu_skip_insn(struct vcpu *vcpu)
{
	/* ESR_EL2 still holds this exit's syndrome: Keel takes no exception while handling it. */
	vcpu->regs.pc += (read_sysreg(esr_el2) & ESR_IL) ? 4 : 2;
}

/*
 * The IPA of a stage-2 fault. HPFAR_EL2.FIPA gives bits [47:12] for
 * translation and access-flag faults and for any fault on a stage-1 table
 * walk, but need not for a permission fault (Arm ARM, HPFAR_EL2; Cortex-A57
 * erratum 834220 adds cases): there Keel translates FAR_EL2 through the
 * guest's own stage 1 with AT S1E1R, keeping the guest's PAR_EL1. False if
 * that fails (the guest changed its tables meanwhile): it retries the access.
 */
static inline __attribute__((always_inline)) bool fault_ipa(const struct exit_syndrome *s, bool s1ptw, u32 fsc,
							     u64 *ipa)
{
	u64 saved, par;

	if (s1ptw || !FSC_IS_PERMISSION(fsc)) {
		*ipa = ((s->hpfar >> 4) << 12) | (s->far & 0xfff);
		return true;
	}
	saved = read_sysreg(par_el1);
	__asm__ volatile("at s1e1r, %0" : : "r"(s->far));
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(par_el1, saved);
	if (par & PAR_F)
		return false;
	*ipa = (par & PAR_PA_MASK) | (s->far & 0xfff);
	return true;
}

static void handle_wfx(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	vcpu_skip_insn(vcpu);
	vcpu_wait_for_interrupt(vcpu);
}

static void handle_hvc(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	smccc_dispatch(vcpu); /* ELR already points past the HVC */
}

static void handle_smc(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	/* A trapped SMC leaves ELR at the SMC itself (Arm ARM D1.10.4). */
	vcpu_skip_insn(vcpu);
	smccc_dispatch(vcpu);
}

/*
 * A trapped MSR or MRS (EC 0x18; ISS layout Arm ARM D13.2.37): the GIC's SGI
 * registers, the PMU and the debug registers are emulated
 * (arch/aarch64/sysreg_trap.c); anything else is undefined for the guest.
 */
static void handle_sysreg(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	u32 iss = ESR_ISS(s->esr);
	bool read = iss & SYSREG_ISS_READ;
	u32 rt = SYSREG_ISS_RT(iss);
	u64 value = read ? 0 : vcpu_get_reg(vcpu, rt);

	if (!sysreg_trap_emulate(vcpu, SYSREG_ISS_KEY(iss), read, &value)) {
		vm_log(vcpu->vm, "vcpu %u: %s of unsupported system register (ISS 0x%x) at pc 0x%lx: undefined",
		       vcpu->index, read ? "read" : "write", iss, vcpu->regs.pc);
		vcpu_inject_undef(vcpu);
		return;
	}
	if (read)
		vcpu_set_reg(vcpu, rt, value);
	vcpu_skip_insn(vcpu);
}

/* A first FP/SIMD instruction since this vCPU was loaded: it takes the registers, then retries. */
static void handle_fp(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	arch_vcpu_claim_fpsimd(vcpu); /* ELR is the trapped instruction itself */
}

/* The kind of a stage-2 fault from its status code (Arm ARM D13.2.39, ISS encoding for aborts). */
static enum s2_fault_kind fault_kind(u32 fsc)
{
	if (FSC_IS_TRANSLATION(fsc))
		return S2_FAULT_TRANSLATION;
	if (FSC_IS_PERMISSION(fsc))
		return S2_FAULT_PERMISSION;
	return S2_FAULT_OTHER;
}

/*
 * Decode a stage-2 abort once; core decides what it means. A fault on the
 * guest's own stage-1 table walk is a data access to the table, and a
 * permission fault there means the walker wants to write it (access flag,
 * dirty state): a write, even when it served an instruction fetch.
 */
static inline __attribute__((always_inline)) bool decode_s2_fault(const struct exit_syndrome *s, bool iabt,
								   struct s2_fault *f)
{
	u32 iss = ESR_ISS(s->esr);
	u32 fsc = DABT_DFSC(iss);
	bool s1ptw = iss & DABT_S1PTW;
	u64 ipa;

	if (!fault_ipa(s, s1ptw, fsc, &ipa))
		return false;
	f->ipa = ipa_of(ipa);
	f->kind = fault_kind(fsc);
	f->exec = iabt && !s1ptw;
	f->write = s1ptw ? f->kind == S2_FAULT_PERMISSION : !iabt && (iss & DABT_WNR);
	return true;
}

static void handle_dabt(struct vcpu *vcpu, const struct exit_syndrome *exit)
{
	struct exit_syndrome fault = abort_syndrome(exit);
	const struct exit_syndrome *s = &fault;
	u32 iss = ESR_ISS(s->esr);
	struct s2_fault f;
	struct mmio_access a;
	bool decodable = (iss & DABT_ISV) && !(iss & DABT_S1PTW);

	if (!decode_s2_fault(s, false, &f))
		return; /* retry */
	a = (struct mmio_access){
		.ipa = ipa_val(f.ipa),
		.width = 1u << DABT_SAS(iss),
		.reg = DABT_SRT(iss),
		.write = iss & DABT_WNR,
		.sign_extend = iss & DABT_SSE,
		.reg64 = iss & DABT_SF,
	};
	if (fault_data_abort(vcpu, &f, decodable ? &a : NULL, s->far) == FAULT_EMULATED)
		vcpu->regs.pc += (s->esr & ESR_IL) ? 4 : 2; /* vcpu_skip_insn, with the syndrome at hand */
}

static void handle_iabt(struct vcpu *vcpu, const struct exit_syndrome *exit)
{
	struct exit_syndrome fault = abort_syndrome(exit);
	struct s2_fault f;

	if (decode_s2_fault(&fault, true, &f))
		fault_insn_abort(vcpu, &f, fault.far);
}

static void handle_unknown(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	vm_log(vcpu->vm, "vcpu %u: unhandled trap EC 0x%lx (ESR 0x%lx) at pc 0x%lx: undefined injected",
	       vcpu->index, ESR_EC(s->esr), s->esr, vcpu->regs.pc);
	vcpu_inject_undef(vcpu);
}

typedef void (*trap_handler)(struct vcpu *vcpu, const struct exit_syndrome *s);

/* Every class has a handler, so dispatch is one indexed call (the override warning is this table's intent). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const trap_handler trap_handlers[64] = {
	[0 ... 63] = handle_unknown,
	[EC_WFX] = handle_wfx,
	[EC_FP] = handle_fp,
	[EC_HVC64] = handle_hvc,
	[EC_SMC64] = handle_smc,
	[EC_SYSREG] = handle_sysreg,
	[EC_DABT_LOW] = handle_dabt,
	[EC_IABT_LOW] = handle_iabt,
};
#pragma GCC diagnostic pop

/*
 * A data abort that reads a device register fixed since the device was
 * set up (include/keel/exit.h): a decodable load, no table walk, and a
 * translation fault, since IPAs with a device have no stage-2 mapping
 * (a permission fault is RAM, whose IPA would need AT: the full path).
 */
static __attribute__((noinline)) bool dabt_fast(struct vcpu *vcpu, u64 esr)
{
	u32 iss = ESR_ISS(esr);
	struct mmio_access a;

	if ((iss & (DABT_ISV | DABT_WNR | DABT_S1PTW)) != DABT_ISV || !FSC_IS_TRANSLATION(DABT_DFSC(iss)) ||
	    !exit_quiet(vcpu))
		return false;
	a = (struct mmio_access){
		.ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (read_sysreg(far_el2) & 0xfff),
		.width = 1u << DABT_SAS(iss),
		.reg = DABT_SRT(iss),
		.sign_extend = iss & DABT_SSE,
		.reg64 = iss & DABT_SF,
	};
	if (!mmio_read_fast(vcpu, &a))
		return false;
	vcpu->nr_exits++;
	vcpu->regs.pc += (esr & ESR_IL) ? 4 : 2;
	return true;
}

/* An HVC of one of Keel's calls marked HC_PURE (include/keel/hypercall.h); ELR is past the HVC already. */
static __attribute__((noinline)) bool hvc_fast(struct vcpu *vcpu)
{
	struct hc_result out;

	if (!exit_quiet(vcpu))
		return false;
	vcpu->nr_exits++;
	out.x1 = out.x2 = out.x3 = 0; /* field by field: an initialiser of the whole becomes a memset call */
	out.next = NULL;
	out.restart = false;
	hypercall_fast(vcpu, (u32)vcpu->regs.x[0], &out);
	smccc_finish(vcpu, &out);
	return true;
}

/*
 * Kept to a few instructions with no stack frame: every synchronous exit
 * comes here first, and most decline (a call that is not pure, an MMIO
 * write); the handlers are out of line and counted where they succeed.
 */
bool exit_fast(struct vcpu *vcpu)
{
	u64 esr = read_sysreg(esr_el2);

	if (ESR_EC(esr) == EC_HVC64)
		return hc_is_pure((u32)vcpu->regs.x[0]) && hvc_fast(vcpu);
	if (ESR_EC(esr) == EC_DABT_LOW)
		return dabt_fast(vcpu, esr);
	return false;
}

void exit_handle(struct vcpu *vcpu, enum exit_reason reason)
{
	struct exit_syndrome s;

	vcpu->nr_exits++;
	if (__builtin_expect(reason == EXIT_SYNC, 1)) {
		s = (struct exit_syndrome){ .esr = read_sysreg(esr_el2) }; /* aborts read the rest */
		trap_handlers[ESR_EC(s.esr)](vcpu, &s);
		return;
	}
	switch (reason) {
	case EXIT_SYNC:
		break;
	case EXIT_IRQ:
		irq_handle_pending(this_cpu());
		break;
	case EXIT_FIQ:
		vm_log(vcpu->vm, "unexpected FIQ while running vcpu %u", vcpu->index);
		break;
	case EXIT_SERROR:
		/*
		 * Error synchronization without FEAT_RAS (Arm ARM D1.x,
		 * "Synchronization and SError exceptions"): DSB waits for the
		 * guest's outstanding accesses, so an error they cause is raised
		 * now, while this vCPU is the one to blame; ISB makes it visible
		 * before Keel decides anything. (ESB would defer it to DISR_EL1,
		 * which only a RAS CPU has.)
		 */
		dsb(sy);
		isb();
		arch_exit_syndrome(&s);
		vm_log(vcpu->vm, "SError from vcpu %u (ESR 0x%lx): virtual SError injected", vcpu->index, s.esr);
		vcpu_inject_vserror(vcpu); /* per vCPU: saved and cleared by arch_vcpu_put */
		break;
	}
}
