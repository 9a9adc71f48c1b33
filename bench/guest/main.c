/*
 * keel-bench: command line, the list of benchmarks and the driver.
 *
 *   keel-bench [--quick] [--only NAME[,NAME...]] [--samples N] [--time SEC]
 *              [--pin|--spread] [--list]
 *
 * By default every benchmark runs on CPU 0 only (--pin): under QEMU's
 * multi-threaded TCG a wake-up on another vCPU waits for the host to schedule
 * that vCPU's thread, which on a busy host costs milliseconds and swamps what
 * is being measured. --spread lets Linux place the processes (lmbench's way),
 * so round trips include cross-CPU wake-ups (IPIs); ctx_N stays on CPU 0.
 *
 * Prints "KBENCH-BEGIN <kernel release> <online CPUs>", then for each benchmark
 * "KBENCH <metric> <us|MB/s> <median> <min> <max> <samples>", then
 * "KBENCH-END". Every other line starts with "keel-bench:" and is for people.
 * Each benchmark runs in a child process; one that fails prints why and is
 * left out, the others still run, and the exit status is then 1.
 *
 * "keel-bench --exit" exits at once: fork_exec's child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* The order in which they run and are reported. */
static const struct bench *const benches[] = {
	&bench_null_syscall, &bench_read_zero, &bench_write_null,
	&bench_pipe_lat, &bench_pipe_bw, &bench_unix_lat, &bench_fifo_lat,
	&bench_ctx_2, &bench_ctx_8, &bench_ctx_16,
	&bench_fork_exit, &bench_fork_exec,
	&bench_mem_read, &bench_mem_write, &bench_mem_copy, &bench_page_fault,
};
#define NBENCH ((int)(sizeof(benches) / sizeof(benches[0])))

/* A full run: 5 samples of at least 0.2 s. --quick: 3 of at least 0.05 s. */
#define FULL_SAMPLES 5
#define FULL_TIME 0.2
#define QUICK_SAMPLES 3
#define QUICK_TIME 0.05

const char *bench_self_path = "/proc/self/exe";

static void usage(FILE *f)
{
	fprintf(f, "usage: keel-bench [--quick] [--only NAME[,NAME...]] [--samples N] "
		   "[--time SEC] [--pin|--spread] [--list]\n");
}

static int find_bench(const char *name)
{
	int i;

	for (i = 0; i < NBENCH; i++)
		if (!strcmp(benches[i]->name, name))
			return i;
	return -1;
}

/* Marks the comma-separated names in list; returns -1 on an unknown name. */
static int select_list(const char *list, int *selected)
{
	char *copy = strdup(list), *save = NULL, *name;
	int i, ret = 0;

	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		i = find_bench(name);
		if (i < 0) {
			fprintf(stderr, "keel-bench: unknown benchmark '%s' (--list shows them)\n", name);
			ret = -1;
		} else {
			selected[i] = 1;
		}
	}
	free(copy);
	return ret;
}

/*
 * The value of option opt at argv[*i]: "--opt=VALUE" or "--opt VALUE".
 * Returns NULL if argv[*i] is not opt.
 */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Returns 0, or -1 after printing why. */
static int parse_args(int argc, char **argv, struct bench_opts *o, int *selected)
{
	int i, any = 0, samples = 0, pin = 1;
	double min_time = 0;
	const char *v;

	*o = (struct bench_opts){ FULL_SAMPLES, FULL_TIME, 0 };
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			*o = (struct bench_opts){ QUICK_SAMPLES, QUICK_TIME, 0 };
		} else if (!strcmp(argv[i], "--pin")) {
			pin = 1;
		} else if (!strcmp(argv[i], "--spread")) {
			pin = 0;
		} else if (!strcmp(argv[i], "--list")) {
			for (i = 0; i < NBENCH; i++)
				printf("%s\n", benches[i]->name);
			exit(0);
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(0);
		} else if ((v = opt_value(argc, argv, &i, "--only"))) {
			if (select_list(v, selected))
				return -1;
			any = 1;
		} else if ((v = opt_value(argc, argv, &i, "--samples"))) {
			samples = atoi(v);
			if (samples < 1 || samples > 1000)
				return fprintf(stderr, "keel-bench: --samples: 1 to 1000\n"), -1;
		} else if ((v = opt_value(argc, argv, &i, "--time"))) {
			min_time = atof(v);
			if (!(min_time >= 0.001 && min_time <= 60))
				return fprintf(stderr, "keel-bench: --time: 0.001 to 60 s\n"), -1;
		} else {
			usage(stderr);
			return -1;
		}
	}
	/* Explicit values win over --quick wherever it appears. */
	if (samples)
		o->samples = samples;
	if (min_time > 0)
		o->min_time = min_time;
	o->pin = pin;
	if (!any)
		for (i = 0; i < NBENCH; i++)
			selected[i] = 1;
	return 0;
}

/* Runs b in a child process; returns 0 if it printed its KBENCH line. */
static int run_one(const struct bench *b, const struct bench_opts *o)
{
	int pid, status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		bench_error(b, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int ret;

		if (o->pin)
			bench_pin_cpu0();
		ret = bench_measure(b, o);

		fflush(stdout);
		_exit(ret ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		bench_error(b, "failed: killed by signal %d", WTERMSIG(status));
	else
		bench_error(b, "failed: exit status %d", WEXITSTATUS(status));
	return -1;
}

/* An unseeded kernel RNG made every system call slower (MEASURING.md). */
static const char *rng_state(void)
{
	char c;

	if (getrandom(&c, 1, GRND_NONBLOCK) == 1)
		return "seeded";
	return errno == EAGAIN ? "NOT seeded" : "unknown";
}

int main(int argc, char **argv)
{
	static char self[4096];
	int selected[NBENCH] = { 0 }, i, failed = 0;
	struct bench_opts o;
	struct utsname u;
	ssize_t len;
	double t0;

	if (argc == 2 && !strcmp(argv[1], "--exit"))
		_exit(0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &o, selected))
		return 2;
	signal(SIGPIPE, SIG_IGN);	/* helpers see EPIPE when their reader leaves */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		bench_self_path = self;
	}
	uname(&u);

	printf("keel-bench: %d samples of at least %.3f s each%s; kernel RNG %s\n",
	       o.samples, o.min_time, o.pin ? ", all on CPU 0" : ", spread over CPUs", rng_state());
	printf("KBENCH-BEGIN %s %ld\n", u.release, sysconf(_SC_NPROCESSORS_ONLN));
	t0 = bench_now();
	for (i = 0; i < NBENCH; i++)
		if (selected[i] && run_one(benches[i], &o))
			failed++;
	printf("keel-bench: %d failed, %.1f s\n", failed, bench_now() - t0);
	printf("KBENCH-END\n");
	return failed ? 1 : 0;
}
