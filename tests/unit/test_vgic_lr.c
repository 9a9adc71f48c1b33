/*
 * Host tests of interrupt injection and list-register scheduling
 * (vdev/vgic_irq.c, vdev/vgic_lr.c) against the fake virtual CPU interface
 * in arch/fake/gic.c. A test plays the guest by editing the fake list
 * registers between vgic_flush_lrs() (guest entry) and vgic_sync_lrs()
 * (guest exit): pending to active is an acknowledge (ICC_IAR1_EL1), active
 * to invalid a deactivation (ICC_EOIR1_EL1), following the GICv3 spec's
 * virtual interrupt life cycle (4.1.2, 11.1) and the ICH_LR<n>_EL2 format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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

#define ST_P 1u
#define ST_A 2u
#define ST_PA 3u

#define GICD 0x08000000ull
#define GICR (GICD + 0xa0000)
#define GICR_FRAME 0x20000ull
#define SGI_BASE 0x10000ull

/* Offsets in the block GICD and GICR SGI_base share (GICv3 spec 12.9, 12.11). */
#define IGROUPR 0x080
#define ISENABLER 0x100
#define ICENABLER 0x180
#define ISPENDR 0x200
#define ISACTIVER 0x300
#define IPRIORITYR 0x400
#define ICFGR 0xc00

static struct vm vm;
static struct vcpu *v0, *v1;

/* A distributor register write by vCPU 1, as its trapped store would make it. */
static void dist_write(u64 offset, u32 width, u64 value)
{
	struct vdev *dev = vm_find_vdev(&vm, GICD + offset);

	assert_non_null(dev);
	assert_true(dev->kind->write(dev, v1, offset, width, value));
}

/* The IPA of shared-block register offset for intid: vcpu's SGI_base below 32, else GICD. */
static u64 irqreg_ipa(struct vcpu *vcpu, u32 intid, u64 offset)
{
	return intid < 32 ? GICR + vcpu->index * GICR_FRAME + SGI_BASE + offset : GICD + offset;
}

static void irqreg_write(struct vcpu *vcpu, u32 intid, u64 offset, u32 width, u64 value)
{
	u64 ipa = irqreg_ipa(vcpu, intid, offset);
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	assert_true(dev->kind->write(dev, v1, ipa - dev->base, width, value));
}

static u32 irqreg_read(struct vcpu *vcpu, u32 intid, u64 offset)
{
	u64 ipa = irqreg_ipa(vcpu, intid, offset), value;
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	assert_true(dev->kind->read(dev, v1, ipa - dev->base, 4, &value));
	return (u32)value;
}

/* Write 1 to intid's bit of a set/clear register (ISENABLER, ICPENDR, ...). */
static void irq_bit_write(struct vcpu *vcpu, u32 intid, u64 reg)
{
	irqreg_write(vcpu, intid, reg + intid / 32 * 4, 4, 1u << (intid % 32));
}

static int setup(void **state)
{
	(void)state;
	fake_vgic_vm_setup(&vm, 2, 64);
	v0 = &vm.vcpus[0];
	v1 = &vm.vcpus[1];
	dist_write(0x0, 4, 0x3); /* GICD_CTLR: both groups on, as a booted guest leaves it */
	fake_vgic_clear_kicks(&vm);
	return 0;
}

static struct vgic_irq *irq_of(struct vcpu *vcpu, u32 intid)
{
	return intid < 32 ? &vcpu->vgic.private_irqs[intid] : &vm_vgic(&vm)->spis[intid - 32];
}

/* Configure an interrupt through its registers, the way a guest driver would. */
static struct vgic_irq *cfg(struct vcpu *vcpu, u32 intid, u8 prio, bool group1, bool edge)
{
	u64 grp = IGROUPR + intid / 32 * 4, icfgr = ICFGR + intid / 16 * 4;
	u32 v;

	irqreg_write(vcpu, intid, IPRIORITYR + intid, 1, prio);
	v = irqreg_read(vcpu, intid, grp) & ~(1u << (intid % 32));
	irqreg_write(vcpu, intid, grp, 4, v | (u32)group1 << (intid % 32));
	v = irqreg_read(vcpu, intid, icfgr) & ~(2u << (2 * (intid % 16)));
	irqreg_write(vcpu, intid, icfgr, 4, v | (u32)edge << (2 * (intid % 16) + 1));
	irq_bit_write(vcpu, intid, ISENABLER);
	return irq_of(vcpu, intid);
}

