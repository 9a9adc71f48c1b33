/*
 * What the host implementation of include/keel/arch/mm.h (arch/fake/mm.c)
 * records for tests: every TLB invalidation the table builder asks for, so a
 * test can check that removing or reducing access was followed by one.
 */
#ifndef KEEL_TEST_FAKE_MM_H
#define KEEL_TEST_FAKE_MM_H

#include <keel/mm.h>
#include <keel/types.h>

#define FAKE_MM_INVAL_LOG 8192

/* Calls to arch_mm_invalidate since the last fake_mm_reset(). */
extern u64 fake_mm_invalidate_count;
/* The va, table and VMID of the most recent call. */
extern u64 fake_mm_invalidate_last_va;
extern const struct page_table *fake_mm_invalidate_last_pt;
extern u16 fake_mm_invalidate_last_vmid;
/* The first FAKE_MM_INVAL_LOG invalidated vas since the last reset. */
extern u64 fake_mm_invalidate_log[FAKE_MM_INVAL_LOG];
/* Calls to arch_mm_invalidate_all since the last reset (they update last_pt/vmid too). */
extern u64 fake_mm_invalidate_all_count;
/* Calls to arch_mm_invalidate_local since the last fake_mm_reset(). */
extern u64 fake_mm_invalidate_local_count;
/* Calls to arch_mm_sync since the last reset. */
extern u64 fake_mm_sync_count;

/* Forget everything recorded so far. */
void fake_mm_reset(void);
/* True if some logged invalidation fell in [lo, hi), or everything was invalidated. */
bool fake_mm_invalidated_in(u64 lo, u64 hi);

#endif
