/*
 * Host tests of guest calls: every check function of Keel's own calls and of
 * PSCI (core/hc_keel.c, core/psci.c), and the whole path through the SMCCC
 * decode (arch/aarch64/smccc.c) into x0..x3: bad buffers and lengths, IPA
 * wrap-around, CPU_ON targets and entry points, START requests across a VM
 * reset, SYSTEM_OFF from a vCPU that lost the race, RT_REPORT validation,
 * SMC32 argument truncation, the Spectre workaround answers against a
 * scripted firmware, and the run loop's handoff (core/run_loop.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/exit.h>
#include <keel/hypercall.h>

#include "fake_calls_env.h"

#define RAM 0x40000000ull
#define HI_GARBAGE 0xdeadbeef00000000ull

static struct vm vm;
static struct keel_blob_vm cfg;
static struct cpu cpu0 = { .index = 0 };

static int setup(void **state)
{
	(void)state;
	fake_vm_reset(&vm, &cfg, 2);
	return 0;
}

/* A call from vCPU v as the guest makes it: registers in, smccc_dispatch, x0 back. */
static s64 call(u32 v, u64 fid, u64 x1, u64 x2, u64 x3)
{
	struct vcpu *vcpu = &vm.vcpus[v];

	vcpu->regs.x[0] = fid;
	vcpu->regs.x[1] = x1;
	vcpu->regs.x[2] = x2;
	vcpu->regs.x[3] = x3;
	smccc_dispatch(vcpu);
	return (s64)vcpu->regs.x[0];
}

static struct hc_args args(u64 x1, u64 x2, u64 x3)
{
	struct hc_args in = { 0 };

	in.x[1] = x1;
	in.x[2] = x2;
	in.x[3] = x3;
	return in;
}

/* --- Keel's own calls --- */

static void test_console_write_check(void **state)
{
	struct hc_args in;

	(void)state;
	in = args(RAM, 0, 0);
	assert_int_equal(hc_console_write_check(&vm.vcpus[0], &in), 0);
	in = args(RAM, KEEL_CONSOLE_WRITE_MAX, 0);
	assert_int_equal(hc_console_write_check(&vm.vcpus[0], &in), 0);
	in = args(RAM, KEEL_CONSOLE_WRITE_MAX + 1, 0);
	assert_int_equal(hc_console_write_check(&vm.vcpus[0], &in), KEEL_RET_INVALID_PARAMETER);
	in = args(RAM, ~0ull, 0);
	assert_int_equal(hc_console_write_check(&vm.vcpus[0], &in), KEEL_RET_INVALID_PARAMETER);
	in = args(~0ull - 3, 8, 0); /* wraps around the top of the IPA space */
	assert_int_equal(hc_console_write_check(&vm.vcpus[0], &in), KEEL_RET_INVALID_PARAMETER);
}

static void test_console_write_calls(void **state)
{
	(void)state;
	/* Bytes 'a' + ipa % 26: 0x40000000 % 26 == 12, so "mno". */
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM, 3, 0), 3);
	assert_string_equal(fake.lines[0], "mno");
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM, 0, 0), 0);
	assert_int_equal(fake.copies, 1); /* nothing copied for an empty write */
	/* Refused before any copy: too long, wrapping. */
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM, KEEL_CONSOLE_WRITE_MAX + 1, 0),
			 KEEL_RET_INVALID_PARAMETER);
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, ~0ull - 1, 4, 0), KEEL_RET_INVALID_PARAMETER);
	assert_int_equal(fake.copies, 1);
	/* A buffer the guest cannot read: refused by the copy, logged. */
	fake.unreadable_ipa = RAM + 100;
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM + 90, 20, 0), KEEL_RET_INVALID_PARAMETER);
	assert_non_null(strstr(fake.last_log, "CONSOLE_WRITE"));
	assert_int_equal(fake.nr_lines, 1);
}

