/*
 * test-vtimer: the virtual timer's interrupt is level-sensitive and follows
 * the timer's condition. For each way a guest withdraws an expired timer
 * (disable it, mask it with IMASK, move its deadline into the future), the
 * guest lets the timer fire with its interrupts masked, waits until the
 * interrupt shows as pending (ISR_EL1.I), withdraws the timer, makes a trip
 * through Keel (a NULL hypercall, so Keel looks at the timer again), then
 * unmasks: no interrupt may arrive. Keel used to keep the interrupt latched
 * pending, so the guest took a stale one and found its timer not firing.
 * A last round leaves the timer asserted: that interrupt must arrive.
 *
 * Markers: "vtimer: no stale interrupt after <how>", SUMMARY.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define VTIMER 27u
#define ISR_I (1u << 7)
#define CTL_ENABLE 1u
#define CTL_IMASK 2u

enum withdraw { WITHDRAW_DISABLE, WITHDRAW_MASK, WITHDRAW_FUTURE, WITHDRAW_NONE };

static const char *const withdraw_name[] = { "disabling", "masking", "moving the deadline on", "nothing" };
static volatile uint32_t taken;

static void on_timer(uint32_t intid)
{
	(void)intid;
	taken++;
	timer_stop(); /* the level goes down: completing it does not re-fire */
}

static bool isr_pending(void)
{
	return read_sysreg(isr_el1) & ISR_I;
}

/* One round: returns how many timer interrupts arrived after unmasking. */
static uint32_t round_with(enum withdraw how)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(200);

	irq_disable();
	taken = 0;
	timer_arm_at(timer_now() + timer_ms_to_ticks(1));
	while (!isr_pending() && timer_now() < end)
		;
	report(isr_pending(), "%s: the expired timer's interrupt is pending", withdraw_name[how]);
	switch (how) {
	case WITHDRAW_DISABLE:
		write_sysreg(cntv_ctl_el0, 0);
		break;
	case WITHDRAW_MASK:
		write_sysreg(cntv_ctl_el0, CTL_ENABLE | CTL_IMASK);
		break;
	case WITHDRAW_FUTURE:
		write_sysreg(cntv_cval_el0, timer_now() + timer_ms_to_ticks(10000));
		break;
	case WITHDRAW_NONE:
		break;
	}
	isb();
	keel_null(); /* an exit: Keel samples the timer's level */
	irq_enable();
	end = timer_now() + timer_ms_to_ticks(5);
	while (timer_now() < end)
		;
	irq_disable();
	timer_stop();
	return taken;
}

void guest_main(void)
{
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(VTIMER, on_timer);
	gic_enable_private(VTIMER, GIC_DEFAULT_PRIO);
	for (enum withdraw how = WITHDRAW_DISABLE; how < WITHDRAW_NONE; how++) {
		uint32_t n = round_with(how);

		if (report(n == 0, "after %s the timer, no interrupt arrives (got %u)", withdraw_name[how], n))
			printf("vtimer: no stale interrupt after %s\n", withdraw_name[how]);
	}
	report(round_with(WITHDRAW_NONE) == 1, "a timer left asserted still interrupts once");
	report_summary();
}
