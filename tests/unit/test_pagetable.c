/*
 * Host tests of the translation-table builder (core/pagetable.c), written
 * from the contract in include/keel/mm.h. Tables are read back two ways:
 * through pt_walk(), and by hand, following the VMSAv8-64 4 KiB-granule
 * format (Arm ARM D8.3) through the identity-mapped table pointers, so a test
 * can see which level a mapping landed at and what its descriptor holds.
 * Descriptor attributes come from arch/fake/mm.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/mm.h>
#include <keel/mm.h>

#include "fake_mm.h"

#define OA_MASK 0x0000fffffffff000ull /* output address, bits [47:12] */
#define DESC_TYPE_MASK 3ull
#define DESC_BLOCK 1ull /* levels 1 and 2 */
#define DESC_TABLE 3ull /* levels 0 to 2; a page at level 3 */

static void *pool_mem;
static struct pt_pool pool;
static struct page_table pt;

/* A pool of nr_pages pages whose backing is filled with byte fill. */
static void pool_setup(u32 nr_pages, int fill)
{
	size_t bytes = (size_t)(nr_pages ? nr_pages : 1) * PAGE_SIZE;

	pool_mem = aligned_alloc(PAGE_SIZE, bytes);
	assert_non_null(pool_mem);
	memset(pool_mem, fill, bytes);
	pt_pool_init(&pool, pool_mem, nr_pages);
}

static void table_setup(enum pt_kind kind, u32 va_bits, u32 start_level, u32 nr_pages)
{
	pool_setup(nr_pages, 0);
	assert_int_equal(pt_init(&pt, kind, va_bits, start_level, &pool), PT_OK);
}

/* The usual VM shape: stage 2, 39-bit IPA, level-1 root. */
static void s2_setup(u32 nr_pages)
{
	table_setup(PT_STAGE2, 39, 1, nr_pages);
}

static int teardown(void **state)
{
	(void)state;
	free(pool_mem);
	pool_mem = NULL;
	fake_mm_reset();
	return 0;
}

static u32 level_shift(u32 level)
{
	return PAGE_SHIFT + 9 * (3 - level);
}

/* The descriptor that ends the walk for va (leaf or invalid) and its level. */
static u64 hand_walk(const struct page_table *t, u64 va, u32 *level_out)
{
	const u64 *table = t->root;

	for (u32 level = t->start_level;; level++) {
		u64 d = table[(va >> level_shift(level)) & 511];

		if (level == 3 || (d & DESC_TYPE_MASK) != DESC_TABLE) {
			*level_out = level;
			return d;
		}
		table = (const u64 *)(uintptr_t)(d & OA_MASK);
	}
}

/* va must be mapped by a leaf at this level, to pa, with exactly these flags. */
static void expect_leaf(u64 va, u32 level, u64 pa, u32 flags)
{
	u64 size = 1ull << level_shift(level), wpa = 0;
	u32 l, wflags = 0;
	u64 d = hand_walk(&pt, va, &l);

	assert_int_equal(l, level);
	assert_int_equal(d & DESC_TYPE_MASK, level == 3 ? DESC_TABLE : DESC_BLOCK);
	assert_int_equal(d & OA_MASK, ALIGN_DOWN(pa, size));
	assert_int_equal(d & ~(OA_MASK | DESC_TYPE_MASK), arch_mm_leaf_attrs(pt.kind, flags));
	assert_true(pt_walk(&pt, va, &wpa, &wflags));
	assert_int_equal(wpa, pa);
	assert_int_equal(wflags, flags);
}

static void expect_mapped(u64 va, u64 pa, u32 flags)
{
	u64 wpa = 0;
	u32 wflags = 0;

	assert_true(pt_walk(&pt, va, &wpa, &wflags));
	assert_int_equal(wpa, pa);
	assert_int_equal(wflags, flags);
}

static void expect_unmapped(u64 va)
{
	u64 wpa;
	u32 wflags, l;

	assert_false(pt_walk(&pt, va, &wpa, &wflags));
	assert_int_equal(hand_walk(&pt, va, &l) & 1, 0);
}

/* Every page of [va, va + size) maps to the same offset from pa, with flags. */
static void expect_range(u64 va, u64 pa, u64 size, u32 flags)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		expect_mapped(va + off, pa + off, flags);
}

