/*
 * Each physical CPU's loop: let the scheduler act on requests and pick a
 * vCPU (core/sched.c), switch the vCPU's state in if it is not loaded,
 * enter it, handle its exit. With nothing to run the CPU waits for an
 * interrupt: a kick, a device, or the scheduler's own timer. An exit
 * handler may hand the CPU to a given vCPU (exit_handoff(), keel/exit.h).
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

struct cpu cpus[PLAT_MAX_CPUS];
u64 keel_entry_count; /* CNTVCT when Keel was entered */
static volatile bool first_entry_reported;
static struct vcpu *handoff_to[PLAT_MAX_CPUS]; /* by CPU index, each used by its own CPU only */

static void report_first_entry(void)
{
	u64 ticks;

	if (first_entry_reported)
		return;
	first_entry_reported = true;
	ticks = arch_counter() - keel_entry_count;
	klog("first guest instruction %lu us after Keel's entry", ticks * 1000000 / arch_counter_freq());
}

/* Make vcpu the one whose state is in this CPU's registers. */
static void switch_to(struct cpu *cpu, struct vcpu *vcpu)
{
	if (vcpu == cpu->current)
		return;
	if (cpu->current)
		arch_vcpu_put(cpu->current);
	cpu->current = vcpu;
	arch_vcpu_load(vcpu);
	/* Loaded before its interrupt state is read (vgic_flush_lrs): vgic_kick_mask's other half. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vcpu->sched.nr_switches_in++;
}

/*
 * After a trap handled inline (an MMIO access, a hypercall) nothing the
 * scheduler decides on has changed unless a request arrived: enter the same
 * vCPU again without a new decision. On a static CPU an interrupt changes
 * nothing either (there is no other vCPU to pick), unless it was the EL2
 * timer: that is a VM event (a checkpoint, a watchdog, core/standby.c).
 * A trapped WFI and requests always go through sched_pick(); a trap the
 * exit fast path handled (EXIT_HANDLED) comes here only because of a
 * request.
 */
static bool can_reenter(const struct cpu *cpu, const struct vcpu *vcpu, enum exit_reason reason)
{
	return (reason == EXIT_SYNC || reason == EXIT_HANDLED ||
		(cpu->sched.policy == KEEL_SCHED_STATIC && !cpu->sched.timer_fired)) &&
	       vcpu->state == VCPU_RUNNABLE && !vcpu->sched.yielded && !cpu_has_requests(cpu);
}

/*
 * Before each entry of a loaded vCPU: its WFI goes untrapped when it is
 * alone on a static CPU (vcpu->wfi_native) and no device of its VM waits
 * for an idle moment (vdev_want_idle); Keel then need not see its WFI, as
 * every interrupt for it is a physical one that makes it exit anyway.
 */
static void vcpu_update_wfi_trap(struct vcpu *vcpu)
{
	bool untrap = vcpu->wfi_native && !__atomic_load_n(&vcpu->vm->idle_work, __ATOMIC_RELAXED);

	if (untrap != vcpu->wfi_untrapped)
		arch_vcpu_set_wfi_trap(vcpu, untrap);
}

void exit_handoff(struct vcpu *next)
{
	handoff_to[arch_cpu_index()] = next;
}

struct vcpu *exit_handoff_take(struct cpu *cpu)
{
	struct vcpu *next = handoff_to[cpu->index];

	handoff_to[cpu->index] = NULL;
	if (next && next->pcpu == cpu->index && next->state == VCPU_RUNNABLE)
		return next;
	return NULL;
}

/*
 * The scheduler's pick, acting on requests and charging time. A handoff
 * never overrides the policy: a vCPU another one hands the CPU to runs now
 * only if the policy picks it too (its priority, budget or window allow),
 * so two VMs calling each other cannot take a third VM's window or budget.
 * What the handoff saves is the request and kick a cross-CPU wake-up needs.
 * Donating the caller's budget to the server (seL4 MCS style) would let it
 * run even when the policy would not; not done.
 */
static struct vcpu *pick_next(struct cpu *cpu)
{
	struct vcpu *vcpu;

	/*
	 * Acting on a request may post another to a vCPU of this CPU, and no
	 * kick comes for that one (vcpu_request): a standby operation run here
	 * starts the next one it finds wanted, asking this CPU's own vCPU to
	 * stop again. Entering the vCPU with it pending would leave it to the
	 * vCPU's next exit, which a guest spinning with nothing armed never
	 * makes, while its siblings wait held (the standby-spin test).
	 */
	do
		vcpu = sched_pick(cpu);
	while (vcpu && cpu_has_new_requests(cpu));

	exit_handoff_take(cpu); /* consumed either way: it names this exit's wish only */
	return vcpu;
}

void cpu_run_loop(struct cpu *cpu)
{
	struct vcpu *vcpu = NULL;
	enum exit_reason reason = EXIT_IRQ;

	for (;;) {
		if (!vcpu || handoff_to[cpu->index] || !can_reenter(cpu, vcpu, reason)) {
			if (vcpu)
				vcpu->sched.yielded = false;
			vcpu = pick_next(cpu);
			if (!vcpu) {
				sched_arm_timer(cpu);
				if (!cpu_has_requests(cpu)) /* posted by this CPU itself: no kick will come */
					arch_wait_for_interrupt();
				irq_handle_pending(cpu);
				continue;
			}
			switch_to(cpu, vcpu);
			sched_arm_timer(cpu);
			report_first_entry();
			sched_entering(cpu, vcpu);
		}
		vcpu_update_wfi_trap(vcpu);
		vgic_flush_lrs(vcpu);
		reason = arch_guest_enter(vcpu);
		vgic_sync_lrs(vcpu); /* first: clears the maintenance condition before IRQs are taken */
		vcpu_timers_resample(vcpu);
		trace_exit(vcpu, reason); /* here, not in exit_handle(): vcpu and reason live in saved registers */
		exit_handle(vcpu, reason);
	}
}
