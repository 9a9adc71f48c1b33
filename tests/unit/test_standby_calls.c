/*
 * Host tests of the standby calls at EL2 (core/standby_calls.c): what
 * STANDBY_STATUS, STANDBY_INTEND_STOP and STANDBY_INJECT refuse, with which
 * code, for a VM without a standby, one without fault injection and one with
 * it, on boundary arguments (kinds past the last, kinds that only differ above
 * bit 31, page numbers past RAM, up to 2^64 - 1), and what an accepted
 * injection does: one bit of the right page flipped across two RAM regions,
 * registers scrambled, a hang, a failure. The system tests fuzz and
 * fuzz-standby make the same calls from a guest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/hypercall.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include "standby_internal.h" /* core/, by test_standby_calls_CFLAGS */
#include "fake_standby_calls_env.h"

#define RAM0_IPA 0x40000000ull
#define RAM1_IPA 0x80001000ull /* not contiguous with region 0 */
#define TOTAL_PAGES (FAKE_SB_PAGES0 + FAKE_SB_PAGES1)

static struct keel_blob_vm cfg;
static u8 ram_before[FAKE_SB_REGIONS][sizeof(fake_sb.ram[0])];

/* VM 0 with two RAM regions; on: a standby, inject: fault injection allowed. */
static struct vcpu *setup_vm(bool on, bool inject)
{
	struct vm *vm = &vms[0];

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_mem = 2;
	cfg.mem[0] = (struct keel_blob_mem){ .ipa = RAM0_IPA, .size = FAKE_SB_PAGES0 * PAGE_SIZE };
	cfg.mem[1] = (struct keel_blob_mem){ .ipa = RAM1_IPA, .size = FAKE_SB_PAGES1 * PAGE_SIZE };
	cfg.standby.flags = on ? KEEL_STANDBY_ON | (inject ? KEEL_STANDBY_INJECT : 0) : 0;
	cfg.standby.interval_ns = on ? 10000000ull : 0;
	memset(vm, 0, sizeof(*vm));
	vm->cfg = &cfg;
	vm->index = 0;
	vm->nr_vcpus = 1;
	vm->state = VM_RUNNING;
	vm->vcpus[0].vm = vm;
	nr_vms = 1;
	memset(standbys, 0, sizeof(standbys));
	standbys[0].on = on;
	standbys[0].nr_checkpoints = 7;
	standbys[0].nr_failovers = 2;
	memset(&fake_sb, 0, sizeof(fake_sb));
	fake_sb.cfg = &cfg;
	fake_sb.counter = 0x123456789ull;
	for (u32 r = 0; r < FAKE_SB_REGIONS; r++)
		for (u32 i = 0; i < sizeof(fake_sb.ram[r]); i++)
			fake_sb.ram[r][i] = (u8)(i * 7 + r);
	memcpy(ram_before, fake_sb.ram, sizeof(ram_before));
	return &vm->vcpus[0];
}

static struct hc_args args(u64 x1, u64 x2)
{
	return (struct hc_args){ .fid = (u32)KEEL_HC_STANDBY_INJECT, .x = { 0, x1, x2 } };
}

/* Bits that differ from ram_before in region r, page p (or the whole region: p < 0). */
static u32 flipped_bits(u32 r, int p)
{
	u32 n = 0, from = p < 0 ? 0 : (u32)p * PAGE_SIZE;
	u32 to = p < 0 ? sizeof(fake_sb.ram[r]) : from + PAGE_SIZE;

	for (u32 i = from; i < to; i++)
		n += (u32)__builtin_popcount(fake_sb.ram[r][i] ^ ram_before[r][i]);
	return n;
}

static void test_status_and_stop_need_a_standby(void **state)
{
	struct hc_args in = args(0, 0);
	struct hc_result out = { 0 };
	struct vcpu *v = setup_vm(false, false);

	(void)state;
	assert_int_equal(hc_standby_status_check(v, &in), KEEL_RET_NOT_SUPPORTED);
	assert_int_equal(hc_standby_intend_stop_check(v, &in), KEEL_RET_NOT_SUPPORTED);
	v = setup_vm(true, false);
	assert_int_equal(hc_standby_status_check(v, &in), 0);
	assert_int_equal(hc_standby_intend_stop_check(v, &in), 0);
	hc_standby_status_do(v, &in, &out);
	assert_int_equal(out.x0, KEEL_RET_SUCCESS);
	assert_int_equal(out.x1, 7);
	assert_int_equal(out.x2, 2);
	assert_int_equal(out.x3, 10000000);
	hc_standby_intend_stop_do(v, &in, &out);
	assert_true(standbys[0].intend_stop);
}

/* Without a standby, or without fault injection, every kind is DENIED: the kind is never looked at. */
static void test_inject_denied_before_the_kind(void **state)
{
	static const u64 kinds[] = { KEEL_INJECT_BITFLIP, KEEL_INJECT_FAIL, KEEL_INJECT_FAIL + 1, 1ull << 32, ~0ull };
	struct hc_args in;

	(void)state;
	for (u32 i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		in = args(kinds[i], KEEL_INJECT_RANDOM);
		assert_int_equal(hc_standby_inject_check(setup_vm(false, false), &in), KEEL_RET_DENIED);
		assert_int_equal(hc_standby_inject_check(setup_vm(true, false), &in), KEEL_RET_DENIED);
	}
}

