/*
 * AArch64 system-register access and the bit definitions Keel programs at
 * EL2. Private to arch/aarch64: generic code never includes it.
 */
#ifndef KEEL_ARCH_AARCH64_SYSREG_H
#define KEEL_ARCH_AARCH64_SYSREG_H

#include <keel/types.h>

#define read_sysreg(name)                                                      \
	({                                                                     \
		u64 _v;                                                        \
		__asm__ volatile("mrs %0, " #name : "=r"(_v));                 \
		_v;                                                            \
	})
#define write_sysreg(name, v)                                                  \
	do {                                                                   \
		u64 _v = (u64)(v);                                             \
		__asm__ volatile("msr " #name ", %0" : : "r"(_v));             \
	} while (0)
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* GICv3 system registers by encoding, so no assembler GIC extension is needed. */
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_HPPIR1_EL1 S3_0_C12_C12_2
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_MISR_EL2 S3_4_C12_C11_2
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7
#define ICH_AP0R0_EL2 S3_4_C12_C8_0
#define ICH_AP1R0_EL2 S3_4_C12_C9_0

/* HCR_EL2 (Arm ARM D13.2.46). */
#define HCR_VM BIT(0)
#define HCR_SWIO BIT(1)
#define HCR_FMO BIT(3)
#define HCR_IMO BIT(4)
#define HCR_AMO BIT(5)
#define HCR_VSE BIT(8)
#define HCR_FB BIT(9)
#define HCR_BSU_INNER (1ull << 10)
#define HCR_TWI BIT(13)
#define HCR_TSC BIT(19)
#define HCR_RW BIT(31)

/* MDCR_EL2 (Arm ARM D13.2.73): PMU and debug register traps. */
#define MDCR_HPMN_MASK 0x1full
#define MDCR_TPMCR BIT(5)
#define MDCR_TPM BIT(6)
#define MDCR_TDA BIT(9)
#define MDCR_TDOSA BIT(10)
#define MDCR_TDRA BIT(11)

/* SCTLR_EL2 with the MMU on: caches, alignment checks off for data, WXN. */
#define SCTLR_EL2_RES1 0x30c50830ull
#define SCTLR_M BIT(0)
#define SCTLR_C BIT(2)
#define SCTLR_SA BIT(3)
#define SCTLR_I BIT(12)
#define SCTLR_WXN BIT(19)

/* Guest reset state: SCTLR_EL1 RES1 bits, MMU and caches off. */
#define SCTLR_EL1_RESET 0x30d00800ull
/* PSTATE for a guest entering at EL1h with D, A, I, F masked. */
#define PSTATE_EL1H_MASKED 0x3c5ull
#define PSTATE_MODE_MASK 0xfull
#define PSTATE_MODE_EL0T 0x0ull
#define PSTATE_MODE_EL1T 0x4ull
#define PSTATE_MODE_EL1H 0x5ull
/* SPSR.M[4]: the interrupted code ran in AArch32 (with HCR_EL2.RW set, only EL0 can). */
#define PSTATE_AARCH32 0x10ull

/* CNTV_CTL_EL0 / CNTP_CTL_EL0 (Arm ARM D13.8). */
#define CNT_CTL_ENABLE BIT(0)
#define CNT_CTL_IMASK BIT(1)
#define CNT_CTL_ISTATUS BIT(2)

/* ESR_ELx (Arm ARM D13.2.37). */
#define ESR_EC_SHIFT 26
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_IL BIT(25)
#define ESR_ISS(esr) ((esr) & 0x1ffffff)

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP 0x07 /* FP/SIMD access trapped by CPTR_EL2.TFP (CPACR_EL1 traps go to EL1) */
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25

/* Data abort ISS (Arm ARM D13.2.37, ISS encoding for an exception from a Data Abort). */
#define DABT_ISV BIT(24)
#define DABT_SAS(iss) (((iss) >> 22) & 3)
#define DABT_SSE BIT(21)
#define DABT_SRT(iss) (((iss) >> 16) & 0x1f)
#define DABT_SF BIT(15)
#define DABT_S1PTW BIT(7)
#define DABT_WNR BIT(6)
#define DABT_DFSC(iss) ((iss) & 0x3f)
#define FSC_SYNC_EXTERNAL 0x10
#define FSC_IS_TRANSLATION(fsc) (((fsc) & 0x3c) == 0x04) /* translation fault, any level */
#define PAR_F BIT(0) /* PAR_EL1: the address translation failed */
#define PAR_PA_MASK 0x0000fffffffff000ull
#define FSC_IS_PERMISSION(fsc) (((fsc) & 0x3c) == 0x0c) /* permission fault, any level */

/* Trapped MSR/MRS ISS (EC 0x18). */
#define SYSREG_ISS_READ BIT(0)
#define SYSREG_ISS_RT(iss) (((iss) >> 5) & 0x1f)
#define SYSREG_ISS_RT_MASK (0x1fu << 5)
#define SYSREG_ISS_KEY(iss) ((iss) & 0x3ffc1e) /* Op0, Op2, Op1, CRn, CRm without Rt and direction */
#define SYSREG_KEY(op0, op1, crn, crm, op2)                                    \
	(((u32)(op0) << 20) | ((u32)(op2) << 17) | ((u32)(op1) << 14) |        \
	 ((u32)(crn) << 10) | ((u32)(crm) << 1))

/*
 * VTCR_EL2 for Keel's stage 2 (Arm ARM D13.2.151): 39-bit IPA (T0SZ 25)
 * starting at level 1, write-back inner shareable walks, 4 KiB granule,
 * 40-bit output, 8-bit VMID. RES1 bit 31.
 */
static inline u64 vtcr_value(void)
{
	return 25 | (1u << 6) | (1u << 8) | (1u << 10) | (3u << 12) | (2ull << 16) | BIT(31);
}

/* CPTR_EL2 (Arm ARM D13.2.31, HCR_EL2.E2H == 0): bits 13:12, 9:0 are RES1; TFP traps FP/SIMD. */
#define CPTR_EL2_RES1 0x33ffull
#define CPTR_EL2_TFP BIT(10)

#endif
