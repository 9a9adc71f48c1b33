/*
 * ticker: the demo's bare-metal guest. It programs the virtual timer every
 * 500 ms, takes PPI 27 through its own EL1 vector table and GIC
 * redistributor, prints one line per interrupt, and sleeps in WFI in between.
 * It never ends; Keel's scheduler and the other VMs must leave its rhythm
 * intact.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define TICK_MS 500

static uint64_t period, next_deadline;
static uint32_t ticks;

static void on_timer(uint32_t intid)
{
	uint64_t secs;
	uint32_t msecs;

	(void)intid;
	/* Next deadline from the previous one, not from now: no drift. */
	next_deadline += period;
	timer_arm_at(next_deadline);
	ticks++;
	timer_uptime(&secs, &msecs);
	printf("tick %u (uptime %lu.%03u s)\n", ticks, secs, msecs);
}

void guest_main(void)
{
	period = timer_ms_to_ticks(TICK_MS);
	printf("ticker: started on cpu %u, counter %lu Hz, tick every %u ms\n",
	       cpu_id(), timer_freq(), TICK_MS);

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);

	next_deadline = timer_now() + period;
	timer_arm_at(next_deadline);
	irq_enable();
	for (;;)
		wfi();
}
