/* Fake console output for test_vuart: keeps each line as "[name] text", and the last vm_log. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <keel/vuart.h>

#include "fake_console_fakes.h"

char fake_sink_lines[FAKE_SINK_LINES][FAKE_SINK_LINE_MAX];
u32 fake_sink_count;

static char sink_log[FAKE_SINK_LINE_MAX];

void fake_sink_reset(void)
{
	sink_log[0] = 0;
	fake_sink_count = 0;
	memset(fake_sink_lines, 0, sizeof(fake_sink_lines));
}

void console_write_line(const char *vm_name, const char *text, u32 len)
{
	if (fake_sink_count >= FAKE_SINK_LINES)
		return;
	snprintf(fake_sink_lines[fake_sink_count++], FAKE_SINK_LINE_MAX, "[%s] %.*s", vm_name,
		 (int)len, text);
}

/* A partial line is recorded like a line, marked so tests can tell. */
void console_write_partial(const char *vm_name, const char *text, u32 len)
{
	if (fake_sink_count >= FAKE_SINK_LINES)
		return;
	snprintf(fake_sink_lines[fake_sink_count++], FAKE_SINK_LINE_MAX, "[%s] %.*s<partial>", vm_name,
		 (int)len, text);
}

/* Weak: a test that links another environment's vm_log (test_vdev_kinds) keeps that one. */
__attribute__((weak)) void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	vsnprintf(sink_log, sizeof(sink_log), fmt, ap);
	va_end(ap);
}

const char *fake_sink_last_log(void)
{
	return sink_log;
}
