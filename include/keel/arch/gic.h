/*
 * The GICv3 CPU interface as system registers: the physical one Keel uses at
 * EL2 (ICC_*, for drivers/gicv3.c) and the virtual interface control
 * registers (ICH_*_EL2) for the vGIC's list-register bookkeeping. arch/fake
 * keeps the ICH ones in an array so vdev/vgic_lr.c can be unit-tested on
 * the host. Implemented by arch/aarch64/gic.c.
 */
#ifndef KEEL_ARCH_GIC_H
#define KEEL_ARCH_GIC_H

#include <keel/types.h>

/* ICH_LR<n>_EL2 fields (GICv3 spec 12.5.11 / Arm ARM ICH_LR<n>_EL2). */
#define ICH_LR_VINTID_MASK 0xffffffffull
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_PINTID_MASK (0x3ffull << ICH_LR_PINTID_SHIFT)
#define ICH_LR_EOI (1ull << 41) /* HW == 0: maintenance interrupt on deactivation */
#define ICH_LR_PRIORITY_SHIFT 48
#define ICH_LR_GROUP1 (1ull << 60)
#define ICH_LR_HW (1ull << 61)
#define ICH_LR_STATE_SHIFT 62
#define ICH_LR_STATE_MASK (3ull << ICH_LR_STATE_SHIFT)
#define ICH_LR_STATE_PENDING (1ull << ICH_LR_STATE_SHIFT)
#define ICH_LR_STATE_ACTIVE (2ull << ICH_LR_STATE_SHIFT)

/* ICH_HCR_EL2 bits. */
#define ICH_HCR_EN (1u << 0)
#define ICH_HCR_UIE (1u << 1) /* maintenance when at most one LR is valid */
#define ICH_HCR_NPIE (1u << 3) /* maintenance when no LR is pending */

/* ICH_MISR_EL2 bits. */
#define ICH_MISR_EOI (1u << 0)
#define ICH_MISR_U (1u << 1)

/*
 * Physical CPU interface of the calling CPU (GICv3 spec 12.2). Init enables
 * the system-register interface at EL2 and lets EL1 use its own (virtual)
 * one, opens the priority mask, selects EOImode 1 (priority drop and
 * deactivation apart) and enables Group 1.
 */
void arch_gic_cpuif_init(void);
/* Acknowledge the highest-priority pending Group 1 interrupt: its INTID (1020-1023: none). */
u32 arch_gic_ack(void);
/* Priority drop of intid (ICC_EOIR1_EL1), and its deactivation (ICC_DIR_EL1). */
void arch_gic_eoi(u32 intid);
void arch_gic_deactivate(u32 intid);
/* Generate a Group 1 SGI: value laid out as ICC_SGI1R_EL1 (GICv3 spec 12.2.21); earlier stores are visible first. */
void arch_gic_send_sgi(u64 sgi1r);

/* Virtual CPU interface (GICv3 spec 12.5): list registers implemented, and access to them. */
u32 arch_gic_nr_lrs(void);
u64 arch_gic_read_lr(u32 n);
void arch_gic_write_lr(u32 n, u64 value);
u32 arch_gic_read_hcr(void);
void arch_gic_write_hcr(u32 value);
u32 arch_gic_read_misr(void);
u32 arch_gic_read_elrsr(void); /* bit n set: LR n holds no interrupt */

#endif
