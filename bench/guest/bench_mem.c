/*
 * Memory: bandwidth of reading (a sum of 64-bit words), writing (a store of
 * every 64-bit word) and copying (libc memcpy) 8 MiB buffers, well beyond any
 * cache, and the cost of a page fault: the first write to each page of fresh
 * anonymous memory. Under a hypervisor the bandwidths show what stage-2
 * translation adds to TLB misses. A page fault is taken by the guest kernel
 * without any trap to the hypervisor, but it allocates, zeroes and maps a
 * page, and every page-table walk on the way is longer under stage 2.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define MEM_BYTES (8UL << 20)
/* page_fault maps this many pages at a time; the map and unmap are amortized. */
#define FAULT_PAGES 256

enum mem_op { MEM_READ, MEM_WRITE, MEM_COPY };

struct mem_state {
	uint64_t *src, *dst;
	size_t page;		/* page_fault: page size */
};

static volatile uint64_t mem_sink;

static uint64_t *map_buffer(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap");
	memset(p, 1, bytes);	/* fault everything in before timing */
	return p;
}

static void *mem_setup(const struct bench *b)
{
	struct mem_state *s = calloc(1, sizeof(*s));

	if (!s)
		bench_die("calloc");
	s->src = map_buffer(MEM_BYTES);
	if (b->arg == MEM_COPY)
		s->dst = map_buffer(MEM_BYTES);
	return s;
}

static void mem_teardown(void *state)
{
	struct mem_state *s = state;

	munmap(s->src, MEM_BYTES);
	if (s->dst)
		munmap(s->dst, MEM_BYTES);
	free(s);
}

/* Four independent sums, so the loop is bound by loads, not by one add chain. */
static void mem_read_run(void *state, long n)
{
	const uint64_t *p = ((struct mem_state *)state)->src;
	size_t i, words = MEM_BYTES / sizeof(uint64_t);

	while (n--) {
		uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

		for (i = 0; i < words; i += 8) {
			s0 += p[i] + p[i + 4];
			s1 += p[i + 1] + p[i + 5];
			s2 += p[i + 2] + p[i + 6];
			s3 += p[i + 3] + p[i + 7];
		}
		mem_sink = s0 + s1 + s2 + s3;
	}
}

static void mem_write_run(void *state, long n)
{
	uint64_t *p = ((struct mem_state *)state)->src;
	size_t i, words = MEM_BYTES / sizeof(uint64_t);

	while (n--) {
		uint64_t v = (uint64_t)n * 0x0101010101010101ULL + 0x1234;

		for (i = 0; i < words; i += 4) {
			p[i] = v;
			p[i + 1] = v;
			p[i + 2] = v;
			p[i + 3] = v;
		}
		mem_sink = p[n % words];
	}
}

static void mem_copy_run(void *state, long n)
{
	struct mem_state *s = state;

	while (n--) {
		memcpy(s->dst, s->src, MEM_BYTES);
		mem_sink = s->dst[n % (MEM_BYTES / sizeof(uint64_t))];
	}
}

static void *fault_setup(const struct bench *b)
{
	struct mem_state *s = calloc(1, sizeof(*s));

	(void)b;
	if (!s)
		bench_die("calloc");
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	return s;
}

/*
 * One operation: one page faulted in. Transparent huge pages are refused for
 * the region, or one fault would fill 512 pages.
 */
static void fault_run(void *state, long n)
{
	struct mem_state *s = state;

	while (n > 0) {
		size_t pages = n < FAULT_PAGES ? (size_t)n : FAULT_PAGES, i;
		size_t bytes = pages * s->page;
		char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			bench_die("mmap");
		madvise(p, bytes, MADV_NOHUGEPAGE);
		for (i = 0; i < pages; i++)
			p[i * s->page] = 1;
		munmap(p, bytes);
		n -= (long)pages;
	}
}

static void fault_teardown(void *state)
{
	free(state);
}

const struct bench bench_mem_read = {
	.name = "mem_read", .kind = BENCH_BANDWIDTH, .per_op = MEM_BYTES, .arg = MEM_READ,
	.setup = mem_setup, .run = mem_read_run, .teardown = mem_teardown,
};

const struct bench bench_mem_write = {
	.name = "mem_write", .kind = BENCH_BANDWIDTH, .per_op = MEM_BYTES, .arg = MEM_WRITE,
	.setup = mem_setup, .run = mem_write_run, .teardown = mem_teardown,
};

const struct bench bench_mem_copy = {
	.name = "mem_copy", .kind = BENCH_BANDWIDTH, .per_op = MEM_BYTES, .arg = MEM_COPY,
	.setup = mem_setup, .run = mem_copy_run, .teardown = mem_teardown,
};

const struct bench bench_page_fault = {
	.name = "page_fault", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = fault_setup, .run = fault_run, .teardown = fault_teardown,
};
