/*
 * What happens when a guest leaves: decode ESR_EL2 and dispatch on its
 * exception class through one static table (Arm ARM D13.2.37). Everything a
 * guest can cause ends in an emulated result, an error code or an exception
 * injected into that guest, never in a Keel panic.
 */
#include <abi/keel/hypercall.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/exit.h>
#include <keel/guest_mem.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include "smccc.h"
#include "sysreg.h"
#include "sysreg_trap.h"

void arch_exit_syndrome(struct exit_syndrome *s)
{
	s->esr = read_sysreg(esr_el2);
	s->far = read_sysreg(far_el2);
	s->hpfar = read_sysreg(hpfar_el2);
}

/*
 * The abort handlers' view of the syndrome: ESR as exit_handle() read it,
 * the fault addresses read now. They stay valid as long as Keel takes no
 * exception at EL2, which holds while an exit is handled; reading them only
 * here keeps two system-register reads off every other exit.
 */
static inline __attribute__((always_inline)) struct exit_syndrome abort_syndrome(const struct exit_syndrome *s)
{
	return (struct exit_syndrome){ .esr = s->esr, .far = read_sysreg(far_el2), .hpfar = read_sysreg(hpfar_el2) };
}

void vcpu_skip_insn(struct vcpu *vcpu)
{
	/* ESR_EL2 still holds this exit's syndrome: Keel takes no exception while handling it. */
	vcpu->regs.pc += (read_sysreg(esr_el2) & ESR_IL) ? 4 : 2;
}

/*
 * The IPA of a stage-2 fault. HPFAR_EL2.FIPA gives bits [47:12] for
 * translation and access-flag faults and for any fault on a stage-1 table
 * walk, but need not for a permission fault (Arm ARM, HPFAR_EL2; Cortex-A57
 * erratum 834220 adds cases): there Keel translates FAR_EL2 through the
 * guest's own stage 1 with AT S1E1R, keeping the guest's PAR_EL1. False if
 * that fails (the guest changed its tables meanwhile): it retries the access.
 */
static inline __attribute__((always_inline)) bool fault_ipa(const struct exit_syndrome *s, bool s1ptw, u32 fsc,
							     u64 *ipa)
{
	u64 saved, par;

	if (s1ptw || !FSC_IS_PERMISSION(fsc)) {
		*ipa = ((s->hpfar >> 4) << 12) | (s->far & 0xfff);
		return true;
	}
	saved = read_sysreg(par_el1);
	__asm__ volatile("at s1e1r, %0" : : "r"(s->far));
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(par_el1, saved);
	if (par & PAR_F)
		return false;
	*ipa = (par & PAR_PA_MASK) | (s->far & 0xfff);
	return true;
}

static void handle_wfx(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	vcpu_skip_insn(vcpu);
	vcpu_wait_for_interrupt(vcpu);
}

static void handle_hvc(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	smccc_dispatch(vcpu); /* ELR already points past the HVC */
}

static void handle_smc(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	/* A trapped SMC leaves ELR at the SMC itself (Arm ARM D1.10.4). */
	vcpu_skip_insn(vcpu);
	smccc_dispatch(vcpu);
}

/*
 * A trapped MSR or MRS (EC 0x18; ISS layout Arm ARM D13.2.37): the GIC's SGI
 * registers, the PMU and the debug registers are emulated
 * (arch/aarch64/sysreg_trap.c); anything else is undefined for the guest.
 */
static void handle_sysreg(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	u32 iss = ESR_ISS(s->esr);
	bool read = iss & SYSREG_ISS_READ;
	u32 rt = SYSREG_ISS_RT(iss);
	u64 value = read ? 0 : vcpu_get_reg(vcpu, rt);

	if (!sysreg_trap_emulate(vcpu, SYSREG_ISS_KEY(iss), read, &value)) {
		vm_log(vcpu->vm, "vcpu %u: %s of unsupported system register (ISS 0x%x) at pc 0x%lx: undefined",
		       vcpu->index, read ? "read" : "write", iss, vcpu->regs.pc);
		vcpu_inject_undef(vcpu);
		return;
	}
	if (read)
		vcpu_set_reg(vcpu, rt, value);
	vcpu_skip_insn(vcpu);
}

