/*
 * The SMP fuzzer's CPU_ON entry point (guests/tests/fuzz_smp.c). Unlike the
 * library's smp_secondary_entry it takes its stack from MPIDR_EL1.Aff0, not
 * from the context ID, so the fuzzer can pass any context and check that it
 * arrives in x0 unchanged; vCPU 0, switched off and started again by vCPU 1,
 * comes in here too (on smp_stacks[0], which the library leaves unused).
 */

#include <guest/cpu_setup.h>

#define SMP_STACK_SIZE 0x4000	/* guests/lib/include/guest/smp.h */
#define FUZZ_SMP_CPUS 2		/* fuzz_smp.c: vCPUs 0 and 1 */

	.text
	.global fuzz_smp_entry
fuzz_smp_entry:
	cpu_setup
	mrs	x10, mpidr_el1
	and	x10, x10, #0xff
	cmp	x10, #FUZZ_SMP_CPUS
	b.hs	1f			/* a vCPU this test never starts: park it */
	ldr	x9, =smp_stacks
	add	x11, x10, #1
	mov	x12, #SMP_STACK_SIZE
	madd	x9, x11, x12, x9	/* the top of smp_stacks[Aff0] */
	mov	sp, x9
	mov	x1, x10			/* x0: the context ID, as CPU_ON passed it */
	bl	fuzz_smp_started
1:	wfi
	b	1b
