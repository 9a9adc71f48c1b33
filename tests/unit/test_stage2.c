/*
 * Host tests of a VM's stage-2 address space (core/stage2.c over
 * core/pagetable.c), written from include/keel/stage2.h: the typed-address
 * wrappers, TLB invalidation tagged with the VM's VMID whenever access is
 * removed or reduced, the write-protect/re-enable cycle checkpointing relies
 * on, one physical range shared by two VMs, and a seeded random sequence of
 * maps, unmaps and protects checked page by page against a reference model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/mm.h>
#include <keel/stage2.h>

#include "fake_mm.h"

#define OA_MASK 0x0000fffffffff000ull
#define POOL_PAGES 8192

static void *pool_mem;
static struct pt_pool pool;

static void pool_setup(u32 nr_pages)
{
	pool_mem = aligned_alloc(PAGE_SIZE, (size_t)nr_pages * PAGE_SIZE);
	assert_non_null(pool_mem);
	memset(pool_mem, 0, (size_t)nr_pages * PAGE_SIZE);
	pt_pool_init(&pool, pool_mem, nr_pages);
}

static int setup(void **state)
{
	(void)state;
	pool_setup(POOL_PAGES);
	fake_mm_reset();
	return 0;
}

/* The reference model of the random test: one entry per page of its window. */
struct model_page {
	u64 pa;
	u32 flags; /* 0: unmapped */
};

static struct model_page *model;

static int teardown(void **state)
{
	(void)state;
	free(pool_mem);
	pool_mem = NULL;
	free(model);
	model = NULL;
	return 0;
}

static void expect_s2(const struct stage2 *s2, u64 ipa, u64 pa, u32 flags)
{
	paddr_t got = pa_of(0);
	u32 f = 0;

	assert_true(s2_walk(s2, ipa_of(ipa), &got, &f));
	assert_int_equal(pa_val(got), pa);
	assert_int_equal(f, flags);
}

static void expect_s2_unmapped(const struct stage2 *s2, u64 ipa)
{
	paddr_t got;
	u32 f;

	assert_false(s2_walk(s2, ipa_of(ipa), &got, &f));
}

static void test_s2_init(void **state)
{
	struct stage2 s2;

	(void)state;
	assert_int_equal(s2_init(&s2, 7, &pool), PT_OK);
	assert_int_equal(s2.vmid, 7);
	assert_int_equal(s2.pt.vmid, 7); /* arch_mm_invalidate sees only the table */
	assert_int_equal(s2.pt.kind, PT_STAGE2);
	assert_int_equal(s2.pt.va_bits, STAGE2_IPA_BITS);
	assert_int_equal(s2.pt.start_level, 1);
	assert_non_null(s2.pt.root);
	expect_s2_unmapped(&s2, 0);
}

static void test_s2_map_walk_unmap(void **state)
{
	struct stage2 s2;
	const ipaddr_t ram = ipa_of(0x40000000);
	const paddr_t backing = pa_of(0x880000000ull);

	(void)state;
	assert_int_equal(s2_init(&s2, 3, &pool), PT_OK);
	assert_int_equal(s2_map(&s2, ram, backing, 64 * MiB, MM_RWX), PT_OK);
	assert_int_equal(s2_map(&s2, ipa_of(0x09000000), pa_of(0x09000000), PAGE_SIZE, MM_RW | MM_DEVICE),
			 PT_OK);
	expect_s2(&s2, ipa_val(ram), pa_val(backing), MM_RWX);
	expect_s2(&s2, ipa_val(ipa_add(ram, 64 * MiB - PAGE_SIZE)), pa_val(pa_add(backing, 64 * MiB - PAGE_SIZE)),
		  MM_RWX);
	expect_s2(&s2, 0x09000000, 0x09000000, MM_RW | MM_DEVICE);
	expect_s2_unmapped(&s2, ipa_val(ipa_add(ram, 64 * MiB)));
	assert_int_equal(s2_map(&s2, ipa_add(ram, PAGE_SIZE), pa_of(0), PAGE_SIZE, MM_RW), PT_EEXIST);
	assert_int_equal(s2_map(&s2, ipa_of(1ull << STAGE2_IPA_BITS), pa_of(0), PAGE_SIZE, MM_RW), PT_EINVAL);
	assert_int_equal(s2_map(&s2, ipa_of(0x100), pa_of(0), PAGE_SIZE, MM_RW), PT_EINVAL);

	fake_mm_reset();
	assert_int_equal(s2_unmap(&s2, ipa_add(ram, 8 * MiB), 3 * PAGE_SIZE), PT_OK);
	assert_true(fake_mm_invalidated_in(ipa_val(ram) + 8 * MiB, ipa_val(ram) + 8 * MiB + 3 * PAGE_SIZE));
	assert_int_equal(fake_mm_invalidate_last_vmid, 3);
	for (u64 i = 0; i < 3; i++)
		expect_s2_unmapped(&s2, ipa_val(ram) + 8 * MiB + i * PAGE_SIZE);
	expect_s2(&s2, ipa_val(ram) + 8 * MiB - PAGE_SIZE, pa_val(backing) + 8 * MiB - PAGE_SIZE, MM_RWX);
	expect_s2(&s2, ipa_val(ram) + 8 * MiB + 3 * PAGE_SIZE, pa_val(backing) + 8 * MiB + 3 * PAGE_SIZE, MM_RWX);
}

