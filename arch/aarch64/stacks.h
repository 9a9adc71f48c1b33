/*
 * Where each physical CPU's EL2 stacks live: one naturally aligned 32 KiB
 * region per CPU in Keel's .stacks section (cpu_stacks, head.S), laid out
 * from the bottom up as
 *
 *   + 0        guard, 12 KiB, never mapped at EL2 (arch/aarch64/mmu.c): a
 *              stack that overflows takes a data abort here instead of
 *              silently writing the CPU below's emergency stack or stack
 *   + 12 KiB   the CPU's stack, 16 KiB, growing down from + 28 KiB
 *   + 28 KiB   the emergency stack, 4 KiB, growing down from the region's
 *              end: the EL2 synchronous vector (guest_entry.S) moves to it,
 *              since the SP it arrives with may point into the guard
 *
 * The natural alignment is what lets the vector find its region from SP
 * alone, with no free register (SP & ~(CPU_STACK_REGION - 1)), like Linux's
 * arm64 overflow check. The guard is 12 KiB rather than one page because the
 * alignment leaves the room: a frame of up to 12 KiB still lands in it.
 * Shared by assembly and C.
 */
#ifndef KEEL_ARCH_AARCH64_STACKS_H
#define KEEL_ARCH_AARCH64_STACKS_H

#define CPU_STACK_REGION_SHIFT 15
#define CPU_STACK_REGION (1 << CPU_STACK_REGION_SHIFT)
#define CPU_STACK_GUARD_SIZE 12288
#define CPU_STACK_SIZE 16384
#define CPU_EMERGENCY_STACK_SIZE 4096
/* The top of a CPU's own stack, from its region's base. */
#define CPU_STACK_TOP_OFFSET (CPU_STACK_GUARD_SIZE + CPU_STACK_SIZE)

#ifndef __ASSEMBLY__
#include <keel/platform.h>
#include <keel/types.h>

_Static_assert(CPU_STACK_GUARD_SIZE + CPU_STACK_SIZE + CPU_EMERGENCY_STACK_SIZE == CPU_STACK_REGION,
	       "a CPU's stack region is its guard, its stack and its emergency stack");

extern char cpu_stacks[]; /* PLAT_MAX_CPUS regions, head.S */

/* True, with the CPU's index in *cpu, if addr lies in a CPU's stack guard. */
static inline bool stack_guard_owner(u64 addr, u32 *cpu)
{
	u64 off = addr - (u64)(uintptr_t)cpu_stacks;

	if (addr < (u64)(uintptr_t)cpu_stacks || off >= (u64)CPU_STACK_REGION * PLAT_MAX_CPUS)
		return false;
	if (off % CPU_STACK_REGION >= CPU_STACK_GUARD_SIZE)
		return false;
	*cpu = (u32)(off / CPU_STACK_REGION);
	return true;
}
#endif

#endif
