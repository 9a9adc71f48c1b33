/*
 * Entry points. The boot CPU arrives at _start (first byte of the image) at
 * EL1 with the MMU off, x0 = IPA of the device tree (0 if none); a secondary
 * CPU started by smp_start_cpu() arrives at smp_secondary_entry with x0 = its
 * index. Both set a known SCTLR_EL1, select SP_EL1, take a stack, install the
 * vector table and call C.
 */

#include <guest/cpu_setup.h>

#define BOOT_STACK_SIZE 0x4000
#define SMP_STACK_SIZE 0x4000

	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0
	cpu_setup
	ldr	x9, =__bss_start	/* the boot stack is in .bss: zero first */
	ldr	x10, =__bss_end
1:	cmp	x9, x10
	b.hs	2f
	stp	xzr, xzr, [x9], #16
	b	1b
2:	ldr	x9, =boot_stack + BOOT_STACK_SIZE
	mov	sp, x9
	mov	x0, x19
	bl	guest_start
	b	halt

	.text
	.global smp_secondary_entry
smp_secondary_entry:
	mov	x19, x0
	cpu_setup
	ldr	x9, =smp_stacks		/* smp.c: SMP_STACK_SIZE bytes per CPU */
	add	x10, x19, #1
	mov	x11, #SMP_STACK_SIZE
	madd	x9, x10, x11, x9
	mov	sp, x9
	mov	x0, x19
	bl	smp_secondary_main
halt:
	wfi
	b	halt

	.bss
	.balign 16
boot_stack:
	.space BOOT_STACK_SIZE
