/*
 * Running guest calls: the check/do sequence every call goes through
 * (hc_run) and the table of Keel's own calls, expanded from the one list in
 * include/abi/keel/hypercall.h, so an ID, its table entry and its guest stub
 * cannot drift apart. The calls themselves are in core/hc_keel.c, PSCI's in
 * core/psci.c; include/keel/hypercall.h has the contract of a call.
 */
#include <keel/arch/cpu.h>
#include <keel/guest_mem.h>
#include <keel/hypercall.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

/* Flags of each of Keel's calls: one line per entry of KEEL_HYPERCALLS, or the build fails. */
#define HC_FLAGS_CONSOLE_WRITE (HC_GUEST_BUF | HC_LOG_ERRORS)
#define HC_FLAGS_VM_IDENTITY HC_PURE
#define HC_FLAGS_YIELD 0
#define HC_FLAGS_NULL HC_PURE
#define HC_FLAGS_RT_REPORT HC_LOG_ERRORS
/* IPC (core/ipc.c): only check()'s refusals are logged; WOULD_BLOCK and PEER_GONE are outcomes. */
#define HC_FLAGS_IPC_CALL HC_LOG_ERRORS
#define HC_FLAGS_IPC_SEND HC_LOG_ERRORS
#define HC_FLAGS_IPC_RECV HC_LOG_ERRORS
#define HC_FLAGS_IPC_REPLY_RECV HC_LOG_ERRORS
#define HC_FLAGS_DOORBELL HC_LOG_ERRORS /* core/channel.c */
/* Standby (core/standby.c). */
#define HC_FLAGS_STANDBY_STATUS 0
#define HC_FLAGS_STANDBY_INTEND_STOP 0
#define HC_FLAGS_STANDBY_INJECT HC_LOG_ERRORS

/*
 * Calls that accept any arguments have no check of their own: their table
 * entry holds hc_check_none itself, which dispatch skips (the null call's
 * path is one table lookup and a tail call).
 */
#define hc_vm_identity_check hc_check_none
#define hc_yield_check hc_check_none
#define hc_null_check hc_check_none

/* A call's guest-buffer copy may take locks of its own: never under vm->lock. */
#define HC_FLAGS_OK(nr, NAME, name, nr_args, args) \
	_Static_assert(!((HC_FLAGS_##NAME & HC_LOCKED) && (HC_FLAGS_##NAME & HC_GUEST_BUF)), #NAME);
KEEL_HYPERCALLS(HC_FLAGS_OK)
#undef HC_FLAGS_OK

/* A pure call takes no arguments and nothing else: no lock, no buffer, no logged refusal. */
#define HC_PURE_OK(nr, NAME, name, nr_args, args) \
	_Static_assert(!(HC_FLAGS_##NAME & HC_PURE) || (HC_FLAGS_##NAME == HC_PURE && (nr_args) == 0), #NAME);
KEEL_HYPERCALLS(HC_PURE_OK)
#undef HC_PURE_OK

#define HC_PURE_BIT(nr, NAME, name, nr_args, args) | ((HC_FLAGS_##NAME & HC_PURE) ? 1ull << (nr) : 0)
const u64 hc_pure_calls = 0 KEEL_HYPERCALLS(HC_PURE_BIT);
#undef HC_PURE_BIT

#define HC_ENTRY(nr, NAME, name, nr_args, args) \
	[nr] = { hc_##name##_check, hc_##name##_do, #NAME, HC_FLAGS_##NAME },
static const struct hc_call keel_calls[] = { KEEL_HYPERCALLS(HC_ENTRY) };
#undef HC_ENTRY
_Static_assert(ARRAY_SIZE(keel_calls) <= 64, "hc_pure_calls has a bit per call");

s64 hc_check_none(const struct vcpu *vcpu, const struct hc_args *in)
{
	(void)vcpu;
	(void)in;
	return 0;
}

/*
 * The one place Keel reads a guest buffer for a call, through the checked
 * accessor. check() bounded the length and the IPA range's wrap-around;
 * what is left is whether the guest has readable RAM there. Filling that
 * RAM may stop for a pending interrupt: the call is then made again.
 */
/*
 * Each CPU's copy of a call's guest buffer: one call at a time per CPU (Keel
 * takes no interrupt while it handles one). Not on the stack: the hot path's
 * frame stays small and free of byte arrays (the stack canary of
 * -fstack-protector would cost every call), and the bound below is checked.
 */
static u8 hc_bufs[PLAT_MAX_CPUS][HC_BUF_MAX];

static s64 hc_copy_in(struct vcpu *vcpu, struct hc_args *in)
{
	u64 ipa = in->x[1], len = in->x[2];
	u8 *buf = hc_bufs[arch_cpu_index()];
	enum gm_result res;

	CHECK(len <= HC_BUF_MAX); /* a check() that let a longer one through is Keel's bug */
	in->buf = buf;
	if (!len)
		return 0;
	res = gm_copy_from_guest(&vcpu->vm->mem, buf, ipa_of(ipa), len, true);
	if (res == GM_RETRY)
		return HC_RESTART;
	return res == GM_OK ? 0 : KEEL_RET_INVALID_PARAMETER;
}

void hc_run(const struct hc_call *c, struct vcpu *vcpu, struct hc_args *in, struct hc_result *out)
{
	struct vm *vm = vcpu->vm;
	s64 err;

	if (c->flags & HC_LOCKED)
		spin_lock(&vm->lock);
	err = c->check(vcpu, in);
	if (!err && (c->flags & HC_GUEST_BUF))
		err = hc_copy_in(vcpu, in);
	if (!err)
		c->act(vcpu, in, out);
	if (c->flags & HC_LOCKED)
		spin_unlock(&vm->lock);
	if (!err)
		return;
	if (err == HC_RESTART) {
		out->restart = true;
		return;
	}
	out->x0 = err;
	if (c->flags & HC_LOG_ERRORS)
		vm_log(vm, "vcpu %u: %s(0x%lx, 0x%lx, 0x%lx) rejected (%ld)", vcpu->index, c->name, in->x[1],
		       in->x[2], in->x[3], err);
}

void hypercall_dispatch(struct vcpu *vcpu, struct hc_args *in, struct hc_result *out)
{
	u32 nr = in->fid & SMCCC_FN_MASK;

	const struct hc_call *c;

	if (in->fid != KEEL_HC(nr) || nr >= ARRAY_SIZE(keel_calls) || !keel_calls[nr].check) {
		out->x0 = KEEL_RET_NOT_SUPPORTED;
		return;
	}
	c = &keel_calls[nr];
	if (c->check == hc_check_none && !(c->flags & ~HC_PURE)) {
		c->act(vcpu, in, out); /* nothing to check, lock or copy: the null call's path */
		return;
	}
	hc_run(c, vcpu, in, out);
}

void hypercall_fast(struct vcpu *vcpu, u32 fid, struct hc_result *out)
{
	u32 nr = fid & SMCCC_FN_MASK;
	struct hc_args in;

	CHECK(hc_is_pure(fid)); /* the exit path asked first */
	/* A pure call takes no arguments (asserted above): only fid is set, no memset on this path. */
	in.fid = fid;
	keel_calls[nr].act(vcpu, &in, out);
}

void hypercall_vm_starting(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct sched_entity *e = &vm->vcpus[i].sched;

		e->rt_jobs = e->rt_misses = e->rt_worst_response_ns = 0;
	}
}
