/*
 * test-fastpath: the exit fast path (include/keel/exit.h) answers the same
 * as the ordinary one, for the right VM and vCPU, and never holds back an
 * interrupt.
 *
 * Two VMs of this guest share physical CPU 0 and yield to each other
 * between reads, so each VM switch puts the other's vCPU on the CPU: "one"
 * has one vCPU, "two" has two. Each reads its redistributor 0's GICR_TYPER
 * (whose Last bit says whether the VM has more vCPUs) and GICD_TYPER once
 * through the ordinary path, then many times more, where the fast path
 * answers from the vCPU's cache; every answer must equal the first, and
 * Last must match the VM's vCPU count. A cache shared by the CPU instead
 * of kept per vCPU would hand one VM the other's TYPER. VM_IDENTITY (a
 * fast-path call) must keep naming the VM and vCPU that asked, on both of
 * "two"'s vCPUs.
 *
 * Then, with interrupts unmasked, the guest arms its virtual timer 2 ms
 * ahead and makes nothing but fast-path calls and reads until the
 * interrupt arrives: it must arrive.
 *
 * Markers: "fastpath: GICR_TYPER.Last <n> for <v> vCPUs", SUMMARY.
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define GICD_TYPER 0x0004u
#define GICR_TYPER 0x0008u
#define GICR_TYPER_LAST (1u << 4)
#define ROUNDS 20000u
#define TIMER_LEAD_US 2000u
#define VTIMER 27u

static volatile uint32_t cpu1_done, cpu1_bad;

static uint64_t us_to_ticks(uint64_t us)
{
	return timer_freq() * us / 1000000;
}
static volatile uint64_t timer_taken_at;

/* Reads and calls whose answers never change; returns how many differed from the first. */
static uint32_t read_fixed_many(uint32_t *gicr_typer_lo)
{
	uint32_t gicd0 = mmio_read32(PLAT_GICD_BASE + GICD_TYPER);
	uint64_t gicr0 = mmio_read64(PLAT_GICR_BASE + GICR_TYPER);
	struct keel_identity id0 = keel_vm_identity();
	uint32_t bad = 0;

	for (uint32_t i = 0; i < ROUNDS; i++) {
		struct keel_identity id = keel_vm_identity();

		bad += mmio_read32(PLAT_GICD_BASE + GICD_TYPER) != gicd0;
		bad += mmio_read64(PLAT_GICR_BASE + GICR_TYPER) != gicr0;
		bad += id.vm != id0.vm || id.vcpu != id0.vcpu || id.vcpu != cpu_id();
		if (i % 64 == 0)
			(void)keel_yield(); /* let the other VM on this CPU run in between */
	}
	*gicr_typer_lo = (uint32_t)gicr0;
	return bad;
}

static void cpu1_main(unsigned int cpu)
{
	uint32_t lo;

	(void)cpu;
	cpu1_bad = read_fixed_many(&lo);
	cpu1_done = 1;
	for (;;)
		wfi();
}

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_taken_at = timer_now();
	timer_stop();
}

/* Fast-path traffic only, interrupts unmasked, until the timer's handler has run or a bound passes. */
static void check_timer_during_fast_path(void)
{
	uint64_t deadline = timer_now() + us_to_ticks(TIMER_LEAD_US);
	uint64_t give_up = deadline + timer_ms_to_ticks(1000);
	uint64_t calls = 0;

	timer_taken_at = 0;
	gic_set_handler(VTIMER, on_timer);
	gic_enable_private(VTIMER, GIC_DEFAULT_PRIO);
	timer_arm_at(deadline);
	irq_enable();
	while (!timer_taken_at && timer_now() < give_up) {
		(void)keel_null();
		(void)mmio_read32(PLAT_GICD_BASE + GICD_TYPER);
		calls++;
	}
	irq_disable();
	report(timer_taken_at != 0, "the timer interrupt arrived during %lu fast-path calls", calls);
	if (timer_taken_at) /* wall-clock TCG and a neighbour on the CPU: a figure, not a test */
		report_info("it arrived %lu us after its deadline", (timer_taken_at - deadline) * 1000000 / timer_freq());
}

void guest_main(void)
{
	uint32_t vcpus = 1, lo, bad;
	bool last;

	fdt_read_u32("/chosen", "keel-test,vcpus", &vcpus);
	gic_init_dist();
	gic_init_cpu();
	if (vcpus > 1)
		report(smp_start_cpu(1, cpu1_main) == PSCI_RET_SUCCESS, "vCPU 1 started");
	bad = read_fixed_many(&lo);
	report(bad == 0, "%u rounds of fixed reads and VM_IDENTITY on vCPU 0 all answered alike (%u differed)",
	       ROUNDS, bad);
	last = lo & GICR_TYPER_LAST;
	printf("fastpath: GICR_TYPER.Last %u for %u vCPUs\n", last, vcpus);
	report(last == (vcpus == 1), "GICR 0's Last bit says %s", last ? "last" : "more follow");
	if (vcpus > 1) {
		uint64_t until = timer_now() + timer_ms_to_ticks(5000);

		while (!cpu1_done && timer_now() < until)
			(void)keel_yield();
		report(cpu1_done && cpu1_bad == 0, "vCPU 1 answered alike too (%u differed)", cpu1_bad);
	}
	check_timer_during_fast_path();
	report_summary();
}
