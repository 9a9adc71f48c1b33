/*
 * test-forge: a VM that floods the console and tries to forge other lines.
 * 250 ms after its start it prints one line longer than Keel's line
 * buffers (it must come out whole, on one line with this VM's prefix), then
 * for /chosen/keel-test,
 * flood-ms milliseconds (default 2000) prints as fast as it can, and then
 * tries to move the cursor or start a line of its own with a CR, escape
 * sequences, backspaces, a C1 CSI, and a newline followed by another VM's
 * prefix, through its UART and through the CONSOLE_WRITE hypercall. Keel
 * must show every one of them as text inside this VM's own line, and the
 * sentinel beside it must tick on, its lines whole and on time. The checks
 * are the system test's markers (tests/system/manifest), read from the log.
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/timer.h>
#include <guest/uart.h>

#define DEFAULT_FLOOD_MS 2000
#define LONG_REPEATS 30 /* "0123456789" 30 times: longer than any of Keel's line buffers */

/* Away from the sentinel's start-up line and its ticks (every 500 ms), so nothing comes between. */
static void long_line(void)
{
	uint64_t at = timer_boot_count() + timer_ms_to_ticks(250);

	while (timer_now() < at)
		;
	for (int i = 0; i < LONG_REPEATS; i++)
		uart_puts("0123456789");
	uart_puts("END\n");
}

static uint32_t flood(uint32_t ms)
{
	uint64_t until = timer_now() + timer_ms_to_ticks(ms);
	uint32_t lines = 0;

	while (timer_now() < until)
		printf("flood %06u the quick brown fox jumps over the lazy dog\n", lines++);
	return lines;
}

/* Raw bytes, so the guest library adds nothing and changes nothing. */
static void raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(s[i]);
}

#define RAW(s) raw(s, sizeof(s) - 1)

static void forge(void)
{
	static const char hc_cr[] = "\r[keel] fake-hc-cr\n";
	static const char hc_esc[] = "\x1b[2K\x1b[1G[keel] fake-hc-esc\n";

	RAW("\x1b[2K\x1b[1G[keel] fake-esc\n");
	RAW("\r[keel] fake-cr\n");
	RAW("\b\b\b\b\b\b\b\b[keel] fake-bs\n");
	RAW("\x9b" "2K\x9b" "1G[keel] fake-c1\n");
	RAW("before\n[sentinel] fake-nl\n");
	report(keel_console_write(hc_cr, sizeof(hc_cr) - 1) == (int64_t)(sizeof(hc_cr) - 1),
	       "CONSOLE_WRITE with a CR accepted");
	report(keel_console_write(hc_esc, sizeof(hc_esc) - 1) == (int64_t)(sizeof(hc_esc) - 1),
	       "CONSOLE_WRITE with escapes accepted");
}

void guest_main(void)
{
	uint32_t flood_ms = DEFAULT_FLOOD_MS, lines;

	fdt_read_u32("/chosen", "keel-test,flood-ms", &flood_ms);
	long_line();
	lines = flood(flood_ms);
	report_info("forge: flooded %u lines in %u ms", lines, flood_ms);
	forge();
	printf("forge: done\n");
	report_summary();
}
