/*
 * The emulated PL011 (vdev/vuart_pl011.c) and the real console
 * (core/console.c) together, against the fake physical UART: what a guest
 * writes to its UART's DR is what the console shows, one console line per
 * line the guest ended, however long, and never with a byte that could move
 * the terminal's cursor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vdev.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#include "fake_console_fakes.h"

#define IPA 0x09000000
#define IRQ 33
#define DR 0x000

struct vm vms[KEEL_MAX_VMS];
u32 nr_vms;

void sched_print_stats(const struct vm *vm)
{
	(void)vm;
}

static int setup(void **state)
{
	(void)state;
	memset(vms, 0, sizeof(vms));
	nr_vms = 2;
	strcpy(vms[0].name, "linux");
	strcpy(vms[1].name, "other");
	fake_vgic_reset();
	fake_pl011_reset();
	vuart_pl011_kind.pool->nr_used = 0;
	vdev_add(&vms[0], &vuart_pl011_kind,
		 &(struct keel_blob_vdev){ .kind = KEEL_VDEV_PL011, .ipa = IPA, .size = 0x1000, .irq = IRQ });
	return 0;
}

static void put(const char *s, size_t n)
{
	struct vdev *dev = &vms[0].vdevs[0];

	for (size_t i = 0; i < n; i++)
		assert_true(dev->kind->write(dev, NULL, DR, 4, (u8)s[i]));
}

/* Linux's banner is longer than the vUART's line buffer: still one console line. */
static void test_long_line_is_one_console_line(void **state)
{
	char line[3 * VUART_LINE_MAX + 7], want[sizeof(line) + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(line); i++)
		line[i] = (char)('A' + i % 26);
	put(line, sizeof(line));
	put("\n", 1);
	snprintf(want, sizeof(want), "[linux] %.*s\r\n", (int)sizeof(line), line);
	assert_string_equal(fake_pl011_tx, want);
}

/* A prompt shown when the guest idles, then the rest of its line: one line. */
static void test_prompt_then_rest(void **state)
{
	(void)state;
	put("keel-linux# ", 12);
	vuart_flush_partial(vms[0].vdevs[0].state);
	assert_string_equal(fake_pl011_tx, "[linux] keel-linux# ");
	put("ls\n", 3);
	assert_string_equal(fake_pl011_tx, "[linux] keel-linux# ls\r\n");
}

/* Escape sequences and a fake prefix after a CR stay inside the guest's own line. */
static void test_escape_sequences_are_shown_not_obeyed(void **state)
{
	static const char forge[] = "\x1b[2K\r\x1b[1G[keel] fake\n";

	(void)state;
	put(forge, sizeof(forge) - 1);
	assert_string_equal(fake_pl011_tx, "[linux] ^[[2K^[[1G[keel] fake\r\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_long_line_is_one_console_line),
		T(test_prompt_then_rest),
		T(test_escape_sequences_are_shown_not_obeyed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
