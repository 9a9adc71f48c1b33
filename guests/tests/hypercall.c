/*
 * test-hypercall: Keel's hypercall ABI from a guest's side. VM_IDENTITY, NULL
 * and YIELD succeed; CONSOLE_WRITE prints a known line (the system test looks
 * for "hypercall-test: console write works" in Keel's output); an unknown ID
 * returns NOT_SUPPORTED; PSCI answers through SMC as well as HVC; an SMC32
 * call's arguments count only in their low 32 bits; RT_REPORT refuses
 * reports that cannot be true (Keel logs "RT_REPORT(...) rejected"); the
 * Spectre workaround calls work exactly when SMCCC_ARCH_FEATURES says they
 * exist; an access to an unmapped IPA aborts into the guest.
 *
 * Markers: the console line above, Keel's rejection line, then the report
 * and summary.
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

static void check_smc32_truncation(void)
{
	const uint64_t garbage = 0xdeadbeef00000000ul;
	int32_t ret;

	/* AFFINITY_INFO (SMC32) for MPIDR 0 (this vCPU), upper halves of x1 and x2 set. */
	ret = (int32_t)smccc_hvc(PSCI_AFFINITY_INFO, garbage | cpu_id(), garbage, 0).a0;
	report(ret == PSCI_AFF_ON, "SMC32 AFFINITY_INFO ignores the upper halves: ON (got %d)", ret);
	ret = (int32_t)smccc_hvc(PSCI_AFFINITY_INFO64, garbage | cpu_id(), 0, 0).a0;
	report(ret == PSCI_RET_INVALID_PARAMS, "the same MPIDR through SMC64 names no vCPU (got %d)", ret);
	ret = (int32_t)smccc_hvc(PSCI_FEATURES, garbage | PSCI_CPU_ON, 0, 0).a0;
	report(ret == PSCI_RET_SUCCESS, "SMC32 PSCI_FEATURES(CPU_ON) with upper-half garbage: 0 (got %d)", ret);
}

static void check_rt_report(void)
{
	int64_t ret;

	ret = keel_rt_report(10, 2, 1000000);
	report(ret == KEEL_RET_SUCCESS, "RT_REPORT 10 jobs, 2 misses accepted (got %ld)", ret);
	ret = keel_rt_report(9, 2, 1000000);
	report(ret == KEEL_RET_INVALID_PARAMETER, "RT_REPORT with fewer jobs than before refused (got %ld)", ret);
	ret = keel_rt_report(10, 1, 1000000);
	report(ret == KEEL_RET_INVALID_PARAMETER, "RT_REPORT with fewer misses than before refused (got %ld)", ret);
	ret = keel_rt_report(12, 13, 1000000);
	report(ret == KEEL_RET_INVALID_PARAMETER, "RT_REPORT with more misses than jobs refused (got %ld)", ret);
	ret = keel_rt_report(12, 2, 20000000000ul);
	report(ret == KEEL_RET_INVALID_PARAMETER, "RT_REPORT with a 20 s worst response refused (got %ld)", ret);
	ret = keel_rt_report(0x1c2f9a3b5d7eul, 10262905861155909011ul, 0x7f3a);
	report(ret == KEEL_RET_INVALID_PARAMETER, "RT_REPORT of random numbers refused (got %ld)", ret);
	ret = keel_rt_report(20, 3, 2000000);
	report(ret == KEEL_RET_SUCCESS, "RT_REPORT 20 jobs, 3 misses accepted after the refusals (got %ld)", ret);
}

/* What ARCH_FEATURES says of a workaround call, and what the call itself answers, agree. */
static void check_workaround(const char *name, uint32_t fid)
{
	int32_t offered = (int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, fid, 0, 0).a0;
	int32_t ret = (int32_t)smccc_hvc(fid, 1, 0, 0).a0;

	report_info("%s: ARCH_FEATURES %d, call %d", name, offered, ret);
	report(offered < 0 ? ret == SMCCC_RET_NOT_SUPPORTED : ret != SMCCC_RET_NOT_SUPPORTED,
	       "%s answered consistently", name);
}

static void check_spectre_calls(void)
{
	int32_t v = (int32_t)smccc_hvc(SMCCC_VERSION, 0, 0, 0).a0;
	int32_t f = (int32_t)smccc_hvc(PSCI_FEATURES, SMCCC_VERSION, 0, 0).a0;

	report(f == PSCI_RET_SUCCESS && v >= SMCCC_VERSION_1_1,
	       "PSCI_FEATURES finds SMCCC_VERSION (%d), which is at least 1.1 (0x%x)", f, v);
	report(smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES, 0, 0).a0 == 0, "ARCH_FEATURES answers for itself");
	check_workaround("ARCH_WORKAROUND_1", SMCCC_ARCH_WORKAROUND_1);
	check_workaround("ARCH_WORKAROUND_3", SMCCC_ARCH_WORKAROUND_3);
	/* SSBD state is per PE and Keel does not switch it: never offered. */
	check_workaround("ARCH_WORKAROUND_2", SMCCC_ARCH_WORKAROUND_2);
	report((int32_t)smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0).a0 == SMCCC_RET_NOT_SUPPORTED,
	       "ARCH_WORKAROUND_2 is not offered");
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
	check_smc32_truncation();
	check_rt_report();
	check_spectre_calls();
	check_unmapped_abort();
	report_summary();
}
