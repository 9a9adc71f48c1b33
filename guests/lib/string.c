/*
 * The freestanding string functions. GCC may emit calls to memset, memcpy,
 * memmove and memcmp by itself, so they must exist; guests.mk also builds
 * with -fno-tree-loop-distribute-patterns so these loops stay loops. Data
 * accesses with the MMU off are Device accesses and must not be unaligned:
 * byte at a time, except memcpy's aligned 8-byte steps.
 */
#include <guest/string.h>

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

/* A word that may alias anything: memcpy's 8-byte steps are not type-punning. */
typedef uint64_t __attribute__((may_alias)) copy_word;

/*
 * Bytes until both pointers are 8-byte aligned, if they can be at once,
 * then 8 bytes a step (guests run with -mstrict-align: no unaligned words),
 * then the rest.
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		for (; n && ((uintptr_t)d & 7); n--)
			*d++ = *s++;
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(copy_word *)d = *(const copy_word *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
