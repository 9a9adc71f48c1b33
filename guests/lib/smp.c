/*
 * Secondary vCPU start-up. CPU_ON enters smp_secondary_entry (start.S) with
 * the CPU's index as the context ID; it takes stack index + 1 from smp_stacks
 * and calls smp_secondary_main(), which runs the function registered here.
 */
#include <guest/platform.h>
#include <guest/psci.h>
#include <guest/smp.h>
#include <guest/sysreg.h>

/* Read by start.S; stack n grows down from the end of smp_stacks[n]. */
uint8_t smp_stacks[PLAT_MAX_CPUS][SMP_STACK_SIZE] __attribute__((aligned(16)));

static void (*volatile entry_fn[PLAT_MAX_CPUS])(unsigned int cpu);

extern char smp_secondary_entry[];
void smp_secondary_main(uint64_t cpu);

int32_t smp_start_cpu(unsigned int cpu, void (*fn)(unsigned int cpu))
{
	if (cpu == 0 || cpu >= PLAT_MAX_CPUS)
		return PSCI_RET_INVALID_PARAMS;
	entry_fn[cpu] = fn;
	dsb(sy);
	return psci_cpu_on(cpu, (uintptr_t)smp_secondary_entry, cpu);
}

void smp_secondary_main(uint64_t cpu)
{
	if (cpu < PLAT_MAX_CPUS && entry_fn[cpu])
		entry_fn[cpu]((unsigned int)cpu);
	psci_cpu_off();
}
