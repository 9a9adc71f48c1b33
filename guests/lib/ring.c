/*
 * The single-producer single-consumer byte ring (guest/ring.h). Also built
 * for the host, where tests/unit/test_ring.c runs a producer and a consumer
 * on two threads. The acquire loads and release stores are the whole
 * synchronisation; their pairing is spelled out in the header. Everything
 * read from shared memory is bounded by this side's own copy of the size.
 */
#include <guest/ring.h>

#define RING_HEADER sizeof(struct ring)
#define RING_MIN_DATA 64u

/* The largest power of two that is at most n (n > 0), capped at 2^30. */
static uint32_t ring_pow2_floor(size_t n)
{
	uint32_t p = 1;

	while ((size_t)p * 2 <= n && p < (1u << 30))
		p *= 2;
	return p;
}

int ring_init(struct ring_end *end, void *mem, size_t mem_size)
{
	struct ring *r = mem;

	if (mem_size < RING_HEADER + RING_MIN_DATA)
		return 0;
	end->r = r;
	end->size = ring_pow2_floor(mem_size - RING_HEADER);
	__atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->size, end->size, __ATOMIC_RELEASE); /* last: a joining side sees a clean ring */
	return 1;
}

int ring_attach(struct ring_end *end, void *mem, size_t mem_size)
{
	struct ring *r = mem;
	uint32_t size;

	if (mem_size < RING_HEADER + RING_MIN_DATA)
		return 0;
	size = __atomic_load_n(&r->size, __ATOMIC_ACQUIRE);
	if (size < RING_MIN_DATA || (size & (size - 1)) || size > mem_size - RING_HEADER)
		return 0;
	end->r = r;
	end->size = size;
	return 1;
}

/*
 * n bytes (n <= size) into the ring's data at offset at, wrapping once at
 * size: at most two straight copies, so memcpy's word loop does the work,
 * not a masked store per byte. The same the other way.
 */
static void ring_copy_in(uint8_t *data, uint32_t size, uint32_t at, const uint8_t *in, size_t n)
{
	size_t first = n < size - at ? n : size - at;

	__builtin_memcpy(data + at, in, first);
	__builtin_memcpy(data, in + first, n - first);
}

static void ring_copy_out(uint8_t *out, const uint8_t *data, uint32_t size, uint32_t at, size_t n)
{
	size_t first = n < size - at ? n : size - at;

	__builtin_memcpy(out, data + at, first);
	__builtin_memcpy(out + first, data, n - first);
}

size_t ring_write(struct ring_end *end, const void *buf, size_t len)
{
	struct ring *r = end->r;
	const uint8_t *in = buf;
	uint32_t mask = end->size - 1;
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED); /* ours: no other writer */
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	uint32_t used = head - tail;
	size_t n = used > end->size ? 0 : end->size - used; /* a peer's nonsense tail: write nothing */

	if (n > len)
		n = len;
	ring_copy_in(r->data, end->size, head & mask, in, n);
	__atomic_store_n(&r->head, head + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

size_t ring_read(struct ring_end *end, void *buf, size_t len)
{
	struct ring *r = end->r;
	uint8_t *out = buf;
	uint32_t mask = end->size - 1;
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED); /* ours: no other reader */
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint32_t avail = head - tail;
	size_t n = avail > end->size ? 0 : avail; /* a peer's nonsense head: read nothing */

	if (n > len)
		n = len;
	ring_copy_out(out, r->data, end->size, tail & mask, n);
	__atomic_store_n(&r->tail, tail + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}
