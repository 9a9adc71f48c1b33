/*
 * The console (core/console.c) and Keel's messages (core/log.c) against a
 * fake physical UART: line format, the input multiplexer's escapes and
 * focus, draining the UART on its interrupt, whole lines from concurrent
 * CPUs, vm_log's rate limit and panic(); and what a hostile VM must not be
 * able to do: hold up another VM's lines, forge a line's prefix with control
 * characters, lose output silently, hide its own life-cycle lines.
 */
#include <pthread.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/console.h>
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

void console_test_ring_counters(u32 v, u32 head_and_tail, u32 push);
int console_test_ring_item(u32 v);

/*
 * A prompt pushed long ago and 2^31 bytes of whole lines since: the stale
 * push must not look like 2^31 bytes ready to print (it once sized a copy
 * into a 256-byte buffer on Keel's stack).
 */
static void test_stale_push_after_wrap(void **state)
{
	(void)state;
	console_test_ring_counters(1, 0x80000100u, 5);
	assert_int_equal(console_test_ring_item(1), -1); /* an empty ring has nothing to print */
	console_write_line("alpha", "a", 1);
	console_write_line("beta", "b", 1);
	assert_string_equal(fake_pl011_tx, "[alpha] a\r\n[beta] b\r\n");
	console_test_ring_counters(1, 0, 0);
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

static int count_lines_in(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
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

/* ---- A flooding VM cannot hold up another VM's line. ---- */

#define FLOOD_LINES 40

static volatile int flood_stage; /* 0: flooding, 1: alpha may write, 2: alpha has written */

/* On the flooding CPU: once its first line is out, let alpha write, and give it time to queue. */
static void flood_hook(void)
{
	if (fake_cpu_index != 1 || __atomic_load_n(&flood_stage, __ATOMIC_ACQUIRE) != 0)
		return;
	if (!strstr(fake_pl011_tx, "[beta] flood 00\r\n"))
		return;
	__atomic_store_n(&flood_stage, 1, __ATOMIC_RELEASE);
	usleep(50 * 1000);
}

static void *flooder(void *arg)
{
	char text[16];

	(void)arg;
	fake_cpu_index = 1;
	for (int i = 0; i < FLOOD_LINES; i++) {
		int n = snprintf(text, sizeof(text), "flood %02d", i);

		console_write_line("beta", text, (u32)n);
	}
	return NULL;
}

/* One round: beta floods from CPU 1; alpha writes one line once beta's first is out. */
static void flood_round(void)
{
	pthread_t t;
	char *urgent;
	int floods_before = 0;

	fake_pl011_reset();
	flood_stage = 0;
	fake_pl011_putc_hook = flood_hook;
	assert_int_equal(pthread_create(&t, NULL, flooder, NULL), 0);
	while (__atomic_load_n(&flood_stage, __ATOMIC_ACQUIRE) == 0)
		usleep(1000);
	console_write_line("alpha", "urgent", 6);
	pthread_join(t, NULL);
	fake_pl011_putc_hook = NULL;

	urgent = strstr(fake_pl011_tx, "[alpha] urgent\r\n");
	assert_non_null(urgent);
	for (char *p = fake_pl011_tx; (p = strstr(p, "[beta] flood")) && p < urgent; p++)
		floods_before++;
	/* The line in progress, then at most one item per other VM (nr_vms - 1) before alpha's turn. */
	if (floods_before > 1 + 2)
		fail_msg("alpha's line waited for %d of beta's", floods_before);
	assert_int_equal(count_lines_in(fake_pl011_tx, "[beta] flood"), FLOOD_LINES);
}

/* Several rounds: an unfair lock lets the flooder win the race most times, not always. */
static void test_flood_does_not_hold_up_another_vm(void **state)
{
	(void)state;
	for (int round = 0; round < 5; round++)
		flood_round();
}

/* ---- Control characters cannot move the cursor or forge a prefix. ---- */

/* Every console line starts with a prefix and holds only printable ASCII and TAB. */
static void assert_lines_clean(const char *const *prefixes, int nr_prefixes)
{
	for (char *line = fake_pl011_tx, *end; *line; line = end + 2) {
		bool prefixed = false;

		end = strstr(line, "\r\n");
		assert_non_null(end);
		for (int i = 0; i < nr_prefixes; i++)
			prefixed |= strncmp(line, prefixes[i], strlen(prefixes[i])) == 0;
		if (!prefixed)
			fail_msg("line without a genuine prefix: '%.*s'", (int)(end - line), line);
		for (char *p = line; p < end; p++)
			if ((*p < 0x20 && *p != '\t') || (u8)*p >= 0x7f)
				fail_msg("raw byte 0x%02x in line '%.*s'", (u8)*p, (int)(end - line), line);
	}
}

static void test_control_characters_are_neutralised(void **state)
{
	static const char *const genuine[] = { "[alpha] ", "[keel] " };
	static const char esc[] = "\x1b[2K\x1b[1G[beta] fake-esc";
	static const char c1[] = "\x9b" "2K\x8d[keel] fake-c1\x7f";

	(void)state;
#define LINE(s) console_write_line("alpha", s, sizeof(s) - 1)
	LINE("\r[keel] fake-cr");
	LINE(esc);
	LINE("\b\b\b\b\b\b\b\b[keel] fake-bs");
	LINE(c1);
	LINE("ok\tthen\n[keel] fake-nl");
	LINE("crlf\r\nbare cr\r");
	console_write_partial("alpha", "prompt\r", 7);
	LINE("x");
#undef LINE
	assert_lines_clean(genuine, 2);
	assert_string_equal(fake_pl011_tx,
			    "[alpha] ^M[keel] fake-cr\r\n"
			    "[alpha] ^[[2K^[[1G[beta] fake-esc\r\n"
			    "[alpha] ^H^H^H^H^H^H^H^H[keel] fake-bs\r\n"
			    "[alpha] \\x9b2K\\x8d[keel] fake-c1^?\r\n"
			    "[alpha] ok\tthen\r\n"
			    "[alpha] [keel] fake-nl\r\n"
			    "[alpha] crlf\r\n"
			    "[alpha] bare cr\r\n"
			    "[alpha] prompt^Mx\r\n");
}

/* ---- Long lines: never cut, and an interruption is marked. ---- */

static void test_long_line_is_not_cut(void **state)
{
	char big[1000], want[1100];

	(void)state;
	for (u32 i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	console_write_line("alpha", big, sizeof(big));
	snprintf(want, sizeof(want), "[alpha] %.*s\r\n", (int)sizeof(big), big);
	assert_string_equal(fake_pl011_tx, want);
}

static void test_interrupted_line_is_marked_and_continued(void **state)
{
	char big[300];

	(void)state;
	memset(big, 'x', sizeof(big));
	console_write_partial("alpha", big, sizeof(big));
	console_write_line("beta", "between", 7);
	klog("keel between");
	console_write_line("alpha", "tail", 4);
	assert_int_equal(fake_pl011_tx_len, 8 + 300 + 3 + 16 + 21 + 14);
	assert_memory_equal(fake_pl011_tx, "[alpha] xxx", 11);
	assert_string_equal(fake_pl011_tx + 8 + 300, "\\\r\n[beta] between\r\n[keel] keel between\r\n"
						     "[alpha] tail\r\n");
}

/* ---- A full ring drops and says how much, once. ---- */

static void test_full_ring_drops_and_counts(void **state)
{
	static char big[CONSOLE_RING_SIZE + 1000];
	const char *note;

	(void)state;
	memset(big, 'b', sizeof(big));
	console_write_line("beta", big, sizeof(big));
	/* What fitted (all but the byte kept for the line's end), then the end, then the note. */
	assert_int_equal(count_lines_in(fake_pl011_tx, "\r\n"), 2);
	note = strstr(fake_pl011_tx, "\r\n[keel] vm beta: 1001 bytes of console output dropped\r\n");
	assert_non_null(note);
	assert_int_equal(note - fake_pl011_tx, 7 + CONSOLE_RING_SIZE - 1);
	/* Said once: the next line has nothing to report. */
	console_write_line("beta", "fine", 4);
	assert_int_equal(count_lines_in(fake_pl011_tx, "dropped"), 1);
	assert_non_null(strstr(fake_pl011_tx, "dropped\r\n[beta] fine\r\n"));
}

/*
 * Output arriving faster than the UART takes it (here appended from inside
 * this CPU's own printing, as another CPU's would) fills the ring; the rest
 * is dropped and counted, never waited for.
 */
#define NESTED_LEN 200

static u32 nested_calls;

static void nested_beta_hook(void)
{
	char text[NESTED_LEN];

	memset(text, 'y', sizeof(text));
	console_write_partial("beta", text, sizeof(text));
	nested_calls++;
}

static void test_flood_faster_than_uart_is_dropped_and_counted(void **state)
{
	unsigned dropped = 0;
	int printed = 0;
	char *note;

	(void)state;
	nested_calls = 0;
	fake_pl011_putc_hook = nested_beta_hook;
	console_write_line("alpha", "short", 5);
	fake_pl011_putc_hook = NULL;
	assert_string_equal(fake_pl011_tx, "[alpha] short\r\n"); /* nothing of beta's in the middle */
	assert_true(nested_calls * NESTED_LEN > CONSOLE_RING_SIZE);

	console_write_partial("beta", "", 0); /* beta's next write prints what it queued */
	note = strstr(fake_pl011_tx, "\\\r\n[keel] vm beta: ");
	assert_non_null(note);
	for (const char *p = fake_pl011_tx; p < note; p++)
		printed += *p == 'y';
	assert_int_equal(sscanf(note, "\\\r\n[keel] vm beta: %u bytes of console output dropped", &dropped), 1);
	assert_int_equal(printed, CONSOLE_RING_SIZE);
	assert_int_equal(printed + (int)dropped, (int)(nested_calls * NESTED_LEN));
}

/* ---- Life-cycle lines are never rate-limited; the end of suppression is reported. ---- */

/* Start a fresh rate-limit window for every VM and forget what earlier tests left. */
static void fresh_log_window(void)
{
	fake_counter += 100000;
	for (u32 i = 0; i < 3; i++)
		vm_log(&vms[i], "window");
	fake_pl011_reset();
}

static void test_lifecycle_lines_are_not_rate_limited(void **state)
{
	(void)state;
	fresh_log_window();
	for (int i = 0; i < 30; i++)
		vm_log(&vms[2], "data abort %d", i);
	vm_log_lifecycle(&vms[2], "powering off");
	vm_log_lifecycle(&vms[2], "stopped after %u exits", 99u);
	assert_int_equal(count_lines("[keel] vm gamma: data abort "), 19); /* 20 with "window" */
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm gamma: further messages suppressed\r\n"
					     "[keel] vm gamma: 10 messages were suppressed\r\n"
					     "[keel] vm gamma: powering off\r\n"
					     "[keel] vm gamma: stopped after 99 exits\r\n"));
	/* Life-cycle lines do not use up the budget either: still suppressed, and counted anew. */
	vm_log(&vms[2], "still quiet");
	assert_null(strstr(fake_pl011_tx, "still quiet"));
	fake_counter += 1000;
	vm_log(&vms[2], "heard again");
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm gamma: 1 messages were suppressed\r\n"
					     "[keel] vm gamma: heard again\r\n"));
}

static void test_end_of_suppression_is_reported(void **state)
{
	(void)state;
	fresh_log_window();
	for (int i = 0; i < 25; i++)
		vm_log(&vms[0], "bad %d", i);
	fake_counter += 1000;
	vm_log(&vms[0], "next window");
	assert_non_null(strstr(fake_pl011_tx, "[keel] vm alpha: 5 messages were suppressed\r\n"
					     "[keel] vm alpha: next window\r\n"));
	assert_int_equal(count_lines("were suppressed"), 1);
	fake_counter += 1000;
	vm_log(&vms[0], "quiet window");
	assert_int_equal(count_lines("were suppressed"), 1); /* nothing suppressed: nothing said */
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
		T(test_stale_push_after_wrap),
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
		T(test_flood_does_not_hold_up_another_vm),
		T(test_control_characters_are_neutralised),
		T(test_long_line_is_not_cut),
		T(test_interrupted_line_is_marked_and_continued),
		T(test_full_ring_drops_and_counts),
		T(test_flood_faster_than_uart_is_dropped_and_counted),
		T(test_lifecycle_lines_are_not_rate_limited),
		T(test_end_of_suppression_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
