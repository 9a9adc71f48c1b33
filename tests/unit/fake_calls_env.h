/* Shared state of the fakes behind test_calls (tests/unit/fake_calls_env.c). */
#ifndef FAKE_CALLS_ENV_H
#define FAKE_CALLS_ENV_H

#include <keel/cpu.h>
#include <keel/vm.h>

/* What the fakes saw. */
struct fake_calls {
	u32 cpu_index; /* arch_cpu_index() */
	u64 unreadable_ipa; /* gm_copy_from_guest fails on a range holding it (0: never) */
	u32 copies; /* gm_copy_from_guest calls */
	u32 retries; /* the next this many preemptible copies say GM_RETRY (an interrupt is pending) */
	char lines[4][64]; /* console_write_line, the last four */
	u32 nr_lines;
	char last_log[256]; /* vm_log */
	u32 nr_logs;
	u32 power_downs; /* vcpu_power_down calls */
	u32 firmware_calls[4]; /* arch_smc_call of WORKAROUND_1, 2, 3, other */
	u32 nr_injects; /* vgic_set_pending calls (channel doorbells), the last one's VM index and INTID */
	u32 inject_vm, inject_intid;
};
extern struct fake_calls fake;

/* The firmware the fake arch_smc_call plays: SMCCC 1.1, WORKAROUND_1 and _2 implemented, _3 not. */
#define FAKE_FW_WA1_ANSWER 0
#define FAKE_FW_WA2_ANSWER 0
#define FAKE_FW_WA3_ANSWER (-1)
#define FAKE_FW_CALL_RET 0x5a

/* A fresh VM of nr_vcpus vCPUs on CPU 0 (vCPU 0 running), RAM 0x40000000+16 MiB and 0x80000000+4 KiB. */
void fake_vm_reset(struct vm *vm, struct keel_blob_vm *cfg, u32 nr_vcpus);

#endif
