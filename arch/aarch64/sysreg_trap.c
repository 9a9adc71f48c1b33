/*
 * The system registers a guest reaches only through Keel (MDCR_EL2,
 * CNTHCTL_EL2 and HCR_EL2 trap them, arch_cpu_init): the GIC's SGI
 * generation registers, the EL1 physical timer (arch/aarch64/ptimer.c), and
 * a harmless view of the PMU and of self-hosted debug. The PMU and the
 * breakpoint and watchpoint registers are physical state shared by every
 * VM on the CPU: a guest must not count events at EL2 or in another VM, nor
 * leave a watchpoint armed while another VM runs. So the PMU reads as one
 * with no event counters and a stopped, zero cycle counter, and every debug
 * register but MDSCR_EL1 is RAZ/WI; MDSCR_EL1 is kept per vCPU, with only
 * its software-step and DCC-trap bits reaching the hardware (MDE and KDE,
 * which would enable breakpoints and watchpoints, never do).
 */
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include "sysreg.h"
#include "sysreg_trap.h"

#define KEY_OP0(key) (((key) >> 20) & 3)
#define KEY_OP1(key) (((key) >> 14) & 7)
#define KEY_CRN(key) (((key) >> 10) & 0xf)
#define KEY_CRM(key) (((key) >> 1) & 0xf)

/* GICv3 SGI generation (Arm ARM ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1): op0 3, op1 0, CRn 12, CRm 11. */
#define KEY_ICC_SGI1R SYSREG_KEY(3, 0, 12, 11, 5)
#define KEY_ICC_ASGI1R SYSREG_KEY(3, 0, 12, 11, 6)
#define KEY_ICC_SGI0R SYSREG_KEY(3, 0, 12, 11, 7)

#define KEY_MDSCR_EL1 SYSREG_KEY(2, 0, 0, 2, 2)
#define KEY_OSLSR_EL1 SYSREG_KEY(2, 0, 1, 1, 4)
#define OSLSR_OSLM_IMPLEMENTED 0x8 /* OSLM == 0b10: the OS lock is implemented (and unlocked) */

/* What of the guest's MDSCR_EL1 reaches the hardware: SS (bit 0) and TDCC (bit 12). */
#define MDSCR_PASS (BIT(0) | BIT(12))

enum { LOGGED_PMU = 1, LOGGED_DEBUG = 2 };
static u8 logged[KEEL_MAX_VMS]; /* LOGGED_* by vm->index, set atomically */

/* Say once per VM that it touched the PMU or debug registers (and how Keel answers). */
static void log_first(struct vcpu *vcpu, u8 what, u32 key)
{
	struct vm *vm = vcpu->vm;

	if (vm->index >= KEEL_MAX_VMS || (__atomic_fetch_or(&logged[vm->index], what, __ATOMIC_RELAXED) & what))
		return;
	vm_log(vm, "vcpu %u: %s register (op0 %u op1 %u CRn %u CRm %u) at pc 0x%lx: emulated as %s; "
	       "not logged again", vcpu->index, what == LOGGED_PMU ? "PMU" : "debug", KEY_OP0(key),
	       KEY_OP1(key), KEY_CRN(key), KEY_CRM(key), vcpu->regs.pc,
	       what == LOGGED_PMU ? "a PMU with no event counters" : "no breakpoints or watchpoints");
}

/*
 * PMU registers (Arm ARM D13.11): PMCR_EL0 ... PMUSERENR_EL0, PMINTEN*,
 * PMOVSSET, PMMIR at CRn 9, CRm 12-14; PMEVCNTR<n>, PMEVTYPER<n> and
 * PMCCFILTR_EL0 at op1 3, CRn 14, CRm 8-15.
 */
static bool is_pmu(u32 key)
{
	if (KEY_OP0(key) != 3)
		return false;
	return (KEY_CRN(key) == 9 && KEY_CRM(key) >= 12 && KEY_CRM(key) <= 14) ||
	       (KEY_OP1(key) == 3 && KEY_CRN(key) == 14 && KEY_CRM(key) >= 8);
}

/* The debug registers are exactly the op0 == 2 space (Arm ARM D12.3). */
static bool is_debug(u32 key)
{
	return KEY_OP0(key) == 2;
}

static void debug_access(struct vcpu *vcpu, u32 key, bool read, u64 *value)
{
	if (key == KEY_MDSCR_EL1) {
		if (read) {
			*value = vcpu->sys.mdscr_el1;
		} else {
			vcpu->sys.mdscr_el1 = *value;
			write_sysreg(mdscr_el1, *value & MDSCR_PASS);
		}
		return;
	}
	if (read)
		*value = key == KEY_OSLSR_EL1 ? OSLSR_OSLM_IMPLEMENTED : 0;
}

bool sysreg_trap_emulate(struct vcpu *vcpu, u32 key, bool read, u64 *value)
{
	if (!read && key == KEY_ICC_SGI1R) {
		vgic_sgi_write(vcpu, *value, true);
	} else if (!read && (key == KEY_ICC_ASGI1R || key == KEY_ICC_SGI0R)) {
		/* ASGI1R names the other Security state's Group 1: Group 0 here, as in KVM. */
		vgic_sgi_write(vcpu, *value, false);
	} else if (ptimer_access(vcpu, key, read, value)) {
		/* the EL1 physical timer: emulated in arch/aarch64/ptimer.c */
	} else if (is_pmu(key)) {
		log_first(vcpu, LOGGED_PMU, key);
		if (read)
			*value = 0; /* PMCR_EL0.N == 0: no event counters; nothing counts */
	} else if (is_debug(key)) {
		log_first(vcpu, LOGGED_DEBUG, key);
		debug_access(vcpu, key, read, value);
	} else {
		return false;
	}
	return true;
}

/* The hardware MDSCR_EL1 for a vCPU being loaded (arch_vcpu_load). */
u64 sysreg_trap_mdscr_hw(const struct vcpu *vcpu)
{
	return vcpu->sys.mdscr_el1 & MDSCR_PASS;
}
