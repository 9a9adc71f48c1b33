/*
 * test-vtimer: a timer's interrupt is level-sensitive and follows the
 * timer's condition, for the virtual timer (PPI 27) and for the EL1
 * physical timer Keel emulates (PPI 30). For each way a guest withdraws an
 * expired timer
 * (disable it, mask it with IMASK, move its deadline into the future), the
 * guest lets the timer fire with its interrupts masked, waits until the
 * interrupt shows as pending (ISR_EL1.I), withdraws the timer, makes a trip
 * through Keel (a NULL hypercall, so Keel looks at the timer again), then
 * unmasks: no interrupt may arrive. Keel used to keep the interrupt latched
 * pending, so the guest took a stale one and found its timer not firing.
 * A last round leaves the timer asserted: that interrupt must arrive.
 *
 * Markers: "vtimer: <timer>: no stale interrupt after <how>", SUMMARY.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define VTIMER 27u
#define PTIMER 30u
#define ISR_I (1u << 7)
#define CTL_ENABLE 1u
#define CTL_IMASK 2u

enum withdraw { WITHDRAW_DISABLE, WITHDRAW_MASK, WITHDRAW_FUTURE, WITHDRAW_NONE };

static const char *const withdraw_name[] = { "disabling", "masking", "moving the deadline on", "nothing" };
static volatile uint32_t taken;
static bool physical; /* this round uses the EL1 physical timer (CNTP_*), else the virtual one */

static void timer_ctl(uint64_t v)
{
	if (physical)
		write_sysreg(cntp_ctl_el0, v);
	else
		write_sysreg(cntv_ctl_el0, v);
	isb();
}

static void timer_cval(uint64_t v)
{
	if (physical)
		write_sysreg(cntp_cval_el0, v);
	else
		write_sysreg(cntv_cval_el0, v);
	isb();
}

static void on_timer(uint32_t intid)
{
	(void)intid;
	taken++;
	timer_ctl(0); /* the level goes down: completing it does not re-fire */
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
	timer_cval(timer_now() + timer_ms_to_ticks(1));
	timer_ctl(CTL_ENABLE);
	while (!isr_pending() && timer_now() < end)
		;
	report(isr_pending(), "%s timer, %s: the expired timer's interrupt is pending", physical ? "physical" : "virtual",
	       withdraw_name[how]);
	switch (how) {
	case WITHDRAW_DISABLE:
		timer_ctl(0);
		break;
	case WITHDRAW_MASK:
		timer_ctl(CTL_ENABLE | CTL_IMASK);
		break;
	case WITHDRAW_FUTURE:
		timer_cval(timer_now() + timer_ms_to_ticks(10000));
		break;
	case WITHDRAW_NONE:
		break;
	}
	keel_null(); /* an exit: Keel samples the timer's level */
	irq_enable();
	end = timer_now() + timer_ms_to_ticks(5);
	while (timer_now() < end)
		;
	irq_disable();
	timer_ctl(0);
	return taken;
}

void guest_main(void)
{
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(VTIMER, on_timer);
	gic_set_handler(PTIMER, on_timer);
	gic_enable_private(VTIMER, GIC_DEFAULT_PRIO);
	gic_enable_private(PTIMER, GIC_DEFAULT_PRIO);
	for (int p = 0; p < 2; p++) {
		const char *name = p ? "physical" : "virtual";

		physical = p;
		for (enum withdraw how = WITHDRAW_DISABLE; how < WITHDRAW_NONE; how++) {
			uint32_t n = round_with(how);

			if (report(n == 0, "%s timer: after %s it, no interrupt arrives (got %u)", name, withdraw_name[how], n))
				printf("vtimer: %s: no stale interrupt after %s\n", name, withdraw_name[how]);
		}
		report(round_with(WITHDRAW_NONE) == 1, "%s timer: left asserted, it still interrupts once", name);
	}
	report_summary();
}
