/*
 * Host tests of the emulated GICv3 registers (vdev/vgic_dist.c,
 * vdev/vgic_redist.c, the shared block in vdev/vgic_irq.c) and of SGI
 * generation (vdev/vgic_sgi.c), written from the GICv3 spec (IHI 0069,
 * 12.9-12.11) and the Arm ARM's ICC_SGI1R_EL1. Every access goes through the
 * vdev handlers the VM registered, at the IPAs QEMU virt uses, as a guest's
 * trapped load or store would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_vgic_env.h"

#define GICD 0x08000000ull
#define GICR 0x080a0000ull
#define GICR_FRAME 0x20000ull
#define SGI_BASE 0x10000ull

#define CTLR_ARE_DS 0x50u

static struct vm vm;

static void setup(u32 nr_vcpus, u32 nr_spis)
{
	fake_vgic_vm_setup(&vm, nr_vcpus, nr_spis);
}

static int setup_2x64(void **state)
{
	(void)state;
	setup(2, 64);
	return 0;
}

static int setup_4x32(void **state)
{
	(void)state;
	setup(4, 32);
	return 0;
}

static bool mmio_read(u64 ipa, u32 width, u64 *value)
{
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	*value = 0xdeadbeefdeadbeefull; /* must be overwritten */
	return dev->kind->read(dev, &vm.vcpus[0], ipa - dev->base, width, value);
}

static bool mmio_write(u64 ipa, u32 width, u64 value)
{
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	return dev->kind->write(dev, &vm.vcpus[0], ipa - dev->base, width, value);
}

static u64 rd(u64 ipa, u32 width)
{
	u64 v;

	assert_true(mmio_read(ipa, width, &v));
	return v;
}

static u32 rd32(u64 ipa)
{
	return (u32)rd(ipa, 4);
}

static void wr32(u64 ipa, u32 value)
{
	assert_true(mmio_write(ipa, 4, value));
}

static struct vgic_irq *spi(u32 intid)
{
	return &vm_vgic(&vm)->spis[intid - 32];
}

static struct vgic_irq *priv(u32 vcpu, u32 intid)
{
	return &vm.vcpus[vcpu].vgic.private_irqs[intid];
}

static u64 redist(u32 vcpu, u64 offset)
{
	return GICR + vcpu * GICR_FRAME + offset;
}

/* --- distributor ------------------------------------------------------------ */

static void test_dist_ctlr(void **state)
{
	(void)state;
	assert_int_equal(rd32(GICD + 0x0), CTLR_ARE_DS);
	wr32(GICD + 0x0, 0x2); /* EnableGrp1 */
	assert_int_equal(rd32(GICD + 0x0), CTLR_ARE_DS | 0x2);
	wr32(GICD + 0x0, 0xffffffff); /* RWP, ARE and DS are not writable */
	assert_int_equal(rd32(GICD + 0x0), CTLR_ARE_DS | 0x3);
	wr32(GICD + 0x0, 0);
	assert_int_equal(rd32(GICD + 0x0), CTLR_ARE_DS); /* ARE stays 1 */
}

static void test_dist_id_registers(void **state)
{
	(void)state;
	/* 64 SPIs: INTIDs up to 95, ITLinesNumber 2; IDbits 9; no LPIs/MBIS/SecurityExtn. */
	assert_int_equal(rd32(GICD + 0x4), 2 | 9 << 19);
	assert_int_equal(rd32(GICD + 0x8) >> 24, 0x4b);
	assert_int_equal(rd32(GICD + 0xc), 0); /* TYPER2 */
	assert_int_equal(rd32(GICD + 0x10), 0); /* STATUSR */
	assert_int_equal(rd32(GICD + 0xffe8), 0x3b); /* PIDR2: ArchRev 3 */
	assert_int_equal(rd32(GICD + 0xfff0), 0x0d); /* CIDR0 */
	assert_int_equal(rd32(GICD + 0xfffc), 0xb1); /* CIDR3 */

	setup(1, 20); /* rounded up to one block of 32 */
	assert_int_equal(vm_vgic(&vm)->nr_spis, 32);
	assert_int_equal(rd32(GICD + 0x4) & 0x1f, 1);
	setup(1, 0);
	assert_int_equal(rd32(GICD + 0x4) & 0x1f, 0);
	setup(1, 1000); /* capped */
	assert_int_equal(vm_vgic(&vm)->nr_spis, VGIC_MAX_SPIS);
	assert_int_equal(fake_vgic_log_count, 0); /* setup resets the count after init */
}

