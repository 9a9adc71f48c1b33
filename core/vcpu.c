/*
 * vCPU life cycle outside the trap path: reset, requests from other CPUs,
 * and idling on WFI. A vCPU is only ever changed by the CPU it is pinned to;
 * everyone else sets a request bit and kicks that CPU (Bao's cpu messages,
 * KVM's kvm_make_request + kick).
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/irq.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

void vcpu_reset(struct vcpu *vcpu, u64 pc, u64 x0)
{
	arch_vcpu_reset_regs(vcpu, pc, x0);
	arch_vcpu_reset_sysregs(vcpu);
	vcpu->vgic.lr_used = 0;
	vgic_vcpu_off(vcpu); /* nothing it had active before the reset will be deactivated */
	if (vcpu->loaded)
		arch_vcpu_load(vcpu); /* its registers are live on this CPU: replace them */
	else
		vcpu->vtimer_hw_active = vcpu->ptimer_hw_active = false; /* nor its timers' saved physical side */
}

/*
 * Kick only if no kick is pending. Why that is enough: the target CPU takes
 * the whole word with one atomic exchange and acts on every bit it got. If
 * our fetch-or found KICK_SENT set, then in the word's modification order
 * our RMW comes after the RMW that set it (whose CPU sent a kick after it)
 * and before the exchange that will clear it, so that exchange returns our
 * bit too; and it is coming, because the kick makes the target look. If the
 * exchange came first, we found the bit clear and kick ourselves. Requests
 * a CPU posts for its own vCPUs never kick and never set the bit: only a
 * pending kick, not a pending request, makes a later kick unnecessary.
 *
 * The bound this gives: however often a guest makes Keel post requests for
 * a vCPU on another CPU (writing ICC_SGI1R_EL1 or GICD_ISPENDR in a loop),
 * that CPU gets at most one kick, so one exit and one pass over its
 * requests, per time it examines that vCPU's requests; N requests in
 * between are one kick, not N.
 */
void vcpu_request(struct vcpu *vcpu, u32 req)
{
	u32 old;

	if (vcpu->pcpu == arch_cpu_index()) {
		__atomic_fetch_or(&vcpu->requests, req, __ATOMIC_SEQ_CST);
		return; /* this CPU looks at its vCPUs' requests before it enters one or sleeps */
	}
	old = __atomic_fetch_or(&vcpu->requests, req | VCPU_REQ_KICK_SENT, __ATOMIC_SEQ_CST);
	if (!(old & VCPU_REQ_KICK_SENT))
		arch_send_kick(vcpu->pcpu);
}

void vcpu_power_down(struct vcpu *vcpu)
{
	struct cpu *cpu = this_cpu();

	vcpu->state = VCPU_OFF;
	if (cpu->current == vcpu) {
		arch_vcpu_put(vcpu);
		cpu->current = NULL;
		irq_release_vcpu_timer(IRQ_PPI_VIRT_TIMER); /* an active timer interrupt of this vCPU is no one's now */
		irq_release_vcpu_timer(IRQ_PPI_PHYS_TIMER);
	}
	vcpu->vtimer_hw_active = false; /* the same, saved while it was switched out */
	vcpu->ptimer_hw_active = false;
	vgic_vcpu_off(vcpu); /* and its virtual side, or its timer never fires after CPU_ON */
}

static void vcpu_timer_resample(struct vcpu *vcpu, u32 intid)
{
	if (vgic_hw_pending(vcpu, intid) &&
	    vgic_retire_hw_if_deasserted(vcpu, intid, arch_vcpu_timer_asserted(vcpu, intid)))
		irq_release_vcpu_timer(intid); /* it fires again when the guest re-arms the timer */
}

void vcpu_timers_resample_slow(struct vcpu *vcpu)
{
	vcpu_timer_resample(vcpu, IRQ_PPI_VIRT_TIMER);
	vcpu_timer_resample(vcpu, IRQ_PPI_PHYS_TIMER);
}

void vcpu_wait_for_interrupt(struct vcpu *vcpu)
{
	/*
	 * Set WAITING before looking for interrupts: an injection racing with
	 * us either is seen here or leaves a KICK request that the run loop
	 * examines before this CPU sleeps.
	 */
	vdev_idle_all(vcpu->vm, vcpu); /* e.g. a guest idling after a prompt waits for input */
	vcpu->state = VCPU_WAITING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vgic_vcpu_has_pending(vcpu))
		vcpu->state = VCPU_RUNNABLE;
	else
		sched_wait_in_place(this_cpu(), vcpu);
}