/* A copy that meets a pending interrupt while RAM is filled: the HVC is made again, registers untouched. */
static void test_console_write_restarts(void **state)
{
	struct vcpu *v = &vm.vcpus[0];

	(void)state;
	v->regs.pc = RAM + 0x104; /* just past the HVC */
	fake.retries = 2;
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM, 3, 0), (s64)KEEL_HC_CONSOLE_WRITE);
	assert_int_equal(v->regs.pc, RAM + 0x100);
	assert_int_equal(v->regs.x[1], RAM);
	assert_int_equal(v->regs.x[2], 3);
	assert_int_equal(fake.nr_lines, 0);
	assert_int_equal(fake.nr_logs, 0); /* not an error of the guest's */
	v->regs.pc += 4;
	smccc_dispatch(v); /* interrupted again */
	v->regs.pc += 4;
	smccc_dispatch(v);
	assert_int_equal(v->regs.x[0], 3);
	assert_int_equal(v->regs.pc, RAM + 0x104);
	assert_string_equal(fake.lines[0], "mno");
}

static void test_identity_null_yield_unknown(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	vm.index = 3;
	vm.nr_resets = 7;
	v1->state = VCPU_RUNNABLE;
	assert_int_equal(call(1, KEEL_HC_VM_IDENTITY, 0, 0, 0), 0);
	assert_int_equal(v1->regs.x[1], 3);
	assert_int_equal(v1->regs.x[2], 1);
	assert_int_equal(v1->regs.x[3], 7);
	assert_int_equal(call(1, KEEL_HC_NULL, 5, 6, 7), 0);
	assert_int_equal(v1->regs.x[1], 0); /* unused results are 0, not left over */
	assert_int_equal(call(1, KEEL_HC_YIELD, 0, 0, 0), 0);
	assert_true(v1->sched.yielded);
	assert_int_equal(call(1, KEEL_HC(0x3f), 0, 0, 0), KEEL_RET_NOT_SUPPORTED);
	assert_int_equal(call(1, KEEL_HC(0), 0, 0, 0), KEEL_RET_NOT_SUPPORTED);
	assert_int_equal(call(1, KEEL_HC_NULL & ~SMCCC_64BIT, 0, 0, 0), KEEL_RET_NOT_SUPPORTED);
	assert_int_equal(call(1, KEEL_HC_NULL | 0x10000, 0, 0, 0), KEEL_RET_NOT_SUPPORTED);
	assert_int_equal(call(1, KEEL_HC_NULL & ~SMCCC_FAST_CALL, 0, 0, 0), KEEL_RET_NOT_SUPPORTED);
}

static void test_rt_report_check(void **state)
{
	struct vcpu *v = &vm.vcpus[0];
	struct hc_args in;

	(void)state;
	in = args(100, 3, 2000000);
	assert_int_equal(hc_rt_report_check(v, &in), 0);
	v->sched.rt_jobs = 100;
	v->sched.rt_misses = 3;
	in = args(100, 3, 0); /* the same counts again */
	assert_int_equal(hc_rt_report_check(v, &in), 0);
	in = args(99, 3, 0); /* jobs went down */
	assert_int_equal(hc_rt_report_check(v, &in), KEEL_RET_INVALID_PARAMETER);
	in = args(200, 2, 0); /* misses went down */
	assert_int_equal(hc_rt_report_check(v, &in), KEEL_RET_INVALID_PARAMETER);
	in = args(200, 201, 0); /* more misses than jobs */
	assert_int_equal(hc_rt_report_check(v, &in), KEEL_RET_INVALID_PARAMETER);
	in = args(200, 3, KEEL_RT_REPORT_WORST_MAX_NS + 1);
	assert_int_equal(hc_rt_report_check(v, &in), KEEL_RET_INVALID_PARAMETER);
	in = args(200, 3, KEEL_RT_REPORT_WORST_MAX_NS);
	assert_int_equal(hc_rt_report_check(v, &in), 0);
	/* What a random guest sent: misses 10262905861155909011. */
	in = args(0x1c2f9a3b5d7e, 10262905861155909011ull, 0x7f3a);
	assert_int_equal(hc_rt_report_check(v, &in), KEEL_RET_INVALID_PARAMETER);
}

