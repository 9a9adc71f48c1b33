/*
 * The console (core/console.c) and Keel's messages (core/log.c) against a
 * fake physical UART: line format, the input multiplexer's escapes and
 * focus, draining the UART on its interrupt, whole lines from concurrent
 * CPUs, vm_log's rate limit and panic().
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/log.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#include "fake_console_fakes.h"

#define CTRL_A "\x01"

static const char *const names[] = { "alpha", "beta", "gamma" };

static void input(const char *bytes)
{
	for (; *bytes; bytes++)
		console_input((u8)*bytes);
}

static int setup(void **state)
{
	(void)state;
	fake_vms_reset(3, names);
	fake_cpu_index = 0;
	input(CTRL_A "0"); /* focus back to VM 0 */
	fake_pl011_reset();
	fake_vms_reset(3, names);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_pl011_reset();
	return 0;
}

static void test_write_line_format(void **state)
{
	(void)state;
	console_write_line("alpha", "hello world", 5);
	console_write_line("beta", "", 0);
	assert_string_equal(fake_pl011_tx, "[alpha] hello\r\n[beta] \r\n");
}

static void test_klog(void **state)
{
	(void)state;
	klog("booted %u CPUs, %s", 4u, "ok");
	klog("trailing newline is not doubled\n");
	assert_string_equal(fake_pl011_tx,
			    "[keel] booted 4 CPUs, ok\r\n[keel] trailing newline is not doubled\r\n");
}

static void test_klog_truncates_long_lines(void **state)
{
	char big[600];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	klog("%s", big);
	/* "[keel] " + 255 characters + "\r\n" */
	assert_int_equal(fake_pl011_tx_len, 7 + 255 + 2);
}

static void test_input_goes_to_vm0_by_default(void **state)
{
	(void)state;
	input("ls\n");
	assert_string_equal(fake_rx[0], "ls\n");
	assert_int_equal(fake_rx_len[1], 0);
	assert_int_equal(fake_pl011_tx_len, 0); /* input is not echoed by Keel */
}

static void test_focus_switch(void **state)
{
	(void)state;
	input("a" CTRL_A "1" "b");
	assert_string_equal(fake_rx[0], "a");
	assert_string_equal(fake_rx[1], "b");
	assert_string_equal(fake_pl011_tx, "[keel] console: input now goes to beta\r\n");
	input(CTRL_A "2" "c" CTRL_A "0" "d");
	assert_string_equal(fake_rx[0], "ad");
	assert_string_equal(fake_rx[1], "b");
	assert_string_equal(fake_rx[2], "c");
}

static void test_focus_to_missing_vm(void **state)
{
	(void)state;
	input(CTRL_A "7" "x");
	assert_string_equal(fake_rx[0], "x");
	assert_string_equal(fake_pl011_tx, "[keel] console: there is no VM 7\r\n");
}

static void test_ctrl_a_ctrl_a_sends_one(void **state)
{
	(void)state;
	input(CTRL_A CTRL_A "1");
	/* One Ctrl-A went through, and the '1' after it is plain input. */
	assert_int_equal(fake_rx_len[0], 2);
	assert_memory_equal(fake_rx[0], CTRL_A "1", 2);
	assert_int_equal(fake_pl011_tx_len, 0);
	input(CTRL_A CTRL_A CTRL_A CTRL_A);
	assert_int_equal(fake_rx_len[0], 4);
	assert_memory_equal(fake_rx[0], CTRL_A "1" CTRL_A CTRL_A, 4);
}

static void test_help_lists_vms(void **state)
{
	(void)state;
	input(CTRL_A "1" CTRL_A "?");
	assert_non_null(strstr(fake_pl011_tx, "Ctrl-A ?"));
	assert_non_null(strstr(fake_pl011_tx, "[keel] console:   0  alpha\r\n"));
	assert_non_null(strstr(fake_pl011_tx, "[keel] console:   1  beta  (input)\r\n"));
	assert_non_null(strstr(fake_pl011_tx, "[keel] console:   2  gamma\r\n"));
	assert_int_equal(fake_rx_len[0] + fake_rx_len[1] + fake_rx_len[2], 0);
	input(CTRL_A "0");
}

static void test_unknown_escape_is_swallowed(void **state)
{
	(void)state;
	input(CTRL_A "x" "y");
	assert_string_equal(fake_rx[0], "y");
	assert_non_null(strstr(fake_pl011_tx, "unknown key after Ctrl-A"));
}

static void test_poll_drains_uart(void **state)
{
	static const char typed[] = "echo hi\n" CTRL_A "2" "top\n";

	(void)state;
	fake_pl011_feed(typed, sizeof(typed) - 1);
	console_poll();
	assert_int_equal(fake_pl011_acks, 1);
	assert_string_equal(fake_rx[0], "echo hi\n");
	assert_string_equal(fake_rx[2], "top\n");
	console_poll(); /* nothing left: just the ack */
	assert_int_equal(fake_pl011_acks, 2);
	input(CTRL_A "0");
}

