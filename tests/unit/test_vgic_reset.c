/*
 * The vGIC's reset paths (vdev/vgic_irq.c): a distributor or redistributor
 * reset waits for the vGIC lock like any other writer, instead of
 * reinitialising it under another CPU's feet; a vCPU switched off with its
 * timer interrupt active gets that interrupt again after it is switched on;
 * a passed-through SPI its guest never deactivated is deactivated in
 * hardware when the VM resets or the vCPU it was active on goes off. The
 * guest's side is played on arch/fake/gic.c's list registers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_gic.h"
#include "fake_vgic_env.h"

#define LR_PENDING 1
#define LR_ACTIVE 2
#define VTIMER 27
#define SGI_BASE 0x10000ull
#define GICR_FRAME 0x20000ull
#define IGROUPR 0x080
#define ISENABLER 0x100
#define ISACTIVER 0x300
#define ICPENDR 0x280

static struct vm vm;
static struct vcpu *v0, *v1;

static void reg_write(u64 ipa, u32 width, u64 value)
{
	struct vdev *dev = vm_find_vdev(&vm, ipa);

	assert_non_null(dev);
	assert_true(dev->kind->write(dev, v0, ipa - dev->base, width, value));
}

/* Enable intid in group 1 (on vcpu's redistributor below 32). */
static void enable(struct vcpu *vcpu, u32 intid)
{
	u64 base = intid < 32 ? FAKE_GICR + vcpu->index * GICR_FRAME + SGI_BASE : FAKE_GICD;

	reg_write(base + IGROUPR + intid / 32 * 4, 4, ~0u);
	reg_write(base + ISENABLER + intid / 32 * 4, 4, 1u << (intid % 32));
}

static int setup(void **state)
{
	(void)state;
	fake_vgic_vm_setup(&vm, 2, 64);
	v0 = &vm.vcpus[0];
	v1 = &vm.vcpus[1];
	reg_write(FAKE_GICD, 4, 0x3); /* GICD_CTLR: both groups on, as a booted guest leaves it */
	return 0;
}

static struct vgic_irq *irq(struct vcpu *vcpu, u32 intid)
{
	return intid < 32 ? &vcpu->vgic.private_irqs[intid] : &vm_vgic(&vm)->spis[intid - 32];
}

/* Enter vcpu, let its guest leave intid's list register in state st, exit. */
static void guest_takes(struct vcpu *vcpu, u32 intid, u32 st)
{
	int n;

	vgic_flush_lrs(vcpu);
	n = fake_gic_find_lr(intid);
	assert_true(n >= 0);
	assert_int_equal(fake_gic_lr_state((u32)n), LR_PENDING);
	fake_gic_set_lr_state((u32)n, st);
	vgic_sync_lrs(vcpu);
}

/* --- the reset takes the lock --------------------------------------------------- */

static volatile bool reset_done;

