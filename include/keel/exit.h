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
#include <keel/types.h>

struct cpu;
struct vcpu;
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

/* From an exit handler on this CPU: run next after this exit, if it can run here (see above). */
void exit_handoff(struct vcpu *next);
/* The run loop's side: the vCPU named since the last call if pinned to cpu and runnable, else NULL. */
struct vcpu *exit_handoff_take(struct cpu *cpu);

#endif
