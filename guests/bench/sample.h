/*
 * Samples of a benchmark metric and their one-line summary. A metric is
 * measured as several samples; each sample is a per-iteration cost averaged
 * over many iterations, kept in milli-ticks of the virtual counter so that a
 * cost below one tick (16 ns at 62.5 MHz) still shows. The summary is
 *
 *     KHV <metric> ticks <median> <min> <max> <samples>
 *
 * with median, min and max in ticks, three decimals.
 */
#ifndef BENCH_SAMPLE_H
#define BENCH_SAMPLE_H

#include <stdint.h>

#define SAMPLE_MAX 32u
#define MILLI 1000u

struct samples {
	uint32_t n;
	uint64_t mticks[SAMPLE_MAX]; /* per-iteration cost of each sample, in 1/1000 tick */
};

/* Records a sample of total ticks over iters iterations (iters > 0); drops it if full. */
void samples_add(struct samples *s, uint64_t ticks, uint64_t iters);
/* Prints the metric's KHV line (sorts s). With no sample it prints "n/a". */
void samples_print(const char *metric, struct samples *s);
/* Prints "KHV <metric> - n/a" for a metric that cannot be measured here. */
void samples_print_na(const char *metric);

#endif
