/*
 * The processor hooks guest memory uses (include/keel/arch/cpu.h), on the
 * host: memory is host memory, and "an interrupt is pending" is whatever a
 * test says (tests/unit/fake_gm_arch.c).
 */
#ifndef KEEL_TEST_FAKE_GM_H
#define KEEL_TEST_FAKE_GM_H

#include <keel/types.h>

/* 0: no interrupt is ever pending; n: arch_irq_pending() is true on every n-th call. */
extern u32 fake_gm_irq_after;
/* Calls to arch_icache_invalidate_all. */
extern u32 fake_gm_icache_invalidations;

#endif
