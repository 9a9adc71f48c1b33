/*
 * The EL1 vector table (Arm ARM D1.10.2): each slot saves x0/x1, names
 * itself in x1 (enum exc_kind) and joins exc_common, which saves the rest
 * as a struct exc_frame and calls exc_dispatch(frame, kind).
 */

#define FRAME_SIZE 272	/* sizeof(struct exc_frame) */
#define FRAME_X30 240
#define FRAME_ELR 248
#define FRAME_SPSR 256

.macro ventry kind
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	exc_common
.endm

	.text
	.balign 0x800
	.global exc_vectors
exc_vectors:
	ventry 0	/* current EL, SP_EL0: synchronous */
	ventry 1	/* current EL, SP_EL0: IRQ */
	ventry 2	/* current EL, SP_EL0: FIQ */
	ventry 3	/* current EL, SP_EL0: SError */
	ventry 4	/* current EL, SP_EL1: synchronous */
	ventry 5	/* current EL, SP_EL1: IRQ */
	ventry 6	/* current EL, SP_EL1: FIQ */
	ventry 7	/* current EL, SP_EL1: SError */
	ventry 8	/* lower EL, AArch64: synchronous */
	ventry 9	/* lower EL, AArch64: IRQ */
	ventry 10	/* lower EL, AArch64: FIQ */
	ventry 11	/* lower EL, AArch64: SError */
	ventry 12	/* lower EL, AArch32: synchronous */
	ventry 13	/* lower EL, AArch32: IRQ */
	ventry 14	/* lower EL, AArch32: FIQ */
	ventry 15	/* lower EL, AArch32: SError */

exc_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x30, x2, [sp, #FRAME_X30]
	str	x3, [sp, #FRAME_SPSR]
	mov	x0, sp
	bl	exc_dispatch
	/* The handler may have changed elr (skipping a caught instruction). */
	ldp	x30, x2, [sp, #FRAME_X30]
	ldr	x3, [sp, #FRAME_SPSR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_SIZE
	eret