static void test_dist_enable_set_clear(void **state)
{
	(void)state;
	wr32(GICD + 0x104, 0x21); /* ISENABLER1: INTIDs 32 and 37 */
	assert_true(spi(32)->enabled);
	assert_true(spi(37)->enabled);
	assert_false(spi(33)->enabled);
	assert_int_equal(rd32(GICD + 0x104), 0x21);
	assert_int_equal(rd32(GICD + 0x184), 0x21); /* ICENABLER reads the same state */
	wr32(GICD + 0x104, 0); /* zeros have no effect */
	assert_int_equal(rd32(GICD + 0x104), 0x21);
	wr32(GICD + 0x184, 0x1);
	assert_int_equal(rd32(GICD + 0x104), 0x20);

	/* INTIDs 0-31 live in the redistributors: RAZ/WI here. */
	wr32(GICD + 0x100, 0xffffffff);
	assert_int_equal(rd32(GICD + 0x100), 0);
	assert_false(priv(0, 5)->enabled);
	/* INTIDs past the VM's SPIs: RAZ/WI. */
	wr32(GICD + 0x10c, 0xffffffff);
	assert_int_equal(rd32(GICD + 0x10c), 0);
}

static void test_dist_pending_active(void **state)
{
	(void)state;
	wr32(GICD + 0x208, 0x3); /* ISPENDR2: INTIDs 64, 65 */
	assert_true(spi(64)->pending_latch);
	assert_int_equal(rd32(GICD + 0x288), 0x3);
	wr32(GICD + 0x288, 0x1);
	assert_int_equal(rd32(GICD + 0x208), 0x2);

	/* A level line high stays pending through ICPENDR (spec 4.1.2). */
	assert_true(vgic_set_level(&vm, NULL, 66, true));
	assert_int_equal(rd32(GICD + 0x208), 0x6);
	wr32(GICD + 0x288, 0x4);
	assert_int_equal(rd32(GICD + 0x208), 0x6);

	wr32(GICD + 0x308, 0x80000000); /* ISACTIVER2: INTID 95 */
	assert_true(spi(95)->active);
	assert_int_equal(rd32(GICD + 0x388), 0x80000000);
	wr32(GICD + 0x388, 0x80000000);
	assert_false(spi(95)->active);
}

static void test_dist_priority_bytes(void **state)
{
	(void)state;
	assert_true(mmio_write(GICD + 0x400 + 33, 1, 0xa0));
	assert_int_equal(spi(33)->priority, 0xa0);
	assert_int_equal(rd32(GICD + 0x420), 0xa000);
	assert_int_equal(rd(GICD + 0x400 + 33, 1), 0xa0);

	wr32(GICD + 0x424, 0x10203040); /* INTIDs 36..39 */
	assert_int_equal(spi(36)->priority, 0x40);
	assert_int_equal(spi(39)->priority, 0x10);
	assert_int_equal(rd(GICD + 0x427, 1), 0x10);

	/* Only the 5 priority bits the virtual interface compares are kept. */
	assert_true(mmio_write(GICD + 0x400 + 40, 1, 0xff));
	assert_int_equal(rd(GICD + 0x400 + 40, 1), 0xf8);

	/* SGI/PPI bytes and INTIDs past nr_spis are RAZ/WI. */
	wr32(GICD + 0x400, 0xffffffff);
	assert_int_equal(rd32(GICD + 0x400), 0);
	assert_int_equal(priv(0, 0)->priority, 0);
	wr32(GICD + 0x400 + 96, 0xffffffff);
	assert_int_equal(rd32(GICD + 0x400 + 96), 0);
}