static void test_rt_report_calls(void **state)
{
	struct vcpu *v = &vm.vcpus[0];

	(void)state;
	assert_int_equal(call(0, KEEL_HC_RT_REPORT, 50, 1, 1000), 0);
	assert_int_equal(v->sched.rt_jobs, 50);
	assert_int_equal(fake.nr_logs, 0);
	assert_int_equal(call(0, KEEL_HC_RT_REPORT, 40, 1, 1000), KEEL_RET_INVALID_PARAMETER);
	assert_int_equal(fake.nr_logs, 1);
	assert_non_null(strstr(fake.last_log, "RT_REPORT"));
	assert_non_null(strstr(fake.last_log, "rejected"));
	assert_int_equal(v->sched.rt_jobs, 50); /* kept: a refused report changes nothing */
	assert_int_equal(v->sched.rt_worst_response_ns, 1000);
	/* After the VM restarts its guest counts from 0 again. */
	hypercall_vm_starting(&vm);
	assert_int_equal(call(0, KEEL_HC_RT_REPORT, 2, 0, 500), 0);
	assert_int_equal(v->sched.rt_jobs, 2);
}

/* --- PSCI --- */

static void test_cpu_on_check(void **state)
{
	struct vcpu *v0 = &vm.vcpus[0], *v1 = &vm.vcpus[1];
	struct hc_args in;

	(void)state;
	in = args(1, RAM + 0x1000, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), 0);
	in = args(2, RAM, 0); /* no such vCPU */
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_PARAMS);
	in = args(0x100000001ull, RAM, 0); /* Aff3 set */
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_PARAMS);
	/* Entry points outside RAM: below, past the end, in the gap between regions, misaligned. */
	in = args(1, 0x0a000000, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_ADDRESS);
	in = args(1, RAM + 16 * MiB, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_ADDRESS);
	in = args(1, RAM + 16 * MiB - 4, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), 0);
	in = args(1, 0x80001000, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_ADDRESS);
	in = args(1, 0x80000ffc, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), 0);
	in = args(1, RAM + 2, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_ADDRESS);
	in = args(1, ~0ull, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_ADDRESS);
	/* Target state. */
	in = args(0, RAM, 0);
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_ALREADY_ON);
	in = args(1, RAM, 0);
	v1->requests = VCPU_REQ_START;
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_ON_PENDING);
	v1->requests = 0;
	vm.state = VM_RESETTING;
	assert_int_equal(psci_cpu_on_check(v0, &in), PSCI_RET_INVALID_PARAMS);
	assert_int_equal(v1->requests, 0); /* checks change nothing */
}

static void test_affinity_info_check(void **state)
{
	struct hc_args in;

	(void)state;
	in = args(1, 0, 0);
	assert_int_equal(psci_affinity_info_check(&vm.vcpus[0], &in), 0);
	in = args(1, 1, 0);
	assert_int_equal(psci_affinity_info_check(&vm.vcpus[0], &in), PSCI_RET_INVALID_PARAMS);
	in = args(5, 0, 0);
	assert_int_equal(psci_affinity_info_check(&vm.vcpus[0], &in), PSCI_RET_INVALID_PARAMS);
}

