/*
 * The C string and memory functions Keel provides itself (lib/string.c),
 * under their standard names because the compiler may emit calls to memcpy,
 * memmove, memset and memcmp on its own. Host unit tests use the C library's
 * versions instead, so this header only passes <string.h> through there,
 * adding strlcpy which older C libraries lack.
 */
#ifndef KEEL_STRING_H
#define KEEL_STRING_H

#include <keel/types.h>

#ifdef KEEL_HOST_TEST
#include <string.h>

static inline size_t keel_host_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
#define strlcpy keel_host_strlcpy

#else

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* Length of s, but at most max: never reads s[max] or beyond. */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/*
 * Copy src into dst of size bytes, truncating, and NUL-terminate it when
 * size > 0. Returns strlen(src): truncation happened if that is >= size.
 */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif

#endif
