/*
 * What generic code may ask of the processor: per-CPU set-up, which CPU this
 * is, kicks between CPUs, waiting for interrupts, the firmware's CPU and
 * power services, the counter and the EL2 scheduling timer. Implemented by
 * arch/aarch64/cpu.c and arch/aarch64/cache.c; host unit tests bring their
 * own stand-ins for the few they link against (tests/unit/fake_*).
 */
#ifndef KEEL_ARCH_CPU_H
#define KEEL_ARCH_CPU_H

#include <keel/types.h>

struct cpu;

/* Make cpu the one this_cpu() returns on the calling CPU. First thing each CPU does: logging and locks ask. */
void arch_cpu_set_self(struct cpu *cpu);
/* Program the calling CPU's EL2 controls for running guests (traps, stage 2, timers). Once per CPU, before its first guest. */
void arch_cpu_init(struct cpu *cpu);
/* The struct cpu of the CPU executing this (what arch_cpu_set_self stored). */
struct cpu *arch_this_cpu(void);
/* Index of the physical CPU executing this (0 on the boot CPU). */
u32 arch_cpu_index(void);
/* Send Keel's kick SGI to physical CPU pcpu so it re-examines its vCPUs. */
void arch_send_kick(u32 pcpu);
/* Is a physical interrupt waiting for this CPU? (Keel runs with interrupts masked.) */
bool arch_irq_pending(void);
/* Wait, with interrupts masked, until some interrupt is pending. */
void arch_wait_for_interrupt(void);
/* Start physical CPU pcpu at Keel's secondary entry through the firmware. Returns 0 or a PSCI error. */
int arch_cpu_start(u32 pcpu);
/* Power the whole machine off through the firmware. */
void arch_system_off(void) __attribute__((noreturn));
/* Read the virtual counter (CNTVCT_EL0 as Keel sees it) and its frequency. */
u64 arch_counter(void);
u64 arch_counter_freq(void);
/* panic(): print this CPU's registers and exception state to the console. */
void arch_panic_dump(void);
/* Stop this CPU for good (interrupts masked, wfi loop). */
void arch_halt(void) __attribute__((noreturn));

/*
 * The calling CPU's one-shot scheduling timer (the EL2 physical timer, PPI
 * 26): raise its interrupt once arch_counter() reaches deadline. Arming
 * again replaces the deadline; disarming also clears a raised interrupt.
 */
void arch_sched_timer_arm(u64 deadline);
void arch_sched_timer_disarm(void);

/* Zero memory fast (whole cache-line blocks where it can), and clean data to
 * the point of coherency so a guest starting with its MMU off sees it. */
void arch_memzero(void *p, u64 size);
void arch_dcache_clean(const void *p, u64 size);
/* Invalidate every instruction cache in the inner-shareable domain (new code was written to memory). */
void arch_icache_invalidate_all(void);
/*
 * Clean and invalidate [p, p + size) to the point of coherency: before Keel
 * reads memory a guest may have written with its caches off (a checkpoint),
 * so no stale line of Keel's own is read instead.
 */
void arch_dcache_clean_inval(const void *p, u64 size);

#endif