static void test_cpu_on_lifecycle(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	assert_int_equal(call(0, PSCI_AFFINITY_INFO64, 1, 0, 0), PSCI_AFF_OFF);
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x100, 42), PSCI_RET_SUCCESS);
	assert_int_equal(call(0, PSCI_AFFINITY_INFO64, 1, 0, 0), PSCI_AFF_ON_PENDING);
	/* A second CPU_ON before the target's CPU took the first: pending, and the entry unchanged. */
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x200, 43), PSCI_RET_ON_PENDING);
	assert_true(psci_take_start(v1));
	assert_int_equal(v1->state, VCPU_RUNNABLE);
	assert_int_equal(v1->regs.pc, RAM + 0x100);
	assert_int_equal(v1->regs.x[0], 42);
	assert_int_equal(v1->requests & VCPU_REQ_START, 0);
	/* Once taken, the vCPU is ON: a late CPU_ON cannot reset it. */
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x200, 43), PSCI_RET_ALREADY_ON);
	assert_int_equal(call(0, PSCI_AFFINITY_INFO64, 1, 0, 0), PSCI_AFF_ON);
	assert_false(psci_take_start(v1));
	assert_int_equal(v1->regs.pc, RAM + 0x100);
	/* CPU_OFF, then it can be started again. */
	assert_int_equal(call(1, PSCI_CPU_OFF, 0, 0, 0), PSCI_RET_SUCCESS);
	assert_int_equal(v1->state, VCPU_OFF);
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x300, 44), PSCI_RET_SUCCESS);
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, 0x0a000000, 44), PSCI_RET_INVALID_ADDRESS);
}

static void test_start_cancelled_by_reset(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x100, 42), PSCI_RET_SUCCESS);
	call(0, PSCI_SYSTEM_RESET, 0, 0, 0);
	assert_int_equal(vm.state, VM_RESETTING);
	assert_int_equal(v1->requests & VCPU_REQ_START, 0);
	assert_int_equal(v1->boot_pc, 0);
	/* The VM restarted (core/vm.c vm_start) before vCPU 1's CPU looked at its requests. */
	vm.state = VM_RUNNING;
	assert_false(psci_take_start(v1));
	assert_int_equal(v1->state, VCPU_OFF);
	/* In the new run, vCPU 0 may start it afresh. */
	vm.vcpus[0].state = VCPU_RUNNABLE;
	assert_int_equal(call(0, PSCI_CPU_ON64, 1, RAM + 0x200, 43), PSCI_RET_SUCCESS);
	assert_true(psci_take_start(v1));
	assert_int_equal(v1->regs.pc, RAM + 0x200);
}

static void test_system_off_loser_parks(void **state)
{
	struct vcpu *v0 = &vm.vcpus[0], *v1 = &vm.vcpus[1];

	(void)state;
	v1->state = VCPU_RUNNABLE;
	call(0, PSCI_SYSTEM_RESET, 0, 0, 0); /* vCPU 0 wins */
	assert_int_equal(v0->state, VCPU_OFF);
	assert_true(v1->requests & VCPU_REQ_STOP);
	v1->requests = 0; /* vCPU 1 traps before its STOP arrives */
	call(1, PSCI_SYSTEM_OFF, 0, 0, 0);
	assert_int_equal(vm.state, VM_RESETTING); /* the first request still wins */
	assert_int_equal(v1->state, VCPU_OFF); /* but it does not run guest code again */
	v1->state = VCPU_RUNNABLE;
	call(1, PSCI_SYSTEM_RESET, 0, 0, 0);
	assert_int_equal(v1->state, VCPU_OFF);
}

