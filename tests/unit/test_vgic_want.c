/*
 * Host tests of the vGIC's per-vCPU want bitmaps (struct vgic_cpu.want),
 * which let vgic_flush_lrs() and vgic_sync_lrs() cost what is pending
 * rather than what exists. The property test drives a VM through a seeded
 * random sequence of everything that changes interrupt state (device
 * injection, register writes by the guest, SGIs, routing, GICD_CTLR, a
 * guest acknowledging and completing list registers) and after every step
 * compares the bitmaps, vgic_vcpu_has_pending() and each flush's choice of
 * list registers with a brute-force recomputation from struct vgic_irq. The
 * other tests check that an idle entry and exit take no lock and write no
 * register.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <keel/arch/gic.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_gic.h"
#include "fake_vgic_env.h"

#define GICD 0x08000000ull
#define GICR 0x080a0000ull
#define GICR_FRAME 0x20000ull
#define SGI_BASE 0x10000ull

#define ST_P 1u
#define ST_A 2u

static struct vm vm;
static u64 rng_state;
static u32 cur_seed, cur_step;

/* xorshift64*: the same sequence on every host for a given seed. */
static u32 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (u32)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static u32 rnd_below(u32 n)
{
	return rnd() % n;
}

static void setup_vm(u32 nr_vcpus, u32 nr_spis, u32 nr_lrs)
{
	fake_vgic_vm_setup(&vm, nr_vcpus, nr_spis);
	fake_gic_reset(nr_lrs);
	rng_state = 1;
}

static void mmio(u64 ipa, u32 width, u64 *value, bool write)
{
	struct vdev *dev = vm_find_vdev(&vm, ipa);
	struct vcpu *by = &vm.vcpus[rnd_below(vm.nr_vcpus)];

	assert_non_null(dev);
	if (write)
		assert_true(dev->kind->write(dev, by, ipa - dev->base, width, *value));
	else
		assert_true(dev->kind->read(dev, by, ipa - dev->base, width, value));
}

static void mmio_write(u64 ipa, u32 width, u64 value)
{
	mmio(ipa, width, &value, true);
}

static u64 mmio_read(u64 ipa, u32 width)
{
	u64 value = 0;

	mmio(ipa, width, &value, false);
	return value;
}

/* --- the brute-force model ------------------------------------------------------- */

static struct vgic_irq *irq_at(u32 vcpu, u32 intid)
{
	if (intid < 32)
		return &vm.vcpus[vcpu].vgic.private_irqs[intid];
	return intid - 32 < vm_vgic(&vm)->nr_spis ? &vm_vgic(&vm)->spis[intid - 32] : NULL;
}

/* Deliverable, written out from the spec rather than taken from vgic_internal.h. */
static bool model_deliverable(const struct vgic_irq *irq)
{
	bool pending = irq->pending_latch || (!irq->edge && !irq->hw && irq->line_level);
	u32 grp = irq->group1 ? 2u : 1u; /* GICD_CTLR.EnableGrp1 : EnableGrp0 */

	return irq->enabled && pending && (vm_vgic(&vm)->ctlr & grp) &&
	       irq->target_vcpu != VGIC_NO_TARGET;
}

static bool model_wants(u32 vcpu, const struct vgic_irq *irq)
{
	return irq->target_vcpu == vcpu && irq->lr == VGIC_NO_LR &&
	       (irq->active || model_deliverable(irq));
}

static bool want_bit(u32 vcpu, u32 intid)
{
	return vm.vcpus[vcpu].vgic.want[intid / 64] >> (intid % 64) & 1;
}

