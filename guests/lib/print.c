/*
 * printf and snprintf over one formatter that writes through a small sink:
 * either the UART or a bounded buffer. Supports what guests print: integers
 * in decimal and hex with width, zero-padding and left-justification,
 * strings, characters and pointers.
 */
#include <stdbool.h>
#include <stdint.h>

#include <guest/print.h>
#include <guest/string.h>
#include <guest/uart.h>

struct sink {
	char *buf;   /* NULL: the UART */
	size_t size;
	size_t len;  /* characters produced so far, stored or not */
};

static void sink_put(struct sink *s, char c)
{
	if (!s->buf)
		uart_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	bool zero, left;
	unsigned int width;
};

static void put_padded(struct sink *s, const char *str, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > n ? sp->width - n : 0;
	size_t i;

	for (i = 0; !sp->left && i < pad; i++)
		sink_put(s, sp->zero ? '0' : ' ');
	for (i = 0; i < n; i++)
		sink_put(s, str[i]);
	for (i = 0; sp->left && i < pad; i++)
		sink_put(s, ' ');
}

static void put_number(struct sink *s, uint64_t v, bool negative, unsigned int base,
		       bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = sizeof(tmp);
	struct spec num = *sp;

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (num.zero && num.width) {
			/* "-0042": the sign, then the digits padded to width - 1. */
			sink_put(s, '-');
			num.width--;
		} else {
			tmp[--n] = '-';
		}
	}
	put_padded(s, tmp + n, sizeof(tmp) - n, &num);
}

/* Reads an integer argument of the given length modifier (0: int, 1: long, 2: long long, 3: size_t). */
static uint64_t arg_unsigned(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, unsigned int);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	if (lng == 2)
		return va_arg(*ap, unsigned long long);
	return va_arg(*ap, size_t);
}

static int64_t arg_signed(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, int);
	if (lng == 1)
		return va_arg(*ap, long);
	if (lng == 2)
		return va_arg(*ap, long long);
	return (int64_t)va_arg(*ap, size_t);
}

static void format(struct sink *s, const char *fmt, va_list ap_in)
{
	va_list ap;

	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		struct spec sp = { false, false, 0 };
		int lng = 0;
		const char *str;
		int64_t sv;

		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '0' || *fmt == '-'; fmt++) {
			if (*fmt == '0')
				sp.zero = true;
			else
				sp.left = true;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (unsigned int)(*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;
		if (*fmt == 'z') {
			lng = 3;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = arg_signed(&ap, lng);
			put_number(s, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10, false, &sp);
			break;
		case 'u':
			put_number(s, arg_unsigned(&ap, lng), false, 10, false, &sp);
			break;
		case 'x':
		case 'X':
			put_number(s, arg_unsigned(&ap, lng), false, 16, *fmt == 'X', &sp);
			break;
		case 'p':
			sink_put(s, '0');
			sink_put(s, 'x');
			put_number(s, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(s, str, strlen(str), &sp);
			break;
		case 'c':
			sink_put(s, (char)va_arg(ap, int));
			break;
		case '%':
			sink_put(s, '%');
			break;
		case '\0':
			va_end(ap);
			return;
		default: /* unknown conversion: show it as written */
			sink_put(s, '%');
			sink_put(s, *fmt);
			break;
		}
	}
	va_end(ap);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { NULL, 0, 0 };

	format(&s, fmt, ap);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
