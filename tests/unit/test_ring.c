/*
 * Host tests of the guests' single-producer single-consumer ring
 * (guests/lib/ring.c, guest/ring.h): layout and attach checks, wrap-around
 * of the byte counters, a peer writing nonsense counters or size, and a
 * producer and a consumer on two threads streaming 64 MiB with a checksum.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <guest/ring.h>

static uint8_t mem[4096 + 128] __attribute__((aligned(64)));

static void test_init_attach(void **state)
{
	struct ring_end p, c;

	(void)state;
	assert_false(ring_init(&p, mem, 100)); /* too small */
	assert_true(ring_init(&p, mem, sizeof(mem)));
	assert_int_equal(p.size, 4096);
	assert_true(ring_attach(&c, mem, sizeof(mem)));
	assert_int_equal(c.size, 4096);
	assert_false(ring_attach(&c, mem, 2048)); /* the size claimed does not fit the consumer's view */
	p.r->size = 3000; /* not a power of two */
	assert_false(ring_attach(&c, mem, sizeof(mem)));
}

static void test_fill_drain_wrap(void **state)
{
	struct ring_end p, c;
	uint8_t in[5000], out[5000];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	assert_true(ring_init(&p, mem, sizeof(mem)));
	assert_true(ring_attach(&c, mem, sizeof(mem)));
	/* Counters near 2^32: the fill is still head - tail. */
	p.r->head = p.r->tail = 0xfffff000u;
	assert_int_equal(ring_write(&p, in, sizeof(in)), 4096); /* full */
	assert_int_equal(ring_write(&p, in, 1), 0);
	assert_int_equal(ring_read(&c, out, 1000), 1000);
	assert_memory_equal(out, in, 1000);
	assert_int_equal(ring_write(&p, in + 4096, 904), 904);
	assert_int_equal(ring_read(&c, out + 1000, sizeof(out)), 4000);
	assert_memory_equal(out, in, 5000);
	assert_int_equal(ring_read(&c, out, 1), 0); /* empty */
}

/* A peer that writes nonsense counters or size cannot make this side go outside the ring. */
static void test_hostile_peer(void **state)
{
	struct ring_end p, c;
	uint8_t out[8192];

	(void)state;
	assert_true(ring_init(&p, mem, sizeof(mem)));
	assert_true(ring_attach(&c, mem, sizeof(mem)));
	p.r->head = p.r->tail + 100000; /* claims more than the ring holds */
	assert_int_equal(ring_read(&c, out, sizeof(out)), 0);
	p.r->head = p.r->tail = 0;
	p.r->tail = 12345; /* the consumer claims to have read bytes never written */
	assert_int_equal(ring_write(&p, out, sizeof(out)), 0);
	p.r->tail = 0;
	p.r->size = 1u << 30; /* changed after both sides checked it: each uses its own copy */
	assert_int_equal(ring_write(&p, out, sizeof(out)), 4096);
	assert_int_equal(ring_read(&c, out, sizeof(out)), 4096);
}

#define STREAM_BYTES (64u << 20)

static void *producer(void *arg)
{
	struct ring_end *p = arg;
	uint8_t chunk[777];
	uint32_t x = 1;

	for (size_t sent = 0; sent < STREAM_BYTES;) {
		size_t want = sizeof(chunk) < STREAM_BYTES - sent ? sizeof(chunk) : STREAM_BYTES - sent, n;

		for (size_t i = 0; i < want; i++)
			chunk[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
		for (size_t done = 0; done < want; done += n)
			n = ring_write(p, chunk + done, want - done);
		sent += want;
	}
	return NULL;
}

/* Two threads, 64 MiB through a 4 KiB ring: every byte arrives, in order. */
static void test_two_threads_stream(void **state)
{
	struct ring_end p, c;
	pthread_t t;
	uint8_t buf[1000];
	uint32_t x = 1;
	size_t got = 0, wrong = 0;

	(void)state;
	assert_true(ring_init(&p, mem, sizeof(mem)));
	assert_true(ring_attach(&c, mem, sizeof(mem)));
	assert_int_equal(pthread_create(&t, NULL, producer, &p), 0);
	while (got < STREAM_BYTES) {
		size_t n = ring_read(&c, buf, sizeof(buf));

		for (size_t i = 0; i < n; i++)
			wrong += buf[i] != (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
		got += n;
	}
	pthread_join(t, NULL);
	assert_int_equal(wrong, 0);
	assert_int_equal(ring_read(&c, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_attach),
		cmocka_unit_test(test_fill_drain_wrap),
		cmocka_unit_test(test_hostile_peer),
		cmocka_unit_test(test_two_threads_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
