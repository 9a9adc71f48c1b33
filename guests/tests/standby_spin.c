/*
 * test-standby_spin: checkpoints of a two-vCPU VM whose second vCPU spins
 * without ever leaving the guest on its own: no timer armed, no trapped
 * access, interrupts masked. Only Keel's kicks make it exit.
 *
 * vCPU0 writes a few dozen pages between its STANDBY_STATUS calls, so every
 * checkpoint copies for longer than the 1 ms interval and the next one is
 * already wanted when it ends. The checkpoint runs on the CPU of the last
 * vCPU to stop, usually vCPU1's, which then asks for the next operation:
 * it posts the hold request to its own vCPU, where no kick will come. Keel
 * once entered vCPU1 again with that request pending, and a vCPU spinning
 * like this one then never stopped: vCPU0 stayed held, the VM made no
 * progress at all (Debian's second CPU, spinning at boot, hit it about once
 * in five boots under standby). Here the VM must reach keel-test,checkpoints
 * checkpoints (default 60) and vCPU1 must see vCPU0's "done".
 *
 * Markers: "standby-spin: N checkpoints", SUMMARY.
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define PAGE 4096u
#define DIRTY_PAGES 48 /* written between two status calls: a copy longer than the interval */
#define CPU1 1u
#define WAIT_MS 60000 /* of the guest's counter: a stall shows as a timeout, not a hang */

static volatile uint32_t dirty[DIRTY_PAGES][PAGE / 4] __attribute__((aligned(PAGE)));
static volatile uint32_t cpu1_up, done, cpu1_saw_done;
static volatile uint64_t cpu1_spins;

/* vCPU1: spin on the flag; plain loads and arithmetic only, so nothing traps. */
static void cpu1_main(unsigned int cpu)
{
	uint64_t spins = 0;

	(void)cpu;
	cpu1_up = 1;
	while (!done)
		spins++;
	cpu1_spins = spins;
	dsb(sy);
	cpu1_saw_done = 1;
	for (;;)
		irq_wait(); /* vCPU0 reports and powers the VM off */
}

static uint64_t checkpoints_now(void)
{
	return keel_hc_standby_status().a1;
}

void guest_main(void)
{
	uint32_t wanted = 60, round = 0;
	uint64_t start, first, now = 0, deadline;

	fdt_read_u32("/chosen", "keel-test,checkpoints", &wanted);
	report(smp_start_cpu(CPU1, cpu1_main) == PSCI_RET_SUCCESS, "CPU_ON(vCPU1)");
	report(timer_wait_flag(&cpu1_up, 1000), "vCPU1 spins");
	first = checkpoints_now();
	start = timer_now();
	deadline = start + timer_ms_to_ticks(WAIT_MS);
	while (now < first + wanted && timer_now() < deadline) {
		round++;
		for (uint32_t p = 0; p < DIRTY_PAGES; p++)
			for (uint32_t w = 0; w < PAGE / 4; w += 64)
				dirty[p][w] = round + p + w;
		now = checkpoints_now();
	}
	report(now >= first + wanted, "standby-spin: %lu checkpoints in %lu ms (wanted %u) beside a spinning vCPU",
	       now - first, (timer_now() - start) / timer_ms_to_ticks(1), wanted);
	done = 1;
	dsb(sy);
	report(timer_wait_flag(&cpu1_saw_done, 1000), "vCPU1 saw done after %lu spins", cpu1_spins);
	keel_hc_standby_intend_stop(); /* the power-off at the end is meant, not a failure */
	report_summary();
}