static void test_dist_icfgr_igroupr(void **state)
{
	(void)state;
	assert_false(spi(32)->edge); /* SPIs reset level-sensitive */
	wr32(GICD + 0xc08, 0x2 | 0x2u << 30); /* ICFGR2: INTIDs 32 and 47 edge */
	assert_true(spi(32)->edge);
	assert_true(spi(47)->edge);
	assert_false(spi(33)->edge);
	assert_int_equal(rd32(GICD + 0xc08), 0x80000002);
	/* ICFGR0/1 (SGIs, PPIs) are RAZ/WI in the distributor. */
	wr32(GICD + 0xc04, 0xaaaaaaaa);
	assert_int_equal(rd32(GICD + 0xc04), 0);
	assert_false(priv(0, 20)->edge);

	wr32(GICD + 0x80, 0xffffffff); /* IGROUPR0: RAZ/WI here */
	assert_int_equal(rd32(GICD + 0x80), 0);
	wr32(GICD + 0x84, 0xffffffff);
	wr32(GICD + 0x88, 0xffffffff);
	wr32(GICD + 0x8c, 0xffffffff);
	assert_int_equal(rd32(GICD + 0x84), 0xffffffff);
	assert_int_equal(rd32(GICD + 0x8c), 0); /* INTIDs 96+ do not exist */
	assert_true(spi(95)->group1);
	wr32(GICD + 0x84, 0xfffffffe); /* IGROUPR writes zeros too */
	assert_false(spi(32)->group1);

	/* IGRPMODR and NSACR: RAZ/WI with one security state. */
	wr32(GICD + 0xd04, 0xffffffff);
	assert_int_equal(rd32(GICD + 0xd04), 0);
	wr32(GICD + 0xe08, 0xffffffff);
	assert_int_equal(rd32(GICD + 0xe08), 0);
	/* ITARGETSR and the legacy SGI registers: RAZ/WI with ARE. */
	wr32(GICD + 0x820, 0x01010101);
	assert_int_equal(rd32(GICD + 0x820), 0);
	assert_int_equal(rd(GICD + 0x821, 1), 0);
	wr32(GICD + 0xf00, 0x00010001);
	assert_int_equal(rd32(GICD + 0xf20), 0);
	assert_int_equal(fake_vgic_log_count, 0); /* defined registers: not logged */
}

static void test_dist_irouter(void **state)
{
	u64 irouter40 = GICD + 0x6000 + 8 * 40;

	(void)state;
	assert_int_equal(spi(40)->target_vcpu, 0);
	assert_true(mmio_write(irouter40, 8, 1)); /* Aff0 1 */
	assert_int_equal(spi(40)->target_vcpu, 1);
	assert_int_equal(rd(irouter40, 8), 1);

	/* 32-bit halves: Aff3 in the upper word names no vCPU. */
	wr32(irouter40 + 4, 0x5);
	assert_int_equal(rd(irouter40, 8), 0x500000001ull);
	assert_int_equal(rd32(irouter40 + 4), 5);
	assert_int_equal(rd32(irouter40), 1);
	assert_int_equal(spi(40)->target_vcpu, VGIC_NO_TARGET);

	/* Interrupt_Routing_Mode 1: any vCPU; Keel picks vCPU 0. */
	assert_true(mmio_write(irouter40, 8, 1ull << 31));
	assert_int_equal(spi(40)->target_vcpu, 0);
	/* Aff0 beyond the VM's vCPUs, then an Aff1. */
	assert_true(mmio_write(irouter40, 8, 2));
	assert_int_equal(spi(40)->target_vcpu, VGIC_NO_TARGET);
	assert_true(mmio_write(irouter40, 8, 0x100));
	assert_int_equal(spi(40)->target_vcpu, VGIC_NO_TARGET);
	/* Reserved bits [30:24] and [63:40] read as zero. */
	assert_true(mmio_write(irouter40, 8, ~0ull));
	assert_int_equal(rd(irouter40, 8), 0xff80ffffffull);

	/* IROUTER<n> for n < 32 and past the SPIs: RAZ/WI. */
	assert_true(mmio_write(GICD + 0x6000 + 8 * 5, 8, 1));
	assert_int_equal(rd(GICD + 0x6000 + 8 * 5, 8), 0);
	assert_int_equal(rd(GICD + 0x6000 + 8 * 200, 8), 0);
	/* A routing change to an enabled pending SPI kicks its new target. */
	vm_vgic(&vm)->ctlr = 0x3;
	spi(41)->enabled = true;
	spi(41)->pending_latch = true;
	fake_vgic_clear_kicks(&vm);
	assert_true(mmio_write(GICD + 0x6000 + 8 * 41, 8, 1));
	assert_int_equal(fake_vgic_kicks[1], 1);
}

static void test_dist_bad_access(void **state)
{
	u64 v;

	(void)state;
	assert_false(mmio_read(GICD + 0x0, 2, &v)); /* halfword */
	assert_false(mmio_read(GICD + 0x102, 4, &v)); /* misaligned */
	assert_false(mmio_read(GICD + 0x0, 8, &v)); /* 64-bit to a 32-bit register */
	assert_false(mmio_write(GICD + 0x104, 1, 1)); /* byte to ISENABLER */
	assert_false(spi(32)->enabled);
	assert_false(mmio_write(GICD + 0xc08, 8, 0));
	assert_false(mmio_read(GICD + 0x6000 + 8 * 40 + 4, 8, &v)); /* misaligned 64-bit */
	assert_false(mmio_write(GICD + 0x6000 + 8 * 40, 1, 1));
	assert_false(mmio_read(GICD + 0x401, 4, &v));
	assert_false(mmio_read(GICD + 0x0, 3, &v));
	assert_false(mmio_read(GICD + 0xffe8, 1, &v));
	assert_int_equal(fake_vgic_log_count, 0);
}

