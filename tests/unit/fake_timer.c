/* The counter as a variable and vm_timer_changed() counted (see fake_timer.h). */
#include <keel/arch/cpu.h>
#include <keel/standby.h>

#include "fake_timer.h"

u64 fake_timer_now = 1000000000000ull;
u32 fake_timer_changes;

u64 arch_counter(void)
{
	return fake_timer_now;
}

u64 arch_counter_freq(void)
{
	return FAKE_TIMER_FREQ;
}

void vm_timer_changed(struct vm *vm)
{
	(void)vm;
	fake_timer_changes++;
}
