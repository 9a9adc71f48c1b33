/*
 * Host tests of guest memory (core/guest_mem.c over the real stage-2 code
 * and arch/fake/mm.c), written from include/keel/guest_mem.h: RAM reads
 * zero after every reset whatever the region's alignment and the order of
 * first touches, boot images appear exactly where they belong, filling can
 * be interrupted and resumed, the checked accessor refuses anything not
 * wholly this VM's RAM, the dirty log records guest and Keel writes and
 * splits blocks only where a write lands, and an exhausted table pool is an
 * error code, never a crash. "Physical" memory is a host buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>

#include <keel/guest_mem.h>

#include "fake_gm.h"
#include "fake_mm.h"
#include "s2size.h"

#define POOL_PAGES 64
#define RAM_BYTES (16 * MiB)

extern u64 fake_gm_clean_inval_bytes;

static u8 *ram; /* backs every region of the test VM */
static u8 *images; /* pristine image copies */
static void *pool_mem;
static struct pt_pool pool;
static struct stage2 s2;
static struct guest_mem gm;
static struct keel_blob_vm cfg;

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(2 * MiB, RAM_BYTES);
	images = aligned_alloc(PAGE_SIZE, 4 * MiB);
	pool_mem = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	assert_non_null(ram);
	assert_non_null(images);
	assert_non_null(pool_mem);
	memset(ram, 0x5a, RAM_BYTES); /* what a previous owner left */
	pt_pool_init(&pool, pool_mem, POOL_PAGES);
	assert_int_equal(s2_init(&s2, 7, &pool), PT_OK);
	memset(&cfg, 0, sizeof(cfg));
	gm_dirty_pool_reset();
	fake_gm_irq_after = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(images);
	free(pool_mem);
	return 0;
}

static void add_region(u64 ipa, u64 ram_offset, u64 size)
{
	cfg.mem[cfg.nr_mem++] = (struct keel_blob_mem){ ipa, (u64)(uintptr_t)ram + ram_offset, size };
}

static void add_image(u64 img_offset, u64 size, u64 dst)
{
	cfg.images[cfg.nr_images++] =
		(struct keel_blob_image){ (u64)(uintptr_t)images + img_offset, size, dst, KEEL_IMAGE_KERNEL, 0 };
}

static void init_gm(void)
{
	assert_true(gm_init(&gm, &s2, &cfg));
	gm_reset(&gm);
}

static enum gm_result touch(u64 ipa, bool write)
{
	struct s2_fault f = { .ipa = ipa_of(ipa), .write = write, .kind = S2_FAULT_TRANSLATION };
	enum gm_result res;

	while ((res = gm_fault(&gm, &f)) == GM_RETRY)
		;
	return res;
}

/* The host bytes behind guest [ipa, ipa + len), through the stage-2 tables as the CPU would see them. */
static u8 *through_s2(u64 ipa)
{
	paddr_t pa;

	assert_true(s2_walk(&s2, ipa_of(ipa), &pa, NULL));
	return pa_ptr(pa);
}

static bool zero_through_s2(u64 ipa, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u8 *p = through_s2(ipa + off);

		for (u64 i = 0; i < PAGE_SIZE; i++)
			if (p[i])
				return false;
	}
	return true;
}