static void test_dist_reserved_logged_once(void **state)
{
	u64 v = 1;

	(void)state;
	assert_true(mmio_read(GICD + 0x9000, 4, &v));
	assert_int_equal(v, 0);
	assert_int_equal(fake_vgic_log_count, 1);
	assert_true(mmio_write(GICD + 0x40, 4, 33)); /* SETSPI_NSR: no MBIS */
	assert_true(mmio_read(GICD + 0x20, 4, &v));
	assert_int_equal(v, 0);
	assert_int_equal(fake_vgic_log_count, 1);
	/* The redistributor has its own once. */
	assert_true(mmio_read(redist(0, 0x30), 4, &v));
	assert_int_equal(fake_vgic_log_count, 2);
	assert_true(mmio_read(redist(1, SGI_BASE + 0x0), 4, &v));
	assert_int_equal(fake_vgic_log_count, 2);
}

/* --- reserved offsets are RES0 (GICv3 spec 1.2.x "Reserved": RAZ/WI) ------------ */

/* Offsets of one frame the vGIC implements a register at: [start, end). */
struct span {
	u64 start, end;
};

static const struct span gicd_implemented[] = {
	{ 0x0000, 0x0014 }, /* CTLR, TYPER, IIDR, TYPER2, STATUSR */
	{ 0x0080, 0x0d80 }, /* IGROUPR to ICFGR, ITARGETSR, IGRPMODR */
	{ 0x0e00, 0x0f04 }, /* NSACR, SGIR */
	{ 0x0f10, 0x0f30 }, /* CPENDSGIR, SPENDSGIR */
	{ 0x6000, 0x7fe0 }, /* IROUTER */
	{ 0xffd0, 0x10000 }, /* ID registers */
};
static const struct span gicr_rd_implemented[] = {
	{ 0x0000, 0x0018 }, { 0x0040, 0x0050 }, { 0x0070, 0x0080 }, { 0x00a0, 0x00a8 }, { 0x00b0, 0x00b8 },
	{ 0xffd0, 0x10000 },
};
static const struct span gicr_sgi_implemented[] = {
	{ 0x0080, 0x0084 }, { 0x0100, 0x0104 }, { 0x0180, 0x0184 }, { 0x0200, 0x0204 }, { 0x0280, 0x0284 },
	{ 0x0300, 0x0304 }, { 0x0380, 0x0384 }, { 0x0400, 0x0420 }, { 0x0c00, 0x0c08 }, { 0x0d00, 0x0d04 },
	{ 0x0e00, 0x0e04 },
};

static bool implemented(const struct span *spans, u32 n, u64 offset)
{
	for (u32 i = 0; i < n; i++)
		if (offset >= spans[i].start && offset < spans[i].end)
			return true;
	return false;
}

/* The whole vGIC state, as its save hooks see it. */
static u32 save_all(u8 *buf)
{
	u32 n = vgic_dist_kind.save(&vm.vdevs[0], buf);

	return n + vgic_redist_kind.save(&vm.vdevs[1], buf + n);
}

/*
 * Every 32-bit access to a 64 KiB frame is accepted; at a reserved offset it
 * reads 0, and a 64-bit one there too; writes of all ones to every reserved
 * offset change nothing.
 */
static void sweep_frame(u64 base, const struct span *spans, u32 n)
{
	for (u64 off = 0; off < 0x10000; off += 4) {
		u64 v;

		if (!mmio_read(base + off, 4, &v))
			fail_msg("32-bit read at 0x%llx refused", (unsigned long long)(base + off));
		if (implemented(spans, n, off))
			continue;
		if (v != 0)
			fail_msg("reserved 0x%llx reads 0x%llx", (unsigned long long)(base + off), (unsigned long long)v);
		if (!mmio_write(base + off, 4, ~0u))
			fail_msg("32-bit write at reserved 0x%llx refused", (unsigned long long)(base + off));
		if (IS_ALIGNED(off, 8) && !implemented(spans, n, off + 4)) {
			if (!mmio_read(base + off, 8, &v) || v != 0 || !mmio_write(base + off, 8, ~0ull))
				fail_msg("64-bit access at reserved 0x%llx not RAZ/WI", (unsigned long long)(base + off));
		}
		/* Byte, halfword and misaligned accesses stay refused, reserved or not. */
		if (mmio_read(base + off, 1, &v) || mmio_write(base + off + 2, 2, 0) || mmio_read(base + off + 2, 4, &v))
			fail_msg("illegal access at reserved 0x%llx accepted", (unsigned long long)(base + off));
	}
}