static void *reset_thread(void *arg)
{
	struct vdev *dev = arg;

	dev->kind->reset(dev);
	__atomic_store_n(&reset_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Another CPU holds the vGIC lock (injecting, say): a reset must wait for it, not reinitialise it. */
static void check_reset_waits(struct vdev *dev)
{
	pthread_t t;

	reset_done = false;
	spin_lock(&vm_vgic(&vm)->lock);
	assert_int_equal(pthread_create(&t, NULL, reset_thread, dev), 0);
	usleep(100 * 1000);
	assert_false(__atomic_load_n(&reset_done, __ATOMIC_SEQ_CST));
	assert_int_equal(vm_vgic(&vm)->lock.locked, 1); /* still ours */
	spin_unlock(&vm_vgic(&vm)->lock);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(reset_done);
	assert_int_equal(vm_vgic(&vm)->lock.locked, 0);
}

static void test_dist_reset_takes_lock(void **state)
{
	(void)state;
	check_reset_waits(&vm.vdevs[0]);
}

static void test_redist_reset_takes_lock(void **state)
{
	(void)state;
	assert_ptr_equal(vm.vdevs[1].kind, &vgic_redist_kind);
	check_reset_waits(&vm.vdevs[1]);
}

/* --- a vCPU switched off with its timer interrupt active ----------------------------- */

static void test_vtimer_fires_after_cpu_off_on(void **state)
{
	int n;

	(void)state;
	enable(v1, VTIMER);
	assert_true(vgic_inject_hw(&vm, v1, VTIMER, VTIMER));
	guest_takes(v1, VTIMER, LR_ACTIVE); /* acknowledged, handler running... */
	assert_true(irq(v1, VTIMER)->active);

	vgic_vcpu_off(v1); /* ...when the guest calls PSCI CPU_OFF */
	assert_false(irq(v1, VTIMER)->active);
	assert_false(irq(v1, VTIMER)->hw);
	assert_int_equal(fake_irq_released_count, 0); /* a PPI's physical side is its CPU's business */

	/* CPU_ON, and the timer fires: the guest must see it pending, not still active. */
	assert_true(vgic_inject_hw(&vm, v1, VTIMER, VTIMER));
	vgic_flush_lrs(v1);
	n = fake_gic_find_lr(VTIMER);
	assert_true(n >= 0);
	assert_int_equal(fake_gic_lr_state((u32)n), LR_PENDING);
}

static void test_spi_active_on_vcpu_off_released(void **state)
{
	(void)state;
	enable(v0, 40);
	enable(v0, 41);
	reg_write(FAKE_GICD + 0x6000 + 8 * 40, 8, 1); /* both routed to vCPU 1 */
	reg_write(FAKE_GICD + 0x6000 + 8 * 41, 8, 1);
	assert_true(vgic_inject_hw(&vm, NULL, 40, 40));
	guest_takes(v1, 40, LR_ACTIVE);
	reg_write(FAKE_GICD + ISACTIVER + 4, 4, 1u << (41 - 32)); /* active, not hardware-linked */

	vgic_vcpu_off(v1);
	assert_int_equal(fake_irq_released_count, 1);
	assert_int_equal(fake_irq_released[0], 40);
	assert_false(irq(v1, 40)->active);
	assert_false(irq(v1, 41)->active);
	assert_true(vgic_inject_hw(&vm, NULL, 40, 40)); /* and it can come again */
	guest_takes(v1, 40, 0);
}

/* --- a VM reset with passed-through SPIs still held ---------------------------------- */

static void test_vm_reset_releases_held_spis(void **state)
{
	(void)state;
	for (u32 i = 40; i < 45; i++)
		enable(v0, i);
	assert_true(vgic_inject_hw(&vm, NULL, 40, 40));
	guest_takes(v0, 40, LR_ACTIVE); /* acknowledged, never deactivated */
	assert_true(vgic_inject_hw(&vm, NULL, 41, 41)); /* injected, never acknowledged */
	assert_true(vgic_inject_hw(&vm, NULL, 43, 43));
	guest_takes(v0, 43, 0); /* completed: the hardware deactivated it already */
	reg_write(FAKE_GICD + ISACTIVER + 4, 4, 1u << (42 - 32)); /* active, no physical side */
	assert_true(vgic_inject_hw(&vm, NULL, 44, 44));
	reg_write(FAKE_GICD + ICPENDR + 4, 4, 1u << (44 - 32)); /* the guest clears it: physical still active */

	vdev_reset_all(&vm);
	/* Every hardware-linked SPI is deactivated (a completed one again, harmlessly); 42 has no physical side. */
	assert_int_equal(fake_irq_released_count, 4);
	assert_int_equal(fake_irq_released[0], 40);
	assert_int_equal(fake_irq_released[1], 41);
	assert_int_equal(fake_irq_released[2], 43);
	assert_int_equal(fake_irq_released[3], 44);
	for (u32 i = 40; i < 45; i++) {
		assert_false(irq(v0, i)->active);
		assert_false(irq(v0, i)->pending_latch);
		assert_false(irq(v0, i)->hw);
	}
	/* The restarted guest enables it again and gets it. */
	reg_write(FAKE_GICD, 4, 0x3);
	enable(v0, 40);
	assert_true(vgic_inject_hw(&vm, NULL, 40, 40));
	guest_takes(v0, 40, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dist_reset_takes_lock, setup),
		cmocka_unit_test_setup(test_redist_reset_takes_lock, setup),
		cmocka_unit_test_setup(test_vtimer_fires_after_cpu_off_on, setup),
		cmocka_unit_test_setup(test_spi_active_on_vcpu_off_released, setup),
		cmocka_unit_test_setup(test_vm_reset_releases_held_spis, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
