/*
 * test-aarch32: a guest kernel may run its EL0 in AArch32 (HCR_EL2.RW makes
 * EL1 AArch64, not EL0). Exits from there reach Keel through its AArch64
 * slots (the vector offset follows EL1's state, Arm ARM D1.10.2), but an
 * exception Keel injects must go where the architecture would put it: the
 * "lower EL, AArch32" slots of VBAR_EL1. The guest ERETs to a few A32
 * instructions in User mode, with its own EL1 vector table: a load from an
 * IPA where it has nothing (Keel injects a data abort: slot 12, VBAR_EL1 +
 * 0x600; Keel used to send it to + 0x400, the AArch64 slot) and a spin until
 * its virtual timer fires (a physical interrupt exits to Keel from AArch32,
 * then the virtual one arrives at + 0x680).
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define VTIMER 27u
#define UNMAPPED_IPA 0x20000000u /* below RAM, clear of the GIC and the UART */
#define EC_DABT_LOW 0x24u
#define SLOT_A32_SYNC 12u
#define SLOT_A32_IRQ 13u
#define ID_AA64PFR0_EL0_AARCH32 2u

/* Enters AArch32 User mode at pc with r1 = arg; returns the EL1 vector slot that brought it back. */
uint64_t a32_enter(uint64_t pc, uint64_t arg);
extern const uint32_t a32_load[], a32_spin[];

__asm__(".text\n"
	".balign 4\n"
	"a32_load: .word 0xe5910000\n" /* ldr r0, [r1] */
	"	.word 0xeafffffe\n"      /* b . */
	"a32_spin: .word 0xeafffffe\n" /* b . */
	".global a32_load\n.global a32_spin\n"
	".global a32_enter\n"
	"a32_enter:\n"
	"	stp x29, x30, [sp, #-96]!\n"
	"	stp x19, x20, [sp, #16]\n"
	"	stp x21, x22, [sp, #32]\n"
	"	stp x23, x24, [sp, #48]\n"
	"	stp x25, x26, [sp, #64]\n"
	"	stp x27, x28, [sp, #80]\n"
	"	msr elr_el1, x0\n"
	"	mov x0, #0x10\n" /* SPSR: AArch32 User, A32, interrupts unmasked */
	"	msr spsr_el1, x0\n"
	"	adr x0, a32_vectors\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	eret\n"
	/* Every slot returns its number from a32_enter; SP_EL1 is as the ERET left it. */
	".macro a32_slot n\n"
	"	.balign 0x80\n"
	"	mov x0, #\\n\n"
	"	b a32_back\n"
	".endm\n"
	".balign 0x800\n"
	"a32_vectors:\n"
	"	a32_slot 0\n a32_slot 1\n a32_slot 2\n a32_slot 3\n"
	"	a32_slot 4\n a32_slot 5\n a32_slot 6\n a32_slot 7\n"
	"	a32_slot 8\n a32_slot 9\n a32_slot 10\n a32_slot 11\n"
	"	a32_slot 12\n a32_slot 13\n a32_slot 14\n a32_slot 15\n"
	"a32_back:\n"
	"	ldp x19, x20, [sp, #16]\n"
	"	ldp x21, x22, [sp, #32]\n"
	"	ldp x23, x24, [sp, #48]\n"
	"	ldp x25, x26, [sp, #64]\n"
	"	ldp x27, x28, [sp, #80]\n"
	"	ldp x29, x30, [sp], #96\n"
	"	ret\n");

static uint64_t run_a32(const uint32_t *pc, uint64_t arg)
{
	uint64_t vbar = read_sysreg(vbar_el1), slot;

	slot = a32_enter((uint64_t)(uintptr_t)pc, arg);
	write_sysreg(vbar_el1, vbar);
	isb();
	return slot;
}

void guest_main(void)
{
	uint64_t slot, esr, far;

	if ((read_sysreg(id_aa64pfr0_el1) & 0xf) != ID_AA64PFR0_EL0_AARCH32) {
		report_info("aarch32: this CPU has no AArch32 at EL0, nothing to test");
		report_summary();
	}
	slot = run_a32(a32_load, UNMAPPED_IPA);
	esr = read_sysreg(esr_el1);
	far = read_sysreg(far_el1);
	report(slot == SLOT_A32_SYNC, "load from an unmapped IPA in AArch32 EL0: back through slot %lu (want %u)",
	       slot, SLOT_A32_SYNC);
	report(ESR_EC(esr) == EC_DABT_LOW && (uint32_t)far == UNMAPPED_IPA,
	       "it is a data abort from a lower EL at the address (ESR 0x%lx, FAR 0x%lx)", esr, far);

	gic_init_dist();
	gic_init_cpu();
	gic_enable_private(VTIMER, GIC_DEFAULT_PRIO);
	timer_arm_at(timer_now() + timer_ms_to_ticks(2));
	slot = run_a32(a32_spin, 0);
	timer_stop();
	report(slot == SLOT_A32_IRQ, "a spin in AArch32 EL0 ends with the timer's IRQ through slot %lu (want %u)",
	       slot, SLOT_A32_IRQ);
	report_summary();
}
