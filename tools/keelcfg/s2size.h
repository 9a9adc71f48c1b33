/*
 * How many stage-2 table pages a VM can ever need. Keel gives each VM its
 * own pool of table pages (no VM can drain another's, and no lock is shared
 * between VMs), so the pool must hold the worst case: every mapping split
 * down to 4 KiB pages, which is what dirty tracking can do to it.
 */
#ifndef KEELCFG_S2SIZE_H
#define KEELCFG_S2SIZE_H

#include <keel/types.h>

struct s2size_range {
	u64 ipa;
	u64 size;
};

/*
 * Table pages for a 39-bit, level-1-rooted stage 2 with the 4 KiB granule
 * mapping all of ranges[0..n) as 4 KiB pages: the root, one level-2 table
 * per 1 GiB span and one level-3 table per 2 MiB span that any range
 * touches (a span touched by two ranges counts once). Ranges that are empty
 * or reach beyond the 39-bit IPA space are not counted (keelcfg reports
 * them as errors anyway). Pure.
 */
u32 s2size_tables(const struct s2size_range *ranges, u32 n);

#endif