static void test_reserved_offsets_res0(void **state)
{
	static u8 before[8192], after[8192];
	u32 n;

	(void)state;
	wr32(GICD + 0x0, 0x3); /* some state to keep: groups on, a few SPIs enabled and pending */
	wr32(GICD + 0x104, 0xf0f0);
	wr32(GICD + 0x204, 0x0ff0);
	wr32(redist(1, SGI_BASE + 0x100), 0x8000ffff);
	n = save_all(before);
	sweep_frame(GICD, gicd_implemented, ARRAY_SIZE(gicd_implemented));
	for (u32 c = 0; c < vm.nr_vcpus; c++) {
		sweep_frame(redist(c, 0), gicr_rd_implemented, ARRAY_SIZE(gicr_rd_implemented));
		sweep_frame(redist(c, SGI_BASE), gicr_sgi_implemented, ARRAY_SIZE(gicr_sgi_implemented));
	}
	assert_int_equal(save_all(after), n);
	assert_memory_equal(before, after, n);
	assert_int_equal(fake_vgic_log_count, 2); /* once for the distributor, once for the redistributors */
}

/* --- redistributors ----------------------------------------------------------- */

static void test_register_devices(void **state)
{
	(void)state;
	assert_int_equal(vm.nr_vdevs, 2);
	assert_int_equal(vm.vdevs[0].base, GICD);
	assert_int_equal(vm.vdevs[0].size, 0x10000);
	assert_int_equal(vm.vdevs[1].base, GICR);
	assert_int_equal(vm.vdevs[1].size, 2 * GICR_FRAME);
	assert_null(vm_find_vdev(&vm, GICR + 2 * GICR_FRAME));
}

static void test_redist_typer(void **state)
{
	struct vdev *dev = vm_find_vdev(&vm, GICR);
	u64 v;

	(void)state;
	assert_int_equal(rd(redist(0, 0x8), 8), 0); /* Aff 0, Processor_Number 0, not Last */
	assert_int_equal(rd(redist(1, 0x8), 8), 1ull << 32 | 1 << 8 | 1 << 4);
	assert_int_equal(rd32(redist(1, 0x8)), 1 << 8 | 1 << 4);
	assert_int_equal(rd32(redist(1, 0xc)), 1);
	assert_true(mmio_write(redist(1, 0x8), 8, ~0ull)); /* read-only */
	assert_int_equal(rd32(redist(1, 0xc)), 1);
	/* Past the last redistributor. */
	assert_false(dev->kind->read(dev, &vm.vcpus[0], 2 * GICR_FRAME, 4, &v));

	setup(4, 32);
	for (u32 i = 0; i < 4; i++) {
		u64 t = rd(redist(i, 0x8), 8);

		assert_int_equal(t >> 32, i);
		assert_int_equal((t >> 8) & 0xffff, i);
		assert_int_equal(!!(t & 0x10), i == 3);
	}
}

static void test_redist_rd_base(void **state)
{
	u64 v;

	(void)state;
	assert_int_equal(rd32(redist(0, 0x14)), 0x6); /* WAKER: asleep at reset */
	wr32(redist(0, 0x14), 0);
	assert_int_equal(rd32(redist(0, 0x14)), 0);
	assert_int_equal(rd32(redist(1, 0x14)), 0x6); /* each vCPU has its own */
	wr32(redist(0, 0x14), 0x4); /* ChildrenAsleep is read-only */
	assert_int_equal(rd32(redist(0, 0x14)), 0);
	wr32(redist(0, 0x14), 0x2);
	assert_int_equal(rd32(redist(0, 0x14)), 0x6);

	assert_int_equal(rd32(redist(1, 0xffe8)), 0x3b); /* PIDR2 */
	assert_int_equal(rd32(redist(0, 0x0)), 0); /* CTLR: RWP 0, no LPIs */
	wr32(redist(0, 0x0), 1);
	assert_int_equal(rd32(redist(0, 0x0)), 0);
	assert_int_equal(rd32(redist(0, 0x4)), rd32(GICD + 0x8)); /* IIDR */
	assert_true(mmio_write(redist(0, 0x70), 8, 0x1234000)); /* PROPBASER RAZ/WI */
	assert_int_equal(rd(redist(0, 0x70), 8), 0);
	assert_int_equal(rd(redist(0, 0x7c), 4), 0);
	assert_false(mmio_read(redist(0, 0x14), 8, &v)); /* 64-bit to a 32-bit register */
	assert_false(mmio_read(redist(0, 0x8), 2, &v));
	assert_int_equal(fake_vgic_log_count, 0);
}

