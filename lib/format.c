/*
 * Keel's printf-style formatter, behind klog(), vm_log() and panic().
 * It supports what Keel's messages need: %s %c %d %i %u %x %X %p %% with the
 * flags '-' '0' '+' ' ' '#', a field width and a precision (digits or '*'),
 * and the length modifiers hh h l ll z. The semantics are C's snprintf: the
 * output is always NUL-terminated when size > 0, and the return value is the
 * length the whole result would have had, so truncation is visible to the
 * caller. %p prints "0x" and the address in hex (also for NULL); %s of NULL
 * prints "(null)". An unknown conversion is copied to the output as written.
 */
#include <keel/log.h>

#define FLAG_LEFT (1u << 0) /* '-' */
#define FLAG_ZERO (1u << 1) /* '0' */
#define FLAG_PLUS (1u << 2) /* '+' */
#define FLAG_SPACE (1u << 3) /* ' ' */
#define FLAG_ALT (1u << 4) /* '#' */
#define FLAG_PTR (1u << 5) /* %p: "0x" even for zero */
#define WIDTH_MAX 100000 /* clamp absurd widths instead of overflowing */

enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z };

struct out {
	char *buf;
	size_t size;
	size_t pos; /* characters produced so far, written or not */
};

struct spec {
	u32 flags;
	int width;
	int precision; /* -1: none given */
	enum length len;
};

static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_repeat(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

static void out_string(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
}

static void out_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t n = 0;

	if (!s)
		s = "(null)";
	/* Honour the precision without reading past it: s need not be terminated. */
	while ((sp->precision < 0 || n < (size_t)sp->precision) && s[n] != '\0')
		n++;
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!(sp->flags & FLAG_LEFT))
		out_repeat(o, ' ', pad);
	out_string(o, s, n);
	if (sp->flags & FLAG_LEFT)
		out_repeat(o, ' ', pad);
}

/*
 * One integer conversion. neg says value is the magnitude of a negative
 * number; prefix is the sign or "0x" that goes before the zero padding.
 */
static void out_number(struct out *o, const struct spec *sp, u64 value, bool neg,
		       unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char prefix[2];
	int ndig = 0, nprefix = 0, zeros = 0;

	for (u64 v = value; v != 0; v /= base)
		tmp[ndig++] = digits[v % base];
	if (value == 0 && sp->precision != 0)
		tmp[ndig++] = '0'; /* "%.0d" of 0 prints no digits at all */

	if (neg)
		prefix[nprefix++] = '-';
	else if (base == 10 && (sp->flags & FLAG_PLUS))
		prefix[nprefix++] = '+';
	else if (base == 10 && (sp->flags & FLAG_SPACE))
		prefix[nprefix++] = ' ';
	else if (base == 16 && ((sp->flags & FLAG_PTR) || ((sp->flags & FLAG_ALT) && value != 0))) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = upper ? 'X' : 'x';
	}

	if (sp->precision > ndig)
		zeros = sp->precision - ndig;
	int total = nprefix + zeros + ndig;

	if ((sp->flags & (FLAG_ZERO | FLAG_LEFT)) == FLAG_ZERO && sp->precision < 0 &&
	    sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	int pad = sp->width > total ? sp->width - total : 0;

	if (!(sp->flags & FLAG_LEFT))
		out_repeat(o, ' ', pad);
	out_string(o, prefix, (size_t)nprefix); /* 0 to 2 */
	out_repeat(o, '0', zeros);
	while (ndig > 0)
		out_char(o, tmp[--ndig]);
	if (sp->flags & FLAG_LEFT)
		out_repeat(o, ' ', pad);
}

static s64 arg_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ptrdiff_t); /* the signed type of size_t's width */
	default:
		return va_arg(*ap, int);
	}
}

static u64 arg_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int parse_int(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n < WIDTH_MAX)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

/* Parse flags, width, precision and length after a '%'; *p ends on the conversion. */
static void parse_spec(const char **p, struct spec *sp, va_list *ap)
{
	const char *flag_chars = "-0+ #";

	*sp = (struct spec){ .precision = -1, .len = LEN_INT };
	for (;;) {
		int i = 0;

		while (flag_chars[i] != '\0' && flag_chars[i] != **p)
			i++;
		if (flag_chars[i] == '\0')
			break;
		sp->flags |= 1u << i;
		(*p)++;
	}

	if (**p == '*') {
		int w = va_arg(*ap, int);

		if (w < 0) { /* a negative '*' width means left-justify */
			sp->flags |= FLAG_LEFT;
			w = w < -WIDTH_MAX ? WIDTH_MAX : -w;
		}
		sp->width = w < WIDTH_MAX ? w : WIDTH_MAX;
		(*p)++;
	} else {
		sp->width = parse_int(p);
	}

	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0)
				sp->precision = -1; /* as if none were given */
			else if (sp->precision > WIDTH_MAX)
				sp->precision = WIDTH_MAX;
			(*p)++;
		} else {
			sp->precision = parse_int(p);
		}
	}

	if (**p == 'h') {
		(*p)++;
		sp->len = LEN_H;
		if (**p == 'h') {
			(*p)++;
			sp->len = LEN_HH;
		}
	} else if (**p == 'l') {
		(*p)++;
		sp->len = LEN_L;
		if (**p == 'l') {
			(*p)++;
			sp->len = LEN_LL;
		}
	} else if (**p == 'z') {
		(*p)++;
		sp->len = LEN_Z;
	}
}

/* Format one conversion at *p (just after its '%'). */
static void format_one(struct out *o, const char **p, va_list *ap)
{
	const char *start = *p - 1;
	struct spec sp;

	parse_spec(p, &sp, ap);
	char conv = **p;

	switch (conv) {
	case 'd':
	case 'i': {
		s64 v = arg_signed(sp.len, ap);
		u64 mag = v < 0 ? -(u64)v : (u64)v;

		out_number(o, &sp, mag, v < 0, 10, false);
		break;
	}
	case 'u':
		out_number(o, &sp, arg_unsigned(sp.len, ap), false, 10, false);
		break;
	case 'x':
	case 'X':
		out_number(o, &sp, arg_unsigned(sp.len, ap), false, 16, conv == 'X');
		break;
	case 'p': {
		u64 v = (uintptr_t)va_arg(*ap, void *);

		sp.flags |= FLAG_PTR;
		out_number(o, &sp, v, false, 16, false);
		break;
	}
	case 's':
		out_str(o, &sp, va_arg(*ap, const char *));
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		int pad = sp.width > 1 ? sp.width - 1 : 0;

		if (!(sp.flags & FLAG_LEFT))
			out_repeat(o, ' ', pad);
		out_char(o, c);
		if (sp.flags & FLAG_LEFT)
			out_repeat(o, ' ', pad);
		break;
	}
	case '%':
		out_char(o, '%');
		break;
	default:
		/* Unknown or truncated: show it as written so the mistake is visible. */
		if (conv == '\0') {
			out_string(o, start, (size_t)(*p - start));
			return; /* leave *p on the terminator */
		}
		out_string(o, start, (size_t)(*p - start) + 1);
		break;
	}
	(*p)++;
}

int vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .pos = 0 };
	const char *p = fmt;
	va_list args;

	va_copy(args, ap);
	while (*p != '\0') {
		if (*p != '%') {
			out_char(&o, *p++);
			continue;
		}
		p++;
		format_one(&o, &p, &args);
	}
	va_end(args);
	if (size > 0)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
