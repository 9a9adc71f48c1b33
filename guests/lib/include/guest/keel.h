/*
 * Keel's own hypercalls (include/abi/keel/hypercall.h) through HVC #0.
 *
 * keel_hc_NAME() is one stub per entry of KEEL_HYPERCALLS, expanded from
 * that list: its arguments are the call's, in order, and it returns x0..x3.
 * The functions below them are the friendlier names guests use.
 */
#ifndef GUEST_KEEL_H
#define GUEST_KEEL_H

#include <stddef.h>
#include <stdint.h>

#include <abi/keel/hypercall.h>
#include <guest/smccc.h>

/* Turn a list entry's (argument names) into parameters and into the x1..x3 of the HVC. */
#define KEEL_STUB_PARAMS_0() void
#define KEEL_STUB_PARAMS_1(a) uint64_t a
#define KEEL_STUB_PARAMS_2(a, b) uint64_t a, uint64_t b
#define KEEL_STUB_PARAMS_3(a, b, c) uint64_t a, uint64_t b, uint64_t c
#define KEEL_STUB_PARAMS_6(a, b, c, d, e, f) uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f
/* Calls of up to three arguments go through smccc_hvc, six-argument ones (IPC) through smccc_hvc6. */
#define KEEL_STUB_HVC_0 smccc_hvc
#define KEEL_STUB_HVC_1 smccc_hvc
#define KEEL_STUB_HVC_2 smccc_hvc
#define KEEL_STUB_HVC_3 smccc_hvc
#define KEEL_STUB_HVC_6 smccc_hvc6
#define KEEL_STUB_ARGS_0() 0, 0, 0
#define KEEL_STUB_ARGS_1(a) a, 0, 0
#define KEEL_STUB_ARGS_2(a, b) a, b, 0
#define KEEL_STUB_ARGS_3(a, b, c) a, b, c
#define KEEL_STUB_ARGS_6(a, b, c, d, e, f) a, b, c, d, e, f

#define KEEL_STUB_DECLARE(nr, NAME, name, nr_args, args) \
	struct smccc_res keel_hc_##name(KEEL_STUB_PARAMS_##nr_args args);
KEEL_HYPERCALLS(KEEL_STUB_DECLARE)
#undef KEEL_STUB_DECLARE

struct keel_identity {
	int64_t ret; /* KEEL_RET_SUCCESS, or -1 when not running under Keel */
	uint64_t vm;
	uint64_t vcpu;
	uint64_t resets;
};

struct keel_identity keel_vm_identity(void);
/* Writes len bytes at guest IPA ipa to Keel's console; returns bytes written or a KEEL_RET_* error. */
int64_t keel_console_write_ipa(uint64_t ipa, size_t len);
/* The same for a buffer in this guest's memory (VA == IPA, the MMU is off). */
int64_t keel_console_write(const void *buf, size_t len);
int64_t keel_yield(void);
int64_t keel_null(void);
/* A real-time guest's account so far (jobs, deadline misses, worst response in ns). */
int64_t keel_rt_report(uint64_t jobs, uint64_t misses, uint64_t worst_ns);
/* Any function ID, for tests of IDs Keel must refuse. */
int64_t keel_call(uint32_t fid);

#endif