static u64 lr_of(u32 intid)
{
	int n = fake_gic_find_lr(intid);

	assert_true(n >= 0);
	return fake_gic_lr[n];
}

static u32 state_of(u32 intid)
{
	int n = fake_gic_find_lr(intid);

	return n < 0 ? 0 : fake_gic_lr_state((u32)n);
}

static void guest_set(u32 intid, u32 st)
{
	int n = fake_gic_find_lr(intid);

	assert_true(n >= 0);
	fake_gic_set_lr_state((u32)n, st);
}

/* The guest takes and completes everything listed, as a handler loop would. */
static u32 guest_handle_all(u32 *seen, u32 max)
{
	u32 count = 0;

	for (u32 n = 0; n < fake_gic_nr_lrs; n++) {
		if (!(fake_gic_lr_state(n) & ST_P))
			continue;
		if (seen && count < max)
			seen[count] = (u32)(fake_gic_lr[n] & ICH_LR_VINTID_MASK);
		count++;
		fake_gic_set_lr_state(n, 0);
	}
	return count;
}

static void test_inject_flush_edge(void **state)
{
	u64 lr;

	(void)state;
	cfg(v0, 40, 0xa0, true, true);
	assert_true(vgic_inject(&vm, NULL, 40, true));
	assert_int_equal(fake_vgic_kicks[0], 1);
	assert_int_equal(fake_vgic_kicks[1], 0);

	vgic_flush_lrs(v0);
	lr = lr_of(40);
	assert_int_equal(lr & ICH_LR_VINTID_MASK, 40);
	assert_int_equal((lr >> ICH_LR_PRIORITY_SHIFT) & 0xff, 0xa0);
	assert_true(lr & ICH_LR_GROUP1);
	assert_false(lr & (ICH_LR_HW | ICH_LR_EOI));
	assert_int_equal(state_of(40), ST_P);
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN);
	assert_int_equal(v0->vgic.lr_used, 1);
	assert_int_equal(irq_of(v0, 40)->lr, 0);

	/* The guest acknowledges and completes it; the exit folds that back. */
	guest_set(40, 0);
	vgic_sync_lrs(v0);
	assert_int_equal(fake_gic_lr[0], 0);
	assert_int_equal(v0->vgic.lr_used, 0);
	assert_int_equal(irq_of(v0, 40)->lr, VGIC_NO_LR);
	assert_false(irq_of(v0, 40)->pending_latch);
	assert_false(irq_of(v0, 40)->active);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 0);
}

static void test_inject_rejects_unknown(void **state)
{
	struct vcpu stranger = { .index = 0 };

	(void)state;
	assert_false(vgic_inject(&vm, NULL, 96, true)); /* past the 64 SPIs */
	assert_false(vgic_inject(&vm, NULL, 20, true)); /* a PPI needs a vCPU */
	assert_false(vgic_inject(&vm, &stranger, 20, true)); /* not this VM's */
	assert_false(vgic_set_level(&vm, NULL, 1020, true));
	assert_false(vgic_inject_hw(&vm, v0, 27, 1023));
	assert_true(vgic_inject(&vm, v1, 20, true));
}

