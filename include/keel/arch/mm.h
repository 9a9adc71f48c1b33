/*
 * The descriptor bits of a leaf mapping, and TLB maintenance, for the table
 * builder in core/pagetable.c.
 */
#ifndef KEEL_ARCH_MM_H
#define KEEL_ARCH_MM_H

#include <keel/mm.h>
#include <keel/types.h>

/* Attribute bits (everything but the output address and type bits) of a leaf with MM_* flags. */
u64 arch_mm_leaf_attrs(enum pt_kind kind, u32 flags);
/* MM_* flags of a leaf descriptor. */
u32 arch_mm_leaf_flags(enum pt_kind kind, u64 desc);
/* Remove any cached translation of va in this table (stage 2: by VMID). */
void arch_mm_invalidate(const struct page_table *pt, u64 va);
/* Remove every cached translation made through this table (stage 2: the whole VMID). */
void arch_mm_invalidate_all(const struct page_table *pt);
/* Make descriptor writes visible to the table walker. */
void arch_mm_sync(void);

#endif