/* Every first touch after a reset, in any order, shows zeroes, for a region at an odd IPA. */
static void test_zero_after_reset_odd_region(void **state)
{
	static const u64 orders[][3] = { { 0, 1, 2 }, { 1, 0, 2 }, { 2, 1, 0 }, { 1, 2, 0 }, { 2, 0, 1 } };
	/* 5 MiB at 0x40100000: chunks [0x40100000, 0x40200000), [0x40200000, 0x40400000), [0x40400000, 0x40600000). */
	static const u64 chunk_ipa[3] = { 0x40100000, 0x40200000, 0x40400000 };
	static const u64 chunk_len[3] = { 1 * MiB, 2 * MiB, 2 * MiB };

	(void)state;
	add_region(0x40100000, 0x100000, 5 * MiB);
	init_gm();
	assert_int_equal(gm.nr_chunks, 3);
	for (u32 o = 0; o < 3 * ARRAY_SIZE(orders); o++) {
		for (u32 k = 0; k < 3; k++) {
			u32 c = (u32)orders[o % ARRAY_SIZE(orders)][k];
			/* First, middle or last page of the chunk: each is some off-by-one's worst case. */
			u64 at[3] = { 0, chunk_len[c] / 2, chunk_len[c] - PAGE_SIZE };

			assert_int_equal(touch(chunk_ipa[c] + at[(o / ARRAY_SIZE(orders) + k) % 3], false), GM_OK);
			assert_true(zero_through_s2(chunk_ipa[c], chunk_len[c]));
		}
		memset(ram + 0x100000, 0xa5, 5 * MiB); /* this run's data */
		gm_reset(&gm);
		assert_int_equal(pool.nr_used, 1); /* only the root survives a reset */
		assert_false(s2_walk(&s2, ipa_of(0x40100000), NULL, NULL));
	}
}

/* Two regions whose chunks fall in one 2 MiB span each keep their own fill state. */
static void test_two_regions_one_span(void **state)
{
	(void)state;
	add_region(0x40000000, 0, 1 * MiB);
	add_region(0x40100000, 4 * MiB, 1 * MiB); /* same span, other backing */
	init_gm();
	assert_int_equal(touch(0x40100000, true), GM_OK);
	assert_true(zero_through_s2(0x40100000, 1 * MiB));
	assert_int_equal(touch(0x40000000, true), GM_OK);
	assert_true(zero_through_s2(0x40000000, 1 * MiB));
	assert_ptr_equal(through_s2(0x40100000), ram + 4 * MiB);
}

