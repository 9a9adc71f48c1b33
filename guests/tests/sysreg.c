/*
 * test-sysreg: the system registers Keel traps, from a guest's side.
 *
 * - GIC SGI generation: ICC_SGI1R_EL1 raises a Group 1 SGI; ICC_ASGI1R_EL1
 *   and ICC_SGI0R_EL1 are legal writes (no undefined-instruction exception)
 *   that raise no Group 1 SGI.
 * - PMU: Keel emulates a PMU with no event counters whose cycle counter
 *   never counts, so a guest can count nothing, at EL2 or in another VM:
 *   PMCR_EL0.N reads 0 and PMCCNTR_EL0 stays 0 with the counter enabled.
 * - Debug: breakpoint and watchpoint registers are RAZ/WI (an armed
 *   breakpoint neither reads back nor fires); MDSCR_EL1 reads back what the
 *   guest wrote. Nothing here is undefined.
 * - The EL1 physical timer (CNTP_*_EL0), emulated by Keel: CTL, CVAL and
 *   TVAL read back consistently and its interrupt, PPI 30, arrives once the
 *   counter reaches CVAL (and not while masked), also to a vCPU idle in WFI
 *   long enough for another VM on its CPU to run (configs/tests/sysreg-shared.dts:
 *   the vCPU is switched out and must be woken for its emulated timer).
 *
 * Keel logs the first PMU and the first debug access of the VM once each
 * (the system test looks for both lines).
 */
#include <guest/exception.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define ICC_ASGI1R_EL1 S3_0_C12_C11_6
#define ICC_SGI0R_EL1 S3_0_C12_C11_7
#define SGIR_INTID_SHIFT 24
#define SGI_TEST 5u
#define WAIT_MS 200

#define PMCR_E (1u << 0)
#define PMCR_C (1u << 2)
#define PMCR_N(pmcr) (((pmcr) >> 11) & 0x1f)
#define PMCNTEN_CYCLES (1u << 31)

#define DBGBCR_ENABLE_EL1 ((0xfu << 5) | (1u << 1) | 1u) /* BAS all, PMC EL1, E */
#define MDSCR_KDE (1u << 13)
#define MDSCR_MDE (1u << 15)

#define PPI_PHYS_TIMER 30u
#define CNT_CTL_ENABLE 1u
#define CNT_CTL_IMASK 2u
#define CNT_CTL_ISTATUS 4u
#define PTIMER_MS 250u /* margins in host time: a loaded TCG host can stall a vCPU for tens of ms */
#define PTIMER_IDLE_MS 700u /* longer than the ticker's 500 ms period */

static volatile uint32_t sgis;
static volatile uint32_t ptimer_irqs;

/* Mask the timer's output, as a guest's handler does, so the level goes down. */
static void on_ptimer(uint32_t intid)
{
	(void)intid;
	write_sysreg(cntp_ctl_el0, CNT_CTL_ENABLE | CNT_CTL_IMASK);
	ptimer_irqs++;
}

static void on_sgi(uint32_t intid)
{
	(void)intid;
	sgis++;
}

/* Run op (one MSR) under the catcher: true if it was undefined. */
#define UNDEFINED(op) ({ uint64_t _esr = 0; exc_catch_begin(); op; exc_catch_end(&_esr, 0); })

static void check_sgi_registers(void)
{
	uint64_t sgir = ((uint64_t)SGI_TEST << SGIR_INTID_SHIFT) | 1u; /* to Aff0 0: this vCPU */

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(SGI_TEST, on_sgi);
	gic_enable_private(SGI_TEST, GIC_DEFAULT_PRIO);
	irq_enable();
	report(!UNDEFINED(write_sysreg(ICC_ASGI1R_EL1, sgir)), "ICC_ASGI1R_EL1 write is not undefined");
	report(!UNDEFINED(write_sysreg(ICC_SGI0R_EL1, sgir)), "ICC_SGI0R_EL1 write is not undefined");
	timer_wait_count(&sgis, 1, WAIT_MS);
	report(sgis == 0, "neither raised the Group 1 SGI %u (%u arrived)", SGI_TEST, sgis);
	report(!UNDEFINED(write_sysreg(S3_0_C12_C11_5, sgir)), "ICC_SGI1R_EL1 write is not undefined");
	report(timer_wait_count(&sgis, 1, WAIT_MS), "ICC_SGI1R_EL1 raised SGI %u (%u arrived)", SGI_TEST, sgis);
	irq_disable();
}

static void check_pmu(void)
{
	uint64_t pmcr = 0, cycles = 0;
	volatile uint32_t spin = 0;

	report(!UNDEFINED(pmcr = read_sysreg(pmcr_el0)), "PMCR_EL0 read is not undefined");
	report(PMCR_N(pmcr) == 0, "PMCR_EL0.N is 0: no event counters (PMCR_EL0 0x%lx)", pmcr);
	report(!UNDEFINED(write_sysreg(pmcr_el0, PMCR_E | PMCR_C)), "PMCR_EL0 write (enable) is not undefined");
	write_sysreg(pmcntenset_el0, PMCNTEN_CYCLES);
	isb();
	while (spin < 100000)
		spin++;
	isb();
	cycles = read_sysreg(pmccntr_el0);
	report(cycles == 0, "the enabled cycle counter does not count (PMCCNTR_EL0 %lu)", cycles);
	write_sysreg(pmcr_el0, 0);
}

