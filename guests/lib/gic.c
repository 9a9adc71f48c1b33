/*
 * GICv3 guest driver (GICv3 architecture spec, IHI 0069). Uses affinity
 * routing and Group 1 only, which is what a Keel VM (and QEMU's virt board
 * without EL3) provides. The boot CPU sets up the distributor; each CPU wakes
 * its own redistributor, found at PLAT_GICR_BASE + cpu * PLAT_GICR_STRIDE.
 */
#include <guest/exception.h>
#include <guest/gic.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/sysreg.h>

/* Distributor (spec 12.9). */
#define GICD_CTLR 0x0000
#define GICD_CTLR_ENABLE_GRP1 (1u << 1) /* EnableGrp1NS, or EnableGrp1 when DS = 1 */
#define GICD_CTLR_ARE (1u << 4)         /* ARE_NS, or ARE when DS = 1 */
#define GICD_CTLR_RWP (1u << 31)

/* Redistributor RD_base frame (spec 12.11). */
#define GICR_WAKER 0x0014
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
/* SGI_base frame, 64 KiB after RD_base. */
#define GICR_SGI_BASE 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_IPRIORITYR 0x0400

#define ICC_SRE_SRE (1u << 0)
#define ICC_IAR_INTID_MASK 0xffffffu
#define GIC_SPECIAL_INTID_FIRST 1020u /* 1020..1023 are special; 1023 is spurious */
#define ICC_SGI1R_INTID_SHIFT 24

/* Bounded waits for register-write-pending and wake-up bits. */
#define GIC_POLL_LIMIT 1000000u

static void (*handlers[GIC_MAX_INTID])(uint32_t intid);

static uintptr_t gicr_base(void)
{
	return PLAT_GICR_BASE + (uintptr_t)cpu_id() * PLAT_GICR_STRIDE;
}

static void wait_clear(uintptr_t reg, uint32_t bit, const char *what)
{
	uint32_t n;

	for (n = 0; n < GIC_POLL_LIMIT; n++) {
		if (!(mmio_read32(reg) & bit))
			return;
	}
	printf("gic: %s did not clear\n", what);
}

void gic_init_dist(void)
{
	mmio_write32(PLAT_GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
	wait_clear(PLAT_GICD_BASE + GICD_CTLR, GICD_CTLR_RWP, "GICD_CTLR.RWP");
	exc_set_irq_handler(gic_handle_irq);
}

void gic_init_cpu(void)
{
	uintptr_t rd = gicr_base();
	uint32_t waker = mmio_read32(rd + GICR_WAKER);

	/* Spec 12.11.44: clear ProcessorSleep, then wait for ChildrenAsleep to clear. */
	mmio_write32(rd + GICR_WAKER, waker & ~GICR_WAKER_PROCESSOR_SLEEP);
	wait_clear(rd + GICR_WAKER, GICR_WAKER_CHILDREN_ASLEEP, "GICR_WAKER.ChildrenAsleep");
	mmio_write32(rd + GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffffu);

	write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | ICC_SRE_SRE);
	isb();
	write_sysreg(icc_pmr_el1, 0xff);   /* let every priority through */
	write_sysreg(icc_bpr1_el1, 0);     /* no preemption grouping */
	write_sysreg(icc_igrpen1_el1, 1);
	isb();
}

void gic_set_handler(uint32_t intid, void (*handler)(uint32_t intid))
{
	if (intid < GIC_MAX_INTID)
		handlers[intid] = handler;
}

void gic_enable_private(uint32_t intid, uint8_t prio)
{
	uintptr_t sgi = gicr_base() + GICR_SGI_BASE;
	uintptr_t preg = sgi + GICR_IPRIORITYR + (intid & ~3u);
	unsigned int shift = (intid & 3u) * 8;
	uint32_t v;

	if (intid >= 32)
		return;
	/* Word accesses only: simplest for any emulated redistributor. */
	v = mmio_read32(preg);
	v = (v & ~(0xffu << shift)) | ((uint32_t)prio << shift);
	mmio_write32(preg, v);
	mmio_write32(sgi + GICR_ISENABLER0, 1u << intid);
}

void gic_send_sgi(uint32_t intid, uint16_t target_list)
{
	/* Make earlier writes visible before the interrupt can be seen (spec 12.1.x). */
	dsb(ishst);
	write_sysreg(icc_sgi1r_el1, ((uint64_t)(intid & 0xf) << ICC_SGI1R_INTID_SHIFT) | target_list);
	isb();
}

void gic_handle_irq(void)
{
	for (;;) {
		uint32_t intid = (uint32_t)read_sysreg(icc_iar1_el1) & ICC_IAR_INTID_MASK;

		if (intid >= GIC_SPECIAL_INTID_FIRST)
			return;
		if (intid < GIC_MAX_INTID && handlers[intid])
			handlers[intid](intid);
		else
			printf("gic: cpu %u: unhandled interrupt %u\n", cpu_id(), intid);
		write_sysreg(icc_eoir1_el1, intid);
		isb();
	}
}