/* A first FP/SIMD instruction since this vCPU was loaded: it takes the registers, then retries. */
static void handle_fp(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	(void)s;
	arch_vcpu_claim_fpsimd(vcpu); /* ELR is the trapped instruction itself */
}

/* The kind of a stage-2 fault from its status code (Arm ARM D13.2.39, ISS encoding for aborts). */
static enum s2_fault_kind fault_kind(u32 fsc)
{
	if (FSC_IS_TRANSLATION(fsc))
		return S2_FAULT_TRANSLATION;
	if (FSC_IS_PERMISSION(fsc))
		return S2_FAULT_PERMISSION;
	return S2_FAULT_OTHER;
}

/*
 * Decode a stage-2 abort once; core decides what it means. A fault on the
 * guest's own stage-1 table walk is a data access to the table, and a
 * permission fault there means the walker wants to write it (access flag,
 * dirty state): a write, even when it served an instruction fetch.
 */
static inline __attribute__((always_inline)) bool decode_s2_fault(const struct exit_syndrome *s, bool iabt,
								   struct s2_fault *f)
{
	u32 iss = ESR_ISS(s->esr);
	u32 fsc = DABT_DFSC(iss);
	bool s1ptw = iss & DABT_S1PTW;
	u64 ipa;

	if (!fault_ipa(s, s1ptw, fsc, &ipa))
		return false;
	f->ipa = ipa_of(ipa);
	f->kind = fault_kind(fsc);
	f->exec = iabt && !s1ptw;
	f->write = s1ptw ? f->kind == S2_FAULT_PERMISSION : !iabt && (iss & DABT_WNR);
	return true;
}

static void handle_dabt(struct vcpu *vcpu, const struct exit_syndrome *exit)
{
	struct exit_syndrome fault = abort_syndrome(exit);
	const struct exit_syndrome *s = &fault;
	u32 iss = ESR_ISS(s->esr);
	struct s2_fault f;
	struct mmio_access a;
	bool decodable = (iss & DABT_ISV) && !(iss & DABT_S1PTW);

	if (!decode_s2_fault(s, false, &f))
		return; /* retry */
	a = (struct mmio_access){
		.ipa = ipa_val(f.ipa),
		.width = 1u << DABT_SAS(iss),
		.reg = DABT_SRT(iss),
		.write = iss & DABT_WNR,
		.sign_extend = iss & DABT_SSE,
		.reg64 = iss & DABT_SF,
	};
	if (fault_data_abort(vcpu, &f, decodable ? &a : NULL, s->far) == FAULT_EMULATED)
		vcpu->regs.pc += (s->esr & ESR_IL) ? 4 : 2; /* vcpu_skip_insn, with the syndrome at hand */
}

static void handle_iabt(struct vcpu *vcpu, const struct exit_syndrome *exit)
{
	struct exit_syndrome fault = abort_syndrome(exit);
	struct s2_fault f;

	if (decode_s2_fault(&fault, true, &f))
		fault_insn_abort(vcpu, &f, fault.far);
}

static void handle_unknown(struct vcpu *vcpu, const struct exit_syndrome *s)
{
	vm_log(vcpu->vm, "vcpu %u: unhandled trap EC 0x%lx (ESR 0x%lx) at pc 0x%lx: undefined injected",
	       vcpu->index, ESR_EC(s->esr), s->esr, vcpu->regs.pc);
	vcpu_inject_undef(vcpu);
}

typedef void (*trap_handler)(struct vcpu *vcpu, const struct exit_syndrome *s);

