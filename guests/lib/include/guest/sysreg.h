/*
 * System-register access and the few CPU-level helpers every guest needs:
 * which CPU am I, interrupt masking, barriers and waiting for interrupts.
 */
#ifndef GUEST_SYSREG_H
#define GUEST_SYSREG_H

#include <stdint.h>

#define read_sysreg(reg) ({ \
	uint64_t _v; \
	__asm__ volatile("mrs %0, " #reg : "=r"(_v)); \
	_v; \
})

#define write_sysreg(reg, val) do { \
	uint64_t _v = (uint64_t)(val); \
	__asm__ volatile("msr " #reg ", %0" : : "r"(_v) : "memory"); \
} while (0)

#define isb() __asm__ volatile("isb" : : : "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt : : : "memory")
#define wfi() __asm__ volatile("wfi" : : : "memory")

/* MPIDR_EL1 Aff0; Keel and QEMU number vCPUs 0, 1, ... there. */
#define MPIDR_AFF0_MASK 0xffu

/* This CPU's index (MPIDR_EL1.Aff0). */
static inline unsigned int cpu_id(void)
{
	return (unsigned int)(read_sysreg(mpidr_el1) & MPIDR_AFF0_MASK);
}

static inline void irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
}

/*
 * Called with IRQs masked: sleeps until an interrupt is pending, takes it, and
 * returns with IRQs masked again. Use it in a loop that tests its condition
 * with IRQs masked, so a wake-up cannot slip in between the test and the WFI
 * (WFI wakes on a pending interrupt even when PSTATE.I is set, Arm ARM D1.6).
 */
static inline void irq_wait(void)
{
	wfi();
	irq_enable();
	isb();
	irq_disable();
}

/* ESR_ELx fields (Arm ARM D17.2.37). */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fu
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK)
#define ESR_EC_UNKNOWN 0x00u
#define ESR_EC_HVC64 0x16u
#define ESR_EC_SMC64 0x17u
#define ESR_EC_IABT_CUR 0x21u
#define ESR_EC_DABT_CUR 0x25u

#endif
