/*
 * Host tests of split virtqueues (vdev/virtio_queue.c) over a real struct
 * guest_mem (core/guest_mem.c, stage 2 and the fake mm), written from
 * include/keel/virtio.h and as an attacking driver would: rings and
 * buffers are built in the VM's "RAM" (a host buffer of exactly its size,
 * so ASan sees any read or write past it) the way a driver builds them,
 * then every malformed chain must end in VQ_BROKEN with a reason, take
 * nothing from the ring, and never reach memory outside the VM's RAM.
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
#include <keel/virtio.h>

#include "fake_gm.h"

#define POOL_PAGES 64
#define RAM_IPA 0x40000000ull
#define RAM_BYTES (4 * MiB)
#define RAM_END (RAM_IPA + RAM_BYTES)
#define SLOW_IPA 0x80000000ull /* a second region, left unfilled for the GM_RETRY test */
#define SLOW_BYTES (2 * MiB)
#define DESC_IPA (RAM_IPA + 0x1000)
#define AVAIL_IPA (RAM_IPA + 0x2000)
#define USED_IPA (RAM_IPA + 0x3000)
#define TABLE_IPA (RAM_IPA + 0x4000) /* an indirect table */
#define BUF_IPA (RAM_IPA + 0x10000) /* buffers from here */

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

static u8 *ram, *slow;
static void *pool_mem;
static struct pt_pool pool;
static struct stage2 s2;
static struct guest_mem gm;
static struct keel_blob_vm cfg;
static struct virtq q;
static struct virtq_env env;
static struct virtq_chain chain;
static const char *why;

/* The host bytes of guest RAM at ipa (the test plays the driver, writing them directly). */
static u8 *at(u64 ipa)
{
	if (ipa >= SLOW_IPA)
		return slow + (ipa - SLOW_IPA);
	assert_true(ipa >= RAM_IPA && ipa < RAM_END);
	return ram + (ipa - RAM_IPA);
}

static void put16(u64 ipa, u16 v) { memcpy(at(ipa), &v, 2); }
static u16 get16(u64 ipa) { u16 v; memcpy(&v, at(ipa), 2); return v; }
static u32 get32(u64 ipa) { u32 v; memcpy(&v, at(ipa), 4); return v; }