/*
 * Checkpointing: write-protect all of RAM, then on each write fault give one
 * page its write permission back. Every reduction must reach the TLB.
 */
static void test_s2_checkpoint_cycle(void **state)
{
	struct stage2 s2;
	const u64 ram = 0x40000000, backing = 0x100000000ull, size = 8 * MiB;
	const u64 dirty[] = { 0, 5 * PAGE_SIZE, 2 * MiB + 17 * PAGE_SIZE, size - PAGE_SIZE };

	(void)state;
	assert_int_equal(s2_init(&s2, 9, &pool), PT_OK);
	assert_int_equal(s2_map(&s2, ipa_of(ram), pa_of(backing), size, MM_RWX), PT_OK);
	fake_mm_reset();
	assert_int_equal(s2_protect(&s2, ipa_of(ram), size, MM_READ | MM_EXEC), PT_OK);
	assert_true(fake_mm_invalidate_count + fake_mm_invalidate_all_count > 0); /* stage 2 flushes by VMID */
	assert_int_equal(fake_mm_invalidate_last_vmid, 9);
	for (u64 off = 0; off < size; off += 2 * MiB)
		assert_true(fake_mm_invalidated_in(ram + off, ram + off + 2 * MiB));
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		expect_s2(&s2, ram + off, backing + off, MM_READ | MM_EXEC);

	for (size_t i = 0; i < ARRAY_SIZE(dirty); i++)
		assert_int_equal(s2_protect(&s2, ipa_of(ram + dirty[i]), PAGE_SIZE, MM_RWX), PT_OK);
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u32 want = MM_READ | MM_EXEC;

		for (size_t i = 0; i < ARRAY_SIZE(dirty); i++) {
			if (dirty[i] == off)
				want = MM_RWX;
		}
		expect_s2(&s2, ram + off, backing + off, want);
	}
	/* The next epoch protects everything again. */
	fake_mm_reset();
	assert_int_equal(s2_protect(&s2, ipa_of(ram), size, MM_READ | MM_EXEC), PT_OK);
	for (size_t i = 0; i < ARRAY_SIZE(dirty); i++)
		assert_true(fake_mm_invalidated_in(ram + dirty[i], ram + dirty[i] + PAGE_SIZE));
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		expect_s2(&s2, ram + off, backing + off, MM_READ | MM_EXEC);
}

/*
 * The dirty log's fault path: s2_relax gives one page write access with only
 * a local invalidation once its block is split (the split itself is
 * break-before-make, flushed by VMID); neighbours keep their permissions.
 */
