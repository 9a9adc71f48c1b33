/*
 * The SP805 watchdog (vdev/sp805.c) as a driver and the home CPU's tick see
 * it, on a VM with a real vGIC and a counter the test moves by hand
 * (fake_timer.c, 62.5 MHz): its ID registers as Linux's AMBA bus reads
 * them, the lock, the count against the clock, the interrupt at the first
 * zero and the failure at the second, feeding, tick's deadlines, save and
 * restore across a jump of the clock, and refused accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/sp805.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_timer.h"
#include "fake_vgic_env.h"

#define WDOG_IPA 0x0a200000ull
#define WDOG_IRQ 40
#define RATE 1000000u /* WDOGCLK 1 MHz: 62.5 counter ticks per period */

static struct vm vm;
static struct vdev *wd;

/* Counter ticks in n WDOGCLK periods, rounded up (when the n-th period has ended). */
static u64 periods(u64 n)
{
	return (n * FAKE_TIMER_FREQ + RATE - 1) / RATE;
}

static int setup(void **state)
{
	struct keel_blob_vdev rec = { .kind = KEEL_VDEV_SP805, .ipa = WDOG_IPA, .size = SP805_MMIO_SIZE,
				      .irq = WDOG_IRQ, .args = { RATE } };

	(void)state;
	fake_vgic_vm_setup(&vm, 1, 64);
	sp805_kind.pool->nr_used = 0;
	assert_null(sp805_kind.check(vm.cfg, &rec));
	wd = vdev_add(&vm, &sp805_kind, &rec);
	fake_timer_changes = 0;
	return 0;
}

static u32 rd(u64 off)
{
	u64 v = 0xdeadbeefdeadbeefull;

	assert_true(wd->kind->read(wd, &vm.vcpus[0], off, 4, &v));
	assert_true(v <= 0xffffffffull);
	return (u32)v;
}

static void wr(u64 off, u32 value)
{
	assert_true(wd->kind->write(wd, &vm.vcpus[0], off, 4, value));
}

static bool line(void)
{
	return vm_vgic(&vm)->spis[WDOG_IRQ - 32].line_level;
}

static bool tick(u64 *next)
{
	return wd->kind->tick(wd, fake_timer_now, next);
}

/* Linux's amba_read_periphid(): one byte per word, PeriphID0-3 then PCellID0-3 (drivers/amba/bus.c). */
static void test_id_registers(void **state)
{
	u32 periphid = 0, cid = 0;

	(void)state;
	for (u32 i = 0; i < 4; i++) {
		periphid |= (rd(SP805_MMIO_SIZE - 0x20 + 4 * i) & 0xff) << (8 * i);
		cid |= (rd(SP805_MMIO_SIZE - 0x10 + 4 * i) & 0xff) << (8 * i);
	}
	assert_int_equal(cid, 0xb105f00d);
	/* sp805_wdt's id table: part 0x805, designer 0x41 (ARM), revision 1, under mask 0x00ffffff. */
	assert_int_equal(periphid & 0x00ffffff, 0x00141805);
	/* Power-on values (the TRM's reset values). */
	assert_int_equal(rd(SP805_LOAD), 0xffffffff);
	assert_int_equal(rd(SP805_VALUE), 0xffffffff);
	assert_int_equal(rd(SP805_CONTROL), 0);
	assert_int_equal(rd(SP805_RIS), 0);
	assert_int_equal(rd(SP805_LOCK), 0);
	assert_int_equal(rd(SP805_ITCR), 0);
	assert_int_equal(rd(SP805_ITOP), 0);
}

