/*
 * Bulk memory maintenance: zeroing guest RAM with DC ZVA (a whole block per
 * instruction) and cleaning images to the point of coherency, which a guest
 * that starts with its MMU and caches off requires (Linux booting.rst).
 */
#include <keel/arch/cpu.h>
#include "sysreg.h"

void arch_memzero(void *p, u64 size)
{
	u64 dczid = read_sysreg(dczid_el0);
	u64 block = 4ull << (dczid & 0xf);
	u8 *b = p;
	u8 *end = b + size;

	while (b < end && (((uintptr_t)b & (block - 1)) || (dczid & 0x10) || (u64)(end - b) < block))
		*b++ = 0; /* head, tail, or DC ZVA prohibited */
	while ((u64)(end - b) >= block) {
		__asm__ volatile("dc zva, %0" : : "r"(b) : "memory");
		b += block;
	}
	while (b < end)
		*b++ = 0;
	dsb(ish);
}

void arch_dcache_clean(const void *p, u64 size)
{
	u64 line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	uintptr_t a = (uintptr_t)p & ~(line - 1);

	for (; a < (uintptr_t)p + size; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(ish);
}

void arch_dcache_clean_inval(const void *p, u64 size)
{
	u64 line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	uintptr_t a = (uintptr_t)p & ~(line - 1);

	for (; a < (uintptr_t)p + size; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(ish);
}

void arch_icache_invalidate_all(void)
{
	__asm__ volatile("ic ialluis" : : : "memory");
	dsb(ish);
	isb();
}
