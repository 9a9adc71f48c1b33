/*
 * Guest calls inside Keel: one shape for every call, after seL4's
 * decode/invoke split. arch/aarch64/smccc.c decodes the SMCCC registers into
 * a struct hc_args (SMC32 arguments already cut to 32 bits) and routes by
 * owner: Keel's own calls to hypercall_dispatch() (core/hypercall.c, table
 * expanded from KEEL_HYPERCALLS), PSCI to psci_dispatch() (core/psci.c).
 *
 * Each call is a pair. check() looks at the caller and the arguments, changes
 * nothing, and returns 0 or a negative error code for the guest; it is
 * host-unit-tested (tests/unit/test_calls.c). do() runs only after check()
 * said 0 and cannot fail: it acts and fills the result. With HC_LOCKED both
 * run under the caller's vm->lock, so what check() saw still holds in do().
 * With HC_GUEST_BUF the dispatcher copies the guest buffer named by x1 (IPA)
 * and x2 (length, bounded by check()) into args->buf between the two; a copy
 * that fails is an INVALID_PARAMETER, like any other bad argument.
 *
 * The results go to the guest's x0..x3 in one place (smccc.c), which also
 * hands result->next to the run loop (exit_handoff()).
 */
#ifndef KEEL_HYPERCALL_H
#define KEEL_HYPERCALL_H

#include <abi/keel/hypercall.h>
#include <keel/types.h>

struct vcpu;
struct vm;

#define HC_BUF_MAX KEEL_CONSOLE_WRITE_MAX /* the largest guest buffer a call takes */

struct hc_args {
	u32 fid; /* w0 */
	u64 x[7]; /* x[1..6]: the arguments, cut to 32 bits for an SMC32 call; x[0] unused */
	const u8 *buf; /* HC_GUEST_BUF: the guest's bytes at x[1], x[2] of them, in this CPU's copy buffer */
};

struct hc_result {
	s64 x0;
	u64 x1, x2, x3;
	struct vcpu *next; /* if set: run this vCPU next on this CPU (a direct handoff), see exit.h */
	bool restart; /* not done yet (RAM being filled met an interrupt): the guest makes the call again */
};

/* What a check or a copy-in returns for a call that must be made again later; never seen by a guest. */
#define HC_RESTART (-0x7fff)

typedef s64 (*hc_check_fn)(const struct vcpu *vcpu, const struct hc_args *in);
typedef void (*hc_do_fn)(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out);

#define HC_LOCKED (1u << 0) /* check and do under vm->lock */
#define HC_GUEST_BUF (1u << 1) /* x1/x2 name a guest buffer, copied in after check */
#define HC_SMC64 (1u << 2) /* PSCI: the SMC64 ID is valid too */
#define HC_LOG_ERRORS (1u << 3) /* a refused call is logged (rate-limited) */
/*
 * Takes no arguments, cannot be refused (check is hc_check_none), reads only
 * facts of its VM and vCPU that do not change while it runs, and changes
 * nothing: it may be answered on the exit fast path (include/keel/exit.h).
 */
#define HC_PURE (1u << 4)

struct hc_call {
	hc_check_fn check;
	hc_do_fn act;
	const char *name;
	u32 flags; /* HC_* */
};

/*
 * Run one call: check, copy in, do. On a refusal out->x0 is check's error
 * and nothing else changed. out must be zeroed by the caller.
 */
void hc_run(const struct hc_call *c, struct vcpu *vcpu, struct hc_args *in, struct hc_result *out);
/* A check for calls that take no arguments: always 0. */
s64 hc_check_none(const struct vcpu *vcpu, const struct hc_args *in);

/* Keel's own calls (owner 6): NOT_SUPPORTED for an ID not in KEEL_HYPERCALLS. */
void hypercall_dispatch(struct vcpu *vcpu, struct hc_args *in, struct hc_result *out);
/* Keel's calls marked HC_PURE, bit n for call n (core/hypercall.c). */
extern const u64 hc_pure_calls;
/* Is fid (w0) one of Keel's calls marked HC_PURE? Inline: the exit path asks on every HVC. */
static inline bool hc_is_pure(u32 fid)
{
	u32 nr = fid & SMCCC_FN_MASK;

	return fid == KEEL_HC(nr) && nr < 64 && ((hc_pure_calls >> nr) & 1);
}
/* The exit fast path's call: fid passed hc_is_pure(); do it into out (x1..x3 zeroed, no next, no restart). */
void hypercall_fast(struct vcpu *vcpu, u32 fid, struct hc_result *out);
/* PSCI calls (owner 4, function numbers below PSCI_NR_FNS). */
void psci_dispatch(struct vcpu *vcpu, struct hc_args *in, struct hc_result *out);

/* One check/do pair per entry of KEEL_HYPERCALLS (core/hc_keel.c), contracts there. */
#define HC_DECLARE(nr, NAME, name, nr_args, args)                                     \
	s64 hc_##name##_check(const struct vcpu *vcpu, const struct hc_args *in);      \
	void hc_##name##_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out);
KEEL_HYPERCALLS(HC_DECLARE)
#undef HC_DECLARE

/* PSCI's checks (core/psci.c), contracts there. */
s64 psci_cpu_on_check(const struct vcpu *caller, const struct hc_args *in);
s64 psci_affinity_info_check(const struct vcpu *caller, const struct hc_args *in);
/* PSCI_FEATURES' answer for fid: 0 if Keel implements that PSCI function (or SMCCC_VERSION). */
s64 psci_features(u32 fid);

/*
 * The VM-level side of CPU_ON. A START request is set and taken only under
 * vm->lock, together with the vCPU's state, so a vCPU is OFF, ON_PENDING
 * (OFF with START set) or ON, and never "OFF, START already taken".
 */
/* On the vCPU's own CPU, when it has VCPU_REQ_START: take it; start the vCPU if still valid. */
bool psci_take_start(struct vcpu *vcpu);
/* Under vm->lock, as the VM leaves VM_RUNNING: no CPU_ON accepted so far survives into a new run. */
void psci_vm_stopping(struct vm *vm);
/* As the VM starts (again): forget what its guest reported in the last run (RT_REPORT). */
void hypercall_vm_starting(struct vm *vm);

#endif
