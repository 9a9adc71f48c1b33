/*
 * The measurement harness: calibration, samples and statistics.
 *
 * One sample repeats a batch of operations until at least opts->min_time has
 * passed on CLOCK_MONOTONIC, and is the elapsed time divided by the number of
 * operations done. The batch is calibrated first so that one batch takes about
 * a tenth of the minimum time: the clock is read once per batch, not once per
 * operation, and a sample overshoots the minimum by at most about 10%.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

/* A batch aims at this fraction of the sample's minimum time. */
#define BATCH_FRACTION 10

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double time_batch(const struct bench *b, void *state, long n)
{
	double t0 = bench_now();

	b->run(state, n);
	return bench_now() - t0;
}

/*
 * Grows n by 4x until a batch takes a quarter of the target, then scales it
 * to the target. The first, warming, call is not used.
 */
static long calibrate(const struct bench *b, void *state, double target)
{
	long n = 1;
	double t;

	time_batch(b, state, 1);
	for (;;) {
		t = time_batch(b, state, n);
		if (t >= target / 4 || n >= (1L << 40))
			break;
		n *= 4;
	}
	n = (long)((double)n * target / t);
	return n < 1 ? 1 : n;
}

/* Seconds per operation, over at least min_time. */
static double take_sample(const struct bench *b, void *state, long batch, double min_time)
{
	double t0 = bench_now(), t;
	long ops = 0;

	do {
		b->run(state, batch);
		ops += batch;
		t = bench_now() - t0;
	} while (t < min_time);
	return t / (double)ops;
}

/* Converts seconds per operation to the figure reported. */
static double figure(const struct bench *b, double secs_per_op)
{
	if (b->kind == BENCH_BANDWIDTH)
		return b->per_op / secs_per_op / (1024.0 * 1024.0);
	return secs_per_op * 1e6 / b->per_op;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *sorted, int n)
{
	if (n % 2)
		return sorted[n / 2];
	return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

int bench_measure(const struct bench *b, const struct bench_opts *o)
{
	double v[o->samples];
	void *state;
	long batch;
	int i;

	state = b->setup(b);
	if (!state)
		return -1;
	batch = calibrate(b, state, o->min_time / BATCH_FRACTION);
	for (i = 0; i < o->samples; i++)
		v[i] = figure(b, take_sample(b, state, batch, o->min_time));
	b->teardown(state);

	qsort(v, (size_t)o->samples, sizeof(v[0]), cmp_double);
	printf("KBENCH %s %s %.3f %.3f %.3f %d\n", b->name,
	       b->kind == BENCH_BANDWIDTH ? "MB/s" : "us",
	       median(v, o->samples), v[0], v[o->samples - 1], o->samples);
	fflush(stdout);
	return 0;
}