/* Every class has a handler, so dispatch is one indexed call (the override warning is this table's intent). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const trap_handler trap_handlers[64] = {
	[0 ... 63] = handle_unknown,
	[EC_WFX] = handle_wfx,
	[EC_FP] = handle_fp,
	[EC_HVC64] = handle_hvc,
	[EC_SMC64] = handle_smc,
	[EC_SYSREG] = handle_sysreg,
	[EC_DABT_LOW] = handle_dabt,
	[EC_IABT_LOW] = handle_iabt,
};
#pragma GCC diagnostic pop

/*
 * A data abort that reads a device register fixed since the device was
 * set up (include/keel/exit.h): a decodable load, no table walk, and a
 * translation fault, since IPAs with a device have no stage-2 mapping
 * (a permission fault is RAM, whose IPA would need AT: the full path).
 */
static __attribute__((noinline)) u32 dabt_fast(struct vcpu *vcpu, u64 esr)
{
	u32 iss = ESR_ISS(esr);
	struct mmio_access a;

	if ((iss & (DABT_ISV | DABT_WNR | DABT_S1PTW)) != DABT_ISV || !FSC_IS_TRANSLATION(DABT_DFSC(iss)) ||
	    !exit_quiet(vcpu))
		return EXIT_FAST_NO;
	a = (struct mmio_access){
		.ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (read_sysreg(far_el2) & 0xfff),
		.width = 1u << DABT_SAS(iss),
		.reg = DABT_SRT(iss),
		.sign_extend = iss & DABT_SSE,
		.reg64 = iss & DABT_SF,
	};
	if (!mmio_read_fast(vcpu, &a))
		return EXIT_FAST_NO;
	vcpu->nr_exits++;
	vcpu->regs.pc += (esr & ESR_IL) ? 4 : 2;
	return EXIT_FAST_DONE;
}

/* An HVC of one of Keel's calls marked HC_PURE (include/keel/hypercall.h); ELR is past the HVC already. */
static __attribute__((noinline)) u32 hvc_fast(struct vcpu *vcpu)
{
	struct hc_result out;

	if (!exit_quiet(vcpu))
		return EXIT_FAST_NO;
	vcpu->nr_exits++;
	out.x1 = out.x2 = out.x3 = 0; /* field by field: an initialiser of the whole becomes a memset call */
	out.next = NULL;
	out.restart = false;
	hypercall_fast(vcpu, (u32)vcpu->regs.x[0], &out);
	smccc_finish(vcpu, &out);
	return EXIT_FAST_DONE;
}

/*
 * The run loop's work around an exit that needs no scheduling decision,
 * done in the exit path (issue 13): fold the list registers, withdraw a
 * timer interrupt no longer asserted, then, after the handler, fill the list
 * registers again. False if after the handler the scheduler must act (a
 * request on this CPU): the caller then ends the exit as handled, and the
 * run loop takes it from there (EXIT_FAST_RUN_LOOP).
 */
static inline __attribute__((always_inline)) void exit_fast_fold(struct vcpu *vcpu)
{
	vgic_sync_lrs(vcpu);
	vcpu_timers_resample(vcpu);
}

static inline __attribute__((always_inline)) bool exit_fast_refill(struct cpu *cpu, struct vcpu *vcpu)
{
	if (cpu_has_requests(cpu))
		return false;
	vgic_flush_lrs(vcpu);
	return true;
}

/*
 * A guest's SGI (ICC_SGI1R_EL1 write): the sender of a virtual IPI. The
 * handler is the full path's (vgic_sgi_write); only the run loop around it
 * is left out when nothing else waits for this vCPU or CPU.
 */
static __attribute__((noinline)) u32 sgi_fast(struct vcpu *vcpu, u32 iss)
{
	struct cpu *cpu = (struct cpu *)(uintptr_t)read_sysreg(tpidr_el2);

	if (cpu->sched.timer_fired || cpu_has_requests(cpu))
		return EXIT_FAST_NO;
	exit_fast_fold(vcpu);
	vcpu->nr_exits++;
	vgic_sgi_write(vcpu, vcpu_get_reg(vcpu, SYSREG_ISS_RT(iss)), true);
	vcpu->regs.pc += 4;
	return exit_fast_refill(cpu, vcpu) ? EXIT_FAST_DONE : EXIT_FAST_RUN_LOOP;
}

