/*
 * A small printf: %d %i %u %x %X %p %s %c %%, with the l/ll/z length
 * modifiers, a width, and the '0' and '-' flags. No floating point.
 */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Prints to the UART; returns the number of characters printed. */
int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintf(const char *fmt, va_list ap);
/* Formats into buf (always NUL-terminated if size > 0); returns the full length. */
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
