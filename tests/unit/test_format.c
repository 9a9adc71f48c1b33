/*
 * lib/format.c against the host C library's snprintf: every conversion,
 * flag, width, precision and length modifier Keel supports, plus truncation
 * and the return value, which must match snprintf exactly.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <keel/log.h>

/* Format with both and compare text and return value; used through CMP(). */
static void cmp_at(const char *where, size_t size, const char *fmt, ...)
{
	char want[512], got[512];
	va_list ap, ap2;

	memset(want, 'W', sizeof(want));
	memset(got, 'G', sizeof(got));
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int nwant = vsnprintf(want, size, fmt, ap);
	int ngot = vformat(got, size, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	if (nwant != ngot || (size > 0 && strcmp(want, got) != 0))
		fail_msg("%s: format \"%s\" size %zu: want \"%s\" (%d) got \"%s\" (%d)", where, fmt,
			 size, size ? want : "", nwant, size ? got : "", ngot);
	/* Nothing beyond the terminator may be touched. */
	for (size_t i = size; i < sizeof(got); i++)
		if (got[i] != 'G')
			fail_msg("%s: \"%s\" wrote byte %zu of a %zu-byte buffer", where, fmt, i, size);
}

#define STR2(x) #x
#define STR(x) STR2(x)
#define CMP(...) cmp_at(__FILE__ ":" STR(__LINE__), 512, __VA_ARGS__)
#define CMPN(n, ...) cmp_at(__FILE__ ":" STR(__LINE__), n, __VA_ARGS__)

#pragma GCC diagnostic ignored "-Wformat-zero-length"

static void test_plain_text(void **state)
{
	(void)state;
	CMP("");
	CMP("hello, world");
	CMP("100%% sure %%");
}

static void test_signed(void **state)
{
	(void)state;
	CMP("%d %d %d %i", 0, 1, -1, 42);
	CMP("%d %d", INT_MAX, INT_MIN);
	CMP("%ld %ld", LONG_MAX, LONG_MIN);
	CMP("%lld %lld", LLONG_MAX, LLONG_MIN);
	CMP("%zd %zd", (ssize_t)-5, (ssize_t)123456789);
	CMP("%hd %hhd %hhd", (short)-300, (signed char)-128, 300);
	CMP("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	CMP("[%+d] [%+d] [% d] [% d] [%+05d]", 7, -7, 7, -7, 7);
	CMP("[%.3d] [%.0d] [%.0d] [%8.3d] [%-8.3d] [%08.3d]", 7, 0, 5, -7, -7, 7);
	CMP("[%1d] [%2d]", 12345, -12345);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	CMP("%u %u %u", 0u, 1u, UINT_MAX);
	CMP("%lu %llu %zu", ULONG_MAX, ULLONG_MAX, (size_t)SIZE_MAX);
	CMP("%x %X %x %X", 0u, 0xabcdefu, 0xdeadbeefu, 0xdeadbeefu);
	CMP("%lx %llX %zx", 0xfedcba9876543210ul, 0x0123456789abcdefull, (size_t)0x1000);
	CMP("[%08x] [%-8x] [%8X] [%#x] [%#X] [%#x] [%#010x]", 0xbeefu, 0xbeefu, 0xbeefu, 0x1fu,
	    0x1fu, 0u, 0x1fu);
	CMP("[%.4x] [%.0x] [%#.0x]", 0xau, 0u, 0u);
	CMP("%hx %hhx %hu", 0x12345, 0x1ff, 70000);
	CMP("[%016lx]", 0x40080000ul);
}

static void test_pointer(void **state)
{
	int x;

	(void)state;
	CMP("%p", (void *)&x);
	CMP("[%20p] [%-20p]", (void *)&x, (void *)&x);
	CMP("%p", (void *)0x1234);

	/* glibc prints "(nil)" for NULL; Keel prints an address like any other. */
	char buf[32];
	assert_int_equal(format(buf, sizeof(buf), "%p", NULL), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(format(buf, sizeof(buf), "[%6p]", NULL), 8);
	assert_string_equal(buf, "[   0x0]");
}

static void test_strings_and_chars(void **state)
{
	const char unterminated[3] = { 'a', 'b', 'c' };

	(void)state;
	CMP("%s|%s|", "abc", "");
	CMP("[%10s] [%-10s] [%2s]", "abc", "abc", "abcdef");
	CMP("[%.2s] [%.0s] [%.10s] [%6.2s] [%-6.2s]", "abcdef", "abc", "abc", "abcdef", "abcdef");
	CMP("[%.*s] [%.*s] [%*s] [%-*s] [%*s]", 3, "abcdef", -1, "abc", 6, "ab", 6, "ab", -6, "ab");
	CMP("%c%c%c [%3c] [%-3c]", 'k', 'e', 'l', 'x', 'y');
	CMP("%s", (char *)NULL);
	/* The precision bounds the read: the string needs no terminator. */
	CMP("[%.3s]", unterminated);
}

static void test_star_width(void **state)
{
	(void)state;
	CMP("[%*d] [%-*d] [%*d] [%0*x]", 6, 12, 6, 12, -6, 12, 8, 0xabu);
	CMP("[%*.*d] [%.*d]", 8, 4, 12, -3, 12);
}

static void test_truncation(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 20; n++) {
		CMPN(n, "keel %d %s %x!", -123, "truncate", 0xbeefu);
		CMPN(n, "[%10s]", "pad");
	}
	/* size 0: nothing is written, not even a terminator, and buf may be NULL. */
	assert_int_equal(format(NULL, 0, "%d-%s", 12345, "abc"), 9);
}

/* Deliberately malformed formats: calls through a pointer escape -Wformat. */
static int (*const format_unchecked)(char *, size_t, const char *, ...) = format;

static void test_unknown_conversion(void **state)
{
	char buf[32];

	(void)state;
	/* Shown as written; the arguments after it still line up. */
	assert_int_equal(format_unchecked(buf, sizeof(buf), "a%qb%d", 5), 5);
	assert_string_equal(buf, "a%qb5");
	assert_int_equal(format_unchecked(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(format_unchecked(buf, sizeof(buf), "x%-5"), 4);
	assert_string_equal(buf, "x%-5");
}

static void test_many_arguments(void **state)
{
	(void)state;
	CMP("%d %u %x %s %c %ld %llu %zx %p %i %X %d %d %d", 1, 2u, 3u, "four", '5', 6l, 7ull,
	    (size_t)8, (void *)9, 10, 11u, 12, 13, 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_star_width),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_many_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