/* Images appear where they belong, across chunk and region boundaries; the rest is zero; a reset restores them. */
static void test_images_filled_lazily(void **state)
{
	u8 buf[64];

	(void)state;
	for (u32 i = 0; i < 4 * MiB; i++)
		images[i] = (u8)(i * 7 + 3);
	add_region(0x40000000, 0, 6 * MiB);
	add_image(0, 3 * MiB + 123, 0x40000000); /* kernel across the first chunk boundary */
	add_image(3 * MiB + 4096, 5000, 0x40500000 - 100); /* a tree straddling two chunks */
	init_gm();
	for (u64 off = 0; off < 6 * MiB; off += 2 * MiB)
		assert_int_equal(touch(0x40000000 + off, false), GM_OK);
	assert_memory_equal(through_s2(0x40000000), images, PAGE_SIZE);
	assert_memory_equal(ram, images, 3 * MiB + 123);
	assert_int_equal(ram[3 * MiB + 123], 0);
	assert_memory_equal(ram + 5 * MiB - 100, images + 3 * MiB + 4096, 5000);
	assert_int_equal(ram[5 * MiB - 101], 0);
	assert_int_equal(ram[5 * MiB - 100 + 5000], 0);
	/* The guest scribbles on its kernel; a reset brings the pristine bytes back. */
	memset(ram, 0xee, 6 * MiB);
	gm_reset(&gm);
	assert_int_equal(gm_copy_from_guest(&gm, buf, ipa_of(0x40000000 + 3 * MiB + 100), sizeof(buf), false), GM_OK);
	assert_memory_equal(buf, images + 3 * MiB + 100, 23);
	for (u32 i = 23; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
}

/* A pending interrupt stops filling between steps; the next attempt goes on, and the result is the same. */
static void test_fill_preemptible(void **state)
{
	struct s2_fault f = { .ipa = ipa_of(0x40000000), .kind = S2_FAULT_TRANSLATION };
	u32 retries = 0;
	enum gm_result res;

	(void)state;
	add_region(0x40000000, 0, 2 * MiB);
	init_gm();
	fake_gm_irq_after = 1; /* an interrupt is pending after every step */
	while ((res = gm_fault(&gm, &f)) == GM_RETRY) {
		assert_false(s2_walk(&s2, ipa_of(0x40000000), NULL, NULL)); /* never mapped half-filled */
		retries++;
	}
	assert_int_equal(res, GM_OK);
	assert_int_equal(retries, 2 * MiB / GM_FILL_STEP - 1);
	assert_true(zero_through_s2(0x40000000, 2 * MiB));
	/* Not preemptible: done in one call whatever is pending. */
	gm_reset(&gm);
	void *host;
	assert_int_equal(gm_access(&gm, ipa_of(0x40000000), 8, GM_READ, false, &host), GM_OK);
}

/* The accessor gives host memory only for ranges wholly inside one RAM region. */
static void test_access_bounds(void **state)
{
	void *host = NULL;
	u8 buf[32];

	(void)state;
	for (u32 i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i + 1);
	add_region(0x40000000, 0, 2 * MiB);
	add_region(0x40200000, 4 * MiB, 2 * MiB); /* adjacent in IPA, not in "physical" memory */
	init_gm();
	assert_int_equal(gm_access(&gm, ipa_of(0x40000000), 16, GM_READ, false, &host), GM_OK);
	assert_ptr_equal(host, ram);
	assert_int_equal(gm_access(&gm, ipa_of(0x3ffffff0), 32, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(0x401ffff0), 32, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(0x40400000), 1, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(0x40000000), 0, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(0x40000000), ~0ull, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(~0ull - 3), 8, GM_READ, false, &host), GM_NOT_RAM);
	assert_int_equal(gm_access(&gm, ipa_of(0x40000000), 8, 0x80, false, &host), GM_NOT_RAM);
	/* The copy helpers cross from one region into the next. */
	assert_int_equal(gm_copy_to_guest(&gm, ipa_of(0x401ffff0), buf, sizeof(buf), false), GM_OK);
	assert_int_equal(ram[2 * MiB - 16], 1);
	assert_int_equal(ram[2 * MiB - 1], 16);
	assert_int_equal(ram[4 * MiB], 17);
	assert_int_equal(ram[4 * MiB + 15], 32);
	assert_int_equal(gm_copy_from_guest(&gm, buf, ipa_of(0x403ffff0), 32, false), GM_NOT_RAM);
	assert_int_equal(gm_copy_from_guest(&gm, buf, ipa_of(~0ull - 8), 32, false), GM_NOT_RAM);
}

static u32 s2_flags(u64 ipa)
{
	u32 flags = 0;

	assert_true(s2_walk(&s2, ipa_of(ipa), NULL, &flags));
	return flags;
}

/* The dirty log: write-protect without splitting, split only where a write lands, harvest, stop. */
static void test_dirty_log(void **state)
{
	struct s2_fault wf = { .ipa = ipa_of(0x40234000), .write = true, .kind = S2_FAULT_PERMISSION };
	u64 bits[4 * MiB / PAGE_SIZE / 64];
	u32 used;

	(void)state;
	add_region(0x40000000, 0, 4 * MiB);
	init_gm();
	assert_int_equal(touch(0x40000000, true), GM_OK);
	assert_int_equal(touch(0x40200000, true), GM_OK);
	used = pool.nr_used;
	fake_mm_reset();
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	assert_int_equal(pool.nr_used, used); /* blocks stay blocks */
	assert_true(fake_mm_invalidate_all_count >= 1); /* no stale writable entry survives the start */
	assert_int_equal(fake_mm_invalidate_last_vmid, 7);
	assert_false(s2_flags(0x40000000) & MM_WRITE);
	assert_true(s2_flags(0x40000000) & MM_READ);
	assert_true(s2_flags(0x40000000) & MM_EXEC);
	/* A guest write: logged, that one page writable, its block split, the neighbours still read-only. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
	assert_int_equal(pool.nr_used, used + 1);
	assert_true(s2_flags(0x40234000) & MM_WRITE);
	assert_false(s2_flags(0x40233000) & MM_WRITE);
	assert_false(s2_flags(0x40235000) & MM_WRITE);
	assert_false(s2_flags(0x40000000) & MM_WRITE);
	/* A second fault on the same page (another vCPU raced us) changes nothing. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
	/* Keel writes through the accessor are logged too. */
	assert_int_equal(gm_copy_to_guest(&gm, ipa_of(0x40001ff8), "0123456789abcdef", 16, false), GM_OK);
	fake_mm_reset();
	assert_int_equal(gm_dirty_harvest(&gm, bits, ARRAY_SIZE(bits)), 3);
	/* Two runs of dirty pages (1-2 and 0x234): each protected again and flushed. */
	assert_int_equal(fake_mm_invalidate_all_count, 2);
	for (u64 p = 0; p < 4 * MiB / PAGE_SIZE; p++) {
		bool want = p == 1 || p == 2 || p == 0x234;

		assert_int_equal(!!(bits[p / 64] & (1ull << (p % 64))), want);
	}
	assert_false(s2_flags(0x40234000) & MM_WRITE); /* protected again for the next round */
	assert_int_equal(gm_dirty_harvest(&gm, bits, ARRAY_SIZE(bits)), 0);
	/* Reads and instruction fetches never fault into the log. */
	wf.write = false;
	assert_int_equal(gm_fault(&gm, &wf), GM_DENIED);
	wf.exec = true;
	assert_int_equal(gm_fault(&gm, &wf), GM_DENIED);
	wf.exec = false;
	assert_int_equal(gm_dirty_stop(&gm), GM_OK);
	assert_true(s2_flags(0x40234000) & MM_WRITE);
	assert_true(s2_flags(0x40000000) & MM_WRITE);
	wf.write = true;
	/* With the log stopped a permission fault on a writable page is a stale one: retry. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
}

/* A chunk filled while the log runs is new in its entirety: every page of it is dirty. */
static void test_dirty_log_new_chunk(void **state)
{
	u64 bits[2 * MiB / PAGE_SIZE / 64];

	(void)state;
	add_region(0x40000000, 0, 2 * MiB);
	init_gm();
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	assert_int_equal(touch(0x40000000, false), GM_OK);
	assert_int_equal(gm_dirty_harvest(&gm, bits, ARRAY_SIZE(bits)), 512);
	for (u32 w = 0; w < ARRAY_SIZE(bits); w++)
		assert_int_equal(bits[w], ~0ull);
	assert_false(s2_flags(0x40000000) & MM_WRITE);
}

/* A 4 MiB standby copy of region 0, filled with a pattern no fill writes; free it when done. */
static u8 *standby_copy(u64 copy_pa[1])
{
	u8 *copy = aligned_alloc(2 * MiB, 4 * MiB);

	assert_non_null(copy);
	memset(copy, 0xee, 4 * MiB);
	copy_pa[0] = (u64)(uintptr_t)copy;
	return copy;
}

/*
 * Standby: a checkpoint copies exactly the dirty pages into the copy; a
 * rollback brings back the pages written since and forgets chunks first
 * touched since, for a region at an odd IPA whose last chunk is one page.
 */
static void test_checkpoint_rollback(void **state)
{
	const u64 base = 0x40100000, size = 3 * MiB + PAGE_SIZE;
	struct s2_fault wf = { .ipa = ipa_of(0x40103000), .write = true, .kind = S2_FAULT_PERMISSION };
	static struct gm_chunk saved[GM_MAX_CHUNKS];
	u64 copy_pa[1];
	u8 *copy = standby_copy(copy_pa);

	(void)state;
	add_region(base, 0, size);
	init_gm();
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	assert_int_equal(touch(base, true), GM_OK); /* the first chunk: 1 MiB, 256 pages */
	assert_int_equal(gm_copy_to_guest(&gm, ipa_of(0x40103000), "before", 6, false), GM_OK);
	fake_gm_clean_inval_bytes = 0;
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 256);
	assert_int_equal(fake_gm_clean_inval_bytes, 256 * PAGE_SIZE); /* each source invalidated before it is read */
	assert_memory_equal(copy, ram, 1 * MiB);
	assert_memory_equal(copy + 0x3000, "before", 6);
	assert_true(saved[0].mapped);
	assert_false(saved[1].mapped);
	assert_false(s2_flags(0x40103000) & MM_WRITE);
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 0); /* nothing written since */

	/* After the checkpoint: a guest write to one page, and a new chunk touched and written. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
	memcpy(through_s2(0x40103000), "after!", 6);
	assert_int_equal(touch(0x40200000, true), GM_OK);
	memcpy(through_s2(0x40200010), "new", 3);
	assert_int_equal(touch(0x40400000, true), GM_OK); /* the one-page chunk */

	/* Back to the checkpoint: one page copied back, both new chunks forgotten. */
	assert_int_equal(gm_rollback(&gm, copy_pa, saved), 1);
	assert_memory_equal(through_s2(0x40103000), "before", 6);
	assert_false(s2_flags(0x40103000) & MM_WRITE); /* logged again from here */
	assert_false(s2_walk(&s2, ipa_of(0x40200000), NULL, NULL));
	assert_false(s2_walk(&s2, ipa_of(0x40400000), NULL, NULL));
	assert_int_equal(gm.nr_chunks_mapped, 1);
	assert_int_equal(touch(0x40200000, false), GM_OK);
	assert_true(zero_through_s2(0x40200000, 2 * MiB)); /* filled afresh, not what was written after */
	assert_int_equal(touch(0x40400000, false), GM_OK);
	assert_true(zero_through_s2(0x40400000, PAGE_SIZE));
	/* The refilled chunks are new since the checkpoint: the next one copies them whole. */
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 513);
	free(copy);
}