static void test_pool_alloc(void **state)
{
	u8 *seen[8];

	(void)state;
	pool_setup(8, 0xa5); /* alloc must zero what it hands out */
	for (int i = 0; i < 8; i++) {
		u8 *p = pt_pool_alloc(&pool);

		assert_non_null(p);
		assert_true(IS_ALIGNED((uintptr_t)p, PAGE_SIZE));
		assert_true(p >= (u8 *)pool_mem && p < (u8 *)pool_mem + 8 * PAGE_SIZE);
		for (u64 j = 0; j < PAGE_SIZE; j++)
			assert_int_equal(p[j], 0);
		for (int k = 0; k < i; k++)
			assert_ptr_not_equal(seen[k], p);
		seen[i] = p;
	}
	assert_null(pt_pool_alloc(&pool));
}

static void test_init_stage2(void **state)
{
	(void)state;
	s2_setup(4);
	assert_int_equal(pt.kind, PT_STAGE2);
	assert_int_equal(pt.va_bits, 39);
	assert_int_equal(pt.start_level, 1);
	assert_ptr_equal(pt.pool, &pool);
	assert_non_null(pt.root);
	assert_true(IS_ALIGNED((uintptr_t)pt.root, PAGE_SIZE));
	assert_true((u8 *)pt.root >= (u8 *)pool_mem && (u8 *)pt.root < (u8 *)pool_mem + 4 * PAGE_SIZE);
	for (int i = 0; i < 512; i++)
		assert_int_equal(pt.root[i], 0);
	assert_int_equal(pool.nr_used, 1);
	expect_unmapped(0);
	expect_unmapped((1ull << 39) - PAGE_SIZE);
}

static void test_init_stage1(void **state)
{
	(void)state;
	table_setup(PT_STAGE1_EL2, 48, 0, 4);
	assert_int_equal(pt.kind, PT_STAGE1_EL2);
	assert_int_equal(pt.va_bits, 48);
	assert_int_equal(pt.start_level, 0);
	assert_non_null(pt.root);
	for (int i = 0; i < 512; i++)
		assert_int_equal(pt.root[i], 0);
	expect_unmapped(0);
	expect_unmapped((1ull << 48) - PAGE_SIZE);
}

static void test_init_no_memory(void **state)
{
	(void)state;
	pool_setup(0, 0);
	assert_int_equal(pt_init(&pt, PT_STAGE2, 39, 1, &pool), PT_ENOMEM);
}

static void test_map_page(void **state)
{
	const u64 va = GiB + 0x1000, pa = 0x800003000ull;
	u64 wpa;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, va, pa, PAGE_SIZE, MM_RW), PT_OK);
	expect_leaf(va, 3, pa, MM_RW);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(va + PAGE_SIZE);
	expect_unmapped(0);
	/* A translation keeps the offset inside the page. */
	assert_true(pt_walk(&pt, va + 0xabc, &wpa, NULL));
	assert_int_equal(wpa, pa + 0xabc);
	assert_int_equal(pool.nr_used, 3); /* root, level 2, level 3 */
}

static void test_map_flags_round_trip(void **state)
{
	(void)state;
	s2_setup(8);
	for (u32 f = 1; f < 16; f++)
		assert_int_equal(pt_map(&pt, f * PAGE_SIZE, 0x40000000ull + f * PAGE_SIZE, PAGE_SIZE, f), PT_OK);
	for (u32 f = 1; f < 16; f++)
		expect_leaf(f * PAGE_SIZE, 3, 0x40000000ull + f * PAGE_SIZE, f);
}

static void test_map_2m_blocks(void **state)
{
	const u64 va = GiB + 2 * MiB, pa = 0x80000000ull + 6 * MiB;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, va, pa, 4 * MiB, MM_RWX), PT_OK);
	expect_leaf(va, 2, pa, MM_RWX);
	expect_leaf(va + 2 * MiB, 2, pa + 2 * MiB, MM_RWX);
	expect_range(va, pa, 4 * MiB, MM_RWX);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(va + 4 * MiB);
	assert_int_equal(pool.nr_used, 2); /* no level-3 table */
}

