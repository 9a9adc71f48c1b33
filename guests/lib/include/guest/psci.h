/* PSCI (Arm DEN 0022) through HVC: the calls guests here use. */
#ifndef GUEST_PSCI_H
#define GUEST_PSCI_H

#include <stdint.h>

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)

/* AFFINITY_INFO results. */
#define PSCI_AFF_ON 0
#define PSCI_AFF_OFF 1
#define PSCI_AFF_ON_PENDING 2

#define PSCI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define PSCI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)

int32_t psci_version(void);
int32_t psci_features(uint32_t fid);
int32_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context);
/* Powers off the calling CPU; returns only on failure. */
int32_t psci_cpu_off(void);
int32_t psci_affinity_info(uint64_t target_mpidr);
/* End the whole VM. If the call returns, they say so and sleep forever. */
__attribute__((noreturn)) void psci_system_off(void);
__attribute__((noreturn)) void psci_system_reset(void);

#endif
