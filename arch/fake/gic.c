/*
 * A host stand-in for the GICv3 virtual CPU interface control registers
 * (include/keel/arch/gic.h), so vdev/vgic_lr.c runs in unit tests. The list
 * registers and ICH_HCR_EL2 are variables a test reads and edits to play
 * the guest (tests/unit/fake_gic.h). ICH_MISR_EL2 and ICH_ELRSR_EL2 are
 * computed from them the way the Arm ARM defines those registers, for the
 * subset of conditions Keel enables (EOI, underflow).
 */
#include <keel/arch/gic.h>
#include <keel/vgic.h>

#include "fake_gic.h"

u64 fake_gic_lr[VGIC_MAX_LRS];
u32 fake_gic_nr_lrs = 4;
u32 fake_gic_hcr;
u32 fake_gic_lr_writes;
u32 fake_gic_hcr_writes;

void fake_gic_reset(u32 nr_lrs)
{
	for (u32 n = 0; n < VGIC_MAX_LRS; n++)
		fake_gic_lr[n] = 0;
	fake_gic_nr_lrs = nr_lrs;
	fake_gic_hcr = 0;
	fake_gic_lr_writes = 0;
	fake_gic_hcr_writes = 0;
}

u32 fake_gic_lr_state(u32 n)
{
	return (u32)((fake_gic_lr[n] & ICH_LR_STATE_MASK) >> ICH_LR_STATE_SHIFT);
}

void fake_gic_set_lr_state(u32 n, u32 state)
{
	fake_gic_lr[n] = (fake_gic_lr[n] & ~ICH_LR_STATE_MASK) | ((u64)state << ICH_LR_STATE_SHIFT);
}

int fake_gic_find_lr(u32 intid)
{
	for (u32 n = 0; n < fake_gic_nr_lrs; n++)
		if (fake_gic_lr_state(n) && (fake_gic_lr[n] & ICH_LR_VINTID_MASK) == intid)
			return (int)n;
	return -1;
}

u32 fake_gic_nr_valid(void)
{
	u32 count = 0;

	for (u32 n = 0; n < fake_gic_nr_lrs; n++)
		count += fake_gic_lr_state(n) != 0;
	return count;
}

u32 arch_gic_nr_lrs(void)
{
	return fake_gic_nr_lrs;
}

u64 arch_gic_read_lr(u32 n)
{
	return n < fake_gic_nr_lrs ? fake_gic_lr[n] : 0;
}

void arch_gic_write_lr(u32 n, u64 value)
{
	if (n < fake_gic_nr_lrs)
		fake_gic_lr[n] = value;
	fake_gic_lr_writes++;
}

u32 arch_gic_read_hcr(void)
{
	return fake_gic_hcr;
}

void arch_gic_write_hcr(u32 value)
{
	fake_gic_hcr = value;
	fake_gic_hcr_writes++;
}

/* ICH_MISR_EL2: EOI when some invalid LR has EOI set and HW clear; U on underflow. */
u32 arch_gic_read_misr(void)
{
	u32 misr = 0;

	for (u32 n = 0; n < fake_gic_nr_lrs; n++)
		if (!fake_gic_lr_state(n) && (fake_gic_lr[n] & ICH_LR_EOI) && !(fake_gic_lr[n] & ICH_LR_HW))
			misr |= ICH_MISR_EOI;
	if ((fake_gic_hcr & ICH_HCR_UIE) && fake_gic_nr_valid() <= 1)
		misr |= ICH_MISR_U;
	return misr;
}

/* ICH_ELRSR_EL2: bit n set when LR n holds no valid interrupt. */
u32 arch_gic_read_elrsr(void)
{
	u32 elrsr = 0;

	for (u32 n = 0; n < fake_gic_nr_lrs; n++)
		if (!fake_gic_lr_state(n))
			elrsr |= 1u << n;
	return elrsr;
}
