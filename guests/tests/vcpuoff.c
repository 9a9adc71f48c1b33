/*
 * test-vcpuoff: a vCPU switched off while its virtual timer interrupt is
 * active gets timer interrupts again once it is switched back on. vCPU1
 * takes its timer interrupt and, inside the handler (acknowledged, never
 * completed), calls PSCI CPU_OFF. vCPU0 starts it again with CPU_ON; vCPU1
 * arms its timer once more and must take the interrupt. Keel used to keep
 * the interrupt's active state across the power cycle, so it never fired
 * again. Every wait is bounded by vCPU0's counter.
 *
 * Needs a VM with two vCPUs (MPIDR Aff0 0 and 1).
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CPU1 1u
#define VTIMER 27u
#define WAIT_MS 1000

/* Written by vCPU1, read by vCPU0. */
static volatile uint32_t round, fired[3], waiting;

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_stop();
	fired[round]++;
	dsb(sy);
	if (round == 1)
		psci_cpu_off(); /* from inside the handler: the interrupt stays active */
}

static void cpu1_main(unsigned int cpu)
{
	(void)cpu;
	gic_init_cpu();
	gic_enable_private(VTIMER, GIC_DEFAULT_PRIO);
	irq_enable();
	waiting = 1; /* first: in round 1 the handler does not return */
	dsb(sy);
	timer_arm_at(timer_now() + timer_ms_to_ticks(1));
	while (!fired[round])
		irq_wait();
	while (round == 2)
		irq_wait(); /* done: vCPU0 reports and powers the VM off */
}

/* Start vCPU1 for round r and wait for it to take its timer interrupt. */
static bool run_round(uint32_t r)
{
	round = r;
	waiting = 0;
	dsb(sy);
	report(smp_start_cpu(CPU1, cpu1_main) == PSCI_RET_SUCCESS, "round %u: CPU_ON(vCPU1)", r);
	report(timer_wait_flag(&waiting, WAIT_MS), "round %u: vCPU1 came up and armed its timer", r);
	return timer_wait_count(&fired[r], 1, WAIT_MS);
}

static bool wait_off(void)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);
	int32_t state;

	do {
		state = psci_affinity_info(CPU1);
	} while (state != PSCI_AFF_OFF && timer_now() < end);
	return state == PSCI_AFF_OFF;
}

void guest_main(void)
{
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(VTIMER, on_timer);
	report(run_round(1), "round 1: vCPU1's timer fired");
	report(wait_off(), "vCPU1 switched itself off inside its timer handler");
	report(run_round(2), "round 2: after CPU_ON, vCPU1's timer fires again");
	report_summary();
}
