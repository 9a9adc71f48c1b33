/*
 * test-sentinel: a ticker that guards its memory. It fills 64 KiB of its RAM
 * with a known pattern and checks every word at each timer tick, so another
 * VM (test-hostile, say) writing into this VM's memory shows up as a FAIL
 * line. After /chosen/keel-test,ticks ticks (default 10) it reports and
 * powers off.
 *
 * /chosen properties: keel-test,ticks (u32, default 10), keel-test,period-ms
 * (u32, default 500). Markers: "sentinel: tick N canary ok", "sentinel: done".
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CANARY_WORDS (64 * 1024 / 4)
#define DEFAULT_TICKS 10
#define DEFAULT_PERIOD_MS 500

static uint32_t canary[CANARY_WORDS];
static uint32_t ticks_wanted = DEFAULT_TICKS, period_ms = DEFAULT_PERIOD_MS;
static uint64_t period, deadline;
static volatile uint32_t ticks, corrupted;

/* A pattern where every word differs from its neighbours and from zero. */
static uint32_t canary_word(uint32_t i)
{
	return 0x5e471e00u ^ (i * 2654435761u);
}

static void canary_fill(void)
{
	uint32_t i;

	for (i = 0; i < CANARY_WORDS; i++)
		canary[i] = canary_word(i);
}

/* Returns the index of the first bad word, or CANARY_WORDS if all are intact. */
static uint32_t canary_check(void)
{
	uint32_t i;

	for (i = 0; i < CANARY_WORDS; i++) {
		if (((volatile uint32_t *)canary)[i] != canary_word(i))
			break;
	}
	return i;
}

static void on_timer(uint32_t intid)
{
	uint32_t bad;

	(void)intid;
	deadline += period;
	timer_arm_at(deadline);
	ticks++;
	bad = canary_check();
	if (bad == CANARY_WORDS) {
		printf("sentinel: tick %u canary ok\n", ticks);
		return;
	}
	printf("FAIL: canary corrupted at 0x%lx (read 0x%08x, expected 0x%08x)\n",
	       (uintptr_t)&canary[bad], canary[bad], canary_word(bad));
	corrupted = 1;
}

void guest_main(void)
{
	fdt_read_u32("/chosen", "keel-test,ticks", &ticks_wanted);
	fdt_read_u32("/chosen", "keel-test,period-ms", &period_ms);
	if (period_ms == 0)
		period_ms = DEFAULT_PERIOD_MS;
	report_info("sentinel: %u ticks of %u ms, canary of %u bytes at %p (device tree %s)",
		    ticks_wanted, period_ms, CANARY_WORDS * 4, (void *)canary,
		    fdt_present() ? "found" : "absent, defaults");
	canary_fill();

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	period = timer_ms_to_ticks(period_ms);
	deadline = timer_now() + period;
	timer_arm_at(deadline);

	while (ticks < ticks_wanted && !corrupted)
		irq_wait();
	timer_stop();
	report(!corrupted, "canary intact over %u ticks", ticks);
	printf("sentinel: done\n");
	report_summary();
}