static void test_s2_relax_local(void **state)
{
	struct stage2 s2;
	const u64 ram = 0x40000000, backing = 0x100000000ull, size = 4 * MiB;

	(void)state;
	assert_int_equal(s2_init(&s2, 5, &pool), PT_OK);
	assert_int_equal(s2_map(&s2, ipa_of(ram), pa_of(backing), size, MM_RWX), PT_OK);
	assert_int_equal(s2_protect(&s2, ipa_of(ram), size, MM_READ | MM_EXEC), PT_OK);
	/* First write into a block: split (flushed by VMID), then the page relaxed locally. */
	fake_mm_reset();
	assert_int_equal(s2_relax(&s2, ipa_of(ram + 3 * PAGE_SIZE), MM_RWX), PT_OK);
	assert_true(fake_mm_invalidate_count + fake_mm_invalidate_all_count > 0);
	assert_int_equal(fake_mm_invalidate_local_count, 1);
	assert_int_equal(fake_mm_invalidate_last_va, ram + 3 * PAGE_SIZE);
	assert_int_equal(fake_mm_invalidate_last_vmid, 5);
	expect_s2(&s2, ram + 3 * PAGE_SIZE, backing + 3 * PAGE_SIZE, MM_RWX);
	expect_s2(&s2, ram + 2 * PAGE_SIZE, backing + 2 * PAGE_SIZE, MM_READ | MM_EXEC);
	expect_s2(&s2, ram + 4 * PAGE_SIZE, backing + 4 * PAGE_SIZE, MM_READ | MM_EXEC);
	/* A second page of the same, now split, block: no flush but this CPU's. */
	fake_mm_reset();
	assert_int_equal(s2_relax(&s2, ipa_of(ram + 9 * PAGE_SIZE), MM_RWX), PT_OK);
	assert_int_equal(fake_mm_invalidate_count + fake_mm_invalidate_all_count, 0);
	assert_int_equal(fake_mm_invalidate_local_count, 1);
	expect_s2(&s2, ram + 9 * PAGE_SIZE, backing + 9 * PAGE_SIZE, MM_RWX);
	/* A vCPU that faulted on the stale entry drops its own. */
	fake_mm_reset();
	s2_flush_local(&s2, ipa_of(ram + 9 * PAGE_SIZE));
	assert_int_equal(fake_mm_invalidate_local_count, 1);
	assert_int_equal(fake_mm_invalidate_all_count, 0);
	/* Taking access away again (the next checkpoint) flushes by VMID. */
	fake_mm_reset();
	assert_int_equal(s2_protect(&s2, ipa_of(ram + 9 * PAGE_SIZE), PAGE_SIZE, MM_READ | MM_EXEC), PT_OK);
	assert_true(fake_mm_invalidate_count + fake_mm_invalidate_all_count > 0);
}