static void test_psci_ids_and_features(void **state)
{
	(void)state;
	assert_int_equal(call(0, PSCI_VERSION, 0, 0, 0), PSCI_VERSION_1_1);
	assert_int_equal(call(0, PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), PSCI_TOS_NOT_PRESENT);
	assert_int_equal(call(0, PSCI_FN64(0x00), 0, 0, 0), PSCI_RET_NOT_SUPPORTED); /* no VERSION64 */
	assert_int_equal(call(0, PSCI_VERSION | 0x10000, 0, 0, 0), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, PSCI_VERSION & ~SMCCC_FAST_CALL, 0, 0, 0), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, PSCI_CPU_SUSPEND, 0, 0, 0), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, PSCI_FN(0x50), 0, 0, 0), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(psci_features(PSCI_CPU_ON), 0);
	assert_int_equal(psci_features(PSCI_CPU_ON64), 0);
	assert_int_equal(psci_features(PSCI_AFFINITY_INFO64), 0);
	assert_int_equal(psci_features(PSCI_SYSTEM_RESET), 0);
	assert_int_equal(psci_features(SMCCC_VERSION), 0);
	assert_int_equal(psci_features(PSCI_FN64(0x08)), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(psci_features(PSCI_CPU_SUSPEND), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(psci_features(0x8400001f), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(psci_features(KEEL_HC_NULL), PSCI_RET_NOT_SUPPORTED);
	/* FEATURES is SMC32: x1's upper half is not part of the question. */
	assert_int_equal(call(0, PSCI_FEATURES, HI_GARBAGE | PSCI_CPU_ON, 0, 0), 0);
}

extern u32 fake_standby_failures, fake_standby_stops; /* tests/unit/fake_standby.c */

/* SYSTEM_RESET2 (warm) resets like SYSTEM_RESET, but as a stop the guest declared, never a failure. */
static void test_system_reset2_is_declared(void **state)
{
	(void)state;
	assert_int_equal(psci_features(PSCI_SYSTEM_RESET2), 0);
	assert_int_equal(psci_features(PSCI_SYSTEM_RESET2_64), 0);
	fake_standby_failures = fake_standby_stops = 0;
	/* Vendor types (bit 31) are none Keel has; other architectural types do not exist. */
	assert_int_equal(call(0, PSCI_SYSTEM_RESET2_64, PSCI_RESET2_VENDOR | 1, 0, 0), PSCI_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, PSCI_SYSTEM_RESET2, 1, 0, 0), PSCI_RET_INVALID_PARAMS);
	assert_int_equal(vm.state, VM_RUNNING);
	assert_int_equal(fake_standby_failures + fake_standby_stops, 0);
	/* The type is 32 bits in both widths: x1's upper half is not part of it. */
	call(0, PSCI_SYSTEM_RESET2_64, HI_GARBAGE | PSCI_RESET2_WARM, 0x1234, 0);
	assert_int_equal(vm.state, VM_RESETTING);
	assert_int_equal(vm.vcpus[0].state, VCPU_OFF);
	assert_int_equal(fake_standby_stops, 1);
	assert_int_equal(fake_standby_failures, 0);
	assert_non_null(strstr(fake.last_log, "SYSTEM_RESET2") ? fake.last_log : NULL);
	/* Plain SYSTEM_RESET still goes through the stop detector. */
	setup(NULL);
	call(0, PSCI_SYSTEM_RESET, 0, 0, 0);
	assert_int_equal(vm.state, VM_RESETTING);
	assert_int_equal(fake_standby_failures, 1);
}

/* --- the SMCCC decode --- */

static void test_smc32_arguments_truncated(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	/* SMC64 CPU_ON with the same registers: the MPIDR names no vCPU. */
	assert_int_equal(call(0, PSCI_CPU_ON64, HI_GARBAGE | 1, HI_GARBAGE | (RAM + 0x100), HI_GARBAGE | 9),
			 PSCI_RET_INVALID_PARAMS);
	/* SMC32: only the low halves count. */
	assert_int_equal(call(0, PSCI_CPU_ON, HI_GARBAGE | 1, HI_GARBAGE | (RAM + 0x100), HI_GARBAGE | 9),
			 PSCI_RET_SUCCESS);
	assert_int_equal(v1->boot_pc, RAM + 0x100);
	assert_int_equal(v1->boot_x0, 9);
	assert_int_equal(call(0, PSCI_AFFINITY_INFO, HI_GARBAGE | 1, HI_GARBAGE, 0), PSCI_AFF_ON_PENDING);
	assert_int_equal(call(0, PSCI_AFFINITY_INFO64, HI_GARBAGE | 1, 0, 0), PSCI_RET_INVALID_PARAMS);
	/* Keel's calls are SMC64: a 64-bit length stays 64-bit and is refused. */
	assert_int_equal(call(0, KEEL_HC_CONSOLE_WRITE, RAM, HI_GARBAGE | 4, 0), KEEL_RET_INVALID_PARAMETER);
}

static void test_spectre_workarounds(void **state)
{
	(void)state;
	assert_int_equal(call(0, SMCCC_VERSION, 0, 0, 0), SMCCC_VERSION_1_1);
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0), 0);
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_VERSION, 0, 0), 0);
	/* WORKAROUND_1: the firmware has it, so the guest is told so and the call reaches the firmware. */
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0), FAKE_FW_WA1_ANSWER);
	assert_int_equal(call(0, SMCCC_ARCH_WORKAROUND_1, 0, 0, 0), FAKE_FW_CALL_RET);
	assert_int_equal(fake.firmware_calls[0], 1);
	/* WORKAROUND_2: per-PE state Keel does not switch: not offered, and not forwarded. */
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, SMCCC_ARCH_WORKAROUND_2, 1, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(fake.firmware_calls[1], 0);
	/* WORKAROUND_3: the firmware lacks it, and says so for both. */
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, SMCCC_ARCH_WORKAROUND_3, 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	/* Calls Keel does not implement are not advertised, whatever the firmware has. */
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, SMCCC_ARCH_SOC_ID, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, SMCCC_ARCH_SOC_ID, 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(call(0, SMCCC_ARCH_FEATURES, HI_GARBAGE | SMCCC_ARCH_WORKAROUND_1, 0, 0),
			 FAKE_FW_WA1_ANSWER);
	assert_int_equal(fake.firmware_calls[3], 0);
}

