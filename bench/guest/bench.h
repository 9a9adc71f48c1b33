/*
 * keel-bench: lmbench-style micro-benchmarks run inside a Linux guest, to
 * compare Linux on Keel with Linux directly on QEMU (and under Xen).
 *
 * A benchmark is a table entry: setup() builds its state (buffers, file
 * descriptors, helper processes), run(state, n) performs n operations, and
 * teardown() undoes setup. The harness in measure.c calibrates n, times
 * samples of at least a minimum duration, and prints one KBENCH line per
 * benchmark. Each benchmark runs in its own child process (main.c), so one that
 * fails or leaves state behind cannot disturb the next.
 */
#ifndef KEEL_BENCH_H
#define KEEL_BENCH_H

#include <stddef.h>

/* What a KBENCH line reports. */
enum bench_kind {
	BENCH_LATENCY,		/* microseconds per event, lower is better */
	BENCH_BANDWIDTH,	/* MB/s (1 MB = 2^20 bytes), higher is better */
};

struct bench {
	const char *name;	/* metric name in the KBENCH line */
	enum bench_kind kind;
	/*
	 * Latency: events per operation (a ring of N processes makes N
	 * switches per round). Bandwidth: bytes per operation.
	 */
	double per_op;
	long arg;		/* benchmark-specific (ring size, ...) */
	/* Returns the state, or NULL after printing why (bench_error). */
	void *(*setup)(const struct bench *b);
	/* Performs n operations; calls bench_die() if the system misbehaves. */
	void (*run)(void *state, long n);
	void (*teardown)(void *state);
};

/* Measurement parameters, from the command line. */
struct bench_opts {
	int samples;		/* samples per benchmark */
	double min_time;	/* seconds: each sample lasts at least this long */
	int pin;		/* run every benchmark on CPU 0 only (default) */
};

/* The benchmarks, one per file group (bench_*.c). */
extern const struct bench bench_null_syscall, bench_read_zero, bench_write_null;
extern const struct bench bench_pipe_lat, bench_pipe_bw, bench_unix_lat, bench_fifo_lat;
extern const struct bench bench_ctx_2, bench_ctx_8, bench_ctx_16;
extern const struct bench bench_fork_exit, bench_fork_exec;
extern const struct bench bench_mem_read, bench_mem_write, bench_mem_copy, bench_page_fault;

/* measure.c: seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/*
 * measure.c: sets b up, calibrates, takes o->samples samples, tears down and
 * prints the KBENCH line. Returns 0, or -1 if setup failed.
 */
int bench_measure(const struct bench *b, const struct bench_opts *o);

/* util.c: messages on stdout as "keel-bench: <bench>: ...". */
void bench_error(const struct bench *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* util.c: prints the message (with errno's text) and exits the process, 1. */
void bench_die(const char *what) __attribute__((noreturn));

/* util.c: full-length read/write, retried on EINTR; die on error or EOF. */
void bench_read_full(int fd, void *buf, size_t len);
void bench_write_full(int fd, const void *buf, size_t len);

/*
 * util.c: forks a helper that calls fn(arg) and then _exits with its return
 * value. The helper closes every descriptor below 64 except those in keep[]
 * (terminated by -1) and 0..2, so end-of-file propagates when the parent
 * closes its ends. Returns the helper's pid; dies if fork fails.
 */
int bench_spawn(int (*fn)(void *), void *arg, const int *keep);

/* util.c: reaps a helper; dies if it did not exit with status 0. */
void bench_reap(int pid);

/* util.c: binds the calling process (and its future children) to CPU 0. */
void bench_pin_cpu0(void);

/* main.c: path of this program, for fork_exec (re-exec with --exit). */
extern const char *bench_self_path;

#endif
