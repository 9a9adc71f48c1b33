/*
 * System-call entry and exit: null_syscall (getpid through syscall(2), so no
 * libc cache can answer), read_zero (1 byte from /dev/zero) and write_null
 * (1 byte to /dev/null). Under a hypervisor these show what each kernel entry
 * costs, e.g. SMCCC mitigation calls trapped on every entry and exit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

struct sys_state {
	int fd;
};

static void *null_setup(const struct bench *b)
{
	static struct sys_state none = { .fd = -1 };

	(void)b;
	return &none;
}

static void null_run(void *state, long n)
{
	(void)state;
	while (n--)
		syscall(SYS_getpid);
}

static void none_teardown(void *state)
{
	(void)state;
}

/* b->arg: 0 reads /dev/zero, 1 writes /dev/null. */
static void *dev_setup(const struct bench *b)
{
	struct sys_state *s = malloc(sizeof(*s));
	const char *path = b->arg ? "/dev/null" : "/dev/zero";

	if (!s)
		return NULL;
	s->fd = open(path, b->arg ? O_WRONLY : O_RDONLY);
	if (s->fd < 0) {
		bench_error(b, "cannot open %s", path);
		free(s);
		return NULL;
	}
	return s;
}

static void read_run(void *state, long n)
{
	struct sys_state *s = state;
	char c;

	while (n--)
		if (read(s->fd, &c, 1) != 1)
			bench_die("read /dev/zero");
}

static void write_run(void *state, long n)
{
	struct sys_state *s = state;
	char c = 0;

	while (n--)
		if (write(s->fd, &c, 1) != 1)
			bench_die("write /dev/null");
}

static void dev_teardown(void *state)
{
	struct sys_state *s = state;

	close(s->fd);
	free(s);
}

const struct bench bench_null_syscall = {
	.name = "null_syscall", .kind = BENCH_LATENCY, .per_op = 1,
	.setup = null_setup, .run = null_run, .teardown = none_teardown,
};

const struct bench bench_read_zero = {
	.name = "read_zero", .kind = BENCH_LATENCY, .per_op = 1, .arg = 0,
	.setup = dev_setup, .run = read_run, .teardown = dev_teardown,
};

const struct bench bench_write_null = {
	.name = "write_null", .kind = BENCH_LATENCY, .per_op = 1, .arg = 1,
	.setup = dev_setup, .run = write_run, .teardown = dev_teardown,
};
