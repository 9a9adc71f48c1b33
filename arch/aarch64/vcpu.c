/*
 * Moving a vCPU's system state between memory and the processor, resetting
 * it, and injecting synchronous exceptions into it (Arm ARM D1.10: how an
 * exception is taken to EL1).
 *
 * Keel at EL2 never uses the EL1 registers, FP/SIMD or the virtual timer, so
 * they stay in the processor while a vCPU is loaded and are saved only when
 * a different vCPU takes the CPU (arch_vcpu_put): a trap costs only the
 * general registers.
 *
 * FP/SIMD is switched lazily, as Linux and KVM do: 32 128-bit registers
 * cost about 70 instructions each way, and most switches (an IPC call and
 * its reply, a bare-metal or RTOS guest) go between vCPUs that do not touch
 * them. Each CPU's FP/SIMD registers belong to one vCPU, fp_owner; any
 * other vCPU runs with CPTR_EL2.TFP set, and its first FP/SIMD instruction
 * traps to arch_vcpu_claim_fpsimd(), which saves the owner's registers to
 * its struct vcpu_fpsimd, loads the caller's and hands the registers over.
 * So a vCPU's vcpu->fp is current only while it does not own its CPU's
 * registers. Nothing of one vCPU's FP state is visible to another: the
 * registers are never readable without the claim. Everything here runs on
 * the vCPU's own CPU (vCPUs are pinned), so fp_owner needs no lock.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/arch/gic.h>
#include <keel/drivers/gicv3.h>
#include <keel/platform.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include "sysreg.h"
#include "sysreg_trap.h"

void arch_fpsimd_save(struct vcpu_fpsimd *fp);
void arch_fpsimd_restore(const struct vcpu_fpsimd *fp);

static struct vcpu *fp_owner[PLAT_MAX_CPUS]; /* whose FP/SIMD state each CPU's registers hold */

bool arch_vcpu_claim_fpsimd(struct vcpu *vcpu)
{
	u32 cpu = arch_cpu_index();
	struct vcpu *owner = fp_owner[cpu];

	write_sysreg(cptr_el2, CPTR_EL2_RES1); /* before Keel's own save and restore touch them */
	isb();
	if (owner == vcpu)
		return false; /* TFP was set for its owner: Keel's bug, but harmless now */
	if (owner)
		arch_fpsimd_save(&owner->fp);
	arch_fpsimd_restore(&vcpu->fp);
	fp_owner[cpu] = vcpu;
	return true;
}

void arch_vcpu_fpsimd_release(struct vcpu *vcpu)
{
	u32 cpu = arch_cpu_index();

	if (fp_owner[cpu] != vcpu)
		return; /* vcpu->fp is current already */
	write_sysreg(cptr_el2, CPTR_EL2_RES1); /* Keel's own access must not trap */
	isb();
	arch_fpsimd_save(&vcpu->fp);
	fp_owner[cpu] = NULL;
	/*
	 * No one owns the registers now: whichever vCPU is loaded here (it may
	 * be another VM's, entered again without a reload) must trap on its
	 * first use, or it would read what this vCPU left in them.
	 */
	write_sysreg(cptr_el2, CPTR_EL2_RES1 | CPTR_EL2_TFP);
	isb();
}

/* On load: the registers are this vCPU's already, or its first use claims them. */
static void load_fpsimd_trap(const struct vcpu *vcpu)
{
	bool owned = fp_owner[arch_cpu_index()] == vcpu;

	write_sysreg(cptr_el2, CPTR_EL2_RES1 | (owned ? 0 : CPTR_EL2_TFP));
}

void arch_vcpu_reset_sysregs(struct vcpu *vcpu)
{
	struct vcpu_sysregs *s = &vcpu->sys;

	*s = (struct vcpu_sysregs){ 0 };
	s->sctlr_el1 = SCTLR_EL1_RESET;
	s->vmpidr_el2 = BIT(31) | vcpu->index; /* Aff0 = vCPU index, uniprocessor bit clear */
	vcpu->fp = (struct vcpu_fpsimd){ 0 };
	if (fp_owner[arch_cpu_index()] == vcpu)
		fp_owner[arch_cpu_index()] = NULL; /* its live registers are stale now: reload from fp */
	vcpu->vgic.hcr = ICH_HCR_EN;
	vcpu->vgic.vmcr = 0;
	for (u32 i = 0; i < 4; i++)
		vcpu->vgic.ap0r[i] = vcpu->vgic.ap1r[i] = 0;
}