static void test_redist_sgi_base(void **state)
{
	u64 sgi1 = redist(1, SGI_BASE);

	(void)state;
	wr32(sgi1 + 0x100, 1u << 27 | 1u << 3); /* ISENABLER0 of vCPU 1 */
	assert_true(priv(1, 27)->enabled);
	assert_true(priv(1, 3)->enabled);
	assert_false(priv(0, 27)->enabled);
	assert_int_equal(rd32(sgi1 + 0x180), 1u << 27 | 1u << 3);
	wr32(sgi1 + 0x180, 1u << 3);
	assert_int_equal(rd32(sgi1 + 0x100), 1u << 27);

	wr32(sgi1 + 0x80, 0xffffffff); /* IGROUPR0 */
	assert_true(priv(1, 0)->group1);
	assert_false(priv(0, 0)->group1);
	wr32(sgi1 + 0x84, 0xffffffff); /* no IGROUPR1 in a redistributor */
	assert_int_equal(rd32(sgi1 + 0x84), 0);

	wr32(sgi1 + 0x200, 1u << 5); /* ISPENDR0: SGI 5 */
	assert_true(priv(1, 5)->pending_latch);
	assert_int_equal(rd32(sgi1 + 0x280), 1u << 5);
	wr32(sgi1 + 0x280, 1u << 5);
	assert_int_equal(rd32(sgi1 + 0x200), 0);
	wr32(sgi1 + 0x300, 1u << 16); /* ISACTIVER0: PPI 16 */
	assert_true(priv(1, 16)->active);
	wr32(sgi1 + 0x380, 1u << 16);
	assert_false(priv(1, 16)->active);

	/* ICFGR0: SGIs always edge, read-only. ICFGR1: PPIs reset level, writable. */
	assert_int_equal(rd32(sgi1 + 0xc00), 0xaaaaaaaa);
	wr32(sgi1 + 0xc00, 0);
	assert_int_equal(rd32(sgi1 + 0xc00), 0xaaaaaaaa);
	assert_int_equal(rd32(sgi1 + 0xc04), 0);
	wr32(sgi1 + 0xc04, 0x2 << 22); /* PPI 27 edge */
	assert_true(priv(1, 27)->edge);
	assert_int_equal(rd32(sgi1 + 0xc04), 0x2 << 22);

	assert_true(mmio_write(sgi1 + 0x400 + 27, 1, 0x80)); /* IPRIORITYR6, byte 3 */
	assert_int_equal(rd32(sgi1 + 0x418), 0x80000000);
	wr32(sgi1 + 0x41c, 0x08102030);
	assert_int_equal(priv(1, 28)->priority, 0x30);
	assert_int_equal(priv(0, 28)->priority, 0);
	assert_int_equal(rd32(sgi1 + 0x420), 0); /* past INTID 31: reserved, RES0 */

	wr32(sgi1 + 0xd00, 0xffffffff); /* IGRPMODR0 */
	assert_int_equal(rd32(sgi1 + 0xd00), 0);
	wr32(sgi1 + 0xe00, 0xffffffff); /* NSACR */
	assert_int_equal(rd32(sgi1 + 0xe00), 0);
	assert_int_equal(fake_vgic_log_count, 1); /* 0x420 is a reserved SGI_base offset: logged once */
}

/* --- SGIs --------------------------------------------------------------------- */

#define SGIR(intid, targets) ((u64)(intid) << 24 | (targets))
#define SGIR_IRM (1ull << 40)

static u32 sgi_pending_mask(u32 intid)
{
	u32 mask = 0;

	for (u32 i = 0; i < vm.nr_vcpus; i++)
		if (priv(i, intid)->pending_latch)
			mask |= 1u << i;
	return mask;
}

static void test_sgi_target_list(void **state)
{
	(void)state;
	vgic_sgi_write(&vm.vcpus[0], SGIR(3, 0x6), true);
	assert_int_equal(sgi_pending_mask(3), 0x6);
	assert_int_equal(sgi_pending_mask(2), 0);
	/* The writer may target itself; bits past the last vCPU are ignored. */
	vgic_sgi_write(&vm.vcpus[2], SGIR(15, 0xfff4), true);
	assert_int_equal(sgi_pending_mask(15), 0x4);
}