static void desc_at(u64 table, u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = at(table + 16ull * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
	desc_at(DESC_IPA, i, addr, len, flags, next);
}

/* The driver makes chain head available: ring[idx % num] = head, then idx++. */
static void offer(u16 head)
{
	u16 idx = get16(AVAIL_IPA + 2);

	put16(AVAIL_IPA + 4 + 2 * (idx % q.num), head);
	put16(AVAIL_IPA + 2, (u16)(idx + 1));
}

static void set_used_event(u16 v) { put16(AVAIL_IPA + 4 + 2 * q.num, v); }
static u16 avail_event(void) { return get16(USED_IPA + 4 + 8 * q.num); }

static void queue_init(u32 num)
{
	q = (struct virtq){ .desc = DESC_IPA, .avail = AVAIL_IPA, .used = USED_IPA, .num = num, .ready = true };
	assert_null(virtq_check_setup(&q));
}

static int setup(void **state)
{
	void *host;

	(void)state;
	ram = aligned_alloc(2 * MiB, RAM_BYTES);
	slow = aligned_alloc(2 * MiB, SLOW_BYTES);
	pool_mem = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	assert_non_null(ram);
	assert_non_null(slow);
	assert_non_null(pool_mem);
	memset(slow, 0x5a, SLOW_BYTES);
	pt_pool_init(&pool, pool_mem, POOL_PAGES);
	assert_int_equal(s2_init(&s2, 3, &pool), PT_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_mem = 2;
	cfg.mem[0] = (struct keel_blob_mem){ RAM_IPA, (u64)(uintptr_t)ram, RAM_BYTES };
	cfg.mem[1] = (struct keel_blob_mem){ SLOW_IPA, (u64)(uintptr_t)slow, SLOW_BYTES };
	gm_dirty_pool_reset();
	fake_gm_irq_after = 0;
	assert_true(gm_init(&gm, &s2, &cfg));
	gm_reset(&gm);
	/* The driver has touched its RAM (filled now, so what the test writes next stays). */
	for (u64 off = 0; off < RAM_BYTES; off += GM_CHUNK)
		assert_int_equal(gm_access(&gm, ipa_of(RAM_IPA + off), 1, GM_READ, false, &host), GM_OK);
	env = (struct virtq_env){ .gm = &gm, .event_idx = false, .indirect = false };
	memset(&chain, 0, sizeof(chain));
	why = NULL;
	queue_init(8);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(slow);
	free(pool_mem);
	return 0;
}

/* The queue is broken: a reason, nothing taken from the ring. */
static void expect_broken(const char *substring)
{
	u16 last = q.last_avail;

	why = NULL;
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_BROKEN);
	assert_non_null(why);
	if (!strstr(why, substring))
		fail_msg("broken for \"%s\", expected \"%s\"", why, substring);
	assert_int_equal(q.last_avail, last);
}

/* Readable then writable buffers linked by NEXT pop as they are; push publishes the used element. */
static void test_good_chain(void **state)
{
	u8 out[40];

	(void)state;
	for (u32 i = 0; i < 150; i++)
		*at(BUF_IPA + (i < 100 ? i : 0x1000 + i - 100)) = (u8)i;
	desc(5, BUF_IPA, 100, F_NEXT, 2);
	desc(2, BUF_IPA + 0x1000, 50, F_NEXT, 7);
	desc(7, BUF_IPA + 0x5000, 0, F_NEXT | F_WRITE, 0); /* empty: nothing to write there, skipped */
	desc(0, BUF_IPA + 0x2000, 200, F_WRITE | F_NEXT, 1);
	desc(1, BUF_IPA + 0x3000, 8, F_WRITE, 0);
	offer(5);
	assert_int_equal(virtq_peek(&q, &env, &why), VQ_OK);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(chain.head, 5);
	assert_int_equal(chain.nr_out, 2);
	assert_int_equal(chain.nr_in, 2);
	assert_int_equal(chain.out_len, 150);
	assert_int_equal(chain.in_len, 208);
	assert_int_equal(chain.seg[0].ipa, BUF_IPA);
	assert_ptr_equal(chain.seg[1].host, at(BUF_IPA + 0x1000));
	assert_int_equal(chain.seg[2].len, 200);
	assert_ptr_equal(chain.seg[3].host, at(BUF_IPA + 0x3000));
	assert_int_equal(q.last_avail, 1);
	/* Reads and writes across segment boundaries. */
	assert_int_equal(virtq_chain_read(&chain, 90, out, sizeof(out)), 40);
	for (u32 i = 0; i < 40; i++)
		assert_int_equal(out[i], 90 + i);
	assert_int_equal(virtq_chain_read(&chain, 140, out, sizeof(out)), 10);
	memset(out, 0xab, sizeof(out));
	assert_int_equal(virtq_chain_write(&chain, &gm, 195, out, sizeof(out)), 13);
	assert_int_equal(*at(BUF_IPA + 0x2000 + 199), 0xab);
	assert_int_equal(*at(BUF_IPA + 0x3000 + 7), 0xab);
	assert_int_equal(*at(BUF_IPA + 0x3000 + 8), 0);
	assert_true(virtq_push(&q, &env, chain.head, 13, &why));
	assert_int_equal(get16(USED_IPA + 2), 1);
	assert_int_equal(get32(USED_IPA + 4), 5);
	assert_int_equal(get32(USED_IPA + 8), 13);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_EMPTY);
	assert_int_equal(virtq_peek(&q, &env, &why), VQ_EMPTY);
}

/* The rings wrap: entries go to ring[idx % num] on both sides, for 3 laps of a 4-entry queue. */
static void test_ring_wraps(void **state)
{
	(void)state;
	queue_init(4);
	for (u32 i = 0; i < 4; i++)
		desc(i, BUF_IPA + 0x100 * i, 16, F_WRITE, 0);
	for (u32 n = 0; n < 12; n++) {
		offer((u16)(3 - n % 4));
		assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
		assert_int_equal(chain.head, 3 - n % 4);
		assert_int_equal(chain.seg[0].ipa, BUF_IPA + 0x100 * (3 - n % 4));
		assert_true(virtq_push(&q, &env, chain.head, n, &why));
		assert_int_equal(get32(USED_IPA + 4 + 8 * (n % 4)), 3 - n % 4);
		assert_int_equal(get32(USED_IPA + 8 + 8 * (n % 4)), n);
	}
	assert_int_equal(get16(USED_IPA + 2), 12);
	/* And across the u16 wrap of the indices. */
	q.last_avail = q.used_idx = 0xfffe;
	put16(AVAIL_IPA + 2, 0xfffe);
	for (u32 n = 0; n < 4; n++) {
		offer(1);
		assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
		assert_true(virtq_push(&q, &env, chain.head, 1, &why));
	}
	assert_int_equal(q.last_avail, 2);
	assert_int_equal(get16(USED_IPA + 2), 2);
}

