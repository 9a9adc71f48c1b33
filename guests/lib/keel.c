/*
 * Keel's hypercalls (include/abi/keel/hypercall.h): the stubs, expanded from
 * the ABI's one list of calls, and the friendlier wrappers guests use.
 */
#include <guest/keel.h>
#include <guest/smccc.h>

#define KEEL_STUB_DEFINE(nr, NAME, name, nr_args, args)                     \
	struct smccc_res keel_hc_##name(KEEL_STUB_PARAMS_##nr_args args)    \
	{                                                                   \
		return KEEL_STUB_HVC_##nr_args(KEEL_HC_##NAME, KEEL_STUB_ARGS_##nr_args args); \
	}
KEEL_HYPERCALLS(KEEL_STUB_DEFINE)
#undef KEEL_STUB_DEFINE

struct keel_identity keel_vm_identity(void)
{
	struct smccc_res r = keel_hc_vm_identity();

	return (struct keel_identity){ r.a0, r.a1, r.a2, r.a3 };
}

int64_t keel_console_write_ipa(uint64_t ipa, size_t len)
{
	return keel_hc_console_write(ipa, len).a0;
}

int64_t keel_console_write(const void *buf, size_t len)
{
	return keel_console_write_ipa((uintptr_t)buf, len);
}

int64_t keel_yield(void)
{
	return keel_hc_yield().a0;
}

int64_t keel_null(void)
{
	return keel_hc_null().a0;
}

int64_t keel_rt_report(uint64_t jobs, uint64_t misses, uint64_t worst_ns)
{
	return keel_hc_rt_report(jobs, misses, worst_ns).a0;
}

int64_t keel_call(uint32_t fid)
{
	return smccc_hvc(fid, 0, 0, 0).a0;
}
