/*
 * test-hypercall: Keel's hypercall ABI from a guest's side. VM_IDENTITY, NULL
 * and YIELD succeed; CONSOLE_WRITE prints a known line (the system test looks
 * for "hypercall-test: console write works" in Keel's output); an unknown ID
 * returns NOT_SUPPORTED; PSCI answers through SMC as well as HVC; an access
 * to an unmapped IPA aborts into the guest.
 *
 * Markers: the console line above, then the report and summary.
 */
#include <guest/exception.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/string.h>
#include <guest/sysreg.h>

#define UNMAPPED_IPA 0x0a000000ul

static const char console_line[] = "hypercall-test: console write works\n";

static void check_identity(void)
{
	struct keel_identity id = keel_vm_identity();

	report(id.ret == KEEL_RET_SUCCESS, "VM_IDENTITY returns 0 (got %ld)", id.ret);
	report_info("VM %lu, vCPU %lu, %lu resets", id.vm, id.vcpu, id.resets);
	report(id.ret != KEEL_RET_SUCCESS || id.vcpu == cpu_id(),
	       "VM_IDENTITY vCPU index %lu matches MPIDR Aff0 %u", id.vcpu, cpu_id());
}

static void check_simple_calls(void)
{
	int64_t ret;

	ret = keel_null();
	report(ret == KEEL_RET_SUCCESS, "NULL returns 0 (got %ld)", ret);
	ret = keel_yield();
	report(ret == KEEL_RET_SUCCESS, "YIELD returns 0 (got %ld)", ret);
	ret = keel_call(KEEL_HC(0x3f));
	report(ret == KEEL_RET_NOT_SUPPORTED, "unknown ID 0x%x returns -1 (got %ld)",
	       KEEL_HC(0x3f), ret);
}

static void check_console_write(void)
{
	size_t len = strlen(console_line);
	int64_t ret = keel_console_write(console_line, len);

	report(ret == (int64_t)len, "CONSOLE_WRITE of %zu bytes returns %zu (got %ld)", len, len,
	       ret);
}

static void check_conduits(void)
{
	int32_t hvc = psci_version();
	struct smccc_res smc;
	uint64_t esr = 0;
	bool trapped;

	report(PSCI_VERSION_MAJOR(hvc) >= 1, "PSCI_VERSION through HVC: %u.%u", PSCI_VERSION_MAJOR(hvc),
	       PSCI_VERSION_MINOR(hvc));
	/* Keel traps SMC (HCR_EL2.TSC); elsewhere it may be undefined, so catch that. */
	exc_catch_begin();
	smc = smccc_smc(PSCI_VERSION, 0, 0, 0);
	trapped = exc_catch_end(&esr, NULL);
	report(!trapped && smc.a0 == hvc, "PSCI_VERSION through SMC matches HVC (got 0x%lx%s)",
	       (uint64_t)smc.a0, trapped ? ", SMC raised an exception" : "");
}

static void check_unmapped_abort(void)
{
	uint64_t esr = 0;
	bool aborted = exc_probe_read32(UNMAPPED_IPA, &esr);

	report(aborted && ESR_EC(esr) == ESR_EC_DABT_CUR, "read from unmapped IPA 0x%lx aborted (ESR 0x%lx)",
	       UNMAPPED_IPA, esr);
}

void guest_main(void)
{
	check_identity();
	check_simple_calls();
	check_console_write();
	check_conduits();
	check_unmapped_abort();
	report_summary();
}