static void test_lock(void **state)
{
	(void)state;
	wr(SP805_LOCK, 0);
	assert_int_equal(rd(SP805_LOCK), 1);
	wr(SP805_LOAD, 1234);
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	assert_int_equal(rd(SP805_LOAD), 0xffffffff);
	assert_int_equal(rd(SP805_CONTROL), 0);
	wr(SP805_LOCK, SP805_UNLOCK_KEY + 1); /* a near miss still locks */
	assert_int_equal(rd(SP805_LOCK), 1);
	wr(SP805_LOCK, SP805_UNLOCK_KEY);
	assert_int_equal(rd(SP805_LOCK), 0);
	wr(SP805_LOAD, 1234);
	assert_int_equal(rd(SP805_LOAD), 1234);
	/* Locked, a feed does nothing: the interrupt stays. */
	wr(SP805_LOAD, 0);
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	assert_int_equal(rd(SP805_RIS), 1);
	wr(SP805_LOCK, 0x1);
	wr(SP805_INTCLR, 1);
	assert_int_equal(rd(SP805_RIS), 1);
	assert_true(line());
}

static void test_count_follows_clock(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_LOAD, 1000);
	assert_int_equal(rd(SP805_VALUE), 1000);
	assert_false(tick(&next));
	assert_int_equal(next, VDEV_NO_DEADLINE); /* disabled: nothing to wait for */
	fake_timer_now += periods(500);
	assert_int_equal(rd(SP805_VALUE), 1000); /* stopped while INTEN is clear */
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	fake_timer_now += periods(100);
	assert_int_equal(rd(SP805_VALUE), 900);
	fake_timer_now += periods(250);
	assert_int_equal(rd(SP805_VALUE), 650);
	/* Disabling stops the count where it is; enabling again reloads WdogLoad (TRM, Control Register). */
	wr(SP805_CONTROL, 0);
	fake_timer_now += periods(10000);
	assert_int_equal(rd(SP805_VALUE), 650);
	assert_int_equal(rd(SP805_RIS), 0);
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	assert_int_equal(rd(SP805_VALUE), 1000);
	/* A WdogLoad write restarts the count from the new value at once. */
	fake_timer_now += periods(10);
	wr(SP805_LOAD, 5000);
	assert_int_equal(rd(SP805_VALUE), 5000);
	fake_timer_now += periods(1);
	assert_int_equal(rd(SP805_VALUE), 4999);
}

/* Interrupt at the first zero, reload, and the VM fails at the second with RESEN. */
static void test_interrupt_then_reset(void **state)
{
	u64 start = fake_timer_now, next;

	(void)state;
	wr(SP805_LOAD, 1000);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	assert_false(tick(&next));
	assert_int_equal(next, start + periods(1000));
	fake_timer_now = next - 1;
	assert_false(tick(&next));
	assert_false(line());
	assert_int_equal(rd(SP805_VALUE), 1);
	fake_timer_now = start + periods(1000);
	assert_false(tick(&next));
	assert_true(line());
	assert_int_equal(rd(SP805_RIS), 1);
	assert_int_equal(rd(SP805_MIS), 1);
	assert_int_equal(rd(SP805_VALUE), 0);
	/* Reloaded after one period; reaches 0 again WdogLoad + 1 periods after the first zero. */
	assert_int_equal(next, start + periods(2001));
	fake_timer_now = start + periods(1001);
	assert_int_equal(rd(SP805_VALUE), 1000);
	fake_timer_now = start + periods(2001) - 1;
	assert_false(tick(&next));
	fake_timer_now = start + periods(2001);
	assert_true(tick(&next));
	/* Reported once: the home CPU resets the VM, which resets the device. */
	assert_false(tick(&next));
	wd->kind->reset(wd);
	assert_false(line());
	assert_int_equal(rd(SP805_CONTROL), 0);
	assert_false(tick(&next));
	assert_int_equal(next, VDEV_NO_DEADLINE);
}

/* Without RESEN the second zero changes nothing: no failure and no deadline to wake for. */
static void test_no_resen(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_LOAD, 100);
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	fake_timer_now += periods(100);
	assert_false(tick(&next));
	assert_true(line());
	assert_int_equal(next, VDEV_NO_DEADLINE);
	fake_timer_now += periods(100000);
	assert_false(tick(&next));
	/* Clearing INTEN masks WDOGINT but keeps the raw status. */
	wr(SP805_CONTROL, 0);
	assert_false(line());
	assert_int_equal(rd(SP805_RIS), 1);
	assert_int_equal(rd(SP805_MIS), 0);
	/* Setting RESEN with RIS still set: the next zero fails the VM. */
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	assert_true(line());
	assert_false(tick(&next));
	assert_int_equal(next, fake_timer_now + periods(100));
	fake_timer_now = next;
	assert_true(tick(&next));
}

