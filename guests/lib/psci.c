/*
 * PSCI calls (Arm DEN 0022D) through HVC, the conduit both Keel and QEMU's
 * virt board (without EL2) offer to an EL1 guest. IDs: <abi/keel/smccc.h>.
 */
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/smccc.h>
#include <guest/sysreg.h>

static int32_t psci_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int32_t)smccc_hvc(fid, a1, a2, a3).a0;
}

int32_t psci_version(void)
{
	return psci_call(PSCI_VERSION, 0, 0, 0);
}

int32_t psci_features(uint32_t fid)
{
	return psci_call(PSCI_FEATURES, fid, 0, 0);
}

int32_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context)
{
	return psci_call(PSCI_CPU_ON64, target_mpidr, entry, context);
}

int32_t psci_cpu_off(void)
{
	return psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

int32_t psci_affinity_info(uint64_t target_mpidr)
{
	return psci_call(PSCI_AFFINITY_INFO64, target_mpidr, 0, 0);
}

static __attribute__((noreturn)) void sleep_forever(const char *call, int32_t ret)
{
	printf("psci: %s returned %d\n", call, ret);
	irq_disable();
	for (;;)
		wfi();
}

void psci_system_off(void)
{
	sleep_forever("SYSTEM_OFF", psci_call(PSCI_SYSTEM_OFF, 0, 0, 0));
}

void psci_system_reset(void)
{
	sleep_forever("SYSTEM_RESET", psci_call(PSCI_SYSTEM_RESET, 0, 0, 0));
}
