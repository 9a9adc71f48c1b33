/*
 * Builder and walker for VMSAv8-64 translation tables, 4 KiB granule (Arm ARM
 * D8.2 / D5 in older issues). One implementation serves Keel's own EL2 stage-1
 * tables and every VM's stage-2 tables; only the leaf attribute bits differ
 * and come from arch_mm_leaf_attrs(). Tables are reached through their
 * physical address, which Keel maps one to one.
 *
 * Every operation walks only the part of the tree its range touches, so a
 * 512 MiB guest mapping costs a handful of 2 MiB blocks, not 131072 pages.
 * Splitting a block for unmap or protect follows break-before-make (Arm ARM
 * D8.16.1): the block is made invalid and its TLB entries removed before the
 * new table is written, so no walker ever sees two translations at once.
 */
#include <keel/arch/mm.h>
#include <keel/mm.h>

#define PT_ENTRIES 512
#define DESC_TYPE_MASK 3ull
#define DESC_INVALID 0ull
#define DESC_BLOCK 1ull /* levels 1 and 2 */
#define DESC_TABLE 3ull /* levels 0 to 2 */
#define DESC_PAGE 3ull /* level 3 */
#define DESC_ADDR_MASK 0x0000fffffffff000ull

static inline u32 level_shift(u32 level) { return PAGE_SHIFT + 9 * (3 - level); }
static inline u64 level_size(u32 level) { return 1ull << level_shift(level); }
static inline u32 level_index(u64 va, u32 level) { return (va >> level_shift(level)) & (PT_ENTRIES - 1); }

static inline bool desc_is_table(u64 desc, u32 level) { return level < 3 && (desc & DESC_TYPE_MASK) == DESC_TABLE; }
static inline bool desc_is_leaf(u64 desc, u32 level)
{
	if (level == 3)
		return (desc & DESC_TYPE_MASK) == DESC_PAGE;
	return (desc & DESC_TYPE_MASK) == DESC_BLOCK;
}
static inline u64 *desc_table(u64 desc) { return (u64 *)(uintptr_t)(desc & DESC_ADDR_MASK); }

void pt_pool_init(struct pt_pool *pool, void *base, u32 nr_pages)
{
	pool->base = base;
	pool->nr_pages = nr_pages;
	pool->next_free = 0;
	pool->free_list = NULL;
	pool->nr_used = 0;
}

void *pt_pool_alloc(struct pt_pool *pool)
{
	u64 *page;

	if (pool->free_list) {
		page = pool->free_list;
		pool->free_list = (u64 *)(uintptr_t)page[0];
	} else if (pool->next_free < pool->nr_pages) {
		page = (u64 *)(pool->base + (u64)pool->next_free * PAGE_SIZE);
		pool->next_free++;
	} else {
		return NULL;
	}
	for (u32 i = 0; i < PT_ENTRIES; i++)
		page[i] = 0;
	pool->nr_used++;
	return page;
}

static void pool_free(struct pt_pool *pool, u64 *page)
{
	page[0] = (u64)(uintptr_t)pool->free_list;
	pool->free_list = page;
	pool->nr_used--;
}

int pt_init(struct page_table *pt, enum pt_kind kind, u32 va_bits, u32 start_level, struct pt_pool *pool)
{
	/* One root table must cover the whole input range (no concatenation). */
	if (start_level > 1 || va_bits > level_shift(start_level) + 9 || va_bits < 32)
		return PT_EINVAL;
	pt->kind = kind;
	pt->va_bits = va_bits;
	pt->start_level = start_level;
	pt->pool = pool;
	pt->vmid = 0;
	pt->root = pt_pool_alloc(pool);
	return pt->root ? PT_OK : PT_ENOMEM;
}

static bool range_ok(const struct page_table *pt, u64 va, u64 size)
{
	u64 limit = 1ull << pt->va_bits;

	return IS_ALIGNED(va, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) && size != 0 &&
	       va < limit && size <= limit - va;
}

