/*
 * Inter-process communication between two processes: round-trip latency of
 * one byte over a pair of pipes (pipe_lat), a Unix stream socket pair
 * (unix_lat) and a pair of FIFOs in /tmp (fifo_lat), and the bandwidth of a
 * pipe carrying 64 KiB chunks (pipe_bw). By default both processes run on
 * CPU 0 (main.c); with --spread the kernel may place them on different CPUs,
 * and each round trip can then cost two cross-CPU wake-ups (IPIs), which a
 * hypervisor has to deliver.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"

#define BW_CHUNK (64 * 1024)

struct ipc_state {
	int wfd, rfd;		/* the parent's ends */
	int pid;		/* the helper */
	char *buf;		/* pipe_bw: the chunk read */
};

/* The helper's ends: read from fds[0], write to fds[1]. */
struct echo_fds {
	int rfd, wfd;
};

/* Echoes each byte back until end-of-file. */
static int echo_loop(void *arg)
{
	struct echo_fds *f = arg;
	char c;

	for (;;) {
		ssize_t r = read(f->rfd, &c, 1);

		if (r == 0)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || write(f->wfd, &c, 1) != 1)
			return 1;
	}
}

static struct ipc_state *ipc_alloc(void)
{
	struct ipc_state *s = calloc(1, sizeof(*s));

	if (!s)
		bench_die("calloc");
	return s;
}

static void *pipe_lat_setup(const struct bench *b)
{
	struct ipc_state *s = ipc_alloc();
	int to_child[2], to_parent[2];
	struct echo_fds f;

	if (pipe(to_child) || pipe(to_parent)) {
		bench_error(b, "pipe: %s", strerror(errno));
		return NULL;
	}
	f.rfd = to_child[0];
	f.wfd = to_parent[1];
	s->pid = bench_spawn(echo_loop, &f, (const int[]){ f.rfd, f.wfd, -1 });
	close(to_child[0]);
	close(to_parent[1]);
	s->wfd = to_child[1];
	s->rfd = to_parent[0];
	return s;
}

static void *unix_lat_setup(const struct bench *b)
{
	struct ipc_state *s = ipc_alloc();
	struct echo_fds f;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		bench_error(b, "socketpair: %s", strerror(errno));
		return NULL;
	}
	f.rfd = f.wfd = sv[1];
	s->pid = bench_spawn(echo_loop, &f, (const int[]){ sv[1], -1 });
	close(sv[1]);
	s->wfd = s->rfd = sv[0];
	return s;
}

struct fifo_paths {
	char to_child[64], to_parent[64];
};

/* Opens the FIFOs in the same order as the parent, or both would block. */
static int fifo_echo(void *arg)
{
	struct fifo_paths *p = arg;
	struct echo_fds f;

	f.rfd = open(p->to_child, O_RDONLY);
	f.wfd = open(p->to_parent, O_WRONLY);
	if (f.rfd < 0 || f.wfd < 0)
		return 1;
	return echo_loop(&f);
}

static void *fifo_lat_setup(const struct bench *b)
{
	struct ipc_state *s = ipc_alloc();
	struct fifo_paths p;

	snprintf(p.to_child, sizeof(p.to_child), "/tmp/keel-bench-%d-a", (int)getpid());
	snprintf(p.to_parent, sizeof(p.to_parent), "/tmp/keel-bench-%d-b", (int)getpid());
	if (mkfifo(p.to_child, 0600) || mkfifo(p.to_parent, 0600)) {
		bench_error(b, "mkfifo in /tmp: %s", strerror(errno));
		unlink(p.to_child);
		return NULL;
	}
	s->pid = bench_spawn(fifo_echo, &p, (const int[]){ -1 });
	s->wfd = open(p.to_child, O_WRONLY);
	s->rfd = open(p.to_parent, O_RDONLY);
	unlink(p.to_child);
	unlink(p.to_parent);
	if (s->wfd < 0 || s->rfd < 0)
		bench_die("open fifo");
	return s;
}

/* One operation: a byte to the helper and back. */
static void round_trip_run(void *state, long n)
{
	struct ipc_state *s = state;
	char c = 'k';

	while (n--) {
		bench_write_full(s->wfd, &c, 1);
		bench_read_full(s->rfd, &c, 1);
	}
}

/* The helper sees end-of-file and exits 0. */
static void ipc_teardown(void *state)
{
	struct ipc_state *s = state;

	close(s->wfd);
	if (s->rfd != s->wfd)
		close(s->rfd);
	bench_reap(s->pid);
	free(s->buf);
	free(s);
}

/* Writes chunks until the reader goes away (EPIPE; SIGPIPE is ignored). */
static int bw_writer(void *arg)
{
	int fd = *(int *)arg;
	static char chunk[BW_CHUNK];

	memset(chunk, 'k', sizeof(chunk));
	for (;;) {
		ssize_t r = write(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EPIPE)
			return 0;
		if (r < 0 && errno != EINTR)
			return 1;
	}
}

static void *pipe_bw_setup(const struct bench *b)
{
	struct ipc_state *s = ipc_alloc();
	int p[2];

	if (pipe(p)) {
		bench_error(b, "pipe: %s", strerror(errno));
		return NULL;
	}
	s->buf = malloc(BW_CHUNK);
	if (!s->buf)
		bench_die("malloc");
	memset(s->buf, 0, BW_CHUNK);
	s->pid = bench_spawn(bw_writer, &p[1], (const int[]){ p[1], -1 });
	close(p[1]);
	s->rfd = p[0];
	s->wfd = -1;
	return s;
}

/* One operation: one 64 KiB chunk read, however many reads that takes. */
static void pipe_bw_run(void *state, long n)
{
	struct ipc_state *s = state;

	while (n--)
		bench_read_full(s->rfd, s->buf, BW_CHUNK);
}

/* Closing the read end makes the writer's next write fail with EPIPE. */
static void pipe_bw_teardown(void *state)
{
	struct ipc_state *s = state;

	close(s->rfd);
	bench_reap(s->pid);
	free(s->buf);
	free(s);
}

const struct bench bench_pipe_lat = {
	.name = "pipe_lat", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = pipe_lat_setup, .run = round_trip_run, .teardown = ipc_teardown,
};

const struct bench bench_unix_lat = {
	.name = "unix_lat", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = unix_lat_setup, .run = round_trip_run, .teardown = ipc_teardown,
};

const struct bench bench_fifo_lat = {
	.name = "fifo_lat", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = fifo_lat_setup, .run = round_trip_run, .teardown = ipc_teardown,
};

const struct bench bench_pipe_bw = {
	.name = "pipe_bw", .kind = BENCH_BANDWIDTH, .per_op = BW_CHUNK,
	.setup = pipe_bw_setup, .run = pipe_bw_run, .teardown = pipe_bw_teardown,
};
