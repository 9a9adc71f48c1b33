/*
 * arch/aarch64/stacks.h on the host: stack_guard_owner() must name the CPU
 * for every byte of that CPU's guard and for no byte of any stack or
 * emergency stack, nor outside the regions; the EL2 exception handler
 * (arch/aarch64/cpu.c) relies on it to tell a stack overflow from any other
 * Keel fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stacks.h"

/* The regions head.S lays out, here in host memory. */
char cpu_stacks[(size_t)CPU_STACK_REGION * PLAT_MAX_CPUS] __attribute__((aligned(CPU_STACK_REGION)));

static u64 at(u64 off)
{
	return (u64)(uintptr_t)cpu_stacks + off;
}

static void guard_bytes_name_their_cpu(void **state)
{
	(void)state;
	for (u32 i = 0; i < PLAT_MAX_CPUS; i++) {
		u64 base = (u64)i * CPU_STACK_REGION;
		u64 offs[] = { base, base + 1, base + PAGE_SIZE, base + CPU_STACK_GUARD_SIZE - 1 };

		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			u32 cpu = 0xdead;

			assert_true(stack_guard_owner(at(offs[k]), &cpu));
			assert_int_equal(cpu, i);
		}
	}
}

static void stack_and_emergency_bytes_are_not_guards(void **state)
{
	(void)state;
	for (u32 i = 0; i < PLAT_MAX_CPUS; i++) {
		u64 base = (u64)i * CPU_STACK_REGION;
		u64 offs[] = { base + CPU_STACK_GUARD_SIZE, base + CPU_STACK_TOP_OFFSET - 1, base + CPU_STACK_TOP_OFFSET,
			       base + CPU_STACK_REGION - 1 };

		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			u32 cpu = 0xdead;

			assert_false(stack_guard_owner(at(offs[k]), &cpu));
			assert_int_equal(cpu, 0xdead); /* left alone */
		}
	}
}

static void addresses_outside_the_regions_are_not_guards(void **state)
{
	u32 cpu = 0xdead;

	(void)state;
	assert_false(stack_guard_owner(at(0) - 1, &cpu));
	assert_false(stack_guard_owner(at(0) - CPU_STACK_REGION, &cpu));
	assert_false(stack_guard_owner(at((u64)CPU_STACK_REGION * PLAT_MAX_CPUS), &cpu));
	assert_false(stack_guard_owner(0, &cpu));
	assert_false(stack_guard_owner(~0ull, &cpu));
	assert_int_equal(cpu, 0xdead);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guard_bytes_name_their_cpu),
		cmocka_unit_test(stack_and_emergency_bytes_are_not_guards),
		cmocka_unit_test(addresses_outside_the_regions_are_not_guards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