static void test_flush_priority_order_and_group(void **state)
{
	static const u8 prios[6] = { 0x80, 0x10, 0x40, 0x10, 0xf0, 0x20 };
	u32 seen[8];

	(void)state;
	for (u32 i = 0; i < 6; i++) {
		cfg(v0, 50 + i, prios[i], i != 2, true);
		vgic_inject(&vm, NULL, 50 + i, true);
	}
	vgic_flush_lrs(v0);
	/* The four most urgent: 0x10 (51, 53 by INTID), 0x20 (55), 0x40 (52). */
	assert_int_equal(fake_gic_lr[0] & ICH_LR_VINTID_MASK, 51);
	assert_int_equal(fake_gic_lr[1] & ICH_LR_VINTID_MASK, 53);
	assert_int_equal(fake_gic_lr[2] & ICH_LR_VINTID_MASK, 55);
	assert_int_equal(fake_gic_lr[3] & ICH_LR_VINTID_MASK, 52);
	assert_false(lr_of(52) & ICH_LR_GROUP1); /* Group 0 */
	assert_true(lr_of(51) & ICH_LR_GROUP1);
	/* Two more wait: underflow maintenance is requested. */
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN | ICH_HCR_UIE);
	assert_int_equal(arch_gic_read_misr() & ICH_MISR_U, 0);

	/* The guest drains three; the underflow interrupt would now fire. */
	guest_set(51, 0);
	guest_set(53, 0);
	guest_set(55, 0);
	assert_true(arch_gic_read_misr() & ICH_MISR_U);
	vgic_maintenance(v0);
	vgic_sync_lrs(v0);
	assert_int_equal(fake_gic_hcr & ICH_HCR_UIE, 0);
	assert_true(irq_of(v0, 52)->pending_latch); /* never acknowledged */
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 3); /* 52, 50, 54 */
	assert_int_equal(guest_handle_all(seen, 8), 3);
	assert_int_equal(seen[0], 52);
	assert_int_equal(seen[1], 50);
	assert_int_equal(seen[2], 54);
	assert_int_equal(fake_gic_hcr, ICH_HCR_EN);
	vgic_sync_lrs(v0);
	assert_false(vgic_vcpu_has_pending(v0));
}

static void test_group_disabled_not_listed(void **state)
{
	(void)state;
	cfg(v0, 60, 0, true, true);
	cfg(v0, 61, 0, false, true);
	vgic_inject(&vm, NULL, 60, true);
	vgic_inject(&vm, NULL, 61, true);
	dist_write(0x0, 4, 0x1); /* GICD_CTLR: Group 1 off at the distributor */
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 1);
	assert_true(fake_gic_find_lr(61) >= 0);
	assert_false(irq_of(v0, 61)->lr == VGIC_NO_LR);
	vgic_sync_lrs(v0);
	/* Disabled interrupts stay pending but unlisted. */
	dist_write(0x0, 4, 0x3);
	irq_bit_write(v0, 60, ICENABLER);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_find_lr(60), -1);
	assert_true(irq_of(v0, 60)->pending_latch);
}

static void test_hw_interrupt(void **state)
{
	u64 lr;

	(void)state;
	cfg(v1, 27, 0x50, true, false); /* the virtual timer PPI, level */
	fake_vgic_clear_kicks(&vm);
	assert_true(vgic_inject_hw(&vm, v1, 27, 27));
	assert_int_equal(fake_vgic_kicks[1], 1);
	vgic_flush_lrs(v1);
	lr = lr_of(27);
	assert_true(lr & ICH_LR_HW);
	assert_int_equal((lr & ICH_LR_PINTID_MASK) >> ICH_LR_PINTID_SHIFT, 27);
	assert_int_equal(state_of(27), ST_P);

	/* Acknowledged, then an exit before the guest completes it. */
	guest_set(27, ST_A);
	vgic_sync_lrs(v1);
	assert_true(irq_of(v1, 27)->active);
	assert_false(irq_of(v1, 27)->pending_latch);
	vgic_flush_lrs(v1);
	lr = lr_of(27);
	assert_int_equal(state_of(27), ST_A);
	assert_true(lr & ICH_LR_HW); /* its deactivation must still reach the hardware */

	/* Made pending again while active (ISPENDR): never listed pending+active. */
	vgic_sync_lrs(v1);
	irq_bit_write(v1, 27, ISPENDR);
	vgic_flush_lrs(v1);
	assert_int_equal(state_of(27), ST_A);
	guest_set(27, 0);
	vgic_sync_lrs(v1);
	assert_false(irq_of(v1, 27)->active);
	vgic_flush_lrs(v1);
	assert_int_equal(state_of(27), ST_P); /* the latch waited for the deactivation */
}

