/*
 * test-flood: a vCPU that floods another with interrupts. vCPU0 (on its own
 * physical CPU) starts vCPU1 with CPU_ON and then, for /chosen/keel-test,
 * flood-ms of guest time, writes ICC_SGI1R_EL1 for SGI 1 to vCPU1 in a
 * tight loop, and every few SGIs also sets SPI 40 (routed to vCPU1) pending
 * through GICD_ISPENDR and PPI 20 through GICR_ISPENDR0 in vCPU1's
 * redistributor. Every write traps to Keel. vCPU1 is meant to be a
 * background vCPU on a physical CPU it shares with a real-time VM: it
 * alternates 50 ms phases of sleeping in WFI and spinning with IRQs
 * unmasked. Keel kicks vCPU1's CPU only when an interrupt newly becomes
 * pending for a vCPU loaded there or waiting in WFI; what this guest checks
 * is that nothing is lost by that: vCPU1 keeps taking all three kinds of
 * interrupt in both kinds of phase, and a stop request (a flag and one more
 * SGI) reaches it. It reports how much it sent.
 *
 * /chosen/keel-test,spin-only = <1>: vCPU0 spins for flood-ms without
 * writing anything (a control: under QEMU 7.2's single-threaded -icount
 * even that starves the other CPUs, see docs/testing.md).
 *
 * Needs a VM with two vCPUs (MPIDR Aff0 0 and 1).
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/report.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CPU1 1u
#define SGI_FLOOD 1u
#define PPI_FLOOD 20u
#define SPI_FLOOD 40u
#define SGIS_PER_ROUND 8u   /* then one GICD_ISPENDR and one GICR_ISPENDR0 write */
#define PHASE_MS 50u        /* vCPU1 alternates WFI and spinning phases this long */
#define UP_WAIT_MS 5000u
#define STOP_WAIT_MS 3000u
#define DEFAULT_FLOOD_MS 3000u
#define MIN_SGIS 100000u

/* GICv3 registers (IHI 0069, 12.9 and 12.11). */
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ISPENDR 0x0200
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR_SGI_BASE 0x10000
#define GICR_ISPENDR0 0x0200
#define ICC_SGI1R_INTID_SHIFT 24

enum { PHASE_WFI, PHASE_SPIN, NR_PHASES };
enum { KIND_SGI, KIND_PPI, KIND_SPI, NR_KINDS };

/* Written by vCPU1, read by vCPU0 (and cpu1_stop the other way). */
static volatile uint32_t cpu1_online, cpu1_stop, cpu1_stopped;
static volatile uint32_t phase_kind, phases[NR_PHASES], got[NR_PHASES][NR_KINDS];
static uint32_t spin_only;

static void on_flood(uint32_t intid)
{
	uint32_t kind = intid == SGI_FLOOD ? KIND_SGI : intid == PPI_FLOOD ? KIND_PPI : KIND_SPI;

	got[phase_kind][kind]++;
}

/* One phase of vCPU1: sleep in WFI (IRQs masked around the test) or spin with IRQs unmasked. */
static void cpu1_phase(bool sleep, uint64_t end)
{
	phase_kind = sleep ? PHASE_WFI : PHASE_SPIN;
	phases[phase_kind]++;
	if (sleep) {
		irq_disable();
		while (!cpu1_stop && timer_now() < end)
			irq_wait();
	} else {
		irq_enable();
		while (!cpu1_stop && timer_now() < end)
			;
	}
}

static void cpu1_main(unsigned int cpu)
{
	uint64_t phase = timer_ms_to_ticks(PHASE_MS);
	bool sleep = true;

	(void)cpu;
	gic_init_cpu();
	gic_enable_private(SGI_FLOOD, GIC_DEFAULT_PRIO);
	gic_enable_private(PPI_FLOOD, GIC_DEFAULT_PRIO);
	dsb(sy);
	cpu1_online = 1;
	while (!cpu1_stop) {
		cpu1_phase(sleep, timer_now() + phase);
		sleep = !sleep;
	}
	irq_disable();
	cpu1_stopped = 1;
	for (;;)
		wfi(); /* vCPU0 powers the VM off */
}

static void on_tick(uint32_t intid)
{
	(void)intid;
	timer_stop();
}

/*
 * Waits for vCPU1 to come up, sleeping in WFI on 1 ms timer ticks rather
 * than spinning: under -icount, QEMU 7.2 left physical CPU 1 unscheduled
 * for seconds while CPU 0 spun (CPU_ON seemed not to start vCPU1).
 */
static bool wait_cpu1_online(uint64_t ms)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(ms);

	irq_disable();
	while (!cpu1_online && timer_now() < end) {
		timer_arm_at(timer_now() + timer_ms_to_ticks(1));
		irq_wait();
	}
	timer_stop();
	return cpu1_online;
}

