/*
 * The timer's short path in the vGIC (vgic_inject_hw_ppi_loaded, issue 13)
 * must leave exactly the state the full path leaves: vgic_sync_lrs() at the
 * exit, vgic_inject_hw() from the interrupt handler, vgic_flush_lrs() before
 * the entry. A seeded property test drives one VM through a random sequence
 * of what changes interrupt state (the guest taking, completing or leaving
 * its list registers, other interrupts injected, the timer disabled or
 * re-prioritised, its group switched off) and, at every timer interrupt,
 * runs both paths from the same snapshot and compares the whole vGIC state
 * they leave: every interrupt, the want bitmaps, the list registers and
 * ICH_HCR_EL2, and the kicks. The seed is printed first; KEEL_TEST_SEED
 * replays one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/gic.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_gic.h"
#include "fake_vgic_env.h"

#define TIMER 27
#define STEPS 20000

/* GICD/GICR SGI_base register block offsets (GICv3 spec 12.9, 12.11). */
#define ISENABLER 0x100
#define ICENABLER 0x180
#define ISPENDR 0x200
#define IPRIORITYR 0x400
#define ICFGR 0xc00
#define IGROUPR 0x080

static struct vm vm;
static struct vcpu *v0;
static u64 rng;

static u32 next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)rng;
}

/* Everything either path may change. */
struct snapshot {
	struct vgic_cpu cpu;
	struct vgic_dist dist;
	u64 lr[VGIC_MAX_LRS];
	u32 hcr;
	u32 kicks[KEEL_MAX_VCPUS_PER_VM];
	u32 requests;
};

static void take(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->cpu = v0->vgic;
	s->dist = *vm_vgic(&vm);
	memcpy(s->lr, fake_gic_lr, sizeof(s->lr));
	s->hcr = fake_gic_hcr;
	memcpy(s->kicks, fake_vgic_kicks, sizeof(s->kicks));
	s->requests = v0->requests;
}

static void put(const struct snapshot *s)
{
	v0->vgic = s->cpu;
	*vm_vgic(&vm) = s->dist;
	memcpy(fake_gic_lr, s->lr, sizeof(s->lr));
	fake_gic_hcr = s->hcr;
	memcpy(fake_vgic_kicks, s->kicks, sizeof(s->kicks));
	v0->requests = s->requests;
}

static void reg_write(u32 intid, u64 offset, u32 width, u64 value)
{
	u64 ipa = intid < 32 ? FAKE_GICR + 0x10000 + offset : FAKE_GICD + offset;
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	assert_true(dev->kind->write(dev, v0, ipa - dev->base, width, value));
}

/* GICD_CTLR: which groups the distributor forwards. */
static void dist_ctlr(u32 value)
{
	struct vdev *dev = vm_find_vdev(&vm, FAKE_GICD);

	assert_non_null(dev);
	assert_true(dev->kind->write(dev, v0, 0, 4, value));
}

static void enable(u32 intid, bool on)
{
	reg_write(intid, (on ? ISENABLER : ICENABLER) + intid / 32 * 4, 4, 1u << (intid % 32));
}

static int setup(void **state)
{
	(void)state;
	fake_vgic_vm_setup(&vm, 2, 32);
	v0 = &vm.vcpus[0];
	fake_vgic_this_cpu = v0->pcpu; /* the timer interrupt arrives on v0's own CPU */
	dist_ctlr(0x3); /* both groups */
	reg_write(TIMER, IGROUPR, 4, 0xffffffff);
	reg_write(40, IGROUPR + 4, 4, 0xffffffff);
	reg_write(TIMER, IPRIORITYR + TIMER, 1, 0xa0);
	enable(TIMER, true);
	for (u32 intid = 40; intid < 44; intid++) {
		reg_write(intid, ICFGR + intid / 16 * 4, 4, 0xaaaaaaaa); /* edge */
		enable(intid, true);
	}
	fake_vgic_clear_kicks(&vm);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_vgic_this_cpu = 0xff;
	return 0;
}

/* The guest's virtual CPU interface at work: take, complete or leave each listed interrupt. */
static void guest_runs(void)
{
	for (u32 n = 0; n < fake_gic_nr_lrs; n++) {
		u32 st = fake_gic_lr_state(n), r = next_random() % 4;

		if (!st)
			continue;
		if (r == 0)
			fake_gic_set_lr_state(n, 0); /* acknowledged and deactivated */
		else if (r == 1 && (st & 1))
			fake_gic_set_lr_state(n, 2); /* acknowledged, still active */
		else if (r == 2 && st == 2)
			fake_gic_set_lr_state(n, 0);
	}
}