/* With injection: the four kinds pass; any other 64-bit value, even one whose low 32 bits are a kind, is refused. */
static void test_inject_kinds(void **state)
{
	static const u64 bad[] = { KEEL_INJECT_FAIL + 1, 0xff, 0xffffffffull, 1ull << 32, (1ull << 32) | KEEL_INJECT_FAIL,
				   1ull << 63, ~0ull };
	struct vcpu *v = setup_vm(true, true);
	struct hc_args in;

	(void)state;
	for (u64 k = KEEL_INJECT_BITFLIP; k <= KEEL_INJECT_FAIL; k++) {
		in = args(k, 0);
		assert_int_equal(hc_standby_inject_check(v, &in), 0);
	}
	for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = args(bad[i], 0);
		assert_int_equal(hc_standby_inject_check(v, &in), KEEL_RET_INVALID_PARAMETER);
	}
	assert_int_equal(fake_sb.accesses, 0);
}

/* A page number past the VM's RAM, however large, is INVALID_PARAMETER and touches nothing. */
static void test_bitflip_page_out_of_range(void **state)
{
	static const u64 pages[] = { TOTAL_PAGES, TOTAL_PAGES + 1, 1ull << 32, 1ull << 52, (1ull << 52) + 1,
				     1ull << 63, ~0ull - 1 };
	struct vcpu *v = setup_vm(true, true);
	struct hc_result out = { 0 };
	struct hc_args in;

	(void)state;
	for (u32 i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		in = args(KEEL_INJECT_BITFLIP, pages[i]);
		assert_int_equal(hc_standby_inject_check(v, &in), 0);
		hc_standby_inject_do(v, &in, &out);
		assert_int_equal(out.x0, KEEL_RET_INVALID_PARAMETER);
	}
	assert_int_equal(fake_sb.accesses, 0);
	assert_memory_equal(fake_sb.ram, ram_before, sizeof(ram_before));
}

/* Page numbers count across the regions in order: each page, the last included, gets exactly one bit flipped. */
static void test_bitflip_each_page(void **state)
{
	struct hc_result out = { 0 };
	struct hc_args in;

	(void)state;
	for (u32 p = 0; p < TOTAL_PAGES; p++) {
		struct vcpu *v = setup_vm(true, true);
		u32 r = p < FAKE_SB_PAGES0 ? 0 : 1, pr = r ? p - FAKE_SB_PAGES0 : p;

		fake_sb.counter = 0x9876543ull * (p + 1);
		in = args(KEEL_INJECT_BITFLIP, p);
		hc_standby_inject_do(v, &in, &out);
		assert_int_equal(out.x0, KEEL_RET_SUCCESS);
		assert_int_equal(flipped_bits(r, (int)pr), 1);
		assert_int_equal(flipped_bits(0, -1) + flipped_bits(1, -1), 1);
		assert_int_equal(fake_sb.write_done_ipa, cfg.mem[r].ipa + pr * PAGE_SIZE);
	}
}

/* KEEL_INJECT_RANDOM: a page of the VM's RAM whatever the counter says. */
static void test_bitflip_random_page_in_ram(void **state)
{
	struct hc_result out = { 0 };
	struct hc_args in = args(KEEL_INJECT_BITFLIP, KEEL_INJECT_RANDOM);

	(void)state;
	for (u64 c = 0; c < 64; c++) {
		struct vcpu *v = setup_vm(true, true);

		fake_sb.counter = c * 0x1234567ull + (c << 58);
		hc_standby_inject_do(v, &in, &out);
		assert_int_equal(out.x0, KEEL_RET_SUCCESS);
		assert_int_equal(flipped_bits(0, -1) + flipped_bits(1, -1), 1);
	}
}

static void test_corrupt_hang_fail(void **state)
{
	struct vcpu *v = setup_vm(true, true);
	struct hc_result out = { 0 };
	struct hc_args in = args(KEEL_INJECT_CORRUPT_REG, 0x55);

	(void)state;
	v->regs.pc = RAM0_IPA;
	hc_standby_inject_do(v, &in, &out);
	assert_int_equal(out.x0, KEEL_RET_SUCCESS);
	assert_int_equal(v->regs.pc & ~0xfffcull, 0xdead0000ull);
	in = args(KEEL_INJECT_HANG, 0);
	hc_standby_inject_do(v, &in, &out);
	assert_int_equal(out.x0, KEEL_RET_SUCCESS);
	assert_true(v->standby_hung);
	assert_true(fake_sb.requests & VCPU_REQ_RESCHED); /* through the scheduler: a KICK alone the exit fast path may take */
	in = args(KEEL_INJECT_FAIL, 0);
	fake_sb.failed_answer = true;
	hc_standby_inject_do(v, &in, &out);
	assert_int_equal(out.x0, KEEL_RET_SUCCESS);
	assert_int_equal(fake_sb.failed_calls, 1);
	assert_int_equal(fake_sb.failed_detector, 0); /* an injected failure needs no detector configured */
	fake_sb.failed_answer = false; /* a failover already under way */
	hc_standby_inject_do(v, &in, &out);
	assert_int_equal(out.x0, KEEL_RET_NOT_SUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_and_stop_need_a_standby),
		cmocka_unit_test(test_inject_denied_before_the_kind),
		cmocka_unit_test(test_inject_kinds),
		cmocka_unit_test(test_bitflip_page_out_of_range),
		cmocka_unit_test(test_bitflip_each_page),
		cmocka_unit_test(test_bitflip_random_page_in_ram),
		cmocka_unit_test(test_corrupt_hang_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