/*
 * Standby with mirrored fills: a chunk filled while the log runs is filled
 * in the copy too (zeroes and image bytes alike, whatever the copy held),
 * mapped write-protected and clean, so the next checkpoint copies only the
 * pages written after the fill; a rollback to a checkpoint taken before the
 * chunk was written brings the fill's content back. A reset ends mirroring.
 */
static void test_checkpoint_mirrored_fill(void **state)
{
	const u64 base = 0x40000000;
	struct s2_fault wf = { .ipa = ipa_of(0x40005000), .write = true, .kind = S2_FAULT_PERMISSION };
	static struct gm_chunk saved[GM_MAX_CHUNKS];
	u64 copy_pa[1];
	u8 *copy = standby_copy(copy_pa);

	(void)state;
	memset(images, 0x11, 3 * PAGE_SIZE);
	add_region(base, 0, 4 * MiB);
	add_image(0, 3 * PAGE_SIZE, base + 0x1800); /* straddles pages 1 to 4 */
	init_gm();
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	gm_mirror_fills(&gm, copy_pa);
	assert_int_equal(touch(base, false), GM_OK);
	assert_memory_equal(copy, ram, 2 * MiB); /* the copy was filled alike */
	assert_int_equal(copy[0x1800], 0x11);
	assert_int_equal(copy[0x17ff], 0);
	assert_int_equal(copy[2 * MiB], 0xee); /* the untouched chunk's copy is not */
	assert_false(s2_flags(base) & MM_WRITE);
	assert_int_equal(gm.nr_dirty, 0);
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 0); /* nothing written after the fill */

	/* One page written after the checkpoint: the next checkpoint copies that one alone. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
	memcpy(through_s2(0x40005000), "written", 7);
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 1);
	assert_memory_equal(copy + 0x5000, "written", 7);

	/* Written again, then back to the checkpoint. */
	assert_int_equal(gm_fault(&gm, &wf), GM_OK);
	memcpy(through_s2(0x40005000), "lost!!!", 7);
	assert_int_equal(gm_rollback(&gm, copy_pa, saved), 1);
	assert_memory_equal(through_s2(0x40005000), "written", 7);
	assert_int_equal(*through_s2(0x40001800), 0x11);

	/* After a reset nothing is mirrored: a new chunk is all dirty again, the copy untouched. */
	gm_reset(&gm);
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	memset(copy, 0xee, 4 * MiB);
	assert_int_equal(touch(base + 2 * MiB, false), GM_OK);
	assert_int_equal(gm.nr_dirty, 512);
	assert_int_equal(copy[2 * MiB], 0xee);
	free(copy);
}

