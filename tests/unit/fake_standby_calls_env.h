/*
 * The recorders and buffers of tests/unit/fake_standby_calls_env.c, the
 * environment of core/standby_calls.c in its host test.
 */
#ifndef KEEL_TEST_FAKE_STANDBY_CALLS_ENV_H
#define KEEL_TEST_FAKE_STANDBY_CALLS_ENV_H

#include <keel/types.h>
#include <abi/keel/config_blob.h>

#define FAKE_SB_REGIONS 2
#define FAKE_SB_PAGES0 3 /* region 0: 3 pages; region 1: 2 pages (at another IPA) */
#define FAKE_SB_PAGES1 2

struct fake_sb {
	const struct keel_blob_vm *cfg; /* whose mem[] gm_access maps onto ram[] */
	u8 ram[FAKE_SB_REGIONS][FAKE_SB_PAGES0 * PAGE_SIZE];
	u64 counter; /* arch_counter() */
	u32 accesses; /* gm_access calls */
	u64 write_done_ipa;
	u32 requests; /* VCPU_REQ_* bits asked for */
	u32 failed_calls, failed_detector;
	bool failed_answer; /* what standby_vm_failed() returns */
	char last_log[160];
};

extern struct fake_sb fake_sb;

#endif
