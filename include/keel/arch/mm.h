/*
 * Keel's own address space and the translation-table hooks: building and
 * enabling the EL2 tables at boot, the descriptor bits of a leaf mapping and
 * TLB maintenance for the table builder in core/pagetable.c. Implemented by
 * arch/aarch64/mmu.c; the table hooks also by arch/fake/mm.c for unit tests.
 */
#ifndef KEEL_ARCH_MM_H
#define KEEL_ARCH_MM_H

#include <keel/mm.h>
#include <keel/types.h>

/* Boot CPU, MMU off, once: build Keel's EL2 tables (image, devices, guest RAM). Panics if they do not fit. */
void arch_mmu_build(void);
/* Every CPU, after arch_mmu_build: turn on EL2 translation with those tables. */
void arch_mmu_enable(void);
/* Boot CPU, MMU and console on: check the stack guards and W^X through the MMU; panics on a failure. */
void arch_mmu_self_check(void);
/* Table pages arch_mmu_build used, for the boot memory report. */
u32 arch_mmu_pages_used(void);

/* Attribute bits (everything but the output address and type bits) of a leaf with MM_* flags. */
u64 arch_mm_leaf_attrs(enum pt_kind kind, u32 flags);
/* MM_* flags of a leaf descriptor. */
u32 arch_mm_leaf_flags(enum pt_kind kind, u64 desc);
/* Remove any cached translation of va in this table (stage 2: by VMID). */
void arch_mm_invalidate(const struct page_table *pt, u64 va);
/* Remove every cached translation made through this table (stage 2: the whole VMID). */
void arch_mm_invalidate_all(const struct page_table *pt);
/*
 * This CPU only: remove its cached translation of va in this table (stage 2:
 * va is an IPA of the VMID). Enough after a change that only adds access
 * (a dirty-log fault making a page writable): another CPU holding the old
 * entry takes the same fault and invalidates its own (pt_relax).
 */
void arch_mm_invalidate_local(const struct page_table *pt, u64 va);
/* Make descriptor writes visible to the table walker. */
void arch_mm_sync(void);

#endif