void arch_vcpu_reset_regs(struct vcpu *vcpu, u64 pc, u64 x0)
{
	vcpu->regs = (struct vcpu_regs){ 0 };
	vcpu->regs.x[0] = x0;
	vcpu->regs.pc = pc;
	vcpu->regs.pstate = PSTATE_EL1H_MASKED;
}

/* CNTV_CTL_EL0 (Arm ARM D13.8.17): a timer fires when enabled, unmasked and CVAL is reached. */
u64 arch_vcpu_vtimer_deadline(const struct vcpu *vcpu)
{
	u64 ctl = vcpu->sys.cntv_ctl_el0;

	u64 vtimer = (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) ? vcpu->sys.cntv_cval_el0 : ~0ull;

	return MIN(vtimer, ptimer_deadline(vcpu)); /* and the emulated EL1 physical timer */
}

bool arch_vcpu_timer_asserted(const struct vcpu *vcpu, u32 intid)
{
	u64 ctl;

	if (intid == IRQ_PPI_PHYS_TIMER)
		return ptimer_asserted(vcpu);
	if (intid != IRQ_PPI_VIRT_TIMER)
		return false;
	ctl = vcpu->loaded ? read_sysreg(cntv_ctl_el0) : vcpu->sys.cntv_ctl_el0;
	if (!(ctl & CNT_CTL_ENABLE) || (ctl & CNT_CTL_IMASK))
		return false;
	return vcpu->loaded ? (ctl & CNT_CTL_ISTATUS) != 0 : arch_counter() >= vcpu->sys.cntv_cval_el0;
}

/*
 * HCR_EL2.VSE is the vCPU's pending virtual SError (Arm ARM D1.x, "Virtual
 * SError exceptions"): it must travel with the vCPU, or the next guest on
 * this CPU would take it. The hardware clears it when the guest takes it.
 * HCR_EL2.TWI too is the vCPU's (vcpu_update_wfi_trap).
 */
static void load_hcr(const struct vcpu *vcpu)
{
	u64 hcr = read_sysreg(hcr_el2) & ~(HCR_VSE | HCR_TWI);

	hcr |= vcpu->wfi_untrapped ? 0 : HCR_TWI;
	write_sysreg(hcr_el2, hcr | (vcpu->sys.vserror_pending ? HCR_VSE : 0));
}

void arch_vcpu_set_wfi_trap(struct vcpu *vcpu, bool untrap)
{
	u64 hcr = read_sysreg(hcr_el2) & ~HCR_TWI;

	vcpu->wfi_untrapped = untrap;
	write_sysreg(hcr_el2, hcr | (untrap ? 0 : HCR_TWI));
}

static void put_vserror(struct vcpu *vcpu)
{
	u64 hcr = read_sysreg(hcr_el2);

	vcpu->sys.vserror_pending = (hcr & HCR_VSE) != 0;
	write_sysreg(hcr_el2, hcr & ~HCR_VSE);
}

static void load_vgic_interface(const struct vcpu *vcpu)
{
	write_sysreg(ICH_VMCR_EL2, vcpu->vgic.vmcr);
	write_sysreg(ICH_AP0R0_EL2, vcpu->vgic.ap0r[0]);
	write_sysreg(ICH_AP1R0_EL2, vcpu->vgic.ap1r[0]);
	write_sysreg(ICH_HCR_EL2, vcpu->vgic.hcr);
	/* The list registers are empty (arch_gic_cpuif_init, vgic_sync_lrs): refilled at each entry. */
}