static void check_bitmaps(const char *when)
{
	for (u32 c = 0; c < vm.nr_vcpus; c++) {
		bool pending = false;

		for (u32 intid = 0; intid < VGIC_NR_IRQS; intid++) {
			struct vgic_irq *irq = irq_at(c, intid);
			bool want = irq && model_wants(c, irq);

			if (want_bit(c, intid) != want)
				fail_msg("seed %u step %u (%s): vCPU %u INTID %u want %d, model %d",
					 cur_seed, cur_step, when, c, intid, want_bit(c, intid),
					 want);
			if (irq && irq->target_vcpu == c && model_deliverable(irq))
				pending = true;
		}
		if (vgic_vcpu_has_pending(&vm.vcpus[c]) != pending)
			fail_msg("seed %u step %u (%s): vCPU %u has_pending %d, model %d", cur_seed,
				 cur_step, when, c, !pending, pending);
	}
}

/* Listing order: active first, then priority, then INTID (vdev/vgic_lr.c). */
static bool model_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

/* What flush must list on vcpu, most urgent first: out[0..*count), total wanting. */
static u32 model_pick(u32 vcpu, u16 *out, u32 max)
{
	struct vgic_irq *cand[VGIC_NR_IRQS];
	u32 n = 0;

	for (u32 intid = 0; intid < VGIC_NR_IRQS; intid++) {
		struct vgic_irq *irq = irq_at(vcpu, intid);

		if (irq && model_wants(vcpu, irq))
			cand[n++] = irq;
	}
	for (u32 i = 1; i < n; i++) /* insertion sort: n is at most 96 */
		for (u32 j = i; j > 0 && model_before(cand[j], cand[j - 1]); j--) {
			struct vgic_irq *t = cand[j];

			cand[j] = cand[j - 1];
			cand[j - 1] = t;
		}
	for (u32 i = 0; i < n && i < max; i++)
		out[i] = cand[i]->intid;
	return n;
}

/* --- random operations ----------------------------------------------------------- */

static u32 rnd_intid(void)
{
	return rnd_below(32 + vm_vgic(&vm)->nr_spis + 4); /* a few past the end: rejected */
}

/* Sparse random bits, so set/clear registers touch a few INTIDs at a time. */
static u32 rnd_bits(void)
{
	return rnd() & rnd() & rnd();
}

/* A word of the shared register block at reg for INTIDs from 32 * word. */
static u64 irqreg_ipa(u32 vcpu, u64 reg, u32 word)
{
	return word == 0 ? GICR + vcpu * GICR_FRAME + SGI_BASE + reg : GICD + reg + 4 * word;
}

static void op_register_write(void)
{
	static const u64 regs[] = { 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380 };
	u32 vcpu = rnd_below(vm.nr_vcpus), word = rnd_below(1 + vm_vgic(&vm)->nr_spis / 32);

	mmio_write(irqreg_ipa(vcpu, regs[rnd_below(ARRAY_SIZE(regs))], word), 4, rnd_bits());
}

static void op_config_write(void)
{
	u32 vcpu = rnd_below(vm.nr_vcpus), intid = rnd_below(32 + vm_vgic(&vm)->nr_spis);

	switch (rnd_below(4)) {
	case 0: { /* ICFGR: flip one INTID's trigger mode */
		u64 ipa = intid < 32 ? GICR + vcpu * GICR_FRAME + SGI_BASE + 0xc00 + intid / 16 * 4
				     : GICD + 0xc00 + intid / 16 * 4;

		mmio_write(ipa, 4, mmio_read(ipa, 4) ^ 2u << (2 * (intid % 16)));
		break;
	}
	case 1: /* IPRIORITYR, one byte */
		mmio_write(intid < 32 ? GICR + vcpu * GICR_FRAME + SGI_BASE + 0x400 + intid
				      : GICD + 0x400 + intid,
			   1, rnd() & 0xff);
		break;
	case 2: { /* IROUTER: a vCPU, one past the last (no target), or any PE */
		u64 route = rnd_below(vm.nr_vcpus + 1);

		if (rnd_below(8) == 0)
			route = 1ull << 31;
		mmio_write(GICD + 0x6000 + 8 * (32 + rnd_below(vm_vgic(&vm)->nr_spis + 1)), 8, route);
		break;
	}
	default: /* GICD_CTLR: mostly both groups on, sometimes one or none */
		mmio_write(GICD, 4, rnd_below(4) ? 3 : rnd_below(4));
		break;
	}
}

