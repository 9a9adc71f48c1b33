/*
 * rtexec's start: read the task set, calibrate the burn loop, run the
 * dispatcher, and at the job limit print the final summary and power off.
 *
 * A job must consume its WCET of *execution*, not of wall-clock time: the
 * guest cannot see the time a hypervisor takes from it, so it burns a fixed
 * number of loop iterations, calibrated at boot. Calibration times the loop
 * over many short trials and keeps the fastest, the one least disturbed by
 * interrupts, other VMs or the host. Under QEMU's -icount shift=0 time is
 * instructions (1 ns each), the loop is two instructions per iteration, and
 * the calibration is exact: 500 iterations per microsecond.
 */
#include <guest/guest.h>
#include <guest/print.h>
#include <guest/timer.h>

#include "rtexec.h"

/*
 * Many short trials: a trial must fit inside the guest's server budget (a
 * trial longer than the budget is always cut by a wait for replenishment
 * and would measure the server, not the CPU), yet be long against the 16 ns
 * counter tick. 200 us is 0.008% of a tick per trial.
 */
#define CAL_TRIALS 64
#define CAL_MIN_US 200

void rt_burn(uint64_t n)
{
	if (!n)
		return;
	__asm__ volatile("1:	subs	%0, %0, #1\n"
			 "	b.ne	1b\n"
			 : "+r"(n) : : "cc");
}

static uint64_t burn_ticks(uint64_t iters)
{
	uint64_t t0 = timer_now();

	rt_burn(iters);
	return timer_now() - t0;
}

/* Burn-loop iterations per millisecond of execution, from the fastest trial. */
static uint64_t calibrate(void)
{
	uint64_t iters = 1u << 10, best = UINT64_MAX;
	uint64_t min_ticks = timer_freq() * CAL_MIN_US / 1000000;
	uint32_t i;

	while (burn_ticks(iters) < min_ticks && iters < (1ull << 40))
		iters *= 2;
	for (i = 0; i < CAL_TRIALS; i++) {
		uint64_t t = burn_ticks(iters);

		if (t < best)
			best = t;
	}
	if (!best)
		best = 1;
	return iters * timer_freq() / 1000 / best;
}

void guest_main(void)
{
	uint64_t iters_per_ms, chunk;

	rt_taskset_load();
	rt_service_load();
	rt_console_load();
	iters_per_ms = calibrate();
	rt_taskset_scale(iters_per_ms);
	chunk = iters_per_ms * RT_CHUNK_US / 1000;
	printf("rtexec: started: %u tasks, scheduler %s, calibration %lu iterations/us\n",
	       rt.ntasks, rt.policy == RT_EDF ? "edf" : "rm", iters_per_ms / 1000);
	rt_sched_run(timer_now() + timer_ms_to_ticks(RT_START_MS), chunk ? chunk : 1);
	rt_report_final();
	printf("rtexec: done\n");
}
