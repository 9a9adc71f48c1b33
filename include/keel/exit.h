/*
 * Handling a guest exit: the arch code decodes the trap and calls back into
 * these generic services.
 *
 * A direct handoff: a handler may name the vCPU this CPU should run next
 * (synchronous IPC will: the caller blocks, the callee runs at once, no
 * scheduling round in between). exit_handoff() records it; after the exit
 * the run loop still lets the scheduler act on requests and charge time
 * (sched_pick()), then enters the named vCPU instead of the scheduler's pick
 * if it is pinned to this CPU and runnable, and otherwise ignores the wish.
 * The scheduler's next event (budget, window) still comes when it said.
 * Calls set it through struct hc_result.next (include/keel/hypercall.h).
 */
#ifndef KEEL_EXIT_H
#define KEEL_EXIT_H

#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/types.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>

struct s2_fault;
struct mmio_access;

/* What became of a stage-2 fault (core/fault.c). */
enum fault_outcome {
	FAULT_EMULATED, /* an emulated device did the access: skip the instruction */
	FAULT_RETRY, /* RAM now mapped or writable: the guest retries the access */
	FAULT_ABORTED, /* the guest's mistake: an abort was injected and logged */
};

/*
 * A stage-2 data abort: access is the decoded load or store, or NULL if the
 * syndrome did not describe one; far is the guest's virtual address, for
 * the abort that may be injected.
 */
enum fault_outcome fault_data_abort(struct vcpu *vcpu, const struct s2_fault *f, const struct mmio_access *access,
				    u64 far);
/* A stage-2 instruction abort. */
enum fault_outcome fault_insn_abort(struct vcpu *vcpu, const struct s2_fault *f, u64 far);

/* Handle why the vCPU left the guest; on return it may run again (or not, per its state). */
void exit_handle(struct vcpu *vcpu, enum exit_reason reason);
/* An SMCCC call (HVC or SMC) from the guest: function ID in x0, results to x0..x3. */
void smccc_dispatch(struct vcpu *vcpu);
/* The guest executed WFI: idle the vCPU until an interrupt is pending for it. */
void vcpu_wait_for_interrupt(struct vcpu *vcpu);

/* Whether a vCPU pinned to cpu has a request posted (VCPU_REQ_*) that the scheduler must act on. */
static inline bool cpu_has_requests(const struct cpu *cpu)
{
	for (u32 i = 0; i < cpu->nr_vcpus; i++)
		if (__atomic_load_n(&cpu->vcpus[i]->requests, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/*
 * Requests the scheduler has not acted on yet. A START can stay pending
 * through a scheduling decision (a vCPU held for a checkpoint starts after
 * its release), so it does not count.
 */
static inline bool cpu_has_new_requests(const struct cpu *cpu)
{
	for (u32 i = 0; i < cpu->nr_vcpus; i++)
		if (__atomic_load_n(&cpu->vcpus[i]->requests, __ATOMIC_ACQUIRE) & ~VCPU_REQ_START)
			return true;
	return false;
}

/*
 * The exit fast path. A trap that only answers (a call that reads fixed
 * facts, a read of a device register that never changes) is handled while
 * the run loop stays suspended in arch_guest_enter(), and the guest is
 * entered again at once. That is only the same as the full path when the
 * run loop would have had nothing to do around the exit: no request on this
 * CPU, no list register to fold, nothing to list, no timer interrupt
 * latched; exit_quiet() is that test. Requests and interrupts that arrive
 * after it are no different from ones that arrive just before an ordinary
 * entry: they come with a kick, a physical interrupt that makes the guest
 * exit again as soon as it is entered (Keel runs with interrupts masked).
 */
static inline bool exit_quiet(const struct vcpu *vcpu)
{
	/*
	 * Only this vCPU's own requests: one for another vCPU of this CPU was
	 * either posted by this CPU, and acted on before this entry, or by
	 * another CPU, with a kick (vcpu_request()) that is still to come.
	 */
	return !__atomic_load_n(&vcpu->requests, __ATOMIC_ACQUIRE) && !vgic_sync_needed(&vcpu->vgic) &&
	       !vgic_flush_needed(&vcpu->vgic) && !vgic_hw_pending(vcpu, IRQ_PPI_VIRT_TIMER) &&
	       !vgic_hw_pending(vcpu, IRQ_PPI_PHYS_TIMER);
}

/*
 * Called by the exit path for every synchronous exit, with the guest's
 * registers saved in vcpu->regs: EXIT_FAST_DONE if the trap was handled on
 * the fast path (the guest is entered again without a return to the run
 * loop), EXIT_FAST_RUN_LOOP if it was handled but the scheduler must act
 * (the run loop sees EXIT_HANDLED), EXIT_FAST_NO to take the full path
 * (exit_handle()). Arch code.
 */
enum { EXIT_FAST_NO = 0, EXIT_FAST_DONE = 1, EXIT_FAST_RUN_LOOP = 2 };
u32 exit_fast(struct vcpu *vcpu);
/*
 * The same for an interrupt exit, with only the registers a C call may
 * change saved (x0-x18, x30): true if the interrupt was handled and the
 * guest resumes; false to take the full path, which may then find the
 * interrupt already handled (one that overtook the one it looked for).
 * Arch code.
 */
bool exit_fast_irq(struct vcpu *vcpu);
/*
 * The fast path's MMIO read: a fixed device register (vdev_kind.read_fixed)
 * this vCPU read before through the ordinary path, answered from its cache
 * (struct vdev_fixed_cache); false if it is not there.
 */
static inline bool mmio_read_fast(struct vcpu *vcpu, const struct mmio_access *a)
{
	u32 slot = VDEV_FIXED_SLOT(a->ipa);

	if (vcpu->fixed_reads.key[slot] != VDEV_FIXED_KEY(a->ipa, a->width))
		return false;
	vcpu_set_reg(vcpu, a->reg, mmio_extend_load(a, vcpu->fixed_reads.value[slot]));
	return true;
}

/* From an exit handler on this CPU: run next after this exit, if it can run here (see above). */
void exit_handoff(struct vcpu *next);
/* The run loop's side: the vCPU named since the last call if pinned to cpu and runnable, else NULL. */
struct vcpu *exit_handoff_take(struct cpu *cpu);

#endif
