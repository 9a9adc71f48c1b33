/* Host versions of the processor hooks core/guest_mem.c calls (see fake_gm.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/arch/cpu.h>
#include <keel/log.h>

#include "fake_gm.h"

u32 fake_gm_irq_after;
static u32 fake_gm_irq_calls;

bool arch_irq_pending(void)
{
	return fake_gm_irq_after && ++fake_gm_irq_calls % fake_gm_irq_after == 0;
}

void arch_memzero(void *p, u64 size)
{
	memset(p, 0, size);
}

void arch_dcache_clean(const void *p, u64 size)
{
	(void)p;
	(void)size;
}

/* Counted: each page a checkpoint copies must be invalidated first (the guest may write with caches off). */
u64 fake_gm_clean_inval_bytes;

void arch_dcache_clean_inval(const void *p, u64 size)
{
	(void)p;
	fake_gm_clean_inval_bytes += size;
}

u32 fake_gm_icache_invalidations;

void arch_icache_invalidate_all(void)
{
	fake_gm_icache_invalidations++;
}

/* A Keel bug check that fired: fail the test loudly (weak: a test's own fakes may have one). */
__attribute__((weak)) void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
