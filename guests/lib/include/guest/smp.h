/* Starting secondary vCPUs with PSCI CPU_ON, each on its own stack. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>

#include <guest/platform.h>

#define SMP_STACK_SIZE 0x4000u /* start.S has the same value */

/* Per-CPU stacks for secondary CPUs (entry 0 is unused: the boot CPU has its own). */
extern uint8_t smp_stacks[PLAT_MAX_CPUS][SMP_STACK_SIZE];

/*
 * Starts the CPU with MPIDR Aff0 = cpu (1 .. PLAT_MAX_CPUS-1) at fn(cpu), on
 * its own stack, with its vector table installed and IRQs masked. If fn
 * returns, the CPU powers itself off. Returns the PSCI CPU_ON result.
 */
int32_t smp_start_cpu(unsigned int cpu, void (*fn)(unsigned int cpu));

#endif