#define WRITERS 4
#define LINES_EACH 60

static void *writer(void *arg)
{
	u32 id = (u32)(uintptr_t)arg;
	char text[64];

	fake_cpu_index = id;
	for (int i = 0; i < LINES_EACH; i++) {
		int n = snprintf(text, sizeof(text), "cpu%u line %d abcdefghijklmnop", id, i);
		console_write_line(names[id % 3], text, (u32)n);
	}
	return NULL;
}

static void test_lines_from_cpus_do_not_mix(void **state)
{
	pthread_t t[WRITERS];
	int next[WRITERS] = { 0 };
	int lines = 0;

	(void)state;
	for (uintptr_t i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);

	/* Every line is whole, and each CPU's lines come in its own order. */
	for (char *line = fake_pl011_tx, *end; *line; line = end + 2) {
		char want[96];
		unsigned id;

		end = strstr(line, "\r\n");
		assert_non_null(end);
		*end = '\0';
		assert_int_equal(sscanf(line, "[%*[a-z]] cpu%u", &id), 1);
		assert_true(id < WRITERS);
		snprintf(want, sizeof(want), "[%s] cpu%u line %d abcdefghijklmnop", names[id % 3], id,
			 next[id]++);
		assert_string_equal(line, want);
		lines++;
	}
	assert_int_equal(lines, WRITERS * LINES_EACH);
}

static void nested_klog(void)
{
	fake_pl011_putc_hook = NULL;
	klog("nested");
}

static void test_nested_line_on_same_cpu_does_not_deadlock(void **state)
{
	(void)state;
	/* As if the CPU faulted while printing and panic() printed its own line. */
	fake_pl011_putc_hook = nested_klog;
	console_write_line("alpha", "outer", 5);
	assert_string_equal(fake_pl011_tx, "[[keel] nested\r\nalpha] outer\r\n");
	/* The lock was released: another line still gets out. */
	console_write_line("beta", "after", 5);
	assert_non_null(strstr(fake_pl011_tx, "[beta] after\r\n"));
}

static int count_lines(const char *needle)
{
	int n = 0;

	for (const char *p = fake_pl011_tx; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_vm_log_rate_limit(void **state)
{
	(void)state;
	fake_counter = 1000000;
	for (int i = 0; i < 30; i++)
		vm_log(&vms[1], "bad access %d", i);
	assert_int_equal(count_lines("[keel] vm beta: bad access "), 20);
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm beta: bad access 19\r\n"
					     "[keel] vm beta: further messages suppressed\r\n"));
	assert_int_equal(count_lines("suppressed"), 1);

	/* Other VMs have their own budget. */
	vm_log(&vms[2], "still heard");
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm gamma: still heard\r\n"));

	/* Within the second: still quiet. After it: heard again. */
	fake_counter += 999;
	vm_log(&vms[1], "quiet");
	assert_null(strstr(fake_pl011_tx, "quiet"));
	fake_counter += 1;
	vm_log(&vms[1], "again %s", "heard");
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm beta: again heard\r\n"));
}

static void test_panic(void **state)
{
	jmp_buf halted;

	(void)state;
	fake_cpu_index = 2;
	fake_panic_dumps = 0;
	fake_halt_jmp = &halted;
	if (setjmp(halted) == 0) {
		panic("broken %s %d", "invariant", 7);
		fail_msg("panic returned");
	}
	assert_string_equal(fake_pl011_tx, "[keel] PANIC on CPU 2: broken invariant 7\r\n");
	assert_int_equal(fake_panic_dumps, 1);

	/* A second panic on the same CPU (from the dump, say) just halts. */
	if (setjmp(halted) == 0) {
		panic("again");
		fail_msg("panic returned");
	}
	assert_null(strstr(fake_pl011_tx, "again"));
	assert_int_equal(fake_panic_dumps, 1);
	fake_halt_jmp = NULL;
	fake_cpu_index = 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_line_format),
		T(test_klog),
		T(test_klog_truncates_long_lines),
		T(test_input_goes_to_vm0_by_default),
		T(test_focus_switch),
		T(test_focus_to_missing_vm),
		T(test_ctrl_a_ctrl_a_sends_one),
		T(test_help_lists_vms),
		T(test_unknown_escape_is_swallowed),
		T(test_poll_drains_uart),
		T(test_lines_from_cpus_do_not_mix),
		T(test_nested_line_on_same_cpu_does_not_deadlock),
		T(test_vm_log_rate_limit),
		T(test_panic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
