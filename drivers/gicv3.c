/*
 * Driver for the physical GICv3 (Arm IHI 0069). Keel's interrupt policy is
 * simple: every interrupt is Group 1 non-secure at one priority, SPIs go to
 * the CPU running the vCPU they belong to, and Keel's own SGI 0 "kick" tells
 * a CPU to look at its vCPUs' requests.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/gic.h>
#include <keel/drivers/gicv3.h>
#include <keel/log.h>
#include <keel/platform.h>

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IROUTER 0x6000
#define GICD_CTLR_RWP BIT(31)
#define GICD_CTLR_ARE_NS BIT(4)
#define GICD_CTLR_ENABLE_G1A BIT(1)
#define GICD_CTLR_ENABLE_G1 BIT(0)

#define GICR_WAKER 0x0014
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_SGI_BASE 0x10000

#define DEFAULT_PRIORITY 0xa0

static inline u32 rd32(u64 addr) { return *(volatile u32 *)(uintptr_t)addr; }
static inline void wr32(u64 addr, u32 v) { *(volatile u32 *)(uintptr_t)addr = v; }
static inline void wr64(u64 addr, u64 v) { *(volatile u64 *)(uintptr_t)addr = v; }
static inline void wr8(u64 addr, u8 v) { *(volatile u8 *)(uintptr_t)addr = v; }

static u64 redist_base(u32 cpu)
{
	return platform.gicr_base + (u64)cpu * platform.gicr_stride;
}

static void dist_wait_rwp(void)
{
	while (rd32(platform.gicd_base + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

void gicv3_dist_init(void)
{
	u64 d = platform.gicd_base;
	u32 lines = ((rd32(d + GICD_TYPER) & 0x1f) + 1) * 32;

	wr32(d + GICD_CTLR, 0);
	dist_wait_rwp();
	for (u32 i = 32; i < lines; i += 32) {
		wr32(d + GICD_ICENABLER + i / 8, 0xffffffff);
		wr32(d + GICD_ICPENDR + i / 8, 0xffffffff);
		wr32(d + GICD_ICACTIVER + i / 8, 0xffffffff);
		wr32(d + GICD_IGROUPR + i / 8, 0xffffffff);
	}
	for (u32 i = 32; i < lines; i++) {
		wr8(d + GICD_IPRIORITYR + i, DEFAULT_PRIORITY);
		wr64(d + GICD_IROUTER + 8ull * i, platform.cpu_mpidr[0]);
	}
	dist_wait_rwp();
	wr32(d + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A | GICD_CTLR_ENABLE_G1);
	dist_wait_rwp();
}

void gicv3_cpu_init(u32 cpu)
{
	u64 r = redist_base(cpu);
	u64 sgi = r + GICR_SGI_BASE;

	wr32(r + GICR_WAKER, rd32(r + GICR_WAKER) & ~(u32)GICR_WAKER_PROCESSOR_SLEEP);
	while (rd32(r + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	wr32(sgi + 0x180, 0xffffffff); /* ICENABLER0: all SGIs and PPIs off */
	wr32(sgi + 0x80, 0xffffffff); /* IGROUPR0: Group 1 */
	for (u32 i = 0; i < 32; i++)
		wr8(sgi + 0x400 + i, DEFAULT_PRIORITY);

	arch_gic_cpuif_init();
}

void gicv3_enable(u32 intid, bool enable)
{
	u64 reg;

	if (intid < 32)
		reg = redist_base(arch_cpu_index()) + GICR_SGI_BASE + (enable ? 0x100 : 0x180);
	else
		reg = platform.gicd_base + (enable ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4;
	wr32(reg, 1u << (intid % 32));
}

void gicv3_route_spi(u32 intid, u32 pcpu)
{
	wr64(platform.gicd_base + GICD_IROUTER + 8ull * intid, platform.cpu_mpidr[pcpu]);
}

void gicv3_set_edge(u32 intid, bool edge)
{
	u64 reg = platform.gicd_base + GICD_ICFGR + (intid / 16) * 4;
	u32 shift = (intid % 16) * 2 + 1;

	wr32(reg, (rd32(reg) & ~(1u << shift)) | ((u32)edge << shift));
}

u32 gicv3_ack(void)
{
	return arch_gic_ack();
}

void gicv3_eoi(u32 intid)
{
	arch_gic_eoi(intid);
}

void gicv3_deactivate(u32 intid)
{
	arch_gic_deactivate(intid);
}

bool gicv3_is_active(u32 intid)
{
	return rd32(redist_base(arch_cpu_index()) + GICR_SGI_BASE + 0x300) & (1u << (intid % 32));
}

void gicv3_set_active(u32 intid)
{
	wr32(redist_base(arch_cpu_index()) + GICR_SGI_BASE + 0x300, 1u << (intid % 32));
}

void gicv3_clear_active(u32 intid)
{
	if (intid >= 32) { /* an SPI: the distributor holds its state, any CPU may clear it */
		wr32(platform.gicd_base + GICD_ICACTIVER + (intid / 32) * 4, 1u << (intid % 32));
		return;
	}
	wr32(redist_base(arch_cpu_index()) + GICR_SGI_BASE + 0x380, 1u << (intid % 32));
}

void gicv3_send_sgi(u32 pcpu, u32 intid)
{
	u64 mpidr = platform.cpu_mpidr[pcpu];
	u64 aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;
	u64 target_list = 1ull << (mpidr & 0xf);

	arch_gic_send_sgi((aff3 << 48) | (aff2 << 32) | ((u64)intid << 24) | (aff1 << 16) | target_list);
}