/*
 * A read-only region (ROM): filled from its image like RAM and refilled
 * after a reset, but never writable in stage 2, with the dirty log or
 * without: a guest write is refused (the caller injects an abort), so are
 * Keel's writes through the accessor; it is never dirty, so a checkpoint
 * never copies it, it needs no standby copy (its copy_pa is 0 and no fill
 * writes there) and a rollback leaves it as it is. Region 0 is plain RAM.
 */
static void test_read_only_region(void **state)
{
	const u64 rom = 0x40400000;
	struct s2_fault wf = { .ipa = ipa_of(rom + 0x1000), .write = true, .kind = S2_FAULT_PERMISSION };
	struct s2_fault ramf = { .ipa = ipa_of(0x40005000), .write = true, .kind = S2_FAULT_PERMISSION };
	static struct gm_chunk saved[GM_MAX_CHUNKS];
	u64 copy_pa[2];
	u8 *copy = standby_copy(copy_pa), buf[8];
	void *host;

	(void)state;
	copy_pa[1] = 0; /* keelcfg places no copy for a read-only region */
	for (u32 i = 0; i < 3 * PAGE_SIZE; i++)
		images[i] = (u8)(i * 7 + 1);
	add_region(0x40000000, 0, 2 * MiB);
	add_region(rom, 4 * MiB, 2 * MiB);
	cfg.images[cfg.nr_images++] = (struct keel_blob_image){ (u64)(uintptr_t)images, 3 * PAGE_SIZE, rom,
								KEEL_IMAGE_DATA, 0 };
	cfg.mem_read_only = 1u << 1;
	init_gm();

	/* Without the dirty log: filled from the image, readable and executable, never writable. */
	assert_int_equal(touch(rom + 0x1000, false), GM_OK);
	assert_memory_equal(through_s2(rom), images, 3 * PAGE_SIZE);
	assert_true(zero_through_s2(rom + 3 * PAGE_SIZE, 2 * MiB - 3 * PAGE_SIZE));
	assert_int_equal(s2_flags(rom) & MM_RWX, MM_READ | MM_EXEC);
	assert_int_equal(gm_fault(&gm, &wf), GM_DENIED);
	assert_int_equal(gm_copy_to_guest(&gm, ipa_of(rom + 0x1000), "keel", 4, false), GM_DENIED);
	assert_int_equal(gm_access(&gm, ipa_of(rom), 8, GM_READ | GM_WRITE, false, &host), GM_DENIED);
	assert_int_equal(gm_copy_from_guest(&gm, buf, ipa_of(rom + 0x1000), 8, false), GM_OK);
	assert_memory_equal(buf, images + 0x1000, 8);

	/* Standby: the log and mirrored fills run; nothing of the ROM is dirty, copied or mirrored. */
	gm_reset(&gm); /* a fresh start with the log on, as a standby VM's */
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	gm_mirror_fills(&gm, copy_pa);
	assert_int_equal(touch(rom, false), GM_OK); /* would write a mirror at PA 0 if it had one */
	assert_int_equal(touch(0x40000000, false), GM_OK);
	assert_int_equal(gm_fault(&gm, &wf), GM_DENIED);
	assert_int_equal(gm_copy_to_guest(&gm, ipa_of(rom), "keel", 4, false), GM_DENIED);
	gm_write_done(&gm, ipa_of(rom), PAGE_SIZE); /* even a stray note of a write leaves it clean */
	assert_int_equal(gm_fault(&gm, &ramf), GM_OK); /* one page of RAM written */
	assert_int_equal(gm.nr_dirty, 1);
	assert_int_equal(gm_checkpoint(&gm, copy_pa, saved), 1);
	assert_int_equal(gm.regions[0].pages_copied, 1);
	assert_int_equal(gm.regions[1].pages_copied, 0);
	assert_int_equal(gm_fault(&gm, &ramf), GM_OK);
	assert_int_equal(gm_fault(&gm, &wf), GM_DENIED);
	assert_int_equal(gm_rollback(&gm, copy_pa, saved), 1);
	assert_int_equal(gm.regions[1].pages_copied, 0);
	assert_memory_equal(through_s2(rom), images, 3 * PAGE_SIZE);
	assert_int_equal(s2_flags(rom) & MM_RWX, MM_READ | MM_EXEC);
	/* Stopping the log makes RAM writable again, not the ROM. */
	assert_int_equal(gm_dirty_stop(&gm), GM_OK);
	assert_true(s2_flags(0x40005000) & MM_WRITE);
	assert_int_equal(s2_flags(rom) & MM_RWX, MM_READ | MM_EXEC);

	/* A reset refills it from the image, whatever its memory holds now. */
	memset(ram + 4 * MiB, 0x77, 2 * MiB);
	gm_reset(&gm);
	assert_int_equal(touch(rom + 0x1000, false), GM_OK);
	assert_memory_equal(through_s2(rom), images, 3 * PAGE_SIZE);
	assert_true(zero_through_s2(rom + 3 * PAGE_SIZE, PAGE_SIZE));
	free(copy);
}