/* Is nothing in [va, end) mapped below this table? */
static bool range_is_free(const u64 *table, u32 level, u64 va, u64 end)
{
	while (va < end) {
		u64 next = ALIGN_DOWN(va, level_size(level)) + level_size(level);
		u64 desc = table[level_index(va, level)];

		if (desc_is_leaf(desc, level))
			return false;
		if (desc_is_table(desc, level) && !range_is_free(desc_table(desc), level + 1, va, MIN(next, end)))
			return false;
		va = next;
	}
	return true;
}

static void free_subtree(struct pt_pool *pool, u64 *table, u32 level)
{
	for (u32 i = 0; level < 3 && i < PT_ENTRIES; i++)
		if (desc_is_table(table[i], level))
			free_subtree(pool, desc_table(table[i]), level + 1);
	pool_free(pool, table);
}

/* Map [va, end) to pa onwards; the caller checked the range is free. */
static int map_range(struct page_table *pt, u64 *table, u32 level, u64 va, u64 end, u64 pa, u64 attrs)
{
	while (va < end) {
		u64 size = level_size(level);
		u64 next = ALIGN_DOWN(va, size) + size;
		u64 chunk_end = MIN(next, end);
		u64 *slot = &table[level_index(va, level)];
		bool whole = IS_ALIGNED(va, size) && chunk_end - va == size && IS_ALIGNED(pa, size);

		if (level == 3) {
			*slot = (pa & DESC_ADDR_MASK) | attrs | DESC_PAGE;
		} else if (whole && level >= 1 && *slot == DESC_INVALID) {
			*slot = (pa & DESC_ADDR_MASK) | attrs | DESC_BLOCK;
		} else {
			if (*slot == DESC_INVALID) {
				u64 *sub = pt_pool_alloc(pt->pool);

				if (!sub)
					return PT_ENOMEM;
				arch_mm_sync();
				*slot = (u64)(uintptr_t)sub | DESC_TABLE;
			}
			int err = map_range(pt, desc_table(*slot), level + 1, va, chunk_end, pa, attrs);
			if (err)
				return err;
		}
		pa += chunk_end - va;
		va = chunk_end;
	}
	return PT_OK;
}

/*
 * Replace the block at *slot (covering block_va at this level) by a table of
 * next-level entries with the same output and attributes, break-before-make.
 */
static int split_block(struct page_table *pt, u64 *slot, u32 level, u64 block_va)
{
	u64 block = *slot;
	u64 *sub = pt_pool_alloc(pt->pool);
	u64 sub_size = level_size(level + 1);
	u64 type = level + 1 == 3 ? DESC_PAGE : DESC_BLOCK;
	u64 attrs = block & ~DESC_ADDR_MASK & ~DESC_TYPE_MASK;
	u64 pa = block & DESC_ADDR_MASK;

	if (!sub)
		return PT_ENOMEM;
	for (u32 i = 0; i < PT_ENTRIES; i++)
		sub[i] = ((pa + i * sub_size) & DESC_ADDR_MASK) | attrs | type;
	*slot = DESC_INVALID;
	arch_mm_sync();
	arch_mm_invalidate(pt, block_va);
	*slot = (u64)(uintptr_t)sub | DESC_TABLE;
	arch_mm_sync();
	return PT_OK;
}

static bool table_is_empty(const u64 *table)
{
	for (u32 i = 0; i < PT_ENTRIES; i++)
		if (table[i] != DESC_INVALID)
			return false;
	return true;
}

/*
 * Unmap (new_attrs == 0) or re-protect (new_attrs != 0) the mapped parts of
 * [va, end). Sets *flush_all when a whole subtree went away.
 */