/* An indirect descriptor: the table's own chain, readable then writable. */
static void test_indirect(void **state)
{
	(void)state;
	env.indirect = true;
	desc_at(TABLE_IPA, 0, BUF_IPA, 12, F_NEXT, 2);
	desc_at(TABLE_IPA, 2, BUF_IPA + 0x100, 30, F_NEXT, 1);
	desc_at(TABLE_IPA, 1, BUF_IPA + 0x200, 64, F_WRITE, 0);
	desc(3, TABLE_IPA, 3 * 16, F_INDIRECT, 0);
	offer(3);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(chain.head, 3);
	assert_int_equal(chain.nr_out, 2);
	assert_int_equal(chain.nr_in, 1);
	assert_int_equal(chain.out_len, 42);
	assert_int_equal(chain.in_len, 64);
	assert_int_equal(chain.seg[1].ipa, BUF_IPA + 0x100);
	assert_int_equal(chain.seg[2].ipa, BUF_IPA + 0x200);
	/* A readable descriptor leading into an indirect one: both count. */
	desc(4, BUF_IPA + 0x300, 5, F_NEXT, 3);
	offer(4);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(chain.nr_out, 3);
	assert_int_equal(chain.out_len, 47);
}

/* Event index: interrupt only when used_event lies in (signalled, used_idx], with u16 wrap. */
static void test_event_idx(void **state)
{
	(void)state;
	env.event_idx = true;
	desc(0, BUF_IPA, 16, F_WRITE, 0);
	set_used_event(0);
	offer(0);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_should_interrupt(&q, &env)); /* 0 in (0, 1]: the driver wants entry 0 */
	assert_int_equal(q.signalled, 1);
	for (u32 n = 1; n < 6; n++) {
		assert_true(virtq_push(&q, &env, 0, 0, &why));
		assert_false(virtq_should_interrupt(&q, &env)); /* entry 0 was signalled already */
	}
	set_used_event(7); /* "tell me when entry 7 is used" */
	assert_true(virtq_push(&q, &env, 0, 0, &why)); /* used_idx 7: entry 6 */
	assert_false(virtq_should_interrupt(&q, &env));
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_push(&q, &env, 0, 0, &why)); /* several at once, 7 among them */
	assert_true(virtq_should_interrupt(&q, &env));
	/* Across the wrap of u16. */
	q.used_idx = q.signalled = 0xfffe;
	set_used_event(0xffff);
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_push(&q, &env, 0, 0, &why)); /* used_idx 0 */
	assert_true(virtq_should_interrupt(&q, &env));
	q.used_idx = q.signalled = 0xfffe;
	set_used_event(1); /* beyond what is used */
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_false(virtq_should_interrupt(&q, &env));
	assert_true(virtq_push(&q, &env, 0, 0, &why)); /* used_idx 1, entry 0 = used_event... */
	assert_false(virtq_should_interrupt(&q, &env));
	assert_true(virtq_push(&q, &env, 0, 0, &why)); /* ...and entry 1 */
	assert_true(virtq_should_interrupt(&q, &env));
	/* With event index the NO_INTERRUPT flag means nothing. */
	put16(AVAIL_IPA, 1);
	set_used_event(q.used_idx);
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_should_interrupt(&q, &env));
}

/* Without event index: the avail ring's NO_INTERRUPT flag decides. */
static void test_no_interrupt_flag(void **state)
{
	(void)state;
	set_used_event(0xffff); /* ignored without event index */
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_true(virtq_should_interrupt(&q, &env));
	put16(AVAIL_IPA, 1);
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	assert_false(virtq_should_interrupt(&q, &env));
	put16(AVAIL_IPA, 0);
	assert_true(virtq_should_interrupt(&q, &env));
}