/* An inter-VM channel: one physical range in two VMs, unmapped from one. */
static void test_s2_shared_range(void **state)
{
	struct stage2 a, b;
	const paddr_t shm = pa_of(0x90000000ull);

	(void)state;
	assert_int_equal(s2_init(&a, 1, &pool), PT_OK);
	assert_int_equal(s2_init(&b, 2, &pool), PT_OK);
	assert_int_equal(s2_map(&a, ipa_of(0x50000000), shm, 2 * MiB, MM_RW), PT_OK);
	assert_int_equal(s2_map(&b, ipa_of(0x60001000), shm, 2 * MiB, MM_READ), PT_OK);
	expect_s2(&a, 0x50000000 + 0x3000, pa_val(shm) + 0x3000, MM_RW);
	expect_s2(&b, 0x60001000 + 0x3000, pa_val(shm) + 0x3000, MM_READ);
	fake_mm_reset();
	assert_int_equal(s2_unmap(&a, ipa_of(0x50000000), 2 * MiB), PT_OK);
	assert_int_equal(fake_mm_invalidate_last_vmid, 1);
	assert_ptr_equal(fake_mm_invalidate_last_pt, &a.pt);
	expect_s2_unmapped(&a, 0x50000000 + 0x3000);
	for (u64 off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_s2(&b, 0x60001000 + off, pa_val(shm) + off, MM_READ);
}

/* --- random operations against a reference model ----------------------------- */

#define WIN_BASE GiB /* the model covers [1 GiB, 3 GiB): two 1 GiB slots */
#define WIN_SIZE (2 * GiB)
#define WIN_PAGES (WIN_SIZE / PAGE_SIZE)

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* A range in the window: a few pages, some 2 MiB blocks, or a 1 GiB slot. */
static void rnd_range(u64 *va, u64 *size)
{
	u64 r = rnd() % 100, n;

	if (r < 55) {
		n = 1 + rnd() % 40;
		*va = WIN_BASE + (rnd() % (WIN_PAGES - n)) * PAGE_SIZE;
		*size = n * PAGE_SIZE;
	} else if (r < 95) {
		n = 1 + rnd() % 4;
		*va = WIN_BASE + (rnd() % (WIN_SIZE / (2 * MiB) - n)) * 2 * MiB;
		*size = n * 2 * MiB;
	} else {
		*va = WIN_BASE + (rnd() % 2) * GiB;
		*size = GiB;
	}
}

static u32 rnd_flags(void)
{
	static const u32 choices[] = { MM_READ, MM_RW, MM_RWX, MM_READ | MM_EXEC, MM_RW | MM_DEVICE };

	return choices[rnd() % ARRAY_SIZE(choices)];
}

/* Check every page of the window, through s2_walk and by hand. */
static void model_check(const struct stage2 *s2)
{
	for (u64 i = 0; i < WIN_PAGES; i++) {
		u64 va = WIN_BASE + i * PAGE_SIZE, pa = 0;
		u32 flags = 0;
		bool mapped = pt_walk(&s2->pt, va, &pa, &flags);
		const u64 *table = s2->pt.root;
		u32 level = s2->pt.start_level;
		u64 d;

		assert_int_equal(mapped, model[i].flags != 0);
		if (mapped) {
			assert_int_equal(pa, model[i].pa);
			assert_int_equal(flags, model[i].flags);
		}
		for (;; level++) {
			d = table[(va >> (PAGE_SHIFT + 9 * (3 - level))) & 511];
			if (level == 3 || (d & 3) != 3)
				break;
			table = (const u64 *)(uintptr_t)(d & OA_MASK);
		}
		if (!mapped) {
			assert_int_equal(d & 1, 0);
			continue;
		}
		u64 span = 1ull << (PAGE_SHIFT + 9 * (3 - level));

		assert_true(level == 1 || level == 2 || level == 3);
		assert_int_equal(d & 3, level == 3 ? 3 : 1);
		assert_int_equal((d & OA_MASK) + (va & (span - 1)), model[i].pa);
		assert_int_equal(arch_mm_leaf_flags(PT_STAGE2, d), model[i].flags);
	}
}

static void model_op(struct stage2 *s2)
{
	u64 va, size, r = rnd() % 100;
	u64 first, n;

	rnd_range(&va, &size);
	first = (va - WIN_BASE) / PAGE_SIZE;
	n = size / PAGE_SIZE;
	if (r < 50) {
		/* Keep va and pa aligned alike most of the time, so blocks appear. */
		u64 pa = (rnd() % 64) * GiB + (va & (GiB - 1));
		u32 flags = rnd_flags();
		bool clash = false;

		if (rnd() % 4 == 0)
			pa = (rnd() % (1ull << 28)) * PAGE_SIZE;
		for (u64 i = 0; i < n; i++)
			clash |= model[first + i].flags != 0;
		assert_int_equal(s2_map(s2, ipa_of(va), pa_of(pa), size, flags), clash ? PT_EEXIST : PT_OK);
		for (u64 i = 0; i < n && !clash; i++)
			model[first + i] = (struct model_page){ pa + i * PAGE_SIZE, flags };
	} else if (r < 75) {
		assert_int_equal(s2_unmap(s2, ipa_of(va), size), PT_OK);
		for (u64 i = 0; i < n; i++)
			model[first + i].flags = 0;
	} else {
		u32 flags = rnd_flags();

		assert_int_equal(s2_protect(s2, ipa_of(va), size, flags), PT_OK);
		for (u64 i = 0; i < n; i++) {
			if (model[first + i].flags)
				model[first + i].flags = flags;
		}
	}
}

/* Start from one 1 GiB block, so splits of level-1 blocks get exercised too. */
static void model_seed_gib_block(struct stage2 *s2)
{
	u64 va = WIN_BASE + (rnd() % 2) * GiB, pa = (1 + rnd() % 64) * GiB;
	u64 first = (va - WIN_BASE) / PAGE_SIZE;

	assert_int_equal(s2_map(s2, ipa_of(va), pa_of(pa), GiB, MM_RWX), PT_OK);
	for (u64 i = 0; i < GiB / PAGE_SIZE; i++)
		model[first + i] = (struct model_page){ pa + i * PAGE_SIZE, MM_RWX };
}

static void test_s2_random_model(void **state)
{
	static const u64 seeds[] = { 1, 0x5eed, 0xdeadbeefcafe };
	struct stage2 s2;

	(void)state;
	model = calloc(WIN_PAGES, sizeof(*model));
	assert_non_null(model);
	for (size_t s = 0; s < ARRAY_SIZE(seeds); s++) {
		rng_state = seeds[s];
		memset(model, 0, WIN_PAGES * sizeof(*model));
		assert_int_equal(s2_init(&s2, 5, &pool), PT_OK);
		model_seed_gib_block(&s2);
		model_check(&s2);
		for (int op = 1; op <= 1000; op++) {
			model_op(&s2);
			if (op == 10 || op % 100 == 0)
				model_check(&s2);
		}
		/* Clearing the window gives every table back but the root. */
		assert_int_equal(s2_unmap(&s2, ipa_of(WIN_BASE), WIN_SIZE), PT_OK);
		memset(model, 0, WIN_PAGES * sizeof(*model));
		model_check(&s2);
		assert_int_equal(pool.nr_used, s + 1); /* one root per table built so far */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_s2_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_map_walk_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_checkpoint_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_relax_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_shared_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s2_random_model, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