/* Something other than the timer changes the interrupt state, between an entry and an exit. */
static void outside_event(void)
{
	switch (next_random() % 8) {
	case 0:
	case 1:
		vgic_inject(&vm, NULL, 40 + next_random() % 4, true);
		break;
	case 2:
		enable(TIMER, next_random() % 4 != 0);
		break;
	case 3:
		reg_write(TIMER, IPRIORITYR + TIMER, 1, (next_random() % 32) << 3);
		break;
	case 4:
		dist_ctlr(next_random() % 8 ? 0x3 : 0x1); /* Group 1 off, now and then */
		break;
	case 5:
		reg_write(TIMER, ISPENDR, 4, 1u << TIMER); /* the guest sets it pending itself */
		break;
	default:
		break;
	}
}

/* The full path of a timer interrupt exit: what cpu_run_loop() and irq.c do. */
static void full_path(void)
{
	vgic_sync_lrs(v0);
	assert_true(vgic_inject_hw(&vm, v0, TIMER, TIMER));
	vgic_flush_lrs(v0);
}

static void test_short_path_equals_full_path(void **state)
{
	const char *env = getenv("KEEL_TEST_SEED");
	struct snapshot before, full, fast;
	u32 relisted = 0;

	(void)state;
	rng = env ? strtoull(env, NULL, 0) : 0x6b65656c;
	if (!rng)
		rng = 1;
	print_message("seed 0x%llx\n", (unsigned long long)rng);
	vgic_flush_lrs(v0); /* the first entry */
	for (u32 step = 0; step < STEPS; step++) {
		guest_runs();
		if (next_random() % 3 == 0)
			outside_event();
		if (next_random() % 4 == 0) { /* an exit for something else */
			vgic_sync_lrs(v0);
			vgic_flush_lrs(v0);
			continue;
		}
		take(&before);
		full_path();
		take(&full);
		put(&before);
		u32 writes = fake_gic_lr_writes;
		vgic_inject_hw_ppi_loaded(v0, TIMER);
		relisted += fake_gic_lr_writes - writes == 1 && before.cpu.lr_used;
		take(&fast);
		if (memcmp(&full, &fast, sizeof(full)) != 0)
			fail_msg("step %u: the short path left another state than the full path", step);
	}
	/* Both paths were exercised: the common case and the fall-back. */
	print_message("%u of %u timer exits relisted in place\n", relisted, STEPS);
	assert_true(relisted > STEPS / 20);
}

/* The common case by hand: the guest completed the last tick, the next one goes into the same list register. */
static void test_relist_in_place(void **state)
{
	struct vgic_irq *t = &v0->vgic.private_irqs[TIMER];
	u32 writes;

	(void)state;
	vgic_inject_hw_ppi_loaded(v0, TIMER);
	assert_int_equal(fake_gic_find_lr(TIMER), 0);
	assert_int_equal(fake_gic_lr_state(0), 1);
	assert_true(fake_gic_lr[0] & ICH_LR_HW);
	assert_int_equal((fake_gic_lr[0] & ICH_LR_PINTID_MASK) >> ICH_LR_PINTID_SHIFT, TIMER);
	fake_gic_set_lr_state(0, 0); /* the guest completes it */
	writes = fake_gic_lr_writes;
	vgic_inject_hw_ppi_loaded(v0, TIMER);
	assert_int_equal(fake_gic_lr_writes - writes, 1); /* one write: no fold, no refill */
	assert_int_equal(fake_gic_lr_state(0), 1);
	assert_true(t->pending_latch);
	assert_false(t->active);
	assert_int_equal(t->lr, 0);

	/* Still active in the guest (a stale interrupt exit): the full path, which lists nothing new. */
	fake_gic_set_lr_state(0, 2);
	vgic_inject_hw_ppi_loaded(v0, TIMER);
	assert_int_equal(fake_gic_lr_state((u32)fake_gic_find_lr(TIMER)), 2);

	/* Disabled by the guest: latched, not listed. */
	fake_gic_set_lr_state((u32)fake_gic_find_lr(TIMER), 0);
	enable(TIMER, false);
	vgic_inject_hw_ppi_loaded(v0, TIMER);
	assert_int_equal(fake_gic_find_lr(TIMER), -1);
	assert_true(t->pending_latch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_short_path_equals_full_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relist_in_place, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
