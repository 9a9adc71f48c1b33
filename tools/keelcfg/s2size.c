/*
 * The worst-case size of a VM's stage-2 tables (s2size.h). The count is
 * exact for the fully split case: a table page exists only for a span that
 * holds some mapping, so the number of distinct spans bounds the pages live
 * at any moment, however the tables are split and merged over time.
 */
#include <stdlib.h>

#include "s2size.h"

#define S2SIZE_L2_SPAN (1ull << 30)
#define S2SIZE_L3_SPAN (2ull << 20)
#define S2SIZE_IPA_LIMIT (1ull << 39)

static int s2size_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Whether a range can be counted: inside the 39-bit IPA space (others are reported by validate.c). */
static bool s2size_range_ok(const struct s2size_range *r)
{
	return r->size && r->ipa < S2SIZE_IPA_LIMIT && r->size <= S2SIZE_IPA_LIMIT - r->ipa;
}

/* Distinct span-sized, span-aligned blocks the ranges touch. */
static u32 s2size_spans(const struct s2size_range *ranges, u32 n, u64 span)
{
	u64 total = 0, *starts, count = 0;

	for (u32 i = 0; i < n; i++)
		if (s2size_range_ok(&ranges[i]))
			total += (ALIGN_UP(ranges[i].ipa + ranges[i].size, span) -
				  ALIGN_DOWN(ranges[i].ipa, span)) / span;
	if (!total)
		return 0;
	starts = malloc(total * sizeof(*starts));
	if (!starts)
		return (u32)total; /* counting duplicates only overestimates */
	for (u32 i = 0; i < n; i++) {
		u64 first, last;

		if (!s2size_range_ok(&ranges[i]))
			continue;
		first = ranges[i].ipa / span;
		last = (ranges[i].ipa + ranges[i].size - 1) / span;
		for (u64 k = first; k <= last; k++)
			starts[count++] = k;
	}
	qsort(starts, count, sizeof(*starts), s2size_cmp);
	total = 0;
	for (u64 i = 0; i < count; i++)
		if (i == 0 || starts[i] != starts[i - 1])
			total++;
	free(starts);
	return (u32)total;
}

u32 s2size_tables(const struct s2size_range *ranges, u32 n)
{
	return 1 + s2size_spans(ranges, n, S2SIZE_L2_SPAN) + s2size_spans(ranges, n, S2SIZE_L3_SPAN);
}
