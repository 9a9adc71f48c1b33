/*
 * EL1 exception handling. The vector table (vectors.S) saves the interrupted
 * context in a struct exc_frame and calls exc_dispatch(). IRQs go to the
 * handler set with exc_set_irq_handler() (gic_init_dist() installs the GIC's).
 * A synchronous exception is either caught by an armed catcher, which is how
 * tests check that an access aborts, or reported as a failure that ends the
 * guest: nothing here ever hangs silently.
 */
#ifndef GUEST_EXCEPTION_H
#define GUEST_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

/* What vectors.S saves; the layout is shared with it (offsets checked there). */
struct exc_frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad; /* keeps the frame a multiple of 16 bytes */
};

/* Vector slots, in table order (Arm ARM D1.10.2). */
enum exc_kind {
	EXC_SP0_SYNC, EXC_SP0_IRQ, EXC_SP0_FIQ, EXC_SP0_SERROR,
	EXC_SPX_SYNC, EXC_SPX_IRQ, EXC_SPX_FIQ, EXC_SPX_SERROR,
	EXC_A64_SYNC, EXC_A64_IRQ, EXC_A64_FIQ, EXC_A64_SERROR,
	EXC_A32_SYNC, EXC_A32_IRQ, EXC_A32_FIQ, EXC_A32_SERROR,
};

/* Called from vectors.S. */
void exc_dispatch(struct exc_frame *frame, uint64_t kind);

/* Sets the function called for each IRQ exception on any CPU. */
void exc_set_irq_handler(void (*handler)(void));

/*
 * Arms a one-shot catcher on this CPU: the next synchronous exception is
 * recorded and the instruction that caused it is skipped. Keep the guarded
 * code to one access, e.g. exc_catch_begin(); mmio_write32(a, v); exc_catch_end().
 */
void exc_catch_begin(void);
/* Disarms the catcher; returns true if it caught an exception, and its ESR and FAR. */
bool exc_catch_end(uint64_t *esr, uint64_t *far);

/* Writes (or reads) 32 bits at addr under the catcher; returns true if it faulted. */
bool exc_probe_write32(uintptr_t addr, uint32_t val, uint64_t *esr);
bool exc_probe_read32(uintptr_t addr, uint64_t *esr);

#endif
