/*
 * The SMP fuzzer's interrupt operations (guests/tests/fuzz_smp.c): accesses
 * of the distributor and both redistributors aimed at the registers that
 * change shared interrupt state (one SPI's GICD_IROUTER flipped between the
 * vCPUs while either sets it pending, enables or activates it), SGI storms,
 * and short windows with IRQs unmasked in which whatever is pending is taken.
 */
#include <guest/exception.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/sysreg.h>

#include "fuzz_ops.h"
#include "fuzz_smp.h"

#define SHARED_SPI 48u
#define IRQ_WINDOW_MAX 64u /* IRQ entries in one window before it is closed (PMR 0): no storm livelocks */

/* GICv3 registers (GICv3 spec 12.9, 12.10, 12.11). */
#define GICD_CTLR 0x0000u
#define GICD_ISENABLER 0x0100u
#define GICD_ICENABLER 0x0180u
#define GICD_ISPENDR 0x0200u
#define GICD_ICPENDR 0x0280u
#define GICD_ISACTIVER 0x0300u
#define GICD_ICACTIVER 0x0380u
#define GICD_IPRIORITYR 0x0400u
#define GICD_ICFGR 0x0c00u
#define GICD_IROUTER 0x6000u
#define GICR_WAKER 0x0014u
#define GICR_SGI_BASE 0x10000u
#define GICR_IGROUPR0 0x0080u
#define IROUTER_IRM (1ull << 31)

/* IRQ entries in the current window, per vCPU. */
static volatile uint32_t window_irqs[FUZZ_SMP_CPUS];

/* A 32-bit register of the SPI range: the four banks that cover INTIDs 0..127 (bank 0 is RAZ/WI here). */
static uint64_t gicd_bank(uint32_t reg)
{
	return PLAT_GICD_BASE + reg + 4 * fuzz_rnd_below(4);
}

/* A redistributor SGI-frame register of either vCPU. */
static uint64_t gicr_sgi(uint32_t reg)
{
	return PLAT_GICR_BASE + fuzz_rnd_below(FUZZ_SMP_CPUS) * PLAT_GICR_STRIDE + GICR_SGI_BASE + reg;
}

/* An IROUTER value: either vCPU, any-of-them (IRM), or an affinity no vCPU has. */
static uint64_t rnd_route(void)
{
	switch (fuzz_rnd_below(6)) {
	case 0: case 1: case 2: return fuzz_rnd_below(FUZZ_SMP_CPUS);
	case 3: return IROUTER_IRM;
	case 4: return FUZZ_SMP_CPUS + fuzz_rnd_below(200);
	default: return fuzz_rnd_value();
	}
}

/* One access of the interrupt state both vCPUs share, aimed at the registers that change it. */
void fuzz_smp_gic_op(void)
{
	static const uint32_t set_clear[] = { GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR, GICD_ICPENDR,
					      GICD_ISACTIVER, GICD_ICACTIVER };
	struct smp_stats *s = fuzz_smp_stats();
	uint64_t addr, v = fuzz_rnd_below(2) ? 1ull << fuzz_rnd_below(32) : fuzz_rnd_value();
	unsigned int width = 4;
	bool write = fuzz_rnd_below(4) != 0;

	switch (fuzz_rnd_below(10)) {
	case 0: case 1: /* the shared SPI moves between the vCPUs ... */
		addr = PLAT_GICD_BASE + GICD_IROUTER + 8 * SHARED_SPI;
		v = rnd_route();
		width = 8;
		write = true;
		break;
	case 2: case 3: /* ... while either makes it pending, enables or activates it, or clears that */
		addr = PLAT_GICD_BASE + set_clear[fuzz_rnd_below(6)] + 4 * (SHARED_SPI / 32);
		v = 1ull << (SHARED_SPI % 32);
		write = true;
		break;
	case 4: case 5:
		addr = gicd_bank(set_clear[fuzz_rnd_below(6)]);
		break;
	case 6:
		addr = PLAT_GICD_BASE + GICD_IPRIORITYR + fuzz_rnd_below(128);
		width = fuzz_rnd_below(2) ? 1 : 4;
		addr &= ~(uint64_t)(width - 1);
		break;
	case 7:
		addr = gicr_sgi(set_clear[fuzz_rnd_below(6)]);
		break;
	case 8:
		addr = fuzz_rnd_below(2) ? gicr_sgi(GICD_IPRIORITYR + 4 * fuzz_rnd_below(8))
					 : PLAT_GICD_BASE + GICD_IROUTER + 8 * (32 + fuzz_rnd_below(96));
		width = addr >= PLAT_GICD_BASE + GICD_IROUTER && addr < PLAT_GICR_BASE ? 8 : 4;
		if (width == 8)
			v = rnd_route();
		break;
	default: /* enables, group and trigger: keep ARE (bit 4) so the view of the GIC stays GICv3 */
		addr = fuzz_rnd_below(2) ? PLAT_GICD_BASE + GICD_CTLR : gicd_bank(GICD_ICFGR);
		if (addr == PLAT_GICD_BASE + GICD_CTLR)
			v = (v & 0x3u) | 0x10u;
		break;
	}
	s->gic++;
	if (fuzz_access_caught(addr, width, write, v))
		s->gic_aborts++;
}