static void op_device(void)
{
	struct vcpu *target = &vm.vcpus[rnd_below(vm.nr_vcpus)];
	u32 intid = rnd_intid();

	switch (rnd_below(5)) {
	case 0:
	case 1:
		vgic_inject(&vm, target, intid, rnd_below(4) != 0);
		break;
	case 2:
	case 3:
		vgic_set_level(&vm, target, intid, rnd_below(2));
		break;
	default:
		if (rnd_below(4) == 0) /* rare: the link to hardware lasts until reset */
			vgic_inject_hw(&vm, target, intid, intid);
		break;
	}
}

static void op_sgi(void)
{
	struct vcpu *from = &vm.vcpus[rnd_below(vm.nr_vcpus)];
	u64 value = (u64)rnd_below(16) << 24 | (rnd() & 0xf);

	if (rnd_below(4) == 0)
		value |= 1ull << 40; /* IRM: everyone else */
	vgic_sgi_write(from, value, rnd_below(2));
}

/* One state change by a device, another CPU or a guest's register write. */
static void op_other(void)
{
	switch (rnd_below(4)) {
	case 0:
		op_device();
		break;
	case 1:
		op_register_write();
		break;
	case 2:
		op_config_write();
		break;
	default:
		op_sgi();
		break;
	}
}

/* The guest acknowledges or completes a random list register. */
static void guest_step(void)
{
	u32 n = rnd_below(fake_gic_nr_lrs);

	switch (fake_gic_lr_state(n)) {
	case ST_P: /* acknowledge, or acknowledge and complete at once */
		fake_gic_set_lr_state(n, rnd_below(2) ? ST_A : 0);
		break;
	case ST_A: /* deactivate */
		fake_gic_set_lr_state(n, 0);
		break;
	case ST_P | ST_A: /* deactivate the active instance; the pending one stays */
		fake_gic_set_lr_state(n, ST_P);
		break;
	default:
		break;
	}
}

/* Enter vcpu, let the guest and other CPUs act, exit; check the flush's choice. */
static void op_run(void)
{
	u32 c = rnd_below(vm.nr_vcpus);
	struct vcpu *vcpu = &vm.vcpus[c];
	u16 expect[VGIC_MAX_LRS];
	u32 wanting = model_pick(c, expect, fake_gic_nr_lrs);
	u32 listed = wanting < fake_gic_nr_lrs ? wanting : fake_gic_nr_lrs;

	vgic_flush_lrs(vcpu);
	for (u32 n = 0; n < fake_gic_nr_lrs; n++) {
		u16 got = (u16)(fake_gic_lr[n] & ICH_LR_VINTID_MASK);

		if (n < listed ? got != expect[n] || !(vcpu->vgic.lr_used & 1u << n)
			       : (vcpu->vgic.lr_used & 1u << n) != 0)
			fail_msg("seed %u step %u: LR %u holds INTID %u, model %d", cur_seed,
				 cur_step, n, got, n < listed ? expect[n] : -1);
	}
	if (!!(fake_gic_hcr & ICH_HCR_UIE) != (wanting > fake_gic_nr_lrs))
		fail_msg("seed %u step %u: UIE %u with %u wanting %u LRs", cur_seed, cur_step,
			 fake_gic_hcr, wanting, fake_gic_nr_lrs);
	assert_true(fake_gic_hcr & ICH_HCR_EN);
	check_bitmaps("after flush");
	for (u32 k = rnd_below(6); k; k--) {
		if (rnd_below(2))
			guest_step();
		else
			op_other(); /* another CPU, while the guest runs */
		check_bitmaps("while listed");
	}
	vgic_sync_lrs(vcpu);
	assert_int_equal(vcpu->vgic.lr_used, 0);
	assert_int_equal(fake_gic_nr_valid(), 0);
	assert_int_equal(fake_gic_hcr & ICH_HCR_UIE, 0);
}

