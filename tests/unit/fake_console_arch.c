/* Fake CPU services for test_console: per-thread CPU index, a settable counter, halt by longjmp. */
#include <stdlib.h>

#include <keel/arch/cpu.h>

#include "fake_console_fakes.h"

_Thread_local u32 fake_cpu_index;
u64 fake_counter;
u32 fake_panic_dumps;
jmp_buf *fake_halt_jmp;

u32 arch_cpu_index(void)
{
	return fake_cpu_index;
}

u64 arch_counter(void)
{
	return fake_counter;
}

u64 arch_counter_freq(void)
{
	return 1000;
}

void arch_panic_dump(void)
{
	fake_panic_dumps++;
}

void arch_halt(void)
{
	if (!fake_halt_jmp)
		abort();
	longjmp(*fake_halt_jmp, 1);
}