static void test_level_eoi_and_resample(void **state)
{
	u64 lr;

	(void)state;
	cfg(v0, 33, 0x20, true, false);
	assert_true(vgic_set_level(&vm, NULL, 33, true));
	vgic_flush_lrs(v0);
	lr = lr_of(33);
	assert_true(lr & ICH_LR_EOI); /* deactivation must come back to Keel */
	assert_false(lr & ICH_LR_HW);

	/* The guest completes it without touching the device: line still high. */
	guest_set(33, 0);
	assert_true(arch_gic_read_misr() & ICH_MISR_EOI);
	vgic_sync_lrs(v0);
	assert_int_equal(arch_gic_read_misr(), 0); /* the LR was emptied */
	vgic_flush_lrs(v0);
	assert_int_equal(state_of(33), ST_P); /* re-sampled: pending again */

	/* This time the guest acknowledges, then traps to the device which
	 * lowers the line; the interrupt stays listed active only. */
	guest_set(33, ST_A);
	vgic_sync_lrs(v0);
	assert_true(vgic_set_level(&vm, NULL, 33, false));
	vgic_flush_lrs(v0);
	assert_int_equal(state_of(33), ST_A);
	assert_false(lr_of(33) & ICH_LR_EOI);
	guest_set(33, 0);
	vgic_sync_lrs(v0);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 0);

	/* Line high while active: listed pending and active. */
	vgic_sync_lrs(v0);
	vgic_set_level(&vm, NULL, 33, true);
	vgic_flush_lrs(v0);
	guest_set(33, ST_A);
	vgic_sync_lrs(v0);
	vgic_flush_lrs(v0);
	assert_int_equal(state_of(33), ST_PA);
	assert_true(lr_of(33) & ICH_LR_EOI);
}

static void test_level_lowered_while_listed(void **state)
{
	(void)state;
	cfg(v0, 34, 0x20, true, false);
	vgic_set_level(&vm, NULL, 34, true);
	vgic_flush_lrs(v0);
	/* Another CPU's device lowers the line before the guest looks. */
	vgic_set_level(&vm, NULL, 34, false);
	vgic_sync_lrs(v0);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_find_lr(34), -1);
	assert_false(vgic_vcpu_has_pending(v0));
}

static void test_edge_while_listed_not_lost(void **state)
{
	(void)state;
	cfg(v0, 35, 0x20, true, true);
	vgic_inject(&vm, NULL, 35, true);
	vgic_flush_lrs(v0);
	/* A second edge from another CPU, then the guest acknowledges. */
	vgic_inject(&vm, NULL, 35, true);
	guest_set(35, ST_A);
	vgic_sync_lrs(v0);
	assert_true(irq_of(v0, 35)->active);
	assert_true(irq_of(v0, 35)->pending_latch);
	vgic_flush_lrs(v0);
	assert_int_equal(state_of(35), ST_PA);
	/* The guest completes the first and takes the second. */
	guest_set(35, ST_A);
	vgic_sync_lrs(v0);
	assert_false(irq_of(v0, 35)->pending_latch);
	vgic_flush_lrs(v0);
	guest_set(35, 0);
	vgic_sync_lrs(v0);
	assert_false(irq_of(v0, 35)->active);
	assert_false(vgic_vcpu_has_pending(v0));

	/* Listed, not taken before the exit: listed again exactly once. */
	vgic_inject(&vm, NULL, 35, true);
	vgic_flush_lrs(v0);
	vgic_sync_lrs(v0);
	assert_true(irq_of(v0, 35)->pending_latch);
	vgic_flush_lrs(v0);
	vgic_flush_lrs(v0); /* a second flush lists nothing twice */
	assert_int_equal(fake_gic_nr_valid(), 1);
	assert_int_equal(v0->vgic.lr_used, 1);
}

static void test_register_writes_while_listed(void **state)
{
	struct vgic_irq *irq = cfg(v0, 36, 0x20, true, true);

	(void)state;
	vgic_inject(&vm, NULL, 36, true);
	vgic_flush_lrs(v0);
	/* vCPU 1 writes ICPENDR1 for it while it sits in vCPU 0's LR. */
	dist_write(0x284, 4, 1u << 4);
	vgic_sync_lrs(v0);
	assert_false(irq->pending_latch); /* the clear wins over the stale LR copy */

	/* ICACTIVER while the guest holds it active. */
	vgic_inject(&vm, NULL, 36, true);
	vgic_flush_lrs(v0);
	guest_set(36, ST_A);
	vgic_sync_lrs(v0);
	vgic_flush_lrs(v0);
	dist_write(0x384, 4, 1u << 4); /* ICACTIVER1 */
	vgic_sync_lrs(v0);
	assert_false(irq->active);

	/* ISPENDR while listed pending: survives the guest's acknowledge. */
	vgic_flush_lrs(v0);
	vgic_inject(&vm, NULL, 36, true);
	vgic_flush_lrs(v0);
	dist_write(0x204, 4, 1u << 4);
	guest_set(36, 0);
	vgic_sync_lrs(v0);
	assert_true(irq->pending_latch);
}