/* Running out of the VM's own table pages is an error code for that VM; a reset gives every page back. */
static void test_pool_exhaustion(void **state)
{
	u32 failures = 0;

	(void)state;
	/* 40 MiB of 4 KiB-aligned but not 2 MiB-aligned RAM needs a level-3 table per chunk: more than 64 pages. */
	free(ram);
	ram = aligned_alloc(2 * MiB, 160 * MiB);
	assert_non_null(ram);
	add_region(0x40001000, 0, 140 * MiB);
	init_gm();
	for (u64 off = 0; off < 140 * MiB; off += 2 * MiB) {
		enum gm_result res = touch(0x40001000 + off, true);

		assert_true(res == GM_OK || res == GM_NOMEM);
		failures += res == GM_NOMEM;
	}
	assert_true(failures > 0);
	assert_int_equal(gm_dirty_start(&gm), GM_OK); /* in-place permission changes need no pages */
	gm_reset(&gm);
	assert_int_equal(pool.nr_used, 1);
	assert_int_equal(touch(0x40001000, true), GM_OK);
}

/* A reset in the middle of an interrupted fill forgets the progress: the next fill starts from scratch. */
static void test_reset_mid_fill(void **state)
{
	struct s2_fault f = { .ipa = ipa_of(0x40000000), .kind = S2_FAULT_TRANSLATION };

	(void)state;
	add_region(0x40000000, 0, 2 * MiB);
	init_gm();
	fake_gm_irq_after = 1;
	assert_int_equal(gm_fault(&gm, &f), GM_RETRY);
	assert_int_equal(gm_fault(&gm, &f), GM_RETRY);
	gm_reset(&gm);
	memset(ram, 0x77, 2 * MiB); /* the old run writes behind Keel's back (another VM's DMA, say) */
	fake_gm_irq_after = 0;
	assert_int_equal(gm_fault(&gm, &f), GM_OK);
	assert_true(zero_through_s2(0x40000000, 2 * MiB));
}