/* virtq_arm_notify: avail_event = last_avail (event index only), and says if a chain came meanwhile. */
static void test_arm_notify(void **state)
{
	(void)state;
	desc(0, BUF_IPA, 16, 0, 0);
	put16(USED_IPA + 4 + 8 * q.num, 0x4242);
	offer(0);
	assert_true(virtq_arm_notify(&q, &env)); /* one is waiting: look again */
	assert_int_equal(avail_event(), 0x4242); /* untouched without event index */
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_false(virtq_arm_notify(&q, &env));
	env.event_idx = true;
	assert_false(virtq_arm_notify(&q, &env));
	assert_int_equal(avail_event(), 1);
	offer(0);
	offer(0);
	assert_true(virtq_arm_notify(&q, &env));
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_false(virtq_arm_notify(&q, &env));
	assert_int_equal(avail_event(), 3);
}

/* Buffers outside the VM's RAM, in every way an address and a length can be wrong. */
static void test_buffer_outside_ram(void **state)
{
	static const struct { u64 addr; u32 len; } bad[] = {
		{ RAM_IPA - 16, 16 }, /* just below */
		{ RAM_IPA - 8, 16 }, /* starts below, ends inside */
		{ RAM_END, 1 }, /* just after */
		{ RAM_END - 8, 16 }, /* straddles the end */
		{ RAM_IPA, 0xffffffffu }, /* len huge */
		{ RAM_END - 1, 0xffffffffu },
		{ 0xfffffffffffff000ull, 0x2000 }, /* addr + len wraps u64 */
		{ ~0ull, 1 },
		{ 0, 0x10 },
		{ SLOW_IPA + SLOW_BYTES - 4, 8 }, /* the end of the other region */
		{ SLOW_IPA - 4, 8 },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		for (u32 w = 0; w < 2; w++) {
			desc(0, BUF_IPA, 0, F_NEXT, 1); /* empty, so the bad one's length is the total */
			desc(1, bad[i].addr, bad[i].len, w ? F_WRITE : 0, 0);
			q.last_avail = 0;
			put16(AVAIL_IPA + 2, 0);
			offer(0);
			expect_broken("outside the VM's RAM");
		}
	}
	/* The same chain made good is taken. */
	desc(1, RAM_END - 16, 16, F_WRITE, 0);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
}

/* Chains that do not end: loops through other descriptors, and to themselves. */
static void test_loops(void **state)
{
	(void)state;
	desc(0, BUF_IPA, 4, F_NEXT, 1);
	desc(1, BUF_IPA, 4, F_NEXT, 0);
	offer(0);
	expect_broken("longer than the queue");
	desc(0, BUF_IPA, 4, F_NEXT, 0);
	expect_broken("longer than the queue");
	desc(0, BUF_IPA, 0, F_NEXT, 0); /* empty descriptors are skipped, but still counted */
	expect_broken("longer than the queue");
	/* A chain of all num descriptors is fine; the loop that revisits one is not. */
	for (u32 i = 0; i < 8; i++)
		desc(i, BUF_IPA + 0x10 * i, 4, i < 7 ? F_NEXT : 0, (u16)(i + 1));
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(chain.nr_out, 8);
	offer(0);
	desc(7, BUF_IPA, 4, F_NEXT, 3);
	expect_broken("longer than the queue");
}

/* Indices out of range: next, head, and the available index. */
static void test_bad_indices(void **state)
{
	(void)state;
	desc(0, BUF_IPA, 4, F_NEXT, 8);
	offer(0);
	expect_broken("index beyond its table");
	desc(0, BUF_IPA, 4, F_NEXT, 0xffff);
	expect_broken("index beyond its table");
	put16(AVAIL_IPA + 4, 8);
	expect_broken("head index beyond the queue");
	put16(AVAIL_IPA + 4, 0xffff);
	expect_broken("head index beyond the queue");
	/* The available index runs ahead by more than num... */
	desc(0, BUF_IPA, 4, 0, 0);
	put16(AVAIL_IPA + 4, 0);
	put16(AVAIL_IPA + 2, 9);
	expect_broken("moved by more than the queue size");
	assert_int_equal(virtq_peek(&q, &env, &why), VQ_BROKEN);
	put16(AVAIL_IPA + 2, 8); /* exactly num: fine */
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	/* ...or goes backwards. */
	put16(AVAIL_IPA + 2, 0);
	expect_broken("moved by more than the queue size");
	assert_true(virtq_arm_notify(&q, &env)); /* the caller looks again and finds it broken */
}