static void test_spi_routing(void **state)
{
	struct vgic_irq *irq = cfg(v0, 70, 0x20, true, true);

	(void)state;
	dist_write(0x6000 + 8 * 70, 8, 1); /* IROUTER70: Aff0 1 */
	assert_int_equal(irq->target_vcpu, 1);
	vgic_inject(&vm, NULL, 70, true);
	assert_int_equal(fake_vgic_kicks[0], 0);
	assert_int_equal(fake_vgic_kicks[1], 1);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 0);
	assert_false(vgic_vcpu_has_pending(v0));
	assert_true(vgic_vcpu_has_pending(v1));
	vgic_flush_lrs(v1);
	assert_int_equal(state_of(70), ST_P);
	guest_set(70, ST_A);
	vgic_sync_lrs(v1);

	/* Rerouted to vCPU 0 while active on vCPU 1: it stays until deactivated. */
	vgic_flush_lrs(v1);
	dist_write(0x6000 + 8 * 70, 8, 0);
	assert_int_equal(irq->target_vcpu, 1);
	vgic_inject(&vm, NULL, 70, true);
	fake_vgic_clear_kicks(&vm);
	guest_set(70, 0);
	vgic_sync_lrs(v1);
	assert_int_equal(irq->target_vcpu, 0);
	assert_int_equal(fake_vgic_kicks[0], 1); /* now vCPU 0's to take */
}

static void test_active_listed_first(void **state)
{
	(void)state;
	fake_gic_reset(2);
	cfg(v0, 40, 0xf0, true, true);
	irq_bit_write(v0, 40, ISACTIVER); /* low priority, but active */
	for (u32 i = 41; i < 44; i++) {
		cfg(v0, i, 0x00, true, true);
		vgic_inject(&vm, NULL, i, true);
	}
	vgic_flush_lrs(v0);
	assert_int_equal(state_of(40), ST_A);
	assert_int_equal(state_of(41), ST_P);
	assert_true(fake_gic_hcr & ICH_HCR_UIE);
}

static void test_sgi_to_other_vcpu(void **state)
{
	(void)state;
	cfg(v1, 2, 0x00, true, true);
	vgic_sgi_write(v0, 2ull << 24 | 0x2, true);
	assert_int_equal(fake_vgic_kicks[1], 1);
	vgic_flush_lrs(v0);
	assert_int_equal(fake_gic_nr_valid(), 0);
	vgic_flush_lrs(v1);
	assert_int_equal(state_of(2), ST_P);
}

/* Many interrupts, raised repeatedly, some while the guest runs: every one is
 * delivered, no LR is ever overfilled, nothing is listed twice. */
