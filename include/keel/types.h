/*
 * Basic types for Keel. Keel is freestanding: only the compiler's own
 * headers (stdint, stdbool, stddef, stdarg) are used, so the same headers
 * compile for EL2 and for the host unit tests.
 */
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a) - 1)) == 0)
#define BIT(n) (1ull << (n))
#define DIV_ROUND_UP(x, d) (((x) + (d) - 1) / (d))

/*
 * Set bits in v. Not __builtin_popcount: on AArch64 that becomes libgcc's
 * __popcountdi2, which uses the SIMD CNT instruction and so would clobber a
 * guest's FP/SIMD registers at EL2 (the Makefile refuses such an image).
 */
static inline u32 bit_count(u64 v)
{
	u32 n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12

#endif