void arch_vcpu_load(struct vcpu *vcpu)
{
	const struct vcpu_sysregs *s = &vcpu->sys;

	write_sysreg(sctlr_el1, s->sctlr_el1);
	write_sysreg(actlr_el1, s->actlr_el1);
	write_sysreg(cpacr_el1, s->cpacr_el1);
	write_sysreg(ttbr0_el1, s->ttbr0_el1);
	write_sysreg(ttbr1_el1, s->ttbr1_el1);
	write_sysreg(tcr_el1, s->tcr_el1);
	write_sysreg(mair_el1, s->mair_el1);
	write_sysreg(amair_el1, s->amair_el1);
	write_sysreg(vbar_el1, s->vbar_el1);
	write_sysreg(contextidr_el1, s->contextidr_el1);
	write_sysreg(esr_el1, s->esr_el1);
	write_sysreg(far_el1, s->far_el1);
	write_sysreg(afsr0_el1, s->afsr0_el1);
	write_sysreg(afsr1_el1, s->afsr1_el1);
	write_sysreg(par_el1, s->par_el1);
	write_sysreg(sp_el0, s->sp_el0);
	write_sysreg(sp_el1, s->sp_el1);
	write_sysreg(elr_el1, s->elr_el1);
	write_sysreg(spsr_el1, s->spsr_el1);
	write_sysreg(tpidr_el0, s->tpidr_el0);
	write_sysreg(tpidrro_el0, s->tpidrro_el0);
	write_sysreg(tpidr_el1, s->tpidr_el1);
	write_sysreg(cntkctl_el1, s->cntkctl_el1);
	write_sysreg(csselr_el1, s->csselr_el1);
	write_sysreg(mdscr_el1, sysreg_trap_mdscr_hw(vcpu));
	write_sysreg(cntv_cval_el0, s->cntv_cval_el0);
	write_sysreg(cntv_ctl_el0, s->cntv_ctl_el0);
	write_sysreg(vmpidr_el2, s->vmpidr_el2);
	write_sysreg(vttbr_el2, (u64)vcpu->vm->vmid << 48 | (u64)(uintptr_t)vcpu->vm->s2.pt.root);
	write_sysreg(vtcr_el2, vtcr_value());
	load_fpsimd_trap(vcpu);
	load_vgic_interface(vcpu);
	load_hcr(vcpu);
	ptimer_load(vcpu);
	if (vcpu->vtimer_hw_active) {
		/* Its guest had not completed a timer interrupt: the hardware-linked LR will. */
		gicv3_set_active(IRQ_PPI_VIRT_TIMER);
		vcpu->vtimer_hw_active = false;
	}
	isb();
	vcpu->loaded = true;
}

void arch_vcpu_put(struct vcpu *vcpu)
{
	struct vcpu_sysregs *s = &vcpu->sys;

	s->sctlr_el1 = read_sysreg(sctlr_el1);
	s->actlr_el1 = read_sysreg(actlr_el1);
	s->cpacr_el1 = read_sysreg(cpacr_el1);
	s->ttbr0_el1 = read_sysreg(ttbr0_el1);
	s->ttbr1_el1 = read_sysreg(ttbr1_el1);
	s->tcr_el1 = read_sysreg(tcr_el1);
	s->mair_el1 = read_sysreg(mair_el1);
	s->amair_el1 = read_sysreg(amair_el1);
	s->vbar_el1 = read_sysreg(vbar_el1);
	s->contextidr_el1 = read_sysreg(contextidr_el1);
	s->esr_el1 = read_sysreg(esr_el1);
	s->far_el1 = read_sysreg(far_el1);
	s->afsr0_el1 = read_sysreg(afsr0_el1);
	s->afsr1_el1 = read_sysreg(afsr1_el1);
	s->par_el1 = read_sysreg(par_el1);
	s->sp_el0 = read_sysreg(sp_el0);
	s->sp_el1 = read_sysreg(sp_el1);
	s->elr_el1 = read_sysreg(elr_el1);
	s->spsr_el1 = read_sysreg(spsr_el1);
	s->tpidr_el0 = read_sysreg(tpidr_el0);
	s->tpidrro_el0 = read_sysreg(tpidrro_el0);
	s->tpidr_el1 = read_sysreg(tpidr_el1);
	s->cntkctl_el1 = read_sysreg(cntkctl_el1);
	s->csselr_el1 = read_sysreg(csselr_el1);
	/* mdscr_el1 is not read back: MDCR_EL2.TDA traps the guest's every access to it. */
	s->cntv_ctl_el0 = read_sysreg(cntv_ctl_el0);
	s->cntv_cval_el0 = read_sysreg(cntv_cval_el0);
	write_sysreg(cntv_ctl_el0, 0); /* the next vCPU must not get this one's timer interrupt */
	isb();
	/* A timer interrupt this guest has not completed stays this vCPU's (KVM does the same). */
	vcpu->vtimer_hw_active = gicv3_is_active(IRQ_PPI_VIRT_TIMER);
	if (vcpu->vtimer_hw_active)
		gicv3_clear_active(IRQ_PPI_VIRT_TIMER);
	ptimer_put(vcpu);
	/* FP/SIMD stays in the registers, this vCPU's until another one claims them. */
	vcpu->vgic.vmcr = (u32)read_sysreg(ICH_VMCR_EL2);
	vcpu->vgic.ap0r[0] = (u32)read_sysreg(ICH_AP0R0_EL2);
	vcpu->vgic.ap1r[0] = (u32)read_sysreg(ICH_AP1R0_EL2);
	vcpu->vgic.hcr = (u32)read_sysreg(ICH_HCR_EL2);
	put_vserror(vcpu);
	isb();
	vcpu->loaded = false;
}