static void test_sgi_irm(void **state)
{
	(void)state;
	vgic_sgi_write(&vm.vcpus[1], SGIR(1, 0) | SGIR_IRM, true);
	assert_int_equal(sgi_pending_mask(1), 0xd);
	vgic_sgi_write(&vm.vcpus[0], SGIR(2, 0x1) | SGIR_IRM | 1ull << 16, true); /* IRM ignores the rest */
	assert_int_equal(sgi_pending_mask(2), 0xe);
}

static void test_sgi_affinity(void **state)
{
	(void)state;
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x1) | 1ull << 16, true); /* Aff1 1 */
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x1) | 1ull << 32, true); /* Aff2 1 */
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x1) | 1ull << 48, true); /* Aff3 1 */
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x3) | 1ull << 44, true); /* RS 1: Aff0 16, 17 */
	assert_int_equal(sgi_pending_mask(4), 0);
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x8), true);
	assert_int_equal(sgi_pending_mask(4), 0x8);
}

static void test_sgi_groups(void **state)
{
	(void)state;
	priv(1, 7)->group1 = true; /* vCPU 1 takes SGI 7 as Group 1, the others Group 0 */
	vgic_sgi_write(&vm.vcpus[0], SGIR(7, 0xf), false); /* ICC_SGI0R_EL1 */
	assert_int_equal(sgi_pending_mask(7), 0xd);
	memset(fake_vgic_kicks, 0, sizeof(fake_vgic_kicks));
	priv(2, 8)->group1 = true;
	vgic_sgi_write(&vm.vcpus[0], SGIR(8, 0x5), true); /* ICC_SGI1R_EL1: either group */
	assert_int_equal(sgi_pending_mask(8), 0x5);
}

static void test_sgi_kicks_deliverable_targets(void **state)
{
	(void)state;
	vm_vgic(&vm)->ctlr = 0x2; /* Group 1 on */
	for (u32 i = 0; i < 4; i++) {
		priv(i, 9)->group1 = true;
		priv(i, 9)->enabled = i != 3;
	}
	fake_vgic_clear_kicks(&vm);
	vgic_sgi_write(&vm.vcpus[0], SGIR(9, 0) | SGIR_IRM, true);
	assert_int_equal(fake_vgic_kicks[0], 0);
	assert_int_equal(fake_vgic_kicks[1], 1);
	assert_int_equal(fake_vgic_kicks[2], 1);
	assert_int_equal(fake_vgic_kicks[3], 0); /* disabled: pending, but nothing to deliver */
	assert_true(vm.vcpus[1].requests & VCPU_REQ_KICK);
	assert_int_equal(sgi_pending_mask(9), 0xe);
}

/*
 * A guest writing the same SGI in a loop kicks its target once while the
 * SGI waits; a target switched out for another VM's vCPU, or off, is never
 * kicked (it finds the SGI when it next enters), so a flood costs the CPU
 * it shares with another VM nothing.
 */
static void test_sgi_flood_kicks_bounded(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	vm_vgic(&vm)->ctlr = 0x2; /* Group 1 on */
	for (u32 i = 3; i < 16; i++)
		priv(1, i)->group1 = priv(1, i)->enabled = true;
	fake_vgic_clear_kicks(&vm);
	for (u32 i = 0; i < 1000; i++)
		vgic_sgi_write(&vm.vcpus[0], SGIR(3, 0x2), true);
	assert_int_equal(fake_vgic_kicks[1], 1); /* loaded: one kick, then the SGI is already pending */
	assert_true(vgic_vcpu_has_pending(v1));

	fake_vgic_vm_setup(&vm, 4, 32);
	vm_vgic(&vm)->ctlr = 0x2;
	for (u32 i = 3; i < 16; i++)
		priv(1, i)->group1 = priv(1, i)->enabled = true;
	v1->loaded = false; /* runnable, switched out for another VM's vCPU */
	fake_vgic_clear_kicks(&vm);
	for (u32 i = 0; i < 1000; i++)
		vgic_sgi_write(&vm.vcpus[0], SGIR(3, 0x2), true);
	assert_int_equal(fake_vgic_kicks[1], 0);
	assert_true(vgic_vcpu_has_pending(v1)); /* nothing lost: it sees the SGI when it enters */

	v1->state = VCPU_WAITING; /* now it sleeps in WFI: the next SGI must wake it */
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x2), true);
	vgic_sgi_write(&vm.vcpus[0], SGIR(4, 0x2), true);
	assert_int_equal(fake_vgic_kicks[1], 1);

	v1->state = VCPU_OFF;
	fake_vgic_clear_kicks(&vm);
	for (u32 i = 5; i < 16; i++)
		vgic_sgi_write(&vm.vcpus[0], SGIR(i, 0x2), true);
	assert_int_equal(fake_vgic_kicks[1], 0);
}

