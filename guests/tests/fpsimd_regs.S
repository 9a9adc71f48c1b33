/*
 * FP/SIMD register helpers for the fpsimd system test. The guests are built
 * with -mgeneral-regs-only (as Keel is), so the test touches the registers
 * only here. Register i holds {seed + i, ~(seed + i)}; FPCR holds the seed's
 * rounding-mode bits (FPCR.RMode, bits 23:22).
 */
	.text

/* void fp_enable(void): CPACR_EL1.FPEN = 0b11, FP/SIMD usable at EL1 and EL0 (reset traps it to EL1) */
	.global fp_enable
fp_enable:
	mrs	x0, cpacr_el1
	orr	x0, x0, #(3 << 20)
	msr	cpacr_el1, x0
	isb
	ret

/* void fp_fill(uint64_t seed) */
	.global fp_fill
fp_fill:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add	x1, x0, #\n
	mvn	x2, x1
	fmov	d\n, x1
	mov	v\n\().d[1], x2
	.endr
	and	x1, x0, #3
	lsl	x1, x1, #22
	msr	fpcr, x1
	ret

/* uint64_t fp_mismatches(uint64_t seed): registers (and FPCR) not as fp_fill left them */
	.global fp_mismatches
fp_mismatches:
	mov	x3, #0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add	x1, x0, #\n
	mvn	x2, x1
	mov	x4, v\n\().d[0]
	mov	x5, v\n\().d[1]
	cmp	x4, x1
	ccmp	x5, x2, #0, eq
	cinc	x3, x3, ne
	.endr
	mrs	x4, fpcr
	and	x1, x0, #3
	lsl	x1, x1, #22
	cmp	x4, x1
	cinc	x3, x3, ne
	mov	x0, x3
	ret

/* uint64_t fp_nonzero(void): registers (and FPCR, FPSR) that are not zero */
	.global fp_nonzero
fp_nonzero:
	mov	x3, #0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	mov	x4, v\n\().d[0]
	mov	x5, v\n\().d[1]
	orr	x4, x4, x5
	cmp	x4, #0
	cinc	x3, x3, ne
	.endr
	mrs	x4, fpcr
	cmp	x4, #0
	cinc	x3, x3, ne
	mrs	x4, fpsr
	cmp	x4, #0
	cinc	x3, x3, ne
	mov	x0, x3
	ret
