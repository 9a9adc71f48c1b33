/*
 * bench-hv: microbenchmarks of the hypervisor paths a guest pays for, timed
 * with the virtual counter (CNTVCT_EL0) from inside a two-vCPU VM:
 *
 *   hypercall_null          HVC KEEL_HC_NULL, the cheapest round trip to EL2
 *   hypercall_psci_version  HVC PSCI_VERSION (on bare QEMU: QEMU's firmware)
 *   mmio_read               a 32-bit read of GICD_TYPER, trapped and emulated
 *   ipi_latency             SGI sent by vCPU0 until vCPU1's handler runs
 *   timer_latency           virtual timer's CNTV_CVAL until the handler runs
 *   vm_switch               not measurable yet: needs the scheduler (issue 4)
 *
 * Each metric is several samples of many iterations (sample.h); it prints
 * "KHV <metric> ticks <median> <min> <max> <samples>", then "KHV-END", and
 * the VM powers off. The same image runs directly on QEMU at EL1 (no
 * hypervisor): there HVC reaches QEMU's PSCI firmware only, so the Keel
 * hypercall prints "n/a" and the other figures describe QEMU's own devices,
 * the baseline Keel is compared against (docs/benchmarks-hv.md).
 */
#include <guest/exception.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include "sample.h"

#define SAMPLES 9u            /* per metric, after one warm-up sample */
#define CALL_ITERS 2000u      /* back-to-back HVCs or MMIO reads per sample */
#define EVENT_ITERS 100u      /* interrupts per sample */
#define TIMER_DELTA 625u      /* ticks from arming the timer to its deadline (10 us) */
#define WATCHDOG_MS 1000u     /* an interrupt later than this counts as lost */

#define CPU1 1u
#define SGI_PING 1u           /* vCPU0 -> vCPU1: the measured IPI */
#define SGI_PONG 2u           /* vCPU1 -> vCPU0: wakes vCPU0 for the next round */
#define GICD_TYPER 0x0004u

/* Each written by one CPU only. */
static volatile uint32_t cpu1_online, ping_count, pong_count, timer_count;
static volatile uint64_t ping_time, timer_time;
static bool under_keel;
static bool events_lost;

/* --- back-to-back calls ---------------------------------------------------- */

static uint64_t time_null_hvcs(uint32_t n)
{
	uint64_t t0 = timer_now();

	for (uint32_t i = 0; i < n; i++)
		(void)smccc_hvc(KEEL_HC_NULL, 0, 0, 0);
	return timer_now() - t0;
}

static uint64_t time_psci_hvcs(uint32_t n)
{
	uint64_t t0 = timer_now();

	for (uint32_t i = 0; i < n; i++)
		(void)smccc_hvc(PSCI_VERSION, 0, 0, 0);
	return timer_now() - t0;
}

static uint64_t time_mmio_reads(uint32_t n)
{
	uint64_t t0 = timer_now();

	for (uint32_t i = 0; i < n; i++)
		(void)mmio_read32(PLAT_GICD_BASE + GICD_TYPER);
	return timer_now() - t0;
}

/* One warm-up run (QEMU translates the code), then SAMPLES timed ones. */
static void bench_calls(const char *metric, uint64_t (*timed)(uint32_t n))
{
	struct samples s = { 0 };

	(void)timed(CALL_ITERS);
	for (uint32_t i = 0; i < SAMPLES; i++)
		samples_add(&s, timed(CALL_ITERS), CALL_ITERS);
	samples_print(metric, &s);
}

/* --- interrupt latencies --------------------------------------------------- */

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_time = timer_now();
	timer_stop();
	timer_count++;
}

static void on_ping(uint32_t intid)
{
	(void)intid;
	ping_time = timer_now();
	ping_count++;
	gic_send_sgi(SGI_PONG, 1u << 0);
}

static void on_pong(uint32_t intid)
{
	(void)intid;
	pong_count++;
}

/*
 * With IRQs masked: sleeps until *count moves past seq; false if the
 * watchdog deadline passed first. The caller armed the timer for the deadline
 * (or for the event itself), so the WFI always ends.
 */
static bool wait_event(volatile uint32_t *count, uint32_t seq, uint64_t deadline)
{
	while (*count == seq) {
		if (timer_now() >= deadline)
			return false;
		irq_wait();
	}
	return true;
}