/*
 * An interrupt for the vCPU whose exit this CPU is handling (an SGI to
 * itself, a timer or device interrupt that stopped it) posts no request:
 * the run loop flushes before it enters again, and a request would only
 * send every such interrupt through the scheduler. If that vCPU then waits
 * in WFI, the interrupt must still end the wait; a vCPU of the same VM on
 * another CPU is still kicked, and so is a waiting one switched out here.
 */
static void test_own_running_vcpu_not_requested(void **state)
{
	struct vcpu *v0 = &vm.vcpus[0], *v1 = &vm.vcpus[1];

	(void)state;
	vm_vgic(&vm)->ctlr = 0x2;
	for (u32 i = 3; i < 6; i++) {
		priv(0, i)->group1 = priv(0, i)->enabled = true;
		priv(1, i)->group1 = priv(1, i)->enabled = true;
	}
	fake_vgic_this_cpu = v0->pcpu; /* v0 is loaded there and writes ICC_SGI1R_EL1 */
	fake_vgic_clear_kicks(&vm);
	vgic_sgi_write(v0, SGIR(3, 0x1), true); /* to itself */
	assert_int_equal(fake_vgic_kicks[0], 0);
	assert_int_equal(v0->requests, 0);
	assert_true(vgic_vcpu_has_pending(v0)); /* the flush before its entry lists it */

	v0->state = VCPU_WAITING; /* it executes WFI next: the SGI is already there to end it */
	assert_true(vgic_vcpu_has_pending(v0));

	v0->state = VCPU_RUNNABLE;
	vgic_sgi_write(v0, SGIR(4, 0x2), true); /* to v1, loaded on another CPU */
	assert_int_equal(fake_vgic_kicks[1], 1);

	/*
	 * v0 waits in WFI still loaded (the idle loop, or sched_wait_in_place):
	 * no request either, both look for pending interrupts after each
	 * interrupt they handle.
	 */
	v0->state = VCPU_WAITING;
	vgic_sgi_write(v1, SGIR(5, 0x1), true);
	assert_int_equal(fake_vgic_kicks[0], 0);
	assert_true(vgic_vcpu_has_pending(v0));

	/* Switched out while it waits: the scheduler must hear of it. */
	v0->loaded = false;
	vgic_sgi_write(v1, SGIR(4, 0x1), true);
	assert_int_equal(fake_vgic_kicks[0], 1);
	v0->loaded = true;
	fake_vgic_this_cpu = 0xff;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dist_ctlr, setup_2x64),
		cmocka_unit_test_setup(test_dist_id_registers, setup_2x64),
		cmocka_unit_test_setup(test_dist_enable_set_clear, setup_2x64),
		cmocka_unit_test_setup(test_dist_pending_active, setup_2x64),
		cmocka_unit_test_setup(test_dist_priority_bytes, setup_2x64),
		cmocka_unit_test_setup(test_dist_icfgr_igroupr, setup_2x64),
		cmocka_unit_test_setup(test_dist_irouter, setup_2x64),
		cmocka_unit_test_setup(test_dist_bad_access, setup_2x64),
		cmocka_unit_test_setup(test_dist_reserved_logged_once, setup_2x64),
		cmocka_unit_test_setup(test_reserved_offsets_res0, setup_2x64),
		cmocka_unit_test_setup(test_register_devices, setup_2x64),
		cmocka_unit_test_setup(test_redist_typer, setup_2x64),
		cmocka_unit_test_setup(test_redist_rd_base, setup_2x64),
		cmocka_unit_test_setup(test_redist_sgi_base, setup_2x64),
		cmocka_unit_test_setup(test_sgi_target_list, setup_4x32),
		cmocka_unit_test_setup(test_sgi_irm, setup_4x32),
		cmocka_unit_test_setup(test_sgi_affinity, setup_4x32),
		cmocka_unit_test_setup(test_sgi_groups, setup_4x32),
		cmocka_unit_test_setup(test_sgi_kicks_deliverable_targets, setup_4x32),
		cmocka_unit_test_setup(test_sgi_flood_kicks_bounded, setup_4x32),
		cmocka_unit_test_setup(test_own_running_vcpu_not_requested, setup_4x32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
