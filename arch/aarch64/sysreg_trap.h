/*
 * Emulation of the system registers Keel traps (arch/aarch64/sysreg_trap.c).
 * Private to arch/aarch64.
 */
#ifndef KEEL_ARCH_AARCH64_SYSREG_TRAP_H
#define KEEL_ARCH_AARCH64_SYSREG_TRAP_H

#include <keel/types.h>

struct vcpu;

/*
 * Emulate the guest's access to the register key (SYSREG_KEY encoding): a
 * write of *value, or a read into *value. False if Keel does not emulate
 * that register in that direction (the caller makes it undefined).
 */
bool sysreg_trap_emulate(struct vcpu *vcpu, u32 key, bool read, u64 *value);
/*
 * The guest's EL1 physical timer (arch/aarch64/ptimer.c): emulate an access
 * to CNTP_CTL/CVAL/TVAL_EL0 of the loaded vCPU (false for another register);
 * its deadline (~0: disabled or masked); back it with the hardware timer at
 * vCPU load, stop that at put.
 */
bool ptimer_access(struct vcpu *vcpu, u32 key, bool read, u64 *value);
u64 ptimer_deadline(const struct vcpu *vcpu);
/* Whether its output is asserted: enabled, not masked, count at or past CVAL. */
bool ptimer_asserted(const struct vcpu *vcpu);
void ptimer_load(struct vcpu *vcpu);
void ptimer_put(struct vcpu *vcpu);

/* The value of the hardware MDSCR_EL1 while vcpu is loaded: its own, without breakpoint or watchpoint enables. */
u64 sysreg_trap_mdscr_hw(const struct vcpu *vcpu);

#endif