static void offer_indirect(u64 table, u32 len, u16 flags)
{
	q.last_avail = 0;
	put16(AVAIL_IPA + 2, 0);
	desc(0, table, len, F_INDIRECT | flags, 1);
	desc(1, BUF_IPA, 4, 0, 0);
	offer(0);
}

/* Indirect tables: not negotiated, with NEXT, nested, badly sized, outside RAM. */
static void test_indirect_attacks(void **state)
{
	(void)state;
	for (u32 i = 0; i < 8; i++)
		desc_at(TABLE_IPA, i, BUF_IPA, 4, i < 7 ? F_NEXT : 0, (u16)(i + 1));
	desc_at(TABLE_IPA, 1, BUF_IPA, 4, 0, 0); /* a table of two */
	offer_indirect(TABLE_IPA, 32, 0);
	expect_broken("INDIRECT_DESC was not negotiated");
	env.indirect = true;
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	offer_indirect(TABLE_IPA, 32, F_NEXT);
	expect_broken("indirect descriptor with NEXT set");
	offer_indirect(TABLE_IPA, 0, 0);
	expect_broken("not a whole number of descriptors");
	offer_indirect(TABLE_IPA, 24, 0);
	expect_broken("not a whole number of descriptors");
	offer_indirect(TABLE_IPA, 17, 0);
	expect_broken("not a whole number of descriptors");
	offer_indirect(TABLE_IPA, 9 * 16, 0);
	expect_broken("longer than the queue");
	offer_indirect(TABLE_IPA, 0xfffffff0u, 0);
	expect_broken("longer than the queue");
	offer_indirect(RAM_END - 16, 32, 0);
	expect_broken("indirect table outside the VM's RAM");
	offer_indirect(RAM_IPA - 16, 32, 0);
	expect_broken("indirect table outside the VM's RAM");
	offer_indirect(0xfffffffffffffff0ull, 32, 0);
	expect_broken("indirect table outside the VM's RAM");
	/* Nested: an indirect descriptor inside the table. */
	desc_at(TABLE_IPA, 1, TABLE_IPA, 32, F_INDIRECT, 0);
	offer_indirect(TABLE_IPA, 32, 0);
	expect_broken("inside an indirect table");
	/* A loop inside the table, and a next past its end. */
	desc_at(TABLE_IPA, 1, BUF_IPA, 4, F_NEXT, 0);
	offer_indirect(TABLE_IPA, 32, 0);
	expect_broken("longer than the queue");
	desc_at(TABLE_IPA, 1, BUF_IPA, 4, F_NEXT, 2);
	offer_indirect(TABLE_IPA, 32, 0);
	expect_broken("index beyond its table");
	/* A buffer in the table outside RAM. */
	desc_at(TABLE_IPA, 1, RAM_END - 2, 4, 0, 0);
	offer_indirect(TABLE_IPA, 32, 0);
	expect_broken("outside the VM's RAM");
}

/* Readable after writable, and more buffers than Keel takes. */
static void test_chain_shape(void **state)
{
	(void)state;
	desc(0, BUF_IPA, 4, F_WRITE | F_NEXT, 1);
	desc(1, BUF_IPA, 4, F_NEXT, 2);
	desc(2, BUF_IPA, 4, F_WRITE, 0);
	offer(0);
	expect_broken("readable buffer after a writable one");
	desc(1, BUF_IPA, 0, F_NEXT, 2); /* even an empty one */
	expect_broken("readable buffer after a writable one");
	queue_init(64);
	put16(AVAIL_IPA + 2, 0);
	for (u32 i = 0; i < 33; i++)
		desc(i, BUF_IPA + i, 1, (i < 32 ? F_NEXT : 0) | (i > 20 ? F_WRITE : 0), (u16)(i + 1));
	offer(0);
	expect_broken("more than 32 buffers");
	desc(31, BUF_IPA + 31, 1, F_WRITE, 0); /* 32: the most Keel takes */
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(chain.nr_out + chain.nr_in, VIRTQ_MAX_SEGS);
	assert_int_equal(chain.in_len, 11);
	/* Through an indirect table as well. */
	env.indirect = true;
	for (u32 i = 0; i < 40; i++)
		desc_at(TABLE_IPA, i, BUF_IPA + i, 1, i < 39 ? F_NEXT : 0, (u16)(i + 1));
	desc(0, TABLE_IPA, 40 * 16, F_INDIRECT, 0);
	offer(0);
	expect_broken("more than 32 buffers");
}