/* Configurations beyond Keel's books are refused, not half used. */
static void test_init_refuses(void **state)
{
	(void)state;
	add_region((1ull << 39) - 2 * MiB, 0, 4 * MiB); /* ends past the IPA space */
	assert_false(gm_init(&gm, &s2, &cfg));
	memset(&cfg, 0, sizeof(cfg));
	add_region(0xffffffffffe00000ull, 0, 1 * MiB); /* wraps */
	assert_false(gm_init(&gm, &s2, &cfg));
	memset(&cfg, 0, sizeof(cfg));
	add_region(0x40000000, 0, 2 * MiB);
	add_image(0, 8192, 0x40200000 - 4096); /* runs past the end of RAM */
	assert_false(gm_init(&gm, &s2, &cfg));
	memset(&cfg, 0, sizeof(cfg));
	add_region(0x40000000, 0, 2 * MiB);
	add_region(0x50000000, 2 * MiB, 2 * MiB);
	add_image(0, 4096, 0x4ffff000); /* between regions */
	assert_false(gm_init(&gm, &s2, &cfg));
}

/* Copying an image into a chunk invalidates the instruction caches; zero-only chunks need not. */
static void test_icache_after_image(void **state)
{
	(void)state;
	add_region(0x40000000, 0, 4 * MiB);
	add_image(0, 4096, 0x40000000);
	init_gm();
	fake_gm_icache_invalidations = 0;
	assert_int_equal(touch(0x40200000, false), GM_OK);
	assert_int_equal(fake_gm_icache_invalidations, 0);
	assert_int_equal(touch(0x40000000, false), GM_OK);
	assert_int_equal(fake_gm_icache_invalidations, 1);
}

