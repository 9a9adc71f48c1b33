/*
 * The GICv3 CPU interface's system registers (include/keel/arch/gic.h): the
 * physical ICC_* ones drivers/gicv3.c uses, and the ICH_*_EL2 registers of
 * the virtual interface for the vGIC's list-register code. List registers
 * are separate system registers, so reaching LR n takes a switch.
 */
#include <keel/arch/gic.h>
#include "sysreg.h"

/* ICH_VTR_EL2.ListRegs + 1, read once at boot (every CPU of a board has the same GIC). */
static u32 gic_nr_lrs;

void arch_gic_cpuif_init(void)
{
	write_sysreg(ICC_SRE_EL2, read_sysreg(ICC_SRE_EL2) | 0x9); /* SRE | Enable (EL1 may use its SRE) */
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_CTLR_EL1, 1ull << 1); /* EOImode: priority drop and deactivate apart */
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	gic_nr_lrs = (u32)(read_sysreg(ICH_VTR_EL2) & 0x1f) + 1;
	/*
	 * List registers reset to UNKNOWN values: empty them once. From then on
	 * each exit's vgic_sync_lrs() empties those the entry filled, so a vCPU
	 * switched in finds them all empty.
	 */
	for (u32 i = 0; i < gic_nr_lrs; i++)
		arch_gic_write_lr(i, 0);
	isb();
}

u32 arch_gic_ack(void)
{
	u32 iar = (u32)read_sysreg(ICC_IAR1_EL1);

	dsb(sy); /* the device's state is observed after the acknowledge (GICv3 spec 12.1.6) */
	return iar & 0xffffff;
}

void arch_gic_eoi(u32 intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	isb();
}

void arch_gic_deactivate(u32 intid)
{
	write_sysreg(ICC_DIR_EL1, intid);
	isb();
}

void arch_gic_send_sgi(u64 sgi1r)
{
	dsb(ishst); /* the receiver sees what was written before the SGI */
	write_sysreg(ICC_SGI1R_EL1, sgi1r);
	isb();
}

u32 arch_gic_nr_lrs(void)
{
	return gic_nr_lrs;
}

u64 arch_gic_read_lr(u32 n)
{
	switch (n) {
	case 0: return read_sysreg(S3_4_C12_C12_0);
	case 1: return read_sysreg(S3_4_C12_C12_1);
	case 2: return read_sysreg(S3_4_C12_C12_2);
	case 3: return read_sysreg(S3_4_C12_C12_3);
	case 4: return read_sysreg(S3_4_C12_C12_4);
	case 5: return read_sysreg(S3_4_C12_C12_5);
	case 6: return read_sysreg(S3_4_C12_C12_6);
	case 7: return read_sysreg(S3_4_C12_C12_7);
	case 8: return read_sysreg(S3_4_C12_C13_0);
	case 9: return read_sysreg(S3_4_C12_C13_1);
	case 10: return read_sysreg(S3_4_C12_C13_2);
	case 11: return read_sysreg(S3_4_C12_C13_3);
	case 12: return read_sysreg(S3_4_C12_C13_4);
	case 13: return read_sysreg(S3_4_C12_C13_5);
	case 14: return read_sysreg(S3_4_C12_C13_6);
	default: return read_sysreg(S3_4_C12_C13_7);
	}
}

void arch_gic_write_lr(u32 n, u64 v)
{
	switch (n) {
	case 0: write_sysreg(S3_4_C12_C12_0, v); break;
	case 1: write_sysreg(S3_4_C12_C12_1, v); break;
	case 2: write_sysreg(S3_4_C12_C12_2, v); break;
	case 3: write_sysreg(S3_4_C12_C12_3, v); break;
	case 4: write_sysreg(S3_4_C12_C12_4, v); break;
	case 5: write_sysreg(S3_4_C12_C12_5, v); break;
	case 6: write_sysreg(S3_4_C12_C12_6, v); break;
	case 7: write_sysreg(S3_4_C12_C12_7, v); break;
	case 8: write_sysreg(S3_4_C12_C13_0, v); break;
	case 9: write_sysreg(S3_4_C12_C13_1, v); break;
	case 10: write_sysreg(S3_4_C12_C13_2, v); break;
	case 11: write_sysreg(S3_4_C12_C13_3, v); break;
	case 12: write_sysreg(S3_4_C12_C13_4, v); break;
	case 13: write_sysreg(S3_4_C12_C13_5, v); break;
	case 14: write_sysreg(S3_4_C12_C13_6, v); break;
	default: write_sysreg(S3_4_C12_C13_7, v); break;
	}
}

u32 arch_gic_read_hcr(void) { return (u32)read_sysreg(ICH_HCR_EL2); }
void arch_gic_write_hcr(u32 v) { write_sysreg(ICH_HCR_EL2, v); }
u32 arch_gic_read_misr(void) { return (u32)read_sysreg(ICH_MISR_EL2); }
u32 arch_gic_read_elrsr(void) { return (u32)read_sysreg(ICH_ELRSR_EL2); }