/* Rings that are not (wholly) RAM. */
static void test_rings_outside_ram(void **state)
{
	(void)state;
	desc(0, BUF_IPA, 4, 0, 0);
	offer(0);
	q.desc = RAM_END - 16 * 8 + 16; /* the last descriptor sticks out */
	expect_broken("descriptor table outside the VM's RAM");
	q.desc = 0x1000;
	expect_broken("descriptor table outside the VM's RAM");
	q.desc = DESC_IPA;
	q.avail = RAM_END - (6 + 2 * 8) + 2; /* used_event sticks out */
	expect_broken("available ring outside the VM's RAM");
	assert_int_equal(virtq_peek(&q, &env, &why), VQ_BROKEN);
	assert_true(virtq_should_interrupt(&q, &env)); /* and says so on the next pop */
	assert_false(virtq_arm_notify(&q, &env));
	q.avail = AVAIL_IPA;
	q.used = RAM_END - (6 + 8 * 8) + 2; /* avail_event sticks out */
	why = NULL;
	assert_false(virtq_push(&q, &env, 0, 0, &why));
	assert_non_null(why);
	assert_int_equal(q.used_idx, 0);
	assert_false(virtq_arm_notify(&q, &env));
	q.used = 0xfffffffffffffff8ull;
	assert_false(virtq_push(&q, &env, 0, 0, &why));
	q.used = RAM_END - (6 + 8 * 8); /* the last bytes of RAM: avail_event is RAM's last u16 */
	assert_true(virtq_push(&q, &env, 0, 0, &why));
	env.event_idx = true;
	q.last_avail = 0x1234;
	assert_true(virtq_arm_notify(&q, &env)); /* the avail index is not 0x1234: look again */
	assert_int_equal(get16(RAM_END - 2), 0x1234);
}

/* QueueReady's checks. */
static void test_check_setup(void **state)
{
	static const u32 bad_num[] = { 0, 3, 6, 257, 512, 0x80000000u, 0xffffffffu };
	static const u32 good_num[] = { 1, 2, 4, 128, 256 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad_num); i++) {
		q.num = bad_num[i];
		assert_non_null(virtq_check_setup(&q));
	}
	for (u32 i = 0; i < ARRAY_SIZE(good_num); i++) {
		q.num = good_num[i];
		assert_null(virtq_check_setup(&q));
	}
	q.desc = DESC_IPA + 8;
	assert_non_null(virtq_check_setup(&q));
	q.desc = DESC_IPA;
	q.avail = AVAIL_IPA + 1;
	assert_non_null(virtq_check_setup(&q));
	q.avail = AVAIL_IPA + 2;
	assert_null(virtq_check_setup(&q));
	q.used = USED_IPA + 2;
	assert_non_null(virtq_check_setup(&q));
	q.used = USED_IPA + 4;
	assert_null(virtq_check_setup(&q));
}

/* A buffer in RAM that is still to be filled: VQ_RETRY takes nothing, and a later pop takes the chain. */
static void test_retry_while_filling(void **state)
{
	u32 retries = 0;
	enum virtq_status s;

	(void)state;
	desc(0, BUF_IPA, 4, F_NEXT, 1);
	desc(1, SLOW_IPA + MiB, 64, F_WRITE, 0);
	offer(0);
	fake_gm_irq_after = 1;
	while ((s = virtq_pop(&q, &env, &chain, &why)) == VQ_RETRY) {
		assert_int_equal(q.last_avail, 0);
		assert_int_equal(virtq_peek(&q, &env, &why), VQ_OK); /* still there */
		retries++;
	}
	assert_int_equal(s, VQ_OK);
	assert_true(retries > 0);
	assert_int_equal(q.last_avail, 1);
	assert_int_equal(chain.nr_in, 1);
	assert_int_equal(slow[MiB], 0); /* filled before it was handed out */
	assert_int_equal(slow[MiB + 63], 0);
}

/*
 * A used ring in RAM the guest never touched is filled preemptibly when a
 * chain is looked for, never later in virtq_push (which cannot stop): a pop
 * gives VQ_RETRY and takes nothing until it is filled, and then the push
 * that follows finds it filled.
 */
