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

void arch_exit_syndrome(struct exit_syndrome *s)
{
	s->esr = read_sysreg(esr_el2);
	s->far = read_sysreg(far_el2);
	s->hpfar = read_sysreg(hpfar_el2);
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

static void handle_sysreg(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	u32 iss = ESR_ISS(s->esr);
	u32 key = SYSREG_ISS_KEY(iss);
	bool read = iss & SYSREG_ISS_READ;
	u32 rt = SYSREG_ISS_RT(iss);

	if (!read && key == SYSREG_KEY(3, 0, 12, 11, 5)) { /* ICC_SGI1R_EL1 */
		vgic_sgi_write(vcpu, vcpu_get_reg(vcpu, rt), true);
	} else if (!read && key == SYSREG_KEY(3, 1, 12, 11, 6)) { /* ICC_ASGI1R_EL1 */
		vgic_sgi_write(vcpu, vcpu_get_reg(vcpu, rt), false);
	} else if (!read && key == SYSREG_KEY(3, 2, 12, 11, 7)) { /* ICC_SGI0R_EL1 */
		vgic_sgi_write(vcpu, vcpu_get_reg(vcpu, rt), false);
	} else {
		vm_log(vcpu->vm, "vcpu %u: %s of unsupported system register (ISS 0x%x) at pc 0x%lx: undefined",
		       vcpu->index, read ? "read" : "write", iss, vcpu->regs.pc);
		vcpu_inject_undef(vcpu);
		return;
	}
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
	enum mmio_result res = (iss & DABT_ISV) && !(iss & DABT_S1PTW) ? mmio_dispatch(vcpu, &a) : MMIO_NO_DEVICE;

	if (res == MMIO_OK) {
		vcpu_skip_insn(vcpu);
		return;
	}
	if (res == MMIO_NO_DEVICE && FSC_IS_TRANSLATION(DABT_DFSC(iss)) && vm_populate_ram(vcpu->vm, ipa))
		return; /* first touch of a RAM chunk: now mapped, the guest retries */
	vm_log(vcpu->vm, "vcpu %u: %s at IPA 0x%lx (pc 0x%lx): %s; abort injected", vcpu->index,
	       a.write ? "write" : "read", ipa, vcpu->regs.pc,
	       !(iss & DABT_ISV) ? "instruction not decodable" :
	       res == MMIO_REFUSED ? "refused by the device" : "no memory or device there");
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
		arch_exit_syndrome(&s);
		vm_log(vcpu->vm, "SError from vcpu %u (ESR 0x%lx): virtual SError injected", vcpu->index, s.esr);
		write_sysreg(hcr_el2, read_sysreg(hcr_el2) | HCR_VSE);
		break;
	}
}
