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
	vcpu->regs = (struct vcpu_regs){ 0 };
	vcpu->regs.x[0] = x0;
	vcpu->regs.pc = pc;
	vcpu->regs.pstate = 0x3c5; /* EL1h, D A I F masked */
	arch_vcpu_reset_sysregs(vcpu);
	vcpu->vgic.lr_used = 0;
	vgic_vcpu_off(vcpu); /* nothing it had active before the reset will be deactivated */
	if (vcpu->loaded)
		arch_vcpu_load(vcpu); /* its registers are live on this CPU: replace them */
	else
		vcpu->vtimer_hw_active = false; /* nor its timer's saved physical side (vcpu_power_down) */
}

void vcpu_request(struct vcpu *vcpu, u32 req)
{
	__atomic_fetch_or(&vcpu->requests, req, __ATOMIC_SEQ_CST);
	if (vcpu->pcpu != arch_cpu_index())
		arch_send_kick(vcpu->pcpu);
}

void vcpu_power_down(struct vcpu *vcpu)
{
	struct cpu *cpu = this_cpu();

	vcpu->state = VCPU_OFF;
	if (cpu->current == vcpu) {
		arch_vcpu_put(vcpu);
		cpu->current = NULL;
		irq_release_vcpu_timer(); /* an active timer interrupt of this vCPU is no one's now */
	}
	vcpu->vtimer_hw_active = false; /* the same, saved while it was switched out */
	vgic_vcpu_off(vcpu); /* and its virtual side, or its timer never fires after CPU_ON */
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
}
