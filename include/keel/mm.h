/*
 * A builder for VMSAv8-64 translation tables with the 4 KiB granule, used
 * for both Keel's own EL2 tables (stage 1) and each VM's stage-2 tables. The
 * walk is the same for both; only the attribute bits of a leaf differ, and
 * those come from the arch hook arch_mm_leaf_attrs(). Table pages come from
 * a pool sized at boot; nothing here allocates on a trap path except when a
 * block must be split, which draws from the same bounded pool.
 */
#ifndef KEEL_MM_H
#define KEEL_MM_H

#include <keel/types.h>

/* Abstract permissions and memory types of a mapping. */
#define MM_READ (1u << 0)
#define MM_WRITE (1u << 1)
#define MM_EXEC (1u << 2)
#define MM_DEVICE (1u << 3) /* Device-nGnRE instead of Normal write-back */
#define MM_RW (MM_READ | MM_WRITE)
#define MM_RWX (MM_READ | MM_WRITE | MM_EXEC)

enum pt_kind {
	PT_STAGE1_EL2,
	PT_STAGE2,
};

/* A fixed set of 4 KiB pages to build tables from. */
struct pt_pool {
	u8 *base; /* PAGE_SIZE aligned */
	u32 nr_pages;
	u32 next_free; /* bump index */
	u64 *free_list; /* pages given back by pt_unmap, linked through word 0 */
	u32 nr_used;
};

struct page_table {
	enum pt_kind kind;
	u64 *root;
	u32 start_level; /* 0 or 1 */
	u32 va_bits; /* input address size */
	u16 vmid; /* stage 2 only: for TLB maintenance */
	struct pt_pool *pool;
};

enum pt_err {
	PT_OK = 0,
	PT_ENOMEM = -1, /* pool exhausted */
	PT_EINVAL = -2, /* unaligned or outside the input range */
	PT_EEXIST = -3, /* part of the range is mapped already */
};

void pt_pool_init(struct pt_pool *pool, void *base, u32 nr_pages);
/* A zeroed page from the pool, or NULL. */
void *pt_pool_alloc(struct pt_pool *pool);

/* Create an empty table of this kind, va_bits wide, starting at start_level. */
int pt_init(struct page_table *pt, enum pt_kind kind, u32 va_bits, u32 start_level, struct pt_pool *pool);

/*
 * Map [va, va + size) to [pa, pa + size) with flags (MM_*), using 1 GiB and
 * 2 MiB blocks wherever va and pa are aligned alike. All three must be page
 * aligned. Fails with PT_EEXIST, changing nothing, if any page is mapped.
 */
int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u32 flags);
/* Remove any mapping in the range, splitting blocks that straddle its ends. */
int pt_unmap(struct page_table *pt, u64 va, u64 size);
/* Give every mapped page in the range new flags, splitting blocks as needed. */
int pt_protect(struct page_table *pt, u64 va, u64 size, u32 flags);
/*
 * The page at va gets flags, which must only add access to what it had (a
 * dirty-log fault making a page writable). Only this CPU's cached entry is
 * invalidated: a CPU that still holds the old one faults the same way and
 * calls pt_relax (or s2_flush_local) for itself. A block around va is split
 * first, which does invalidate everywhere.
 */
int pt_relax(struct page_table *pt, u64 va, u32 flags);
/* Drop this CPU's cached translation of va (a stale entry another CPU's pt_relax left here). */
void pt_flush_local(const struct page_table *pt, u64 va);
/* Translate va: true with *pa (and *flags) set if mapped. */
bool pt_walk(const struct page_table *pt, u64 va, u64 *pa, u32 *flags);

#endif
