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
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include "sysreg.h"
#include "sysreg_trap.h"

void arch_exit_syndrome(struct exit_syndrome *s)
{
	s->esr = read_sysreg(esr_el2);
	s->far = read_sysreg(far_el2);
	s->hpfar = read_sysreg(hpfar_el2);
}

void vcpu_skip_insn(struct vcpu *vcpu)
{
	/* ESR_EL2 still holds this exit's syndrome: Keel takes no exception while handling it. */
	vcpu->regs.pc += (read_sysreg(esr_el2) & ESR_IL) ? 4 : 2;
}

/* The IPA of a stage-2 fault: HPFAR_EL2.FIPA gives bits [47:12] (Arm ARM D13.2.48). */
static u64 fault_ipa(const struct exit_syndrome *s)
{
	return ((s->hpfar >> 4) << 12) | (s->far & 0xfff);
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

/* Decode a stage-2 data abort into an MMIO access (ISS valid) and emulate it. */
static void handle_dabt(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	u32 iss = ESR_ISS(s->esr);
	u64 ipa = fault_ipa(s);
	struct mmio_access a = {
		.ipa = ipa,
		.width = 1u << DABT_SAS(iss),
		.reg = DABT_SRT(iss),
		.write = iss & DABT_WNR,
		.sign_extend = iss & DABT_SSE,
		.reg64 = iss & DABT_SF,
	};

	/* Emulated devices first: they are the common case on this path. */
	if ((iss & DABT_ISV) && !(iss & DABT_S1PTW) && mmio_dispatch(vcpu, &a)) {
		vcpu_skip_insn(vcpu);
		return;
	}
	if (FSC_IS_TRANSLATION(DABT_DFSC(iss)) && vm_populate_ram(vcpu->vm, ipa))
		return; /* first touch of a RAM chunk: now mapped, the guest retries */
	vm_log(vcpu->vm, "vcpu %u: %s at IPA 0x%lx (pc 0x%lx): %s; abort injected", vcpu->index,
	       a.write ? "write" : "read", ipa, vcpu->regs.pc,
	       !(iss & DABT_ISV) ? "instruction not decodable" :
	       vm_find_vdev(vcpu->vm, ipa) ? "refused by the device" : "no memory or device there");
	vcpu_inject_dabt(vcpu, s->far);
}

static void handle_iabt(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	if (FSC_IS_TRANSLATION(DABT_DFSC(ESR_ISS(s->esr))) && vm_populate_ram(vcpu->vm, fault_ipa(s)))
		return;
	vm_log(vcpu->vm, "vcpu %u: instruction fetch from IPA 0x%lx: nothing executable there; abort injected",
	       vcpu->index, fault_ipa(s));
	vcpu_inject_iabt(vcpu, s->far);
}

static void handle_unknown(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	vm_log(vcpu->vm, "vcpu %u: unhandled trap EC 0x%lx (ESR 0x%lx) at pc 0x%lx: undefined injected",
	       vcpu->index, ESR_EC(s->esr), s->esr, vcpu->regs.pc);
	vcpu_inject_undef(vcpu);
}

typedef void (*trap_handler)(struct vcpu *vcpu, const struct exit_syndrome *s);

static const trap_handler trap_handlers[64] = {
	[EC_WFX] = handle_wfx,
	[EC_HVC64] = handle_hvc,
	[EC_SMC64] = handle_smc,
	[EC_SYSREG] = handle_sysreg,
	[EC_DABT_LOW] = handle_dabt,
	[EC_IABT_LOW] = handle_iabt,
};

void exit_handle(struct vcpu *vcpu, enum exit_reason reason)
{
	struct exit_syndrome s;

	vcpu->nr_exits++;
	switch (reason) {
	case EXIT_SYNC: {
		trap_handler h;

		arch_exit_syndrome(&s);
		h = trap_handlers[ESR_EC(s.esr)];
		(h ? h : handle_unknown)(vcpu, &s);
		break;
	}
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