static int change_range(struct page_table *pt, u64 *table, u32 level, u64 va, u64 end, u64 new_attrs,
			bool *flush_all)
{
	while (va < end) {
		u64 size = level_size(level);
		u64 entry_va = ALIGN_DOWN(va, size);
		u64 next = entry_va + size;
		u64 chunk_end = MIN(next, end);
		u64 *slot = &table[level_index(va, level)];
		bool whole = va == entry_va && chunk_end == next;

		if (*slot == DESC_INVALID) {
			va = chunk_end;
			continue;
		}
		if (desc_is_leaf(*slot, level) && !whole) {
			int err = split_block(pt, slot, level, entry_va);
			if (err)
				return err;
		}
		if (desc_is_leaf(*slot, level)) {
			u64 type = *slot & DESC_TYPE_MASK;

			*slot = new_attrs ? (*slot & DESC_ADDR_MASK) | new_attrs | type : DESC_INVALID;
			arch_mm_sync();
			/*
			 * Stage 2 can only invalidate a whole VMID at a time, so one
			 * flush at the end serves every leaf of the range (a partly
			 * covered 2 MiB span would otherwise cost 512 flushes).
			 */
			if (pt->kind == PT_STAGE2)
				*flush_all = true;
			else
				arch_mm_invalidate(pt, entry_va);
		} else if (whole && !new_attrs) {
			u64 *sub = desc_table(*slot);

			*slot = DESC_INVALID;
			arch_mm_sync();
			free_subtree(pt->pool, sub, level + 1);
			*flush_all = true;
		} else {
			u64 *sub = desc_table(*slot);
			int err = change_range(pt, sub, level + 1, va, chunk_end, new_attrs, flush_all);

			if (!new_attrs && table_is_empty(sub)) {
				/* Give emptied tables back, so mapping and unmapping never drains the pool. */
				*slot = DESC_INVALID;
				arch_mm_sync();
				pool_free(pt->pool, sub);
				*flush_all = true;
			}
			if (err)
				return err;
		}
		va = chunk_end;
	}
	return PT_OK;
}

static int change(struct page_table *pt, u64 va, u64 size, u64 new_attrs)
{
	bool flush_all = false;
	int err;

	if (!range_ok(pt, va, size))
		return PT_EINVAL;
	err = change_range(pt, pt->root, pt->start_level, va, va + size, new_attrs, &flush_all);
	if (flush_all)
		arch_mm_invalidate_all(pt);
	return err;
}

void pt_flush_local(const struct page_table *pt, u64 va)
{
	arch_mm_invalidate_local(pt, va);
}

int pt_relax(struct page_table *pt, u64 va, u32 flags)
{
	bool flush_all = false;
	int err;

	if (!range_ok(pt, va, PAGE_SIZE))
		return PT_EINVAL;
	/* A block is split with break-before-make, flushed everywhere (split_block); the leaf only gains access. */
	err = change_range(pt, pt->root, pt->start_level, va, va + PAGE_SIZE, arch_mm_leaf_attrs(pt->kind, flags),
			   &flush_all);
	arch_mm_invalidate_local(pt, va);
	return err;
}

int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u32 flags)
{
	int err;

	if (!range_ok(pt, va, size) || !IS_ALIGNED(pa, PAGE_SIZE) || (pa & ~DESC_ADDR_MASK) != 0)
		return PT_EINVAL;
	if (!range_is_free(pt->root, pt->start_level, va, va + size))
		return PT_EEXIST;
	err = map_range(pt, pt->root, pt->start_level, va, va + size, pa,
			arch_mm_leaf_attrs(pt->kind, flags));
	arch_mm_sync();
	if (err)
		change(pt, va, size, 0); /* undo the part that was mapped: changes nothing overall */
	return err;
}

int pt_unmap(struct page_table *pt, u64 va, u64 size)
{
	return change(pt, va, size, 0);
}

int pt_protect(struct page_table *pt, u64 va, u64 size, u32 flags)
{
	return change(pt, va, size, arch_mm_leaf_attrs(pt->kind, flags));
}

bool pt_walk(const struct page_table *pt, u64 va, u64 *pa, u32 *flags)
{
	const u64 *table = pt->root;

	if (va >> pt->va_bits)
		return false;
	for (u32 level = pt->start_level; level <= 3; level++) {
		u64 desc = table[level_index(va, level)];

		if (desc_is_leaf(desc, level)) {
			if (pa)
				*pa = (desc & DESC_ADDR_MASK & ~(level_size(level) - 1)) | (va & (level_size(level) - 1));
			if (flags)
				*flags = arch_mm_leaf_flags(pt->kind, desc);
			return true;
		}
		if (!desc_is_table(desc, level))
			return false;
		table = desc_table(desc);
	}
	return false;
}