static void test_map_1g_block(void **state)
{
	const u64 va = 2 * GiB, pa = 5 * GiB;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, va, pa, GiB, MM_RW | MM_DEVICE), PT_OK);
	expect_leaf(va, 1, pa, MM_RW | MM_DEVICE);
	expect_leaf(va + GiB - PAGE_SIZE, 1, pa + GiB - PAGE_SIZE, MM_RW | MM_DEVICE);
	expect_mapped(va + 123 * MiB + 0x5000, pa + 123 * MiB + 0x5000, MM_RW | MM_DEVICE);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(va + GiB);
	assert_int_equal(pool.nr_used, 1);
}

/* Pages up to the first 2 MiB boundary, blocks in the middle, pages after. */
static void test_map_mixed_sizes(void **state)
{
	const u64 va = 2 * MiB - 2 * PAGE_SIZE, size = 4 * MiB + 4 * PAGE_SIZE, pa = va + GiB;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, va, pa, size, MM_READ), PT_OK);
	expect_leaf(va, 3, pa, MM_READ);
	expect_leaf(va + PAGE_SIZE, 3, pa + PAGE_SIZE, MM_READ);
	expect_leaf(2 * MiB, 2, 2 * MiB + GiB, MM_READ);
	expect_leaf(4 * MiB, 2, 4 * MiB + GiB, MM_READ);
	expect_leaf(6 * MiB, 3, 6 * MiB + GiB, MM_READ);
	expect_leaf(6 * MiB + PAGE_SIZE, 3, 6 * MiB + PAGE_SIZE + GiB, MM_READ);
	expect_range(va, pa, size, MM_READ);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(va + size);
}

/* va is 2 MiB aligned but pa is not: no block can be used. */
static void test_map_misaligned_pa_uses_pages(void **state)
{
	const u64 va = 4 * MiB, pa = 8 * MiB + PAGE_SIZE;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, va, pa, 2 * MiB, MM_RW), PT_OK);
	for (u64 off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_leaf(va + off, 3, pa + off, MM_RW);
}

static void test_map_unaligned(void **state)
{
	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, GiB + 0x800, GiB, PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(pt_map(&pt, GiB, GiB + 1, PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(pt_map(&pt, GiB, GiB, PAGE_SIZE + 1, MM_RW), PT_EINVAL);
	assert_int_equal(pt_map(&pt, GiB, GiB, 2 * MiB - 0x10, MM_RW), PT_EINVAL);
	expect_unmapped(GiB);
	expect_unmapped(GiB + PAGE_SIZE);
}

static void test_map_outside_input_range(void **state)
{
	const u64 top = 1ull << 39;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, top, 0, PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(pt_map(&pt, top - PAGE_SIZE, 0, 2 * PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(pt_map(&pt, top - GiB, 0, 2 * GiB, MM_RW), PT_EINVAL);
	/* va + size wraps around zero. */
	assert_int_equal(pt_map(&pt, ~0xfffull, 0, 2 * PAGE_SIZE, MM_RW), PT_EINVAL);
	expect_unmapped(top - PAGE_SIZE);
	expect_unmapped(top - GiB);
	expect_unmapped(0);
	/* The very last page is inside. */
	assert_int_equal(pt_map(&pt, top - PAGE_SIZE, 0x1000, PAGE_SIZE, MM_RW), PT_OK);
	expect_leaf(top - PAGE_SIZE, 3, 0x1000, MM_RW);
}

static void test_unmap_protect_bad_range(void **state)
{
	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, GiB, GiB, 2 * PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_unmap(&pt, GiB + 0x10, PAGE_SIZE), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, GiB, 0x10), PT_EINVAL);
	assert_int_equal(pt_unmap(&pt, 1ull << 39, PAGE_SIZE), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, GiB + 0x10, PAGE_SIZE, MM_READ), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, GiB, 0x10, MM_READ), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, (1ull << 39) - PAGE_SIZE, 2 * PAGE_SIZE, MM_READ), PT_EINVAL);
	expect_range(GiB, GiB, 2 * PAGE_SIZE, MM_RW);
}

