/* Wrappers for Keel's hypercalls (include/abi/keel/hypercall.h). */
#include <guest/keel.h>
#include <guest/smccc.h>

struct keel_identity keel_vm_identity(void)
{
	struct smccc_res r = smccc_hvc(KEEL_HC_VM_IDENTITY, 0, 0, 0);

	return (struct keel_identity){ r.a0, r.a1, r.a2, r.a3 };
}

int64_t keel_console_write_ipa(uint64_t ipa, size_t len)
{
	return smccc_hvc(KEEL_HC_CONSOLE_WRITE, ipa, len, 0).a0;
}

int64_t keel_console_write(const void *buf, size_t len)
{
	return keel_console_write_ipa((uintptr_t)buf, len);
}

int64_t keel_yield(void)
{
	return smccc_hvc(KEEL_HC_YIELD, 0, 0, 0).a0;
}

int64_t keel_null(void)
{
	return smccc_hvc(KEEL_HC_NULL, 0, 0, 0).a0;
}

int64_t keel_call(uint32_t fid)
{
	return smccc_hvc(fid, 0, 0, 0).a0;
}
