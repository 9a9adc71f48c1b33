/*
 * Per physical CPU state. TPIDR_EL2 points at the running CPU's struct cpu.
 * Each field is owned by that CPU except `requests`, which any CPU may set
 * atomically before kicking it.
 */
#ifndef KEEL_CPU_H
#define KEEL_CPU_H

#include <keel/arch/cpu.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/types.h>

#define CPU_MAX_VCPUS 4 /* vCPUs that may share one physical CPU */

struct vcpu;

struct cpu {
	u32 index;
	u64 mpidr;
	bool online;
	struct vcpu *current; /* vCPU whose state is loaded, or NULL */
	u32 nr_vcpus;
	struct vcpu *vcpus[CPU_MAX_VCPUS]; /* vCPUs pinned here */
	u64 nr_irqs;
	struct cpu_sched sched;
};

extern struct cpu cpus[PLAT_MAX_CPUS];

/* The CPU this code runs on. */
static inline struct cpu *this_cpu(void) { return arch_this_cpu(); }

/* Keel's run loop for this CPU; never returns. */
void cpu_run_loop(struct cpu *cpu) __attribute__((noreturn));

#endif