/* --- the run loop's handoff --- */

static void test_handoff(void **state)
{
	struct vcpu *v1 = &vm.vcpus[1];

	(void)state;
	assert_null(exit_handoff_take(&cpu0));
	v1->state = VCPU_RUNNABLE;
	exit_handoff(v1);
	assert_ptr_equal(exit_handoff_take(&cpu0), v1);
	assert_null(exit_handoff_take(&cpu0)); /* taken once */
	v1->state = VCPU_OFF;
	exit_handoff(v1);
	assert_null(exit_handoff_take(&cpu0)); /* not runnable */
	v1->state = VCPU_RUNNABLE;
	v1->pcpu = 1;
	exit_handoff(v1);
	assert_null(exit_handoff_take(&cpu0)); /* pinned elsewhere */
	fake.cpu_index = 1;
	exit_handoff(v1);
	assert_null(exit_handoff_take(&cpu0)); /* recorded for CPU 1, not CPU 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_console_write_check, setup),
		cmocka_unit_test_setup(test_console_write_calls, setup),
		cmocka_unit_test_setup(test_console_write_restarts, setup),
		cmocka_unit_test_setup(test_identity_null_yield_unknown, setup),
		cmocka_unit_test_setup(test_rt_report_check, setup),
		cmocka_unit_test_setup(test_rt_report_calls, setup),
		cmocka_unit_test_setup(test_cpu_on_check, setup),
		cmocka_unit_test_setup(test_affinity_info_check, setup),
		cmocka_unit_test_setup(test_cpu_on_lifecycle, setup),
		cmocka_unit_test_setup(test_start_cancelled_by_reset, setup),
		cmocka_unit_test_setup(test_system_reset2_is_declared, setup),
		cmocka_unit_test_setup(test_system_off_loser_parks, setup),
		cmocka_unit_test_setup(test_psci_ids_and_features, setup),
		cmocka_unit_test_setup(test_smc32_arguments_truncated, setup),
		cmocka_unit_test_setup(test_spectre_workarounds, setup),
		cmocka_unit_test_setup(test_handoff, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