static void run_seed(u32 seed, u32 steps)
{
	static const u32 lrs[] = { 1, 2, 4, 16 };

	cur_seed = seed;
	setup_vm(1 + seed % KEEL_MAX_VCPUS_PER_VM, seed % 3 ? 64 : 32, lrs[seed % 4]);
	rng_state = 0x9e3779b97f4a7c15ull * (seed + 1);
	mmio_write(GICD, 4, 3);
	for (cur_step = 0; cur_step < steps; cur_step++) {
		if (rnd_below(3) == 0)
			op_run();
		else
			op_other();
		check_bitmaps("after step");
	}
	/* Drain: the guest completes whatever is listed, entry after entry. */
	for (u32 c = 0; c < vm.nr_vcpus; c++)
		for (u32 guard = 0; guard < 200; guard++) {
			vgic_flush_lrs(&vm.vcpus[c]);
			for (u32 n = 0; n < fake_gic_nr_lrs; n++)
				fake_gic_set_lr_state(n, 0);
			vgic_sync_lrs(&vm.vcpus[c]);
			check_bitmaps("drain");
		}
}

static void test_want_matches_model(void **state)
{
	(void)state;
	for (u32 seed = 1; seed <= 40; seed++)
		run_seed(seed, 3000);
}

/* --- the idle paths --------------------------------------------------------------- */

/*
 * With nothing pending, entry and exit must neither lock nor touch a list
 * register, and ICH_HCR_EL2 is written once. The VM's lock is held by "another
 * CPU" throughout: a path that took it would spin until the alarm kills the test.
 */
static void test_idle_entry_exit_lockless(void **state)
{
	struct vcpu *v0;

	(void)state;
	setup_vm(2, 64, 4);
	v0 = &vm.vcpus[0];
	mmio_write(GICD, 4, 3);
	fake_vgic_clear_kicks(&vm);
	spin_lock(&vm_vgic(&vm)->lock);
	alarm(10);
	for (u32 i = 0; i < 100; i++) {
		vgic_flush_lrs(v0);
		assert_false(vgic_vcpu_has_pending(v0));
		vgic_sync_lrs(v0);
		/* The constant registers a guest polls. */
		assert_int_equal(mmio_read(GICD + 0x4, 4) & 0x1f, 2); /* GICD_TYPER */
		assert_int_equal(mmio_read(GICD + 0xffe8, 4), 0x3b); /* GICD_PIDR2 */
		assert_int_equal(mmio_read(GICR + 0x8, 8) >> 32, 0); /* GICR_TYPER: Aff0 0 */
		assert_int_equal(mmio_read(GICR + GICR_FRAME + 0xffe8, 4), 0x3b);
	}
	alarm(0);
	spin_unlock(&vm_vgic(&vm)->lock);
	assert_int_equal(fake_gic_lr_writes, 0);
	assert_int_equal(fake_gic_hcr_writes, 1);
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN);
	for (u32 c = 0; c < KEEL_MAX_VCPUS_PER_VM; c++)
		assert_int_equal(fake_vgic_kicks[c], 0);
}

/* One interrupt: listed once, its LR alone read back and emptied; HCR unchanged. */
static void test_one_interrupt_touches_one_lr(void **state)
{
	struct vcpu *v0;

	(void)state;
	setup_vm(2, 64, 4);
	v0 = &vm.vcpus[0];
	mmio_write(GICD, 4, 3);
	mmio_write(GICD + 0x104, 4, 1u << 8); /* ISENABLER1: INTID 40 */
	mmio_write(GICD + 0xc08, 4, 2u << 16); /* ICFGR2: INTID 40 edge-triggered */
	vgic_flush_lrs(v0);
	vgic_sync_lrs(v0);
	fake_gic_lr_writes = fake_gic_hcr_writes = 0;
	assert_true(vgic_inject(&vm, NULL, 40, true));
	assert_true(want_bit(0, 40));
	vgic_flush_lrs(v0);
	assert_false(want_bit(0, 40)); /* listed: no longer waiting */
	assert_int_equal(fake_gic_lr_writes, 1);
	assert_int_equal(fake_gic_find_lr(40), 0);
	fake_gic_set_lr_state(0, 0); /* the guest takes and completes it */
	vgic_sync_lrs(v0);
	assert_int_equal(fake_gic_lr_writes, 2);
	assert_int_equal(fake_gic_hcr_writes, 0);
	assert_false(want_bit(0, 40));
	assert_false(vm_vgic(&vm)->spis[8].pending_latch);
}