/* A storm of SGIs: to the sibling, itself, both, vCPUs that do not exist, or everyone but itself. */
void fuzz_smp_sgi_storm(void)
{
	struct smp_stats *s = fuzz_smp_stats();
	uint64_t n = 1 + fuzz_rnd_below(32);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t intid = fuzz_rnd_below(16) << 24, v;

		switch (fuzz_rnd_below(6)) {
		case 0: v = 1ull << (cpu_id() ^ 1u); break;
		case 1: v = 1ull << cpu_id(); break;
		case 2: v = 3; break;
		case 3: v = (fuzz_rnd() & 0xfffc) | (fuzz_rnd_below(4) << 16); break; /* Aff1 too */
		case 4: v = 1ull << 40; break; /* IRM: every vCPU but this one */
		default: v = fuzz_rnd(); break;
		}
		exc_catch_begin();
		write_sysreg(S3_0_C12_C11_5, v | intid); /* ICC_SGI1R_EL1 */
		s->sgi++;
		s->sgi_undefs += exc_catch_end(NULL, NULL);
	}
}

/* IRQs, in windows: acknowledge and end whatever came; a storm closes the window (PMR 0). */
void fuzz_smp_irq(void)
{
	struct smp_stats *s = fuzz_smp_stats();
	uint64_t iar = read_sysreg(icc_iar1_el1) & 0xffffffu;

	if (++window_irqs[cpu_id() % FUZZ_SMP_CPUS] >= IRQ_WINDOW_MAX)
		write_sysreg(icc_pmr_el1, 0);
	if (iar >= 1020) {
		s->spurious++;
		return;
	}
	s->irqs++;
	write_sysreg(icc_eoir1_el1, iar);
}

void fuzz_smp_irq_window(void)
{
	window_irqs[cpu_id() % FUZZ_SMP_CPUS] = 0;
	write_sysreg(icc_pmr_el1, 0xff);
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
	irq_enable();
	for (volatile uint32_t i = 0; i < 200; i++)
		;
	irq_disable();
	write_sysreg(icc_pmr_el1, 0xff);
}


/*
 * The CPU interface of a vCPU started while its sibling already fuzzes: not
 * gic_init_cpu(), which waits for GICR_WAKER, and the sibling may be writing
 * that register of ours. IRQs stay masked but in windows (fuzz_smp_irq_window()).
 */
void fuzz_smp_cpu_interface_init(void)
{
	uintptr_t rd = PLAT_GICR_BASE + cpu_id() * PLAT_GICR_STRIDE;

	mmio_write32(rd + GICR_WAKER, 0); /* ProcessorSleep off; not waited for */
	mmio_write32(rd + GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffffu); /* SGIs and PPIs in Group 1, as vcpu 0's */
	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | 1);
	isb();
	write_sysreg(icc_pmr_el1, 0xff);
	write_sysreg(icc_bpr1_el1, 0);
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
}
