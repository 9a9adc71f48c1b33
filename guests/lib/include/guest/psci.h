/*
 * PSCI (Arm DEN 0022) through HVC: the calls guests here use. Function IDs
 * and return codes come from the ABI header Keel itself uses.
 */
#ifndef GUEST_PSCI_H
#define GUEST_PSCI_H

#include <stdint.h>

#include <abi/keel/smccc.h>

int32_t psci_version(void);
int32_t psci_features(uint32_t fid);
/* CPU_ON through its SMC64 ID. */
int32_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context);
/* Powers off the calling CPU; returns only on failure. */
int32_t psci_cpu_off(void);
int32_t psci_affinity_info(uint64_t target_mpidr);
/* End the whole VM. If the call returns, they say so and sleep forever. */
__attribute__((noreturn)) void psci_system_off(void);
__attribute__((noreturn)) void psci_system_reset(void);

#endif
