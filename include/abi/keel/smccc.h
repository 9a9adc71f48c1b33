/*
 * Function IDs and return codes of the firmware interfaces Keel offers its
 * guests, defined once for Keel, the guest library and host tools: the SMC
 * Calling Convention (Arm DEN 0028) and its Arm architecture calls, and PSCI
 * (Arm DEN 0022). Keel's own calls are in <abi/keel/hypercall.h>.
 *
 * A function ID (w0): bit 31 fast call, bit 30 SMC64 (else SMC32: only the
 * low 32 bits of each argument count, SMCCC 2.6), bits 29:24 the owning
 * entity, bits 23:16 zero, bits 15:0 the function number.
 */
#ifndef KEEL_ABI_SMCCC_H
#define KEEL_ABI_SMCCC_H

#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_64BIT (1u << 30)
#define SMCCC_OWNER_SHIFT 24
#define SMCCC_OWNER_MASK 0x3fu
#define SMCCC_OWNER_ARCH 0u
#define SMCCC_OWNER_STANDARD 4u /* PSCI lives here */
#define SMCCC_OWNER_VENDOR_HYP 6u
#define SMCCC_MBZ_MASK 0x00ff0000u /* must be zero in a fast call's ID */
#define SMCCC_FN_MASK 0xffffu
#define SMCCC_OWNER(fid) (((fid) >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK)

/* Arm architecture calls (SMCCC 1.1 and later, owner 0), all SMC32. */
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u /* x1: the function ID asked about */
#define SMCCC_ARCH_SOC_ID 0x80000002u
#define SMCCC_ARCH_WORKAROUND_1 0x80008000u /* CVE-2017-5715: invalidate the branch predictor */
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffu /* CVE-2018-3639: SSBD on/off for the caller's PE */
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffu /* CVE-2022-23960: branch history */
#define SMCCC_VERSION_1_0 0x10000
#define SMCCC_VERSION_1_1 0x10001

#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)

/* PSCI: function numbers 0x00..0x1f of the standard service range. */
#define PSCI_FN(n) (SMCCC_FAST_CALL | (SMCCC_OWNER_STANDARD << SMCCC_OWNER_SHIFT) | (n))
#define PSCI_FN64(n) (PSCI_FN(n) | SMCCC_64BIT)
#define PSCI_NR_FNS 0x20u

#define PSCI_VERSION PSCI_FN(0x00)
#define PSCI_CPU_SUSPEND PSCI_FN(0x01)
#define PSCI_CPU_OFF PSCI_FN(0x02)
#define PSCI_CPU_ON PSCI_FN(0x03) /* x1 target MPIDR, x2 entry point, x3 context ID (its x0) */
#define PSCI_CPU_ON64 PSCI_FN64(0x03)
#define PSCI_AFFINITY_INFO PSCI_FN(0x04) /* x1 target MPIDR, x2 lowest affinity level (0) */
#define PSCI_AFFINITY_INFO64 PSCI_FN64(0x04)
#define PSCI_MIGRATE_INFO_TYPE PSCI_FN(0x06)
#define PSCI_SYSTEM_OFF PSCI_FN(0x08)
#define PSCI_SYSTEM_RESET PSCI_FN(0x09)
#define PSCI_FEATURES PSCI_FN(0x0a) /* x1: the function ID asked about */
#define PSCI_SYSTEM_RESET2 PSCI_FN(0x12) /* PSCI 1.1; x1 reset type, x2 cookie */
#define PSCI_SYSTEM_RESET2_64 PSCI_FN64(0x12)
#define PSCI_RESET2_WARM 0u /* the one architectural reset type */
#define PSCI_RESET2_VENDOR (1u << 31) /* set: a vendor-specific type (Keel defines none) */

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_INVALID_ADDRESS (-9)

/* AFFINITY_INFO results. */
#define PSCI_AFF_ON 0
#define PSCI_AFF_OFF 1
#define PSCI_AFF_ON_PENDING 2

/* MIGRATE_INFO_TYPE: no trusted OS that would need migrating. */
#define PSCI_TOS_NOT_PRESENT 2

#define PSCI_VERSION_1_0 0x10000
#define PSCI_VERSION_1_1 0x10001
#define PSCI_VERSION_MAJOR(v) ((unsigned int)(v) >> 16)
#define PSCI_VERSION_MINOR(v) ((unsigned int)(v) & 0xffffu)

#endif
