/*
 * What the host implementation of include/keel/arch/gic.h (arch/fake/gic.c)
 * exposes to tests: the list registers and ICH_HCR_EL2 as plain variables.
 * A test plays the guest's virtual CPU interface by editing the list
 * registers' state bits between vgic_flush_lrs() and vgic_sync_lrs().
 */
#ifndef KEEL_TEST_FAKE_GIC_H
#define KEEL_TEST_FAKE_GIC_H

#include <keel/arch/gic.h>
#include <keel/types.h>
#include <keel/vgic.h>

extern u64 fake_gic_lr[VGIC_MAX_LRS];
extern u32 fake_gic_nr_lrs; /* what arch_gic_nr_lrs() reports */
extern u32 fake_gic_hcr;
extern u32 fake_gic_lr_writes; /* arch_gic_write_lr calls since the last reset */

/* Empty every list register, clear ICH_HCR_EL2 and report nr_lrs of them. */
void fake_gic_reset(u32 nr_lrs);

/* The state bits of list register n (0 invalid, 1 pending, 2 active, 3 both). */
u32 fake_gic_lr_state(u32 n);
/* Set the state bits of list register n, as the guest's acknowledge or deactivation would. */
void fake_gic_set_lr_state(u32 n, u32 state);
/* The list register holding vINTID intid, or -1. */
int fake_gic_find_lr(u32 intid);
/* How many list registers hold a valid interrupt. */
u32 fake_gic_nr_valid(void);

#endif
