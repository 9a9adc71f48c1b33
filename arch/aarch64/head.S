/*
 * Keel's first instructions. The image starts with an arm64 Linux Image
 * header, so QEMU's -kernel and U-Boot's booti load it at RAM + text_offset
 * and enter it at EL2 with the platform device tree in x0 (Linux
 * Documentation/arch/arm64/booting.rst). The boot CPU clears .bss, takes the
 * first stack and calls boot_main(); every other CPU arrives at
 * secondary_entry through the firmware's PSCI CPU_ON with its index in x0.
 */
#include <keel/platform.h>
#include "asm.h"
#include "stacks.h"

	.section .text.head, "ax"
	.globl _head
_head:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	0x80000				/* text_offset */
	.quad	_image_end - _head		/* image_size: loaders reserve this much */
	.quad	0xa				/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* reserved */

primary_entry:
	mrs	x20, cntvct_el0			/* when Keel started, for boot-time figures */
	mov	x19, x0				/* platform device tree */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	not_el2
	adr_l	x1, _bss_start
	adr_l	x2, _bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:	adr_l	x1, el2_vectors
	msr	vbar_el2, x1
	adr_l	x1, cpu_stacks
	add	x1, x1, #CPU_STACK_TOP_OFFSET	/* CPU 0's stack: region 0 (stacks.h) */
	mov	sp, x1
	/*
	 * The stack canary (-fstack-protector), before the first C
	 * function: the counter at boot, mixed, with a zero low byte so that a
	 * string overrun stops at it. Not secret against a guest that can time
	 * Keel's boot, but it turns an overrun into a panic instead of a jump.
	 */
	mrs	x1, cntpct_el0
	eor	x1, x1, x1, lsl #29
	mov	x2, #0x7f4a
	movk	x2, #0xc3b1, lsl #16
	eor	x1, x1, x2, lsl #24
	and	x1, x1, #~0xff
	adr_l	x2, __stack_chk_guard
	str	x1, [x2]
	isb
	mov	x0, x19
	mov	x1, x20
	bl	boot_main
	b	halt

	.globl secondary_entry
secondary_entry:
	/* x0: this CPU's index, passed as the PSCI context ID. */
	adr_l	x1, el2_vectors
	msr	vbar_el2, x1
	adr_l	x1, cpu_stacks
	add	x1, x1, x0, lsl #CPU_STACK_REGION_SHIFT	/* this CPU's region (stacks.h) */
	add	x1, x1, #CPU_STACK_TOP_OFFSET		/* the top of its stack */
	mov	sp, x1
	isb
	bl	secondary_main
	b	halt

not_el2:
	/* Entered below EL2: nothing can be virtualized. Spin where a debugger can see it. */
halt:
	wfe
	b	halt

	/* Not in .bss: no need to clear them, and keel.ld keeps their alignment. */
	.section .stacks, "aw", %nobits
	.balign	CPU_STACK_REGION
	.globl	cpu_stacks
cpu_stacks:
	.space	CPU_STACK_REGION * PLAT_MAX_CPUS
