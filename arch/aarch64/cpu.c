/*
 * Per-CPU EL2 set-up and the processor services generic code asks for
 * (include/keel/arch/cpu.h): which CPU this is, kicks between CPUs, waiting
 * for interrupts, starting CPUs and powering off through the firmware, the
 * counter, and the register dump of a panic.
 */
#include <abi/keel/hypercall.h>
#include <keel/arch/cpu.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/log.h>
#include "stacks.h"
#include "sysreg.h"

#define PSCI_FN_CPU_ON_64 0xc4000003u
#define PSCI_FN_SYSTEM_OFF 0x84000008u

extern char secondary_entry[];

/* A call to the firmware through SMC (SMCCC): function ID and three arguments. */
u64 arch_smc_call(u32 fid, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fid;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "memory");
	return x0;
}

void arch_cpu_set_self(struct cpu *cpu)
{
	write_sysreg(tpidr_el2, (u64)(uintptr_t)cpu);
}

/*
 * Program this CPU's EL2 controls for running guests (Arm ARM D13.2):
 * stage 2 on, physical interrupts and aborts to EL2, WFI and SMC trapped,
 * EL1 in AArch64, FP/SIMD untrapped (Keel saves it eagerly on a vCPU
 * switch), the virtual counter equal to the physical one, the guest's
 * physical timer trapped (guests use the virtual timer), and the PMU and
 * debug registers trapped.
 */
void arch_cpu_init(struct cpu *cpu)
{
	(void)cpu;
	write_sysreg(hcr_el2, HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB |
				      HCR_BSU_INNER | HCR_TWI | HCR_TSC | HCR_RW);
	write_sysreg(cptr_el2, CPTR_EL2_RES1 | CPTR_EL2_TFP); /* FP/SIMD: no vCPU owns it yet (vcpu.c) */
	write_sysreg(cnthctl_el2, 1); /* EL1PCTEN: counter readable, physical timer trapped */
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	/*
	 * The PMU and the debug registers are shared by every VM on this CPU:
	 * trap them all, arch/aarch64/sysreg_trap.c shows guests a harmless
	 * view. HPMN stays PMCR_EL0.N (no counter reserved for EL2, which
	 * uses none). The OS lock is opened once here, as a guest's own
	 * OSLAR_EL1 write no longer reaches it, so guest software step works.
	 */
	write_sysreg(mdcr_el2, ((read_sysreg(pmcr_el0) >> 11) & MDCR_HPMN_MASK) | MDCR_TPM | MDCR_TPMCR |
				       MDCR_TDA | MDCR_TDOSA | MDCR_TDRA);
	write_sysreg(osdlr_el1, 0);
	write_sysreg(oslar_el1, 0);
	write_sysreg(cnthp_ctl_el2, 0);
	isb();
}

u32 arch_cpu_index(void)
{
	return ((struct cpu *)(uintptr_t)read_sysreg(tpidr_el2))->index;
}

struct cpu *arch_this_cpu(void)
{
	return (struct cpu *)(uintptr_t)read_sysreg(tpidr_el2);
}

void arch_send_kick(u32 pcpu)
{
	gicv3_send_sgi(pcpu, IRQ_SGI_KICK);
}

bool arch_irq_pending(void)
{
	return read_sysreg(isr_el1) & BIT(7); /* ISR_EL1.I: at EL2, the physical IRQ line */
}

void arch_wait_for_interrupt(void)
{
	dsb(sy);
	__asm__ volatile("wfi" ::: "memory");
}

int arch_cpu_start(u32 pcpu)
{
	return (int)arch_smc_call(PSCI_FN_CPU_ON_64, platform.cpu_mpidr[pcpu],
				  (u64)(uintptr_t)secondary_entry, pcpu);
}

void arch_system_off(void)
{
	arch_smc_call(PSCI_FN_SYSTEM_OFF, 0, 0, 0);
	arch_halt();
}

void arch_halt(void)
{
	for (;;)
		__asm__ volatile("wfe");
}

u64 arch_counter(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

u64 arch_counter_freq(void)
{
	return platform.timer_freq_hz ? platform.timer_freq_hz : read_sysreg(cntfrq_el0);
}

void arch_panic_dump(void)
{
	klog("ESR_EL2 %016lx FAR_EL2 %016lx ELR_EL2 %016lx", read_sysreg(esr_el2),
	     read_sysreg(far_el2), read_sysreg(elr_el2));
	klog("HPFAR   %016lx SPSR    %016lx", read_sysreg(hpfar_el2), read_sysreg(spsr_el2));
}

/* Registers saved by el2_bad_exception in guest_entry.S. */
struct el2_frame {
	u64 x[31];
	u64 sp;
	u64 elr;
};

static const char *const vector_slot_names[16] = {
	"current EL SP0 sync", "current EL SP0 IRQ", "current EL SP0 FIQ", "current EL SP0 SError",
	"EL2 synchronous",     "EL2 IRQ",            "EL2 FIQ",            "EL2 SError",
	"lower EL sync",       "lower EL IRQ",       "lower EL FIQ",       "lower EL SError",
	"AArch32 sync",        "AArch32 IRQ",        "AArch32 FIQ",        "AArch32 SError",
};

void el2_exception_panic(struct el2_frame *frame, u64 slot);
void el2_exception_panic(struct el2_frame *frame, u64 slot)
{
	u64 esr = read_sysreg(esr_el2);
	u64 far = read_sysreg(far_el2);
	u32 owner;

	klog("unexpected exception at EL2: %s, EC 0x%lx", vector_slot_names[slot & 15], ESR_EC(esr));
	for (u32 i = 0; i < 31; i += 2)
		klog("x%-2u %016lx  x%-2u %016lx", i, frame->x[i], i + 1, i + 1 < 31 ? frame->x[i + 1] : frame->sp);
	/* An access to a stack guard (stacks.h): that CPU's stack overflowed; slot 4 moved to its emergency stack. */
	if (slot == 4 && ESR_EC(esr) == EC_DABT_CUR && stack_guard_owner(far, &owner))
		panic("stack overflow on CPU %u: access at 0x%lx in its guard page (SP 0x%lx, ELR 0x%lx)", owner, far,
		      frame->sp, frame->elr);
	panic("EL2 exception (ELR %lx)", frame->elr);
}

/* The EL2 physical timer (CNTHP, PPI 26), one-shot, for scheduling events. */
void arch_sched_timer_arm(u64 deadline)
{
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, 1); /* enabled, not masked */
	isb();
}

void arch_sched_timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, 0);
	isb();
}
