/*
 * bench-switch: the cost of switching between two VMs on one physical CPU.
 * Two VMs run this guest on the same CPU as background vCPUs, which take
 * turns whenever one asks for a new scheduling decision (KEEL_HC_YIELD).
 * The "partner" (/chosen/keel-test,role = <0>) yields forever. The
 * "measurer" (role 1) times N yields: each one is two VM switches (to the
 * partner and back) and two hypercalls, so it reports the time of one
 * yield, halved, as the cost of one switch including the trap.
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/smccc.h>
#include <guest/timer.h>

#include "sample.h"

#define YIELDS_PER_SAMPLE 200u
#define SAMPLES 9u

static void yield(void)
{
	(void)smccc_hvc(KEEL_HC_YIELD, 0, 0, 0);
}

static void measure(void)
{
	struct samples s = { 0 };

	for (uint32_t i = 0; i < YIELDS_PER_SAMPLE; i++)
		yield(); /* warm up: both VMs are loaded and running */
	for (uint32_t k = 0; k < SAMPLES; k++) {
		uint64_t t0 = timer_now();

		for (uint32_t i = 0; i < YIELDS_PER_SAMPLE; i++)
			yield();
		samples_add(&s, timer_now() - t0, 2 * YIELDS_PER_SAMPLE);
	}
	printf("KHV-BEGIN under Keel, counter %lu Hz\n", timer_freq());
	samples_print("vm_switch", &s);
	printf("KHV-END\n");
	psci_system_off();
}

void guest_main(void)
{
	uint32_t role = 0;

	fdt_read_u32("/chosen", "keel-test,role", &role);
	if (role == 1)
		measure();
	for (;;)
		yield();
}
