/*
 * Process creation: fork_exit (fork, the child _exits at once, the parent
 * waits) and fork_exec (the child execs this program again with --exit, a
 * static binary that exits before doing anything else). Under stage-2
 * translation these are dominated by page-table and TLB work: copying the
 * address space, faulting it back in, tearing it down.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

static void *proc_setup(const struct bench *b)
{
	static int dummy;

	(void)b;
	fflush(NULL);
	return &dummy;
}

static void proc_teardown(void *state)
{
	(void)state;
}

static void fork_exit_run(void *state, long n)
{
	(void)state;
	while (n--) {
		int pid = fork();

		if (pid < 0)
			bench_die("fork");
		if (pid == 0)
			_exit(0);
		bench_reap(pid);
	}
}

static void fork_exec_run(void *state, long n)
{
	static char *const envp[] = { NULL };

	(void)state;
	while (n--) {
		int pid = fork();

		if (pid < 0)
			bench_die("fork");
		if (pid == 0) {
			char *const argv[] = { "keel-bench", "--exit", NULL };

			execve(bench_self_path, argv, envp);
			_exit(127);
		}
		bench_reap(pid);
	}
}

const struct bench bench_fork_exit = {
	.name = "fork_exit", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = proc_setup, .run = fork_exit_run, .teardown = proc_teardown,
};

const struct bench bench_fork_exec = {
	.name = "fork_exec", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = proc_setup, .run = fork_exec_run, .teardown = proc_teardown,
};