/*
 * Kept to a few instructions with no stack frame: every synchronous exit
 * comes here first, and most decline (a call that is not pure, an MMIO
 * write); the handlers are out of line and counted where they succeed.
 */
/* guest_entry.S compares with 1 and turns the others into a reason by a shift left. */
_Static_assert(EXIT_FAST_DONE == 1 && EXIT_SYNC == EXIT_FAST_NO << 1 && EXIT_HANDLED == EXIT_FAST_RUN_LOOP << 1,
	       "exit_fast results as guest_entry.S decodes them");

u32 exit_fast(struct vcpu *vcpu)
{
	u64 esr = read_sysreg(esr_el2);

	if (ESR_EC(esr) == EC_HVC64)
		return hc_is_pure((u32)vcpu->regs.x[0]) ? hvc_fast(vcpu) : EXIT_FAST_NO;
	if (ESR_EC(esr) == EC_DABT_LOW)
		return dabt_fast(vcpu, esr);
	/* ICC_SGI1R_EL1 (op0 3, op1 0, CRn 12, CRm 11, op2 5), written: direction bit 0. */
	if (ESR_EC(esr) == EC_SYSREG && (ESR_ISS(esr) & ~SYSREG_ISS_RT_MASK) == SYSREG_KEY(3, 0, 12, 11, 5))
		return sgi_fast(vcpu, ESR_ISS(esr));
	return EXIT_FAST_NO;
}

/*
 * An interrupt the fast paths below acknowledged while they looked for
 * another: handled as irq_handle_pending() would, with the DSB that
 * arch_gic_ack() has (a device's state is read after the acknowledge).
 */
static void irq_overtaken(struct cpu *cpu, u32 intid)
{
	if (intid >= GIC_SPURIOUS)
		return;
	dsb(sy);
	irq_handle_acked(cpu, intid);
}

/*
 * An interrupt exit for the loaded vCPU's own virtual timer: the short path
 * from the physical interrupt to its list register (issue 13). The run loop
 * would only fold the list registers, latch the timer's PPI, fill them again
 * and enter the same vCPU: nothing the scheduler decides on changes when no
 * request is posted on this CPU and its own EL2 timer did not fire. The
 * interrupt is only looked at (ICC_HPPIR1_EL1) before it is acknowledged,
 * so any other one takes the full path; one that overtakes the timer between
 * the look and the acknowledge is handled as the full path would, and the
 * full path then goes on from there. The GIC is driven directly, without
 * drivers/gicv3.c: no DSB after the acknowledge (Keel reads no device state
 * the timer's interrupt orders), no ISB after the priority drop (the ERET
 * into the guest synchronises it).
 */
static __attribute__((noinline)) bool vtimer_irq_fast(struct vcpu *vcpu)
{
	struct cpu *cpu = (struct cpu *)(uintptr_t)read_sysreg(tpidr_el2);
	u32 intid;

	/*
	 * Only a CPU with this one vCPU, whose own requests are then all there
	 * is: a list register's fold may move an interrupt to another vCPU of
	 * the VM (vgic_lr_fold), and one waiting on this CPU would get a request
	 * with no kick, so the full path must see it. A request that arrives
	 * from another CPU after this test comes with a kick, which makes the
	 * guest exit again as soon as it is entered.
	 */
	if (cpu->nr_vcpus != 1 || cpu->sched.timer_fired || __atomic_load_n(&vcpu->requests, __ATOMIC_ACQUIRE) ||
	    vgic_hw_pending(vcpu, IRQ_PPI_PHYS_TIMER))
		return false;
	intid = (u32)read_sysreg(ICC_IAR1_EL1) & 0xffffff;
	if (intid != IRQ_PPI_VIRT_TIMER) {
		irq_overtaken(cpu, intid);
		return false;
	}
	cpu->nr_irqs++;
	vcpu->nr_exits++;
	write_sysreg(ICC_EOIR1_EL1, intid); /* priority drop; the guest deactivates, through the HW bit */
	vgic_inject_hw_ppi_loaded(vcpu, intid);
	return true;
}