static void test_map_over_existing(void **state)
{
	const u64 x = GiB + 10 * PAGE_SIZE, b = GiB + 4 * MiB;

	(void)state;
	s2_setup(16);
	assert_int_equal(pt_map(&pt, x, 0x7000, PAGE_SIZE, MM_RW), PT_OK);
	/* The same mapping again, and one that overlaps it on both sides. */
	assert_int_equal(pt_map(&pt, x, 0x7000, PAGE_SIZE, MM_RW), PT_EEXIST);
	assert_int_equal(pt_map(&pt, x - PAGE_SIZE, 0x20000, 3 * PAGE_SIZE, MM_READ), PT_EEXIST);
	expect_unmapped(x - PAGE_SIZE);
	expect_unmapped(x + PAGE_SIZE);
	expect_leaf(x, 3, 0x7000, MM_RW);

	/* A page inside a block. */
	assert_int_equal(pt_map(&pt, b, 16 * MiB, 2 * MiB, MM_RW), PT_OK);
	assert_int_equal(pt_map(&pt, b + 7 * PAGE_SIZE, 0x9000, PAGE_SIZE, MM_READ), PT_EEXIST);
	expect_leaf(b, 2, 16 * MiB, MM_RW);
	expect_range(b, 16 * MiB, 2 * MiB, MM_RW);

	/* The clash is only at the far end: the blocks before it must not appear. */
	assert_int_equal(pt_map(&pt, 2 * GiB + 2 * MiB + PAGE_SIZE, 0x3000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_map(&pt, 2 * GiB, 32 * MiB, 4 * MiB, MM_RW), PT_EEXIST);
	expect_unmapped(2 * GiB);
	expect_unmapped(2 * GiB + 2 * MiB);
	expect_unmapped(2 * GiB + 2 * MiB + 2 * PAGE_SIZE);
	expect_leaf(2 * GiB + 2 * MiB + PAGE_SIZE, 3, 0x3000, MM_RW);
	/* A 1 GiB range whose last page is taken. */
	assert_int_equal(pt_map(&pt, 4 * GiB - PAGE_SIZE, 0x5000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_map(&pt, 3 * GiB, 3 * GiB, GiB, MM_RW), PT_EEXIST);
	expect_unmapped(3 * GiB);
	expect_unmapped(4 * GiB - 2 * MiB);
}

static void test_unmap_splits_2m_block(void **state)
{
	const u64 b = GiB + 2 * MiB, pa = 0x40000000ull, mid = b + 256 * PAGE_SIZE;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, b, pa, 2 * MiB, MM_RW), PT_OK);
	fake_mm_reset();
	assert_int_equal(pt_unmap(&pt, mid, PAGE_SIZE), PT_OK);
	expect_unmapped(mid);
	for (u64 off = 0; off < 2 * MiB; off += PAGE_SIZE) {
		if (b + off != mid)
			expect_leaf(b + off, 3, pa + off, MM_RW);
	}
	assert_true(fake_mm_invalidate_count > 0);
	assert_true(fake_mm_invalidated_in(b, b + 2 * MiB));
	assert_ptr_equal(fake_mm_invalidate_last_pt, &pt);
}

static void test_unmap_splits_1g_block(void **state)
{
	const u64 g = GiB, pa = 3 * GiB, mid = g + 512 * MiB + PAGE_SIZE;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, g, pa, GiB, MM_RWX), PT_OK);
	fake_mm_reset();
	assert_int_equal(pt_unmap(&pt, mid, PAGE_SIZE), PT_OK);
	expect_unmapped(mid);
	for (u64 off = 0; off < GiB; off += PAGE_SIZE) {
		if (g + off != mid)
			expect_mapped(g + off, pa + off, MM_RWX);
	}
	assert_true(fake_mm_invalidated_in(g, g + GiB));
}