static void test_used_ring_filled_before_taking(void **state)
{
	u32 retries = 0;
	enum virtq_status s;

	(void)state;
	q.used = SLOW_IPA + 0x3000;
	desc(0, BUF_IPA, 4, 0, 0);
	offer(0);
	fake_gm_irq_after = 1;
	while ((s = virtq_pop(&q, &env, &chain, &why)) == VQ_RETRY) {
		assert_int_equal(q.last_avail, 0);
		retries++;
	}
	assert_int_equal(s, VQ_OK);
	assert_true(retries > 0);
	fake_gm_irq_after = 0;
	assert_true(virtq_push(&q, &env, chain.head, 0, &why));
	assert_int_equal(slow[0x3000 + 2], 1); /* used idx */
}

/* Writable buffers and the used ring show up in the dirty log. */
static void test_dirty_log(void **state)
{
	u64 bits[(RAM_BYTES + SLOW_BYTES) / PAGE_SIZE / 64];
	u8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	desc(0, BUF_IPA + 0x8000, 4, F_NEXT, 1);
	desc(1, BUF_IPA + 0x9000, 8, F_WRITE, 0);
	offer(0);
	assert_int_equal(gm_dirty_start(&gm), GM_OK);
	assert_int_equal(virtq_pop(&q, &env, &chain, &why), VQ_OK);
	assert_int_equal(gm_dirty_harvest(&gm, bits, ARRAY_SIZE(bits)), 1); /* the writable buffer's page */
	assert_int_equal(virtq_chain_write(&chain, &gm, 0, data, sizeof(data)), 8);
	assert_true(virtq_push(&q, &env, chain.head, 8, &why));
	assert_int_equal(gm_dirty_harvest(&gm, bits, ARRAY_SIZE(bits)), 2);
	assert_true(bits[0] >> ((BUF_IPA + 0x9000 - RAM_IPA) / PAGE_SIZE) & 1);
	assert_true(bits[0] >> ((USED_IPA - RAM_IPA) / PAGE_SIZE) & 1);
	assert_false(bits[0] >> ((BUF_IPA + 0x8000 - RAM_IPA) / PAGE_SIZE) & 1);
}

/*
 * The driver rewrites a descriptor while Keel reads it: whatever mix of old
 * and new fields Keel sees, what it checked is what it uses, so a chain it
 * takes always lies inside RAM (a check of one read and use of another
 * would let the huge length through, and ASan or the bounds below catch it).
 */
static volatile bool flipping;

static void *flipper(void *arg)
{
	u8 *d = at(DESC_IPA);
	u32 n = 0;

	(void)arg;
	while (__atomic_load_n(&flipping, __ATOMIC_RELAXED)) {
		u32 len = n & 1 ? 0x10000000u : 64;
		u64 addr = n & 2 ? RAM_END - 64 : BUF_IPA;

		__atomic_store_n((u32 *)(d + 8), len, __ATOMIC_RELAXED);
		__atomic_store_n((u64 *)d, addr, __ATOMIC_RELAXED);
		n++;
	}
	return NULL;
}

static void test_descriptor_changed_while_read(void **state)
{
	pthread_t t;
	u32 ok = 0, broken = 0;

	(void)state;
	desc(0, BUF_IPA, 64, 0, 0);
	flipping = true;
	assert_int_equal(pthread_create(&t, NULL, flipper, NULL), 0);
	for (u32 i = 0; i < 20000; i++) {
		enum virtq_status s;

		q.last_avail = 0;
		put16(AVAIL_IPA + 4, 0);
		put16(AVAIL_IPA + 2, 1);
		s = virtq_pop(&q, &env, &chain, &why);
		if (s == VQ_OK) {
			u8 *host = chain.seg[0].host;

			assert_int_equal(chain.nr_out, 1);
			assert_true(host >= ram && host + chain.seg[0].len <= ram + RAM_BYTES);
			assert_ptr_equal(host, at(chain.seg[0].ipa));
			assert_int_equal(chain.out_len, chain.seg[0].len);
			ok++;
		} else {
			assert_int_equal(s, VQ_BROKEN);
			broken++;
		}
	}
	__atomic_store_n(&flipping, false, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_interrupt_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arm_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect_attacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_while_filling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_used_ring_filled_before_taking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_changed_while_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