static __attribute__((noinline)) void breakpoint_target(void)
{
	__asm__ volatile("nop");
}

static void check_debug(void)
{
	uint64_t target = (uint64_t)(uintptr_t)breakpoint_target, bvr = 1, bcr = 1, wvr = 1, mdscr = 0;
	uint64_t esr = 0;
	bool hit;

	report(!UNDEFINED(write_sysreg(dbgbvr0_el1, target)), "DBGBVR0_EL1 write is not undefined");
	write_sysreg(dbgbcr0_el1, DBGBCR_ENABLE_EL1);
	write_sysreg(dbgwvr0_el1, target);
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	isb();
	bvr = read_sysreg(dbgbvr0_el1);
	bcr = read_sysreg(dbgbcr0_el1);
	wvr = read_sysreg(dbgwvr0_el1);
	mdscr = read_sysreg(mdscr_el1);
	report(bvr == 0 && bcr == 0 && wvr == 0, "breakpoint and watchpoint registers read as zero (%lx %lx %lx)",
	       bvr, bcr, wvr);
	report(mdscr == (MDSCR_KDE | MDSCR_MDE), "MDSCR_EL1 reads back what was written (0x%lx)", mdscr);
	/* With debug exceptions unmasked, a breakpoint that reached the hardware would fire here. */
	__asm__ volatile("msr daifclr, #8" : : : "memory");
	isb();
	exc_catch_begin();
	breakpoint_target();
	hit = exc_catch_end(&esr, 0);
	__asm__ volatile("msr daifset, #8" : : : "memory");
	report(!hit, "the breakpoint the guest armed does not fire (ESR 0x%lx)", esr);
	write_sysreg(mdscr_el1, 0);
}

static void check_ptimer(void)
{
	uint64_t ticks = timer_ms_to_ticks(PTIMER_MS), cval = 0, ctl = 0, tval = 0;

	gic_set_handler(PPI_PHYS_TIMER, on_ptimer);
	gic_enable_private(PPI_PHYS_TIMER, GIC_DEFAULT_PRIO);
	report(!UNDEFINED(write_sysreg(cntp_cval_el0, timer_now() + ticks)), "CNTP_CVAL_EL0 write is not undefined");
	write_sysreg(cntp_ctl_el0, CNT_CTL_ENABLE);
	isb();
	ctl = read_sysreg(cntp_ctl_el0);
	tval = read_sysreg(cntp_tval_el0);
	report(ctl == CNT_CTL_ENABLE, "CNTP_CTL_EL0 reads enabled, not yet fired (0x%lx)", ctl);
	report(tval > 0 && tval <= ticks, "CNTP_TVAL_EL0 counts down to CVAL (%lu of %lu ticks)", tval, ticks);
	irq_enable();
	report(timer_wait_count(&ptimer_irqs, 1, 10 * PTIMER_MS), "its interrupt, PPI 30, arrived (%u)",
	       ptimer_irqs);
	irq_disable();
	ctl = read_sysreg(cntp_ctl_el0);
	report(ctl == (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS),
	       "CNTP_CTL_EL0 reads fired and masked by the handler (0x%lx)", ctl);
	/* A TVAL write sets CVAL relative to the counter; masked, it raises nothing. */
	write_sysreg(cntp_tval_el0, ticks);
	cval = read_sysreg(cntp_cval_el0);
	report(cval > timer_now() && cval <= timer_now() + ticks, "a TVAL write sets CVAL ahead (0x%lx)", cval);
	irq_enable();
	timer_wait_count(&ptimer_irqs, 2, 3 * PTIMER_MS);
	irq_disable();
	report(ptimer_irqs == 1, "a masked timer raises no interrupt (%u)", ptimer_irqs);
	write_sysreg(cntp_ctl_el0, 0);
}

/* Arm the timer, then idle in WFI until its interrupt: Keel must wake this vCPU for it. */
static void check_ptimer_idle(void)
{
	uint64_t start = timer_now(), waited;

	write_sysreg(cntp_tval_el0, timer_ms_to_ticks(PTIMER_IDLE_MS));
	write_sysreg(cntp_ctl_el0, CNT_CTL_ENABLE);
	isb();
	while (ptimer_irqs < 2)
		irq_wait(); /* a timer that never fires hangs here: the system test times out */
	waited = timer_now() - start;
	report(waited >= timer_ms_to_ticks(PTIMER_IDLE_MS), "idle in WFI, woken by the timer after %lu ms",
	       waited * 1000 / timer_freq());
	write_sysreg(cntp_ctl_el0, 0);
}

void guest_main(void)
{
	check_sgi_registers();
	check_ptimer();
	check_ptimer_idle();
	check_pmu();
	check_debug();
	report_summary();
}