static void test_flood(void **state)
{
	u32 delivered[128] = { 0 };
	u32 raised[128] = { 0 };
	u32 seen[VGIC_MAX_LRS];

	(void)state;
	srand(1);
	for (u32 i = 0; i < 16; i++)
		cfg(v0, i, (u8)((i * 40) & 0xf8), true, true);
	for (u32 i = 32; i < 96; i++)
		cfg(v0, i, (u8)((i * 24) & 0xf8), i & 1, true);
	for (u32 round = 0; round < 2000; round++) {
		for (u32 k = 0; k < 8; k++) {
			u32 intid = (u32)rand() % 96;

			if (intid >= 16 && intid < 32)
				continue;
			if (vgic_inject(&vm, v0, intid, true) && !irq_of(v0, intid)->pending_latch)
				fail();
			raised[intid] = 1;
		}
		vgic_flush_lrs(v0);
		assert_true(fake_gic_nr_valid() <= fake_gic_nr_lrs);
		for (u32 n = 0; n < fake_gic_nr_lrs; n++)
			for (u32 m = n + 1; m < fake_gic_nr_lrs; m++)
				if (fake_gic_lr_state(n) && fake_gic_lr_state(m))
					assert_int_not_equal(fake_gic_lr[n] & ICH_LR_VINTID_MASK,
							     fake_gic_lr[m] & ICH_LR_VINTID_MASK);
		/* The guest handles a random number of them. */
		for (u32 n = 0, take = (u32)rand() % 5; n < fake_gic_nr_lrs && take; n++, take--)
			if (fake_gic_lr_state(n) & ST_P) {
				delivered[fake_gic_lr[n] & ICH_LR_VINTID_MASK] = 1;
				fake_gic_set_lr_state(n, rand() % 2 ? 0 : ST_A);
			}
		for (u32 n = 0; n < fake_gic_nr_lrs; n++)
			if (fake_gic_lr_state(n) == ST_A && rand() % 2)
				fake_gic_set_lr_state(n, 0); /* completes an earlier one */
		if (rand() % 3 == 0)
			vgic_inject(&vm, v0, 32 + (u32)rand() % 64, true); /* mid-run */
		vgic_sync_lrs(v0);
	}
	/* Drain: the guest completes everything listed until nothing remains. */
	for (u32 guard = 0; guard < 100 && (vgic_vcpu_has_pending(v0) || v0->vgic.lr_used); guard++) {
		u32 n;

		vgic_flush_lrs(v0);
		n = guest_handle_all(seen, VGIC_MAX_LRS);
		for (u32 i = 0; i < n; i++)
			delivered[seen[i]] = 1;
		for (u32 k = 0; k < fake_gic_nr_lrs; k++)
			fake_gic_set_lr_state(k, 0); /* complete the active ones too */
		vgic_sync_lrs(v0);
	}
	assert_false(vgic_vcpu_has_pending(v0));
	for (u32 i = 0; i < 96; i++) {
		assert_int_equal(delivered[i], raised[i]);
		assert_false(irq_of(v0, i)->active);
		assert_int_equal(irq_of(v0, i)->lr, VGIC_NO_LR);
	}
}

static void test_has_pending(void **state)
{
	struct vgic_irq *irq;

	(void)state;
	assert_false(vgic_vcpu_has_pending(v0));
	irq = cfg(v0, 45, 0, true, true);
	irq_bit_write(v0, 45, ICENABLER);
	assert_false(irq->enabled);
	vgic_inject(&vm, NULL, 45, true);
	assert_false(vgic_vcpu_has_pending(v0)); /* pending but disabled */
	assert_int_equal(fake_vgic_kicks[0], 0);
	irq_bit_write(v0, 45, ISENABLER);
	assert_true(vgic_vcpu_has_pending(v0));
	assert_false(vgic_vcpu_has_pending(v1));
	vgic_flush_lrs(v0);
	guest_set(45, ST_A);
	vgic_sync_lrs(v0);
	assert_false(vgic_vcpu_has_pending(v0)); /* active only does not wake */
}

static void test_nr_lrs_respected(void **state)
{
	(void)state;
	fake_gic_reset(1);
	cfg(v0, 80, 0, true, true);
	cfg(v0, 81, 8, true, true);
	vgic_inject(&vm, NULL, 80, true);
	vgic_inject(&vm, NULL, 81, true);
	vgic_flush_lrs(v0);
	assert_int_equal(v0->vgic.lr_used, 1);
	assert_int_equal(fake_gic_lr[1], 0);
	assert_true(fake_gic_hcr & ICH_HCR_UIE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_inject_flush_edge, setup),
		cmocka_unit_test_setup(test_inject_rejects_unknown, setup),
		cmocka_unit_test_setup(test_flush_priority_order_and_group, setup),
		cmocka_unit_test_setup(test_group_disabled_not_listed, setup),
		cmocka_unit_test_setup(test_hw_interrupt, setup),
		cmocka_unit_test_setup(test_level_eoi_and_resample, setup),
		cmocka_unit_test_setup(test_level_lowered_while_listed, setup),
		cmocka_unit_test_setup(test_edge_while_listed_not_lost, setup),
		cmocka_unit_test_setup(test_register_writes_while_listed, setup),
		cmocka_unit_test_setup(test_spi_routing, setup),
		cmocka_unit_test_setup(test_active_listed_first, setup),
		cmocka_unit_test_setup(test_sgi_to_other_vcpu, setup),
		cmocka_unit_test_setup(test_flood, setup),
		cmocka_unit_test_setup(test_has_pending, setup),
		cmocka_unit_test_setup(test_nr_lrs_respected, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
