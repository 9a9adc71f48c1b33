/*
 * Small helpers shared by the benchmarks: error reporting, full-length I/O,
 * helper processes and CPU pinning. Every helper process ends with _exit, so
 * no stdio buffer is ever flushed twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Descriptors below this are closed in helpers unless kept. */
#define HELPER_MAX_FD 64

void bench_error(const struct bench *b, const char *fmt, ...)
{
	va_list ap;

	printf("keel-bench: %s: ", b->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void bench_die(const char *what)
{
	printf("keel-bench: error: %s: %s\n", what, errno ? strerror(errno) : "unexpected");
	fflush(stdout);
	_exit(1);
}

void bench_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			bench_die("read");
		}
		p += r;
		len -= (size_t)r;
	}
}

void bench_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bench_die("write");
		p += r;
		len -= (size_t)r;
	}
}

static int kept(int fd, const int *keep)
{
	for (; *keep >= 0; keep++)
		if (*keep == fd)
			return 1;
	return 0;
}

int bench_spawn(int (*fn)(void *), void *arg, const int *keep)
{
	int pid, fd;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid)
		return pid;
	for (fd = 3; fd < HELPER_MAX_FD; fd++)
		if (!kept(fd, keep))
			close(fd);
	_exit(fn(arg));
}

void bench_reap(int pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = 0;
		bench_die("helper process failed");
	}
}

void bench_pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		bench_die("sched_setaffinity");
}