static void test_unmap_whole_block_and_nothing(void **state)
{
	const u64 b = GiB + 2 * MiB;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_unmap(&pt, GiB, 8 * MiB), PT_OK); /* nothing there */
	assert_int_equal(pt_map(&pt, b, 0, 4 * MiB, MM_RW), PT_OK);
	fake_mm_reset();
	assert_int_equal(pt_unmap(&pt, b, 2 * MiB), PT_OK);
	assert_true(fake_mm_invalidated_in(b, b + 2 * MiB));
	for (u64 off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_unmapped(b + off);
	expect_leaf(b + 2 * MiB, 2, 2 * MiB, MM_RW);
	assert_int_equal(pool.nr_used, 2); /* no split, so no level-3 table */
	/* A range that straddles the end of the remaining block. */
	assert_int_equal(pt_unmap(&pt, b + 4 * MiB - PAGE_SIZE, 4 * PAGE_SIZE), PT_OK);
	expect_unmapped(b + 4 * MiB - PAGE_SIZE);
	expect_range(b + 2 * MiB, 2 * MiB, 2 * MiB - PAGE_SIZE, MM_RW);
}

/* Checkpointing's use: write-protect one page of a block, later give it back. */
static void test_protect_splits_block(void **state)
{
	const u64 b = 3 * GiB + 6 * MiB, pa = 0x200000000ull, p = b + 5 * PAGE_SIZE;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, b, pa, 2 * MiB, MM_RW), PT_OK);
	fake_mm_reset();
	assert_int_equal(pt_protect(&pt, p, PAGE_SIZE, MM_READ), PT_OK);
	assert_true(fake_mm_invalidated_in(b, b + 2 * MiB));
	for (u64 off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_leaf(b + off, 3, pa + off, b + off == p ? MM_READ : MM_RW);

	assert_int_equal(pt_protect(&pt, p, PAGE_SIZE, MM_RW), PT_OK);
	expect_range(b, pa, 2 * MiB, MM_RW);

	/* The whole block read-only, then a 1 GiB block partly. */
	assert_int_equal(pt_protect(&pt, b, 2 * MiB, MM_READ), PT_OK);
	expect_range(b, pa, 2 * MiB, MM_READ);
	assert_int_equal(pt_map(&pt, GiB, 8 * GiB, GiB, MM_RWX), PT_OK);
	assert_int_equal(pt_protect(&pt, GiB + 4 * MiB, 3 * PAGE_SIZE, MM_READ | MM_EXEC), PT_OK);
	expect_range(GiB, 8 * GiB, 4 * MiB, MM_RWX);
	expect_range(GiB + 4 * MiB, 8 * GiB + 4 * MiB, 3 * PAGE_SIZE, MM_READ | MM_EXEC);
	expect_range(GiB + 4 * MiB + 3 * PAGE_SIZE, 8 * GiB + 4 * MiB + 3 * PAGE_SIZE,
		     GiB - 4 * MiB - 3 * PAGE_SIZE, MM_RWX);
}