/* Overflow sets UIE and the exit clears it: two writes per cycle, none more. */
static void test_overflow_hcr_writes(void **state)
{
	struct vcpu *v0;

	(void)state;
	setup_vm(1, 32, 1);
	v0 = &vm.vcpus[0];
	mmio_write(GICD, 4, 3);
	mmio_write(GICD + 0x104, 4, 0x3); /* INTIDs 32, 33 */
	vgic_flush_lrs(v0);
	vgic_sync_lrs(v0);
	fake_gic_hcr_writes = 0;
	vgic_inject(&vm, NULL, 32, true);
	vgic_inject(&vm, NULL, 33, true);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN | ICH_HCR_UIE);
	assert_true(want_bit(0, 33));
	vgic_sync_lrs(v0); /* not taken: both wait again */
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN);
	assert_true(want_bit(0, 32) && want_bit(0, 33));
	assert_int_equal(fake_gic_hcr_writes, 2);
}

/* Moving a pending SPI between vCPUs moves its bit; a listed one moves on its exit. */
static void test_routing_moves_bit(void **state)
{
	struct vgic_irq *irq;

	(void)state;
	setup_vm(3, 64, 4);
	irq = &vm_vgic(&vm)->spis[50 - 32];
	mmio_write(GICD, 4, 3);
	mmio_write(GICD + 0x104, 4, 1u << (50 - 32)); /* ISENABLER1: INTID 50 */
	vgic_inject(&vm, NULL, 50, true);
	assert_true(want_bit(0, 50));
	mmio_write(GICD + 0x6000 + 8 * 50, 8, 2); /* IROUTER50: vCPU 2 */
	assert_false(want_bit(0, 50));
	assert_true(want_bit(2, 50));
	vgic_flush_lrs(&vm.vcpus[2]);
	fake_gic_set_lr_state(0, ST_A); /* acknowledged */
	vgic_sync_lrs(&vm.vcpus[2]);
	vgic_flush_lrs(&vm.vcpus[2]); /* listed active */
	mmio_write(GICD + 0x6000 + 8 * 50, 8, 1); /* deferred while active and listed */
	assert_int_equal(irq->target_vcpu, 2);
	vgic_inject(&vm, NULL, 50, true); /* pending again, still listed */
	assert_false(want_bit(1, 50) || want_bit(2, 50));
	fake_gic_set_lr_state(0, 0); /* the guest completes the first */
	vgic_sync_lrs(&vm.vcpus[2]);
	assert_int_equal(irq->target_vcpu, 1);
	assert_true(want_bit(1, 50));
	assert_false(want_bit(2, 50));
	/* Group 1 off at the distributor: pending but not deliverable, so not wanted. */
	mmio_write(GICD + 0x84, 4, 1u << (50 - 32)); /* IGROUPR1: Group 1 */
	mmio_write(GICD, 4, 1);
	assert_false(want_bit(1, 50));
	mmio_write(GICD, 4, 3);
	assert_true(want_bit(1, 50));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_entry_exit_lockless),
		cmocka_unit_test(test_one_interrupt_touches_one_lr),
		cmocka_unit_test(test_overflow_hcr_writes),
		cmocka_unit_test(test_routing_moves_bit),
		cmocka_unit_test(test_want_matches_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