/* SPI_FLOOD: Group 1, enabled, routed to vCPU1 (Aff0 1). */
static void setup_spi(void)
{
	uintptr_t d = PLAT_GICD_BASE;
	uintptr_t preg = d + GICD_IPRIORITYR + (SPI_FLOOD & ~3u);
	unsigned int shift = (SPI_FLOOD & 3u) * 8;
	uint32_t bit = 1u << (SPI_FLOOD % 32);

	mmio_write32(d + GICD_IGROUPR + 4 * (SPI_FLOOD / 32), mmio_read32(d + GICD_IGROUPR + 4 * (SPI_FLOOD / 32)) | bit);
	mmio_write32(preg, (mmio_read32(preg) & ~(0xffu << shift)) | ((uint32_t)GIC_DEFAULT_PRIO << shift));
	mmio_write64(d + GICD_IROUTER + 8 * SPI_FLOOD, CPU1);
	mmio_write32(d + GICD_ISENABLER + 4 * (SPI_FLOOD / 32), bit);
}

/* Floods vCPU1 until the counter reaches end; returns the SGIs sent, *pends the ISPENDR writes. */
static uint64_t flood(uint64_t end, uint64_t *pends)
{
	const uint64_t sgi = ((uint64_t)SGI_FLOOD << ICC_SGI1R_INTID_SHIFT) | (1u << CPU1);
	const uintptr_t dist_pend = PLAT_GICD_BASE + GICD_ISPENDR + 4 * (SPI_FLOOD / 32);
	const uintptr_t redist_pend = PLAT_GICR_BASE + CPU1 * PLAT_GICR_STRIDE + GICR_SGI_BASE + GICR_ISPENDR0;
	uint64_t sent = 0;

	*pends = 0;
	if (spin_only) {
		while (timer_now() < end)
			;
		return 0;
	}
	while (timer_now() < end) {
		for (unsigned int i = 0; i < SGIS_PER_ROUND; i++)
			write_sysreg(icc_sgi1r_el1, sgi); /* each one traps to Keel */
		sent += SGIS_PER_ROUND;
		mmio_write32(dist_pend, 1u << (SPI_FLOOD % 32));
		mmio_write32(redist_pend, 1u << PPI_FLOOD);
		*pends += 2;
	}
	return sent;
}

void guest_main(void)
{
	uint32_t flood_ms = DEFAULT_FLOOD_MS;
	uint64_t sent, pends, t0;

	fdt_read_u32("/chosen", "keel-test,flood-ms", &flood_ms);
	fdt_read_u32("/chosen", "keel-test,spin-only", &spin_only);
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(SGI_FLOOD, on_flood);
	gic_set_handler(PPI_FLOOD, on_flood);
	gic_set_handler(SPI_FLOOD, on_flood);
	gic_set_handler(PLAT_VTIMER_INTID, on_tick);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	setup_spi();

	t0 = timer_now();
	report(smp_start_cpu(CPU1, cpu1_main) == 0, "CPU_ON(vCPU1)");
	if (!report(wait_cpu1_online(UP_WAIT_MS), "vCPU1 is up (after %lu us)",
		    (timer_now() - t0) * 1000000 / timer_freq()))
		report_summary();

	report_info("flood: flooding vCPU1 for %u ms", flood_ms);
	sent = flood(timer_now() + timer_ms_to_ticks(flood_ms), &pends);
	cpu1_stop = 1;
	write_sysreg(icc_sgi1r_el1, ((uint64_t)SGI_FLOOD << ICC_SGI1R_INTID_SHIFT) | (1u << CPU1));
	report(timer_wait_flag(&cpu1_stopped, STOP_WAIT_MS), "vCPU1 stopped");
	printf("flood: sent %lu SGIs and %lu ISPENDR writes\n", sent, pends);
	for (unsigned int p = 0; p < NR_PHASES; p++)
		printf("flood: vCPU1 took %u SGIs, %u PPIs, %u SPIs in %u %s phases\n", got[p][KIND_SGI],
		       got[p][KIND_PPI], got[p][KIND_SPI], phases[p], p == PHASE_WFI ? "WFI" : "spinning");
	if (spin_only)
		report_summary();
	report(sent >= MIN_SGIS, "flooded: %lu SGIs sent, at least %u", sent, MIN_SGIS);
	/* A WFI phase ends only after an interrupt wakes vCPU1: a lost wake-up stops the cycle. */
	report(phases[PHASE_WFI] + phases[PHASE_SPIN] >= flood_ms / PHASE_MS / 4,
	       "vCPU1 kept cycling: %u phases of %u ms in %u ms", phases[PHASE_WFI] + phases[PHASE_SPIN],
	       PHASE_MS, flood_ms);
	for (unsigned int p = 0; p < NR_PHASES; p++)
		report(got[p][KIND_SGI] > 0 && got[p][KIND_PPI] > 0 && got[p][KIND_SPI] > 0,
		       "vCPU1 took SGIs, PPIs and SPIs in its %s phases", p == PHASE_WFI ? "WFI" : "spinning");
	report_summary();
}
