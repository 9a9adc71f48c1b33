/*
 * Context switches, after lmbench's lat_ctx: N processes in a ring of pipes
 * pass a one-byte token round; process i reads from pipe i and writes to pipe
 * i+1 (mod N). All N are pinned to CPU 0, so each pass is a real switch on one
 * CPU (a change of address space, which under stage-2 translation also costs
 * TLB refills), not a cross-CPU wake-up. Before passing the token on, each
 * process sums its own small working set (WS_BYTES, one word per cache line),
 * as lat_ctx does, so the caches see N small different processes.
 *
 * The figure is the time per pass (one switch), pipe read and write included;
 * no overhead is subtracted (lmbench subtracts a one-process pipe loop, which
 * makes small differences noisy and can go negative under emulation).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define CTX_MAX 16
#define WS_BYTES 4096
#define CACHE_LINE 64

struct ctx_state {
	int nproc;
	int wfd, rfd;		/* process 0 writes pipe 1, reads pipe 0 */
	int pid[CTX_MAX];
};

/* Each process's own working set; fork gives every process its copy. */
static uint64_t ws[WS_BYTES / sizeof(uint64_t)];
static volatile uint64_t ws_sink;

static void touch_ws(void)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < WS_BYTES / sizeof(uint64_t); i += CACHE_LINE / sizeof(uint64_t))
		sum += ws[i];
	ws_sink = sum;
}

struct ring_fds {
	int rfd, wfd;
};

/* A ring member: pass the token on until the previous member goes away. */
static int ring_member(void *arg)
{
	struct ring_fds *f = arg;
	char c;

	memset(ws, 1, sizeof(ws));
	for (;;) {
		ssize_t r = read(f->rfd, &c, 1);

		if (r == 0)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		touch_ws();
		if (r < 0 || write(f->wfd, &c, 1) != 1)
			return 1;
	}
}

static void *ctx_setup(const struct bench *b)
{
	int pipes[CTX_MAX][2];
	struct ctx_state *s;
	int i, n = (int)b->arg;

	s = calloc(1, sizeof(*s));
	if (!s)
		bench_die("calloc");
	s->nproc = n;
	bench_pin_cpu0();
	for (i = 0; i < n; i++)
		if (pipe(pipes[i]))
			bench_die("pipe");
	for (i = 1; i < n; i++) {
		struct ring_fds f = { pipes[i][0], pipes[(i + 1) % n][1] };

		s->pid[i] = bench_spawn(ring_member, &f, (const int[]){ f.rfd, f.wfd, -1 });
	}
	s->rfd = pipes[0][0];
	s->wfd = pipes[1][1];
	for (i = 0; i < n; i++) {
		if (pipes[i][0] != s->rfd)
			close(pipes[i][0]);
		if (pipes[i][1] != s->wfd)
			close(pipes[i][1]);
	}
	memset(ws, 1, sizeof(ws));
	return s;
}

/* One operation: the token once round the ring, nproc switches. */
static void ctx_run(void *state, long n)
{
	struct ctx_state *s = state;
	char c = 't';

	while (n--) {
		touch_ws();
		bench_write_full(s->wfd, &c, 1);
		bench_read_full(s->rfd, &c, 1);
	}
}

/* Closing pipe 1 ends member 1, whose exit closes pipe 2, and so on round. */
static void ctx_teardown(void *state)
{
	struct ctx_state *s = state;
	int i;

	close(s->wfd);
	for (i = 1; i < s->nproc; i++)
		bench_reap(s->pid[i]);
	close(s->rfd);
	free(s);
}

#define CTX_BENCH(n) { \
	.name = "ctx_" #n, .kind = BENCH_LATENCY, .per_op = n, .arg = n, \
	.setup = ctx_setup, .run = ctx_run, .teardown = ctx_teardown, \
}

const struct bench bench_ctx_2 = CTX_BENCH(2);
const struct bench bench_ctx_8 = CTX_BENCH(8);
const struct bench bench_ctx_16 = CTX_BENCH(16);
