/*
 * For the guests' assembly entry points (guests/lib/start.S, and test entry
 * points such as guests/tests/fuzz_smp_entry.S): the state every vCPU sets
 * up first, in one place. SCTLR_EL1 gets its RES1 bits only (Arm ARM
 * D17.2.118): MMU, caches and alignment checks off. Exceptions masked, SP_EL1
 * in use, the library's vectors installed. Clobbers x9.
 */
#ifndef GUEST_CPU_SETUP_H
#define GUEST_CPU_SETUP_H

#define SCTLR_EL1_RES1 ((1 << 29) | (1 << 28) | (1 << 23) | (1 << 22) | (1 << 20) | (1 << 11))

.macro cpu_setup
	msr	daifset, #0xf
	ldr	x9, =SCTLR_EL1_RES1
	msr	sctlr_el1, x9
	msr	spsel, #1
	ldr	x9, =exc_vectors
	msr	vbar_el1, x9
	isb
.endm

#endif
