/* Assembler helpers shared by Keel's .S files. */
#ifndef KEEL_ARCH_AARCH64_ASM_H
#define KEEL_ARCH_AARCH64_ASM_H

/* Address of a symbol within +-4 GiB, position-independent. */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

#endif