/*
 * keelcfg's worst case is enough: with a pool of exactly s2size_tables()
 * pages, every page of an oddly placed VM can be split out by the dirty
 * log; with one page less, it runs out (an error code, not a crash).
 */
static void test_pool_sized_by_keelcfg(void **state)
{
	struct s2size_range r = { 0x40100000, 7 * MiB };
	u32 need = s2size_tables(&r, 1);

	(void)state;
	for (u32 spare = 0; spare < 2; spare++) {
		enum gm_result worst = GM_OK;

		free(pool_mem);
		pool_mem = aligned_alloc(PAGE_SIZE, need * PAGE_SIZE);
		pt_pool_init(&pool, pool_mem, need - 1 + spare);
		assert_int_equal(s2_init(&s2, 7, &pool), PT_OK);
		memset(&cfg, 0, sizeof(cfg));
		gm_dirty_pool_reset();
		add_region(0x40100000, 0x100000, 7 * MiB);
		init_gm();
		for (u64 off = 0; off < 7 * MiB; off += 2 * MiB)
			if (touch(0x40100000 + off, true) != GM_OK)
				worst = GM_NOMEM;
		gm_dirty_start(&gm);
		for (u64 off = 0; off < 7 * MiB && worst == GM_OK; off += PAGE_SIZE) {
			struct s2_fault wf = { .ipa = ipa_of(0x40100000 + off), .write = true, .kind = S2_FAULT_PERMISSION };

			worst = gm_fault(&gm, &wf);
		}
		assert_int_equal(worst, spare ? GM_OK : GM_NOMEM);
	}
}

/*
 * Two vCPUs (threads) racing to fill the same chunks, with fills broken into
 * steps by "interrupts": each chunk must end up filled once, all zero,
 * mapped once, and a reset must give every table back.
 */
static pthread_barrier_t race_start;

static void *race_touch(void *arg)
{
	enum gm_result *res = arg;

	pthread_barrier_wait(&race_start);
	for (u64 off = 0; off < 9 * MiB && *res == GM_OK; off += 256 * KiB) {
		struct s2_fault f = { .ipa = ipa_of(0x40100000 + off), .write = true, .kind = S2_FAULT_TRANSLATION };

		while ((*res = gm_fault(&gm, &f)) == GM_RETRY)
			;
	}
	return NULL;
}

static void test_two_vcpus_race(void **state)
{
	(void)state;
	add_region(0x40100000, 0x100000, 9 * MiB);
	init_gm();
	fake_gm_irq_after = 2;
	for (u32 round = 0; round < 100; round++) {
		enum gm_result ra = GM_OK, rb = GM_OK;
		pthread_t ta, tb;

		memset(ram + 0x100000, 0x33, 9 * MiB);
		pthread_barrier_init(&race_start, NULL, 2);
		assert_int_equal(pthread_create(&ta, NULL, race_touch, &ra), 0);
		assert_int_equal(pthread_create(&tb, NULL, race_touch, &rb), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		pthread_barrier_destroy(&race_start);
		assert_int_equal(ra, GM_OK);
		assert_int_equal(rb, GM_OK);
		assert_int_equal(gm.nr_chunks_mapped, gm.nr_chunks);
		assert_true(zero_through_s2(0x40100000, 9 * MiB));
		gm_reset(&gm);
		assert_int_equal(pool.nr_used, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zero_after_reset_odd_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_regions_one_span, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images_filled_lazily, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_preemptible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_log_new_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icache_after_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_sized_by_keelcfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_vcpus_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_mirrored_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_region, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
