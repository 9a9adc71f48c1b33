/*
 * Collecting a metric's samples and printing their median, minimum and
 * maximum (sample.h). Values are fixed point, 1/1000 of a counter tick: the
 * guests have no floating point (-mgeneral-regs-only).
 */
#include <guest/print.h>

#include "sample.h"

void samples_add(struct samples *s, uint64_t ticks, uint64_t iters)
{
	if (s->n < SAMPLE_MAX && iters > 0)
		s->mticks[s->n++] = ticks * MILLI / iters;
}

/* Insertion sort: a few dozen values at most. */
static void sort_u64(uint64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		uint32_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* The median of sorted values; the mean of the middle two for an even count. */
static uint64_t median_sorted(const uint64_t *v, uint32_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_fixed(uint64_t mticks)
{
	printf(" %lu.%03lu", mticks / MILLI, mticks % MILLI);
}

void samples_print(const char *metric, struct samples *s)
{
	if (s->n == 0) {
		samples_print_na(metric);
		return;
	}
	sort_u64(s->mticks, s->n);
	printf("KHV %s ticks", metric);
	print_fixed(median_sorted(s->mticks, s->n));
	print_fixed(s->mticks[0]);
	print_fixed(s->mticks[s->n - 1]);
	printf(" %u\n", s->n);
}

void samples_print_na(const char *metric)
{
	printf("KHV %s - n/a\n", metric);
}
