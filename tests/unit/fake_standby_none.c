/*
 * Standby for unit tests of the console, where no VM has one: the console's
 * hooks into core/standby.c do nothing (the pressure calls are counted).
 */
#include <keel/standby.h>

int fake_standby_pressure_calls;

void standby_output_pressure(struct vm *vm)
{
	(void)vm;
	fake_standby_pressure_calls++;
}

void standby_print_stats(const struct vm *only)
{
	(void)only;
}

bool standby_console_inject(struct vm *vm, u32 kind)
{
	(void)vm;
	(void)kind;
	return false;
}