/* pt_protect changes mapped pages only; holes stay holes. */
static void test_protect_unmapped(void **state)
{
	const u64 x = GiB;

	(void)state;
	s2_setup(8);
	assert_int_equal(pt_protect(&pt, 2 * GiB, 4 * MiB, MM_READ), PT_OK);
	expect_unmapped(2 * GiB);
	expect_unmapped(2 * GiB + 2 * MiB);
	assert_int_equal(pt_map(&pt, x, 0x5000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_protect(&pt, x - PAGE_SIZE, 3 * PAGE_SIZE, MM_READ), PT_OK);
	expect_unmapped(x - PAGE_SIZE);
	expect_unmapped(x + PAGE_SIZE);
	expect_leaf(x, 3, 0x5000, MM_READ);
}

static void test_map_enomem(void **state)
{
	(void)state;
	s2_setup(3); /* root, one level-2 and one level-3 table */
	assert_int_equal(pt_map(&pt, 0x1000, 0x9000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_map(&pt, GiB + 0x1000, 0xa000, PAGE_SIZE, MM_RW), PT_ENOMEM);
	assert_int_equal(pt_map(&pt, 2 * MiB, 0xa000, PAGE_SIZE, MM_RW), PT_ENOMEM);
	expect_leaf(0x1000, 3, 0x9000, MM_RW);
	expect_unmapped(GiB + 0x1000);
	expect_unmapped(2 * MiB);
	expect_unmapped(0);
	/* What fits in the tables already there still works. */
	assert_int_equal(pt_map(&pt, 0x2000, 0xb000, PAGE_SIZE, MM_READ), PT_OK);
	assert_int_equal(pt_map(&pt, 4 * MiB, 4 * MiB, 2 * MiB, MM_READ), PT_OK);
	expect_leaf(0x1000, 3, 0x9000, MM_RW);
	expect_leaf(0x2000, 3, 0xb000, MM_READ);
	expect_leaf(4 * MiB, 2, 4 * MiB, MM_READ);
}

/* A split that cannot get a page leaves the block as it was. */
static void test_split_enomem(void **state)
{
	const u64 b = 2 * MiB, pa = 0x600000;

	(void)state;
	s2_setup(2); /* root and one level-2 table */
	assert_int_equal(pt_map(&pt, b, pa, 2 * MiB, MM_RW), PT_OK);
	assert_int_equal(pt_unmap(&pt, b + 9 * PAGE_SIZE, PAGE_SIZE), PT_ENOMEM);
	expect_leaf(b, 2, pa, MM_RW);
	expect_range(b, pa, 2 * MiB, MM_RW);
	assert_int_equal(pt_protect(&pt, b + 9 * PAGE_SIZE, PAGE_SIZE, MM_READ), PT_ENOMEM);
	expect_leaf(b, 2, pa, MM_RW);
	expect_range(b, pa, 2 * MiB, MM_RW);
}

/* Unmapping a whole region gives its tables back, zeroed when reused. */
static void test_unmap_region_reuses_pages(void **state)
{
	(void)state;
	s2_setup(3);
	for (u64 g = 0; g < 512; g++) {
		u64 va = g * GiB + 2 * MiB + 5 * PAGE_SIZE;

		assert_int_equal(pt_map(&pt, va, 0x10000 + g * PAGE_SIZE, PAGE_SIZE, MM_RW), PT_OK);
		expect_leaf(va, 3, 0x10000 + g * PAGE_SIZE, MM_RW);
		expect_unmapped(g * GiB);
		expect_unmapped(g * GiB + 2 * MiB);
		assert_int_equal(pt_unmap(&pt, g * GiB, GiB), PT_OK);
		expect_unmapped(va);
		assert_int_equal(pool.nr_used, 1);
	}
}

/*
 * Unmapping just what was mapped must give the emptied tables back too:
 * the pool is sized at boot, so tables left empty by map/unmap churn at
 * changing addresses would exhaust it.
 */
static void test_unmap_page_reuses_pages(void **state)
{
	(void)state;
	s2_setup(3);
	for (u64 g = 0; g < 512; g++) {
		u64 va = g * GiB + 2 * MiB + 5 * PAGE_SIZE;

		assert_int_equal(pt_map(&pt, va, 0x10000 + g * PAGE_SIZE, PAGE_SIZE, MM_RW), PT_OK);
		expect_leaf(va, 3, 0x10000 + g * PAGE_SIZE, MM_RW);
		assert_int_equal(pt_unmap(&pt, va, PAGE_SIZE), PT_OK);
		expect_unmapped(va);
		assert_int_equal(pool.nr_used, 1);
	}
}

/* Unmapping a 1 GiB region whose level-2 table has level-3 tables under it. */
static void test_unmap_frees_nested_tables(void **state)
{
	(void)state;
	s2_setup(8);
	assert_int_equal(pt_map(&pt, GiB + PAGE_SIZE, 0x1000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pt_map(&pt, GiB + 4 * MiB, 0x2000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pool.nr_used, 4); /* root, level 2, two level 3 */
	assert_int_equal(pt_unmap(&pt, GiB, GiB), PT_OK);
	expect_unmapped(GiB + PAGE_SIZE);
	expect_unmapped(GiB + 4 * MiB);
	assert_int_equal(pool.nr_used, 1);
}

/* A map that runs out of pages part way gives back what it took. */
static void test_map_enomem_part_way(void **state)
{
	(void)state;
	s2_setup(4);
	assert_int_equal(pt_map(&pt, 0x1000, 0x9000, PAGE_SIZE, MM_RW), PT_OK);
	assert_int_equal(pool.nr_used, 3);
	/* Needs a level-2 and a level-3 table; only one page is left. */
	assert_int_equal(pt_map(&pt, GiB + 0x1000, 0xa000, PAGE_SIZE, MM_RW), PT_ENOMEM);
	expect_unmapped(GiB + 0x1000);
	expect_leaf(0x1000, 3, 0x9000, MM_RW);
	assert_int_equal(pool.nr_used, 3);
	/* So the last page is still there for a map that needs one table. */
	assert_int_equal(pt_map(&pt, 2 * MiB, 0xa000, PAGE_SIZE, MM_RW), PT_OK);
	expect_leaf(2 * MiB, 3, 0xa000, MM_RW);
}

/* Stage 1 at EL2: level-0 root, and no blocks at level 0 (4 KiB granule). */
static void test_stage1_map(void **state)
{
	const u64 big = 512 * GiB;

	(void)state;
	table_setup(PT_STAGE1_EL2, 48, 0, 16);
	assert_int_equal(pt_map(&pt, big, big, big, MM_RW), PT_OK);
	expect_leaf(big, 1, big, MM_RW);
	expect_leaf(2 * big - GiB, 1, 2 * big - GiB, MM_RW);
	expect_mapped(big + 77 * GiB + 0x3000, big + 77 * GiB + 0x3000, MM_RW);
	assert_int_equal(pool.nr_used, 2);

	assert_int_equal(pt_map(&pt, 0x40000000, 0x40000000, 2 * MiB, MM_RWX), PT_OK);
	assert_int_equal(pt_map(&pt, 0x9000000, 0x9000000, PAGE_SIZE, MM_RW | MM_DEVICE), PT_OK);
	assert_int_equal(pt_map(&pt, 0x41000000 + 2 * MiB, 0x41000000, PAGE_SIZE, MM_READ), PT_OK);
	expect_leaf(0x40000000, 2, 0x40000000, MM_RWX);
	expect_leaf(0x9000000, 3, 0x9000000, MM_RW | MM_DEVICE);
	expect_leaf(0x41000000 + 2 * MiB, 3, 0x41000000, MM_READ);
	assert_int_equal(pt_map(&pt, 1ull << 48, 0, PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(pt_protect(&pt, 0x40000000 + PAGE_SIZE, PAGE_SIZE, MM_READ | MM_EXEC), PT_OK);
	expect_leaf(0x40000000 + PAGE_SIZE, 3, 0x40000000 + PAGE_SIZE, MM_READ | MM_EXEC);
	expect_mapped(0x40000000, 0x40000000, MM_RWX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pool_alloc, teardown),
		cmocka_unit_test_teardown(test_init_stage2, teardown),
		cmocka_unit_test_teardown(test_init_stage1, teardown),
		cmocka_unit_test_teardown(test_init_no_memory, teardown),
		cmocka_unit_test_teardown(test_map_page, teardown),
		cmocka_unit_test_teardown(test_map_flags_round_trip, teardown),
		cmocka_unit_test_teardown(test_map_2m_blocks, teardown),
		cmocka_unit_test_teardown(test_map_1g_block, teardown),
		cmocka_unit_test_teardown(test_map_mixed_sizes, teardown),
		cmocka_unit_test_teardown(test_map_misaligned_pa_uses_pages, teardown),
		cmocka_unit_test_teardown(test_map_unaligned, teardown),
		cmocka_unit_test_teardown(test_map_outside_input_range, teardown),
		cmocka_unit_test_teardown(test_unmap_protect_bad_range, teardown),
		cmocka_unit_test_teardown(test_map_over_existing, teardown),
		cmocka_unit_test_teardown(test_unmap_splits_2m_block, teardown),
		cmocka_unit_test_teardown(test_unmap_splits_1g_block, teardown),
		cmocka_unit_test_teardown(test_unmap_whole_block_and_nothing, teardown),
		cmocka_unit_test_teardown(test_protect_splits_block, teardown),
		cmocka_unit_test_teardown(test_protect_unmapped, teardown),
		cmocka_unit_test_teardown(test_map_enomem, teardown),
		cmocka_unit_test_teardown(test_split_enomem, teardown),
		cmocka_unit_test_teardown(test_map_enomem_part_way, teardown),
		cmocka_unit_test_teardown(test_unmap_region_reuses_pages, teardown),
		cmocka_unit_test_teardown(test_unmap_page_reuses_pages, teardown),
		cmocka_unit_test_teardown(test_unmap_frees_nested_tables, teardown),
		cmocka_unit_test_teardown(test_stage1_map, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
