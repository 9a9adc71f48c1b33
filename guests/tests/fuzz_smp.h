/*
 * What the SMP fuzzer's files share (guests/tests/fuzz_smp.c, the PSCI,
 * reset and Keel-call side; fuzz_smp_gic.c, the interrupt side).
 */
#ifndef FUZZ_SMP_H
#define FUZZ_SMP_H

#include <stdint.h>

#define FUZZ_SMP_CPUS 2u /* the fuzzer VM's vCPUs; fuzz_smp_entry.S has the same */

/* What a vCPU did beyond the generic surfaces, and what it saw that Keel must never answer. */
struct smp_stats {
	uint64_t gic, gic_aborts, sgi, sgi_undefs, psci, offs, revived, keel, irqs, spurious;
	uint64_t bad; /* answers no correct Keel gives: each is also printed (the first few) */
};

/* The calling vCPU's counters. */
struct smp_stats *fuzz_smp_stats(void);

/* One access of the interrupt state both vCPUs share. */
void fuzz_smp_gic_op(void);
/* 1 to 32 SGIs to the sibling, itself, both, vCPUs that do not exist, or everyone else. */
void fuzz_smp_sgi_storm(void);
/* A short window with IRQs unmasked, fuzz_smp_irq() taking them. */
void fuzz_smp_irq_window(void);
/* The IRQ handler: acknowledges and ends what came, closes the window on a storm. */
void fuzz_smp_irq(void);
/* The CPU interface of a vCPU started while its sibling fuzzes (no waiting on GICR_WAKER). */
void fuzz_smp_cpu_interface_init(void);

#endif