/*
 * The kick that tells this CPU a loaded vCPU's interrupts changed (the
 * receiving end of a virtual IPI, or a device's interrupt from another CPU):
 * the run loop would act on VCPU_REQ_KICK by folding and filling the list
 * registers. Only for a static CPU (as the run loop's can_reenter()) and
 * only when the kick is all that was asked; anything else takes the full path.
 */
static __attribute__((noinline)) bool kick_irq_fast(struct vcpu *vcpu)
{
	struct cpu *cpu = (struct cpu *)(uintptr_t)read_sysreg(tpidr_el2);
	const u32 kick = VCPU_REQ_KICK | VCPU_REQ_KICK_SENT;
	u32 intid, req;

	if (cpu->sched.policy != KEEL_SCHED_STATIC || cpu->nr_vcpus != 1 || cpu->sched.timer_fired ||
	    (__atomic_load_n(&vcpu->requests, __ATOMIC_ACQUIRE) & ~kick))
		return false;
	intid = (u32)read_sysreg(ICC_IAR1_EL1) & 0xffffff;
	dsb(sy); /* the requests are read after the acknowledge, as irq_handle_pending() would */
	if (intid != IRQ_SGI_KICK) {
		irq_overtaken(cpu, intid);
		return false;
	}
	cpu->nr_irqs++;
	vcpu->nr_exits++;
	write_sysreg(ICC_EOIR1_EL1, intid);
	write_sysreg(ICC_DIR_EL1, intid);
	/* Taken before the interrupt state is read: a later change sends a new kick. */
	req = __atomic_fetch_and(&vcpu->requests, ~kick, __ATOMIC_ACQ_REL);
	exit_fast_fold(vcpu);
	return !(req & ~kick) && exit_fast_refill(cpu, vcpu);
}

/* Kept to a test and a branch: every interrupt exit comes here first. */
bool exit_fast_irq(struct vcpu *vcpu)
{
	u32 intid = (u32)read_sysreg(ICC_HPPIR1_EL1) & 0xffffff;

	if (intid == IRQ_PPI_VIRT_TIMER)
		return vtimer_irq_fast(vcpu);
	return intid == IRQ_SGI_KICK && kick_irq_fast(vcpu);
}

void exit_handle(struct vcpu *vcpu, enum exit_reason reason)
{
	struct exit_syndrome s;

	if (reason == EXIT_HANDLED)
		return; /* by the exit fast path, which counted it */
	vcpu->nr_exits++;
	if (__builtin_expect(reason == EXIT_SYNC, 1)) {
		s = (struct exit_syndrome){ .esr = read_sysreg(esr_el2) }; /* aborts read the rest */
		trap_handlers[ESR_EC(s.esr)](vcpu, &s);
		return;
	}
	switch (reason) {
	case EXIT_SYNC:
		break;
	case EXIT_IRQ:
		irq_handle_pending(this_cpu());
		break;
	case EXIT_HANDLED:
	case EXIT_FIQ:
		vm_log(vcpu->vm, "unexpected FIQ while running vcpu %u", vcpu->index);
		break;
	case EXIT_SERROR:
		/*
		 * Error synchronization without FEAT_RAS (Arm ARM D1.x,
		 * "Synchronization and SError exceptions"): DSB waits for the
		 * guest's outstanding accesses, so an error they cause is raised
		 * now, while this vCPU is the one to blame; ISB makes it visible
		 * before Keel decides anything. (ESB would defer it to DISR_EL1,
		 * which only a RAS CPU has.)
		 */
		dsb(sy);
		isb();
		arch_exit_syndrome(&s);
		vm_log(vcpu->vm, "SError from vcpu %u (ESR 0x%lx): virtual SError injected", vcpu->index, s.esr);
		vcpu_inject_vserror(vcpu); /* per vCPU: saved and cleared by arch_vcpu_put */
		break;
	}
}
