/*
 * The EL1 physical timer (CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTP_TVAL_EL0) as a
 * guest sees it: CNTHCTL_EL2.EL1PCEN is clear, so every guest access traps
 * and is emulated here from per-vCPU state (vcpu->sys.cntp_*), counted on
 * the virtual counter (Arm ARM D11.2, "The generic timer"). Keel itself
 * uses only the EL2 timer, so while a vCPU is loaded its emulated timer is
 * backed by the hardware EL1 physical timer: its interrupt, PPI 30, reaches
 * Keel like the virtual timer's and is injected hardware-linked into the
 * running vCPU (core/irq.c), and the guest's own write of IMASK, CVAL or
 * CTL (trapped, applied here) is what lowers it. On a vCPU switch the
 * hardware timer is stopped and its active state kept with the vCPU.
 */
#include <keel/drivers/gicv3.h>
#include <keel/platform.h>
#include <keel/vcpu.h>
#include "sysreg.h"
#include "sysreg_trap.h"

#define KEY_CNTP_TVAL SYSREG_KEY(3, 3, 14, 2, 0)
#define KEY_CNTP_CTL SYSREG_KEY(3, 3, 14, 2, 1)
#define KEY_CNTP_CVAL SYSREG_KEY(3, 3, 14, 2, 2)

static u64 virtual_count(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

/* Back the loaded vCPU's timer with the hardware one (which counts the physical count: add CNTVOFF_EL2). */
static void ptimer_program(const struct vcpu *vcpu)
{
	write_sysreg(cntp_cval_el0, vcpu->sys.cntp_cval_el0 + read_sysreg(cntvoff_el2));
	write_sysreg(cntp_ctl_el0, vcpu->sys.cntp_ctl_el0 & (CNT_CTL_ENABLE | CNT_CTL_IMASK));
	isb();
}

/* CNTP_CTL_EL0 as read: ISTATUS is set while enabled and the count has reached CVAL, masked or not. */
static u64 ptimer_ctl(const struct vcpu *vcpu)
{
	u64 ctl = vcpu->sys.cntp_ctl_el0 & (CNT_CTL_ENABLE | CNT_CTL_IMASK);

	if ((ctl & CNT_CTL_ENABLE) && virtual_count() >= vcpu->sys.cntp_cval_el0)
		ctl |= CNT_CTL_ISTATUS;
	return ctl;
}

bool ptimer_access(struct vcpu *vcpu, u32 key, bool read, u64 *value)
{
	struct vcpu_sysregs *s = &vcpu->sys;

	if (key == KEY_CNTP_CTL) {
		if (read)
			*value = ptimer_ctl(vcpu);
		else
			s->cntp_ctl_el0 = *value & (CNT_CTL_ENABLE | CNT_CTL_IMASK); /* ISTATUS is read-only */
	} else if (key == KEY_CNTP_CVAL) {
		if (read)
			*value = s->cntp_cval_el0;
		else
			s->cntp_cval_el0 = *value;
	} else if (key == KEY_CNTP_TVAL) {
		/* TimerValue: the signed 32-bit distance from the count to CVAL (bits 63:32 RES0). */
		if (read)
			*value = (u32)(s->cntp_cval_el0 - virtual_count());
		else
			s->cntp_cval_el0 = virtual_count() + (u64)(s64)(s32)(u32)*value;
	} else {
		return false;
	}
	if (!read) {
		vcpu->ptimer_in_use = true;
		ptimer_program(vcpu);
		vcpu_timers_resample(vcpu); /* a write that lowers the timer's output withdraws its interrupt now */
	}
	return true;
}

bool ptimer_asserted(const struct vcpu *vcpu)
{
	u64 ctl = ptimer_ctl(vcpu);

	return (ctl & CNT_CTL_ISTATUS) && !(ctl & CNT_CTL_IMASK);
}

u64 ptimer_deadline(const struct vcpu *vcpu)
{
	u64 ctl = vcpu->sys.cntp_ctl_el0;

	return (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) ? vcpu->sys.cntp_cval_el0 : ~0ull;
}

/*
 * Most guests never touch the EL1 physical timer: for a vCPU whose timer is
 * disabled and whose interrupt is not active, the hardware timer is left
 * off (the last put turned it off) and nothing is saved at put, until the
 * guest writes a CNTP register.
 */
void ptimer_load(struct vcpu *vcpu)
{
	vcpu->ptimer_in_use = (vcpu->sys.cntp_ctl_el0 & CNT_CTL_ENABLE) || vcpu->ptimer_hw_active;
	if (!vcpu->ptimer_in_use)
		return;
	ptimer_program(vcpu);
	if (vcpu->ptimer_hw_active) {
		/* Its guest had not completed a timer interrupt: the hardware-linked LR will. */
		gicv3_set_active(IRQ_PPI_PHYS_TIMER);
		vcpu->ptimer_hw_active = false;
	}
}

void ptimer_put(struct vcpu *vcpu)
{
	if (!vcpu->ptimer_in_use)
		return;
	write_sysreg(cntp_ctl_el0, 0); /* the next vCPU must not get this one's timer interrupt */
	isb();
	vcpu->ptimer_hw_active = gicv3_is_active(IRQ_PPI_PHYS_TIMER);
	if (vcpu->ptimer_hw_active)
		gicv3_clear_active(IRQ_PPI_PHYS_TIMER);
}