/* One IPI: returns its latency in ticks, or 0 and marks the run if it got lost. */
static uint64_t one_ipi(void)
{
	uint32_t seq = pong_count;
	uint64_t deadline = timer_now() + timer_ms_to_ticks(WATCHDOG_MS);
	uint64_t sent;

	timer_arm_at(deadline); /* armed first: nothing but the send inside the window */
	sent = timer_now();
	gic_send_sgi(SGI_PING, 1u << CPU1);
	if (!wait_event(&pong_count, seq, deadline)) {
		events_lost = true;
		return 0;
	}
	timer_stop();
	return ping_time - sent;
}

/* One timer interrupt: returns handler time minus CNTV_CVAL. */
static uint64_t one_timer(void)
{
	uint32_t seq = timer_count;
	uint64_t cval = timer_now() + TIMER_DELTA;

	timer_arm_at(cval);
	if (!wait_event(&timer_count, seq, cval + timer_ms_to_ticks(WATCHDOG_MS))) {
		events_lost = true;
		timer_stop();
		return 0;
	}
	return timer_time - cval;
}

static void bench_events(const char *metric, uint64_t (*one)(void))
{
	struct samples s = { 0 };

	irq_disable();
	for (uint32_t i = 0; i <= SAMPLES; i++) {
		uint64_t sum = 0;

		for (uint32_t k = 0; k < EVENT_ITERS; k++)
			sum += one();
		if (i > 0) /* sample 0 warms up */
			samples_add(&s, sum, EVENT_ITERS);
	}
	irq_enable();
	samples_print(metric, &s);
}

/* --- set-up ---------------------------------------------------------------- */

/* vCPU1: takes pings in its handler, sleeping in WFI with IRQs unmasked. */
static void cpu1_main(unsigned int cpu)
{
	(void)cpu;
	gic_init_cpu();
	gic_enable_private(SGI_PING, GIC_DEFAULT_PRIO);
	cpu1_online = 1;
	gic_send_sgi(SGI_PONG, 1u << 0); /* vCPU0 sleeps until this arrives */
	irq_enable();
	for (;;)
		wfi();
}

/*
 * Starts vCPU1 and sleeps until it reports in with an SGI. Sleeping rather
 * than polling matters under -icount, where QEMU runs one CPU at a time: a
 * spinning vCPU0 would keep the CPU that has to start vCPU1 from running.
 */
static bool start_cpu1(void)
{
	uint32_t seq = pong_count;
	uint64_t deadline;
	bool ok;

	if (smp_start_cpu(CPU1, cpu1_main) != PSCI_RET_SUCCESS)
		return false;
	irq_disable();
	deadline = timer_now() + timer_ms_to_ticks(WATCHDOG_MS);
	timer_arm_at(deadline);
	ok = wait_event(&pong_count, seq, deadline) && cpu1_online;
	timer_stop();
	irq_enable();
	return ok;
}

/* Whether KEEL_HC_NULL answers: on bare QEMU the HVC is undefined, caught here. */
static bool detect_keel(void)
{
	struct smccc_res r;

	exc_catch_begin();
	r = smccc_hvc(KEEL_HC_NULL, 0, 0, 0);
	return !exc_catch_end(NULL, NULL) && r.a0 == KEEL_RET_SUCCESS;
}

static void setup_interrupts(void)
{
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(SGI_PING, on_ping);
	gic_set_handler(SGI_PONG, on_pong);
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(SGI_PONG, GIC_DEFAULT_PRIO);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	timer_stop();
	irq_enable();
}

void guest_main(void)
{
	bool cpu1_up;

	under_keel = detect_keel();
	printf("KHV-BEGIN %s, counter %lu Hz\n", under_keel ? "under Keel" : "no hypervisor",
	       timer_freq());
	setup_interrupts();
	cpu1_up = start_cpu1();

	if (under_keel)
		bench_calls("hypercall_null", time_null_hvcs);
	else
		samples_print_na("hypercall_null");
	bench_calls("hypercall_psci_version", time_psci_hvcs);
	bench_calls("mmio_read", time_mmio_reads);
	if (cpu1_up)
		bench_events("ipi_latency", one_ipi);
	else
		samples_print_na("ipi_latency");
	bench_events("timer_latency", one_timer);
	samples_print_na("vm_switch");
	printf("KHV-END\n");

	report(cpu1_up, "vCPU1 started");
	report(!events_lost, "no interrupt lost");
	report_summary();
}