/* A driver that writes WdogIntClr in time is never interrupted and never fails. */
static void test_feeding(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_LOAD, 1000);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	for (u32 i = 0; i < 50; i++) {
		fake_timer_now += periods(990);
		assert_false(tick(&next));
		assert_false(line());
		wr(SP805_INTCLR, i); /* any value */
		assert_int_equal(rd(SP805_VALUE), 1000);
	}
	/* A late feed, after the interrupt: clears it, lowers the line, reloads. */
	fake_timer_now += periods(1500);
	assert_false(tick(&next));
	assert_true(line());
	wr(SP805_INTCLR, 0);
	assert_false(line());
	assert_int_equal(rd(SP805_RIS), 0);
	fake_timer_now += periods(1000);
	assert_false(tick(&next));
	assert_true(line());
}

/* Writes that move the deadline tell the home CPU; reads and ignored writes do not. */
static void test_deadline_moves(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_LOAD, 1000);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	assert_int_equal(fake_timer_changes, 2);
	rd(SP805_VALUE);
	wr(SP805_RIS, 5);
	wr(SP805_LOCK, 0);
	assert_int_equal(fake_timer_changes, 2);
	wr(SP805_INTCLR, 0); /* locked: ignored */
	assert_int_equal(fake_timer_changes, 2);
	wr(SP805_LOCK, SP805_UNLOCK_KEY);
	fake_timer_now += 777;
	wr(SP805_INTCLR, 0);
	assert_int_equal(fake_timer_changes, 3);
	assert_false(tick(&next));
	assert_int_equal(next, fake_timer_now + periods(1000));
}

/* Both zeros passed before any tick: a register access sees it, the next tick reports it. */
static void test_failure_seen_by_access(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_LOAD, 10);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	fake_timer_changes = 0;
	fake_timer_now += periods(21);
	wr(SP805_LOCK, 0); /* any access brings the count up to date */
	assert_int_equal(fake_timer_changes, 1);
	assert_true(tick(&next));
	assert_false(tick(&next));
}

/* WdogLoad 0 interrupts at once (TRM, Load Register). */
static void test_load_zero(void **state)
{
	u64 next;

	(void)state;
	wr(SP805_CONTROL, SP805_CTRL_INTEN);
	wr(SP805_LOAD, 0);
	assert_false(tick(&next));
	assert_true(line());
}