/*
 * Take a synchronous exception to the guest's EL1 as the architecture would
 * (Arm ARM D1.10.2): save PC and PSTATE in ELR_EL1/SPSR_EL1, enter at the
 * VBAR_EL1 offset for where the guest was, with DAIF masked.
 */
static void inject_sync(struct vcpu *vcpu, u64 esr, u64 far, bool set_far)
{
	u64 mode = vcpu->regs.pstate & PSTATE_MODE_MASK;
	u64 offset;

	CHECK(vcpu->loaded);
	if (vcpu->regs.pstate & PSTATE_AARCH32)
		offset = 0x600; /* lower EL, AArch32: the guest's EL0 may run A32/T32 code */
	else if (mode == PSTATE_MODE_EL0T)
		offset = 0x400; /* lower EL, AArch64 */
	else if (mode == PSTATE_MODE_EL1T)
		offset = 0x000; /* current EL with SP_EL0 */
	else
		offset = 0x200; /* current EL with SP_ELx */
	write_sysreg(elr_el1, vcpu->regs.pc);
	write_sysreg(spsr_el1, vcpu->regs.pstate);
	write_sysreg(esr_el1, esr);
	if (set_far)
		write_sysreg(far_el1, far);
	vcpu->regs.pc = read_sysreg(vbar_el1) + offset;
	vcpu->regs.pstate = PSTATE_EL1H_MASKED;
}

/* Whether the guest was at EL0, in AArch64 (EL0t) or AArch32 (any AArch32 mode is EL0 here). */
static bool below_el1(u64 pstate)
{
	return (pstate & PSTATE_AARCH32) || (pstate & PSTATE_MODE_MASK) == PSTATE_MODE_EL0T;
}

void vcpu_inject_dabt(struct vcpu *vcpu, u64 far)
{
	bool from_el0 = below_el1(vcpu->regs.pstate);
	u64 ec = from_el0 ? EC_DABT_LOW : EC_DABT_CUR;
	u64 wnr = read_sysreg(esr_el2) & DABT_WNR;

	inject_sync(vcpu, (ec << ESR_EC_SHIFT) | ESR_IL | wnr | FSC_SYNC_EXTERNAL, far, true);
}

void vcpu_inject_iabt(struct vcpu *vcpu, u64 far)
{
	bool from_el0 = below_el1(vcpu->regs.pstate);
	u64 ec = from_el0 ? EC_IABT_LOW : EC_IABT_CUR;

	inject_sync(vcpu, (ec << ESR_EC_SHIFT) | ESR_IL | FSC_SYNC_EXTERNAL, far, true);
}

void vcpu_inject_undef(struct vcpu *vcpu)
{
	inject_sync(vcpu, ((u64)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL, 0, false);
}

void vcpu_inject_vserror(struct vcpu *vcpu)
{
	CHECK(vcpu->loaded);
	vcpu->sys.vserror_pending = true;
	write_sysreg(hcr_el2, read_sysreg(hcr_el2) | HCR_VSE);
	isb();
}