/* A restored watchdog counts on from where it was saved, whatever the clock did in between. */
static void test_save_restore(void **state)
{
	u8 buf[64] __attribute__((aligned(8)));
	u32 len;
	u64 next;

	(void)state;
	assert_true(sp805_kind.save_size <= sizeof(buf));
	wr(SP805_LOAD, 1000);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	fake_timer_now += periods(1000); /* first zero: RIS */
	fake_timer_now += periods(301); /* reloaded, then 300 more */
	assert_int_equal(rd(SP805_VALUE), 700);
	wr(SP805_LOCK, 0);
	len = wd->kind->save(wd, buf);
	assert_true(len <= sp805_kind.save_size);
	wd->kind->reset(wd);
	assert_int_equal(rd(SP805_VALUE), 0xffffffff);
	assert_false(line());
	fake_timer_now += 10 * FAKE_TIMER_FREQ; /* 10 s later (a failover) */
	fake_timer_changes = 0;
	assert_true(wd->kind->restore(wd, buf, len));
	assert_int_equal(fake_timer_changes, 1);
	assert_int_equal(rd(SP805_VALUE), 700);
	assert_int_equal(rd(SP805_LOAD), 1000);
	assert_int_equal(rd(SP805_CONTROL), SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	assert_int_equal(rd(SP805_LOCK), 1);
	assert_true(line());
	assert_false(tick(&next));
	assert_int_equal(next, fake_timer_now + periods(700));
	fake_timer_now = next;
	assert_true(tick(&next));
	/* A state that does not fit is refused. */
	assert_false(wd->kind->restore(wd, buf, len - 1));
}

/* Saved exactly at a zero: the restored count does not count that zero again. */
static void test_save_at_zero(void **state)
{
	u8 buf[64] __attribute__((aligned(8)));
	u32 len;
	u64 next;

	(void)state;
	wr(SP805_LOAD, 1000);
	wr(SP805_CONTROL, SP805_CTRL_INTEN | SP805_CTRL_RESEN);
	fake_timer_now += periods(1000);
	assert_int_equal(rd(SP805_VALUE), 0);
	len = wd->kind->save(wd, buf);
	wd->kind->reset(wd);
	assert_true(wd->kind->restore(wd, buf, len));
	assert_false(tick(&next));
	assert_int_equal(rd(SP805_RIS), 1);
	assert_int_equal(next, fake_timer_now + periods(1001));
}

static void test_bad_accesses(void **state)
{
	const u32 widths[] = { 1, 2, 8 };
	u64 v;

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(widths); i++) {
		assert_false(wd->kind->read(wd, &vm.vcpus[0], SP805_LOAD, widths[i], &v));
		assert_false(wd->kind->write(wd, &vm.vcpus[0], SP805_LOAD, widths[i], 5));
	}
	assert_false(wd->kind->read(wd, &vm.vcpus[0], SP805_LOAD + 2, 4, &v));
	assert_false(wd->kind->write(wd, &vm.vcpus[0], SP805_CONTROL + 1, 4, 1));
	assert_false(wd->kind->read(wd, &vm.vcpus[0], 0x018, 4, &v)); /* not a register */
	assert_false(wd->kind->write(wd, &vm.vcpus[0], 0x800, 4, 1));
	assert_false(wd->kind->read(wd, &vm.vcpus[0], SP805_MMIO_SIZE, 4, &v));
	/* Nothing changed. */
	assert_int_equal(rd(SP805_LOAD), 0xffffffff);
	assert_int_equal(rd(SP805_CONTROL), 0);
}

static void test_check(void **state)
{
	struct keel_blob_vdev rec = { .kind = KEEL_VDEV_SP805, .ipa = WDOG_IPA, .size = SP805_MMIO_SIZE,
				      .irq = WDOG_IRQ, .args = { RATE } };

	(void)state;
	assert_null(sp805_kind.check(vm.cfg, &rec));
	rec.args[0] = 1;
	assert_null(sp805_kind.check(vm.cfg, &rec));
	rec.args[0] = FAKE_TIMER_FREQ;
	assert_null(sp805_kind.check(vm.cfg, &rec));
	rec.args[0] = FAKE_TIMER_FREQ + 1;
	assert_non_null(sp805_kind.check(vm.cfg, &rec));
	rec.args[0] = 0;
	assert_non_null(sp805_kind.check(vm.cfg, &rec));
	rec.args[0] = RATE;
	rec.size = 0x2000;
	assert_non_null(sp805_kind.check(vm.cfg, &rec));
	rec.size = SP805_MMIO_SIZE;
	rec.irq = 0;
	assert_non_null(sp805_kind.check(vm.cfg, &rec));
	rec.irq = WDOG_IRQ;
	rec.args[1] = 1;
	assert_non_null(sp805_kind.check(vm.cfg, &rec));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_id_registers, setup),
		cmocka_unit_test_setup(test_lock, setup),
		cmocka_unit_test_setup(test_count_follows_clock, setup),
		cmocka_unit_test_setup(test_interrupt_then_reset, setup),
		cmocka_unit_test_setup(test_no_resen, setup),
		cmocka_unit_test_setup(test_feeding, setup),
		cmocka_unit_test_setup(test_deadline_moves, setup),
		cmocka_unit_test_setup(test_failure_seen_by_access, setup),
		cmocka_unit_test_setup(test_load_zero, setup),
		cmocka_unit_test_setup(test_save_restore, setup),
		cmocka_unit_test_setup(test_save_at_zero, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_check, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
