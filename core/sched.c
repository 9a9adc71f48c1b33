/*
 * The scheduler's glue on each physical CPU: act on vCPU requests, charge the
 * running vCPU for the time it had, wake vCPUs whose virtual timer expired
 * while they were switched out, ask the CPU's policy (core/sched_policy.c)
 * who runs next and until when, and program the EL2 physical timer
 * one-shot for that moment. A statically partitioned CPU never arms it.
 *
 * Called from the run loop before every guest entry, so a vCPU woken by an
 * interrupt preempts at once if its priority and budget allow: the interrupt
 * itself made the running vCPU exit.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/irq.h>
#include <keel/hypercall.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/standby.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

u64 sched_ns_to_ticks(u64 ns)
{
	return (u64)((__uint128_t)ns * arch_counter_freq() / 1000000000u);
}

u64 sched_ticks_to_ns(u64 ticks)
{
	return (u64)((__uint128_t)ticks * 1000000000u / arch_counter_freq());
}

void sched_cpu_init(struct cpu *cpu, const struct keel_blob_cpu *cfg)
{
	struct cpu_sched *cs = &cpu->sched;

	cs->policy = cfg->policy;
	cs->frame = sched_ns_to_ticks(cfg->major_frame_ns);
	cs->frame_origin = arch_counter();
	cs->background_slice = sched_ns_to_ticks(SCHED_BACKGROUND_SLICE_NS);
	cs->timer_armed_for = SCHED_NEVER;
	cs->nr_windows = 0;
	/*
	 * A vCPU alone on a static CPU waits in its own WFI, not trapped
	 * (issue 13): Keel would only wait for an interrupt on its behalf, and
	 * every interrupt for it (its timer, a kick, a device) is a physical
	 * one that ends the WFI with an exit to EL2 all the same.
	 */
	for (u32 i = 0; i < cpu->nr_vcpus; i++)
		cpu->vcpus[i]->wfi_native = cs->policy == KEEL_SCHED_STATIC && cpu->nr_vcpus == 1;
	for (u32 w = 0; w < cfg->nr_windows && w < KEEL_MAX_WINDOWS; w++) {
		const struct keel_blob_window *bw = &cfg->windows[w];

		for (u32 i = 0; i < cpu->nr_vcpus; i++) {
			const struct vcpu *v = cpu->vcpus[i];

			if (v->vm->index == bw->vm && v->index == bw->vcpu)
				cs->windows[cs->nr_windows++] = (struct sched_window){
					sched_ns_to_ticks(bw->offset_ns),
					sched_ns_to_ticks(bw->offset_ns + bw->length_ns), i };
		}
	}
}

void sched_vcpu_init(struct vcpu *vcpu, const struct keel_blob_server *server)
{
	struct sched_entity *e = &vcpu->sched;

	*e = (struct sched_entity){ 0 };
	e->budget = sched_ns_to_ticks(server->budget_ns);
	e->period = sched_ns_to_ticks(server->period_ns);
	e->priority = server->priority;
	e->remaining = e->budget;
	e->period_start = arch_counter();
}

/* Act on what other CPUs (or this one) asked of the vCPU (VCPU_REQ_*), in this order. */
static u64 handle_requests(struct vcpu *v, u64 now)
{
	/* All but START: that one is taken under the VM's lock with the vCPU's state (core/psci.c). */
	u32 req = __atomic_fetch_and(&v->requests, VCPU_REQ_START, __ATOMIC_ACQUIRE);

	if (req & VCPU_REQ_STOP) {
		vcpu_power_down(v);
		vm_vcpu_parked(v);
	}
	if (req & VCPU_REQ_VM_BOOT) {
		/* Zero and load the VM on its own CPU, in parallel with other VMs; it asks for START. */
		vm_start(v->vm);
		this_cpu()->sched.event_deadline = 0; /* a VM start is not a scheduling event: not measured as one */
		req |= __atomic_fetch_and(&v->requests, VCPU_REQ_START, __ATOMIC_ACQUIRE);
		now = arch_counter(); /* loading took a while */
	}
	if (req & VCPU_REQ_STANDBY)
		standby_vcpu_hold(v); /* may run the whole checkpoint or failover, on this CPU */
	if ((req & VCPU_REQ_IPC) && ipc_vcpu_woken(v)) /* after STOP: a parked vCPU stays parked */
		v->sched.wake_at = now;
	/* A held vCPU's state belongs to its VM's checkpoint or failover: CPU_ON waits for the release. */
	if (!v->standby_held && (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_START) &&
	    psci_take_start(v))
		v->sched.wake_at = now;
	if (v->state == VCPU_WAITING && vgic_vcpu_has_pending(v)) {
		v->state = VCPU_RUNNABLE;
		v->sched.wake_at = now;
	}
	return now;
}

/* The architected virtual timer of a switched-out vCPU: armed, and at or past its deadline? */
static bool vtimer_expired(const struct vcpu *v, u64 now)
{
	u64 deadline = v->loaded ? SCHED_NEVER : arch_vcpu_vtimer_deadline(v);

	return deadline != SCHED_NEVER && now >= deadline;
}

static u64 vtimer_deadline(const struct vcpu *v)
{
	return !v->loaded && v->state == VCPU_WAITING ? arch_vcpu_vtimer_deadline(v) : SCHED_NEVER;
}

static void program_timer(struct cpu_sched *cs, u64 until)
{
	if (until == cs->timer_armed_for)
		return;
	cs->timer_armed_for = until;
	if (until == SCHED_NEVER)
		arch_sched_timer_disarm();
	else
		arch_sched_timer_arm(until);
}

struct vcpu *sched_pick(struct cpu *cpu)
{
	struct cpu_sched *cs = &cpu->sched;
	struct sched_entity *es[CPU_MAX_VCPUS];
	struct sched_decision d;
	u64 now = arch_counter();

	if (cs->running) {
		trace_switch_out(cs->running, now - cs->run_start); /* and its budget's exhaustion, if the charge is that */
		sched_charge(&cs->running->sched, now - cs->run_start);
		cs->running = NULL;
	}
	cs->timer_fired = false;
	standby_poll(cpu, now); /* checkpoints and device timers of VMs homed here: may post requests */
	for (u32 i = 0; i < cpu->nr_vcpus; i++) {
		struct vcpu *v = cpu->vcpus[i];

		now = handle_requests(v, now);
		if (v->state == VCPU_WAITING && vtimer_expired(v, now)) {
			/* Its timer fires in hardware as soon as it is loaded again. */

			v->state = VCPU_RUNNABLE;
			v->sched.wake_at = now;
		}
		v->sched.runnable = v->state == VCPU_RUNNABLE && !v->standby_held && !v->standby_hung;
		es[i] = &v->sched;
	}
	switch (cs->policy) {
	case KEEL_SCHED_FIXED_PRIORITY:
		trace_replenishments(es, cpu->nr_vcpus, now); /* those sched_decide_fixed_priority() will make */
		d = sched_decide_fixed_priority(es, cpu->nr_vcpus, now, &cs->background_next,
						cs->background_slice);
		break;
	case KEEL_SCHED_TIME_TABLE:
		d = sched_decide_time_table(cs, es, cpu->nr_vcpus, now);
		break;
	default: /* static: the one vCPU, whenever it is runnable, and no timer */
		d = (struct sched_decision){ cpu->nr_vcpus && es[0]->runnable ? 0 : -1, SCHED_NEVER };
		break;
	}
	cs->next_event = d.until; /* armed by sched_arm_timer() once the switch is done */
	return d.pick < 0 ? NULL : cpu->vcpus[d.pick];
}

/*
 * Arm the EL2 timer for the next scheduling event: the policy's, or the
 * earliest virtual-timer deadline of a waiting vCPU that is not loaded (its
 * timer cannot interrupt by itself). Called after the run loop switched
 * vCPUs, so every vCPU but the one about to run has its timer in memory.
 */
void sched_arm_timer(struct cpu *cpu)
{
	struct cpu_sched *cs = &cpu->sched;
	u64 until = MIN(cs->next_event, standby_next_event(cpu));

	if (cs->policy != KEEL_SCHED_STATIC)
		for (u32 i = 0; i < cpu->nr_vcpus; i++)
			until = MIN(until, vtimer_deadline(cpu->vcpus[i]));
	program_timer(cs, until);
}

void sched_entering(struct cpu *cpu, struct vcpu *vcpu)
{
	struct sched_entity *e = &vcpu->sched;
	u64 now = arch_counter();

	if (e->wake_at) {
		if (now - e->wake_at > e->worst_wakeup)
			e->worst_wakeup = now - e->wake_at;
		e->wake_at = 0;
	}
	if (cpu->sched.event_deadline) {
		/* The cost of a scheduling event, as the analysis's overhead term should bound it. */
		if (now - cpu->sched.event_deadline > cpu->sched.worst_event)
			cpu->sched.worst_event = now - cpu->sched.event_deadline;
		cpu->sched.event_deadline = 0;
	}
	cpu->sched.running = vcpu;
	cpu->sched.run_start = now;
	trace_vcpu(TRACE_SWITCH_IN, vcpu, 0, e->remaining, 0);
}

/*
 * A vCPU alone on a static CPU: nothing else could use the CPU while it
 * waits, so it waits here, still loaded, rather than through a pick, the
 * idle loop and a switch back in. The interrupt that ends the wait is
 * handled here, and its exit then enters the guest again at once (the run
 * loop re-enters after a synchronous exit). A request or the scheduler's
 * timer (a checkpoint, a device deadline) ends it too, with the vCPU still
 * waiting, for sched_pick(). The time waited is not charged to the vCPU.
 * Such a vCPU usually does not trap WFI at all (vcpu->wfi_native): it gets
 * here only while a device of its VM waits for an idle moment. Its WFI in
 * the guest counts as running, so its "cpu time" in the statistics then
 * includes the time it slept.
 */
void sched_wait_in_place(struct cpu *cpu, struct vcpu *vcpu)
{
	struct cpu_sched *cs = &cpu->sched;
	u64 start = arch_counter();

	if (cs->policy != KEEL_SCHED_STATIC || cpu->nr_vcpus != 1 || cpu->current != vcpu)
		return;
	while (vcpu->state == VCPU_WAITING && !cs->timer_fired && !cpu_has_requests(cpu)) {
		arch_wait_for_interrupt();
		irq_handle_pending(cpu);
		if (vgic_vcpu_has_pending(vcpu))
			vcpu->state = VCPU_RUNNABLE;
	}
	if (cs->running == vcpu)
		cs->run_start += arch_counter() - start;
}

void sched_timer_fired(struct cpu *cpu)
{
	/* The run loop re-picks after every exit or wake-up; the timer is one-shot. */
	cpu->sched.event_deadline = cpu->sched.timer_armed_for;
	cpu->sched.timer_fired = true;
	cpu->sched.timer_armed_for = SCHED_NEVER;
	cpu->sched.nr_events++;
	arch_sched_timer_disarm();
}

static const char *const policy_names[] = { "static", "fixed-priority", "time-table" };

static bool cpu_hosts(const struct cpu *cpu, const struct vm *vm)
{
	for (u32 i = 0; i < cpu->nr_vcpus; i++)
		if (cpu->vcpus[i]->vm == vm)
			return true;
	return false;
}

void sched_print_stats(const struct vm *only)
{
	for (u32 c = 0; c < platform.nr_cpus; c++) {
		const struct cpu *cpu = &cpus[c];

		if (cpu->sched.policy != KEEL_SCHED_STATIC && (!only || cpu_hosts(cpu, only)))
			klog("stats: cpu %u (%s): %lu timer events, worst event-to-entry %lu ns", c,
			     policy_names[cpu->sched.policy % 3], cpu->sched.nr_events,
			     sched_ticks_to_ns(cpu->sched.worst_event));
		for (u32 i = 0; i < cpu->nr_vcpus; i++) {
			const struct vcpu *v = cpu->vcpus[i];
			const struct sched_entity *e = &v->sched;

			if (only && v->vm != only)
				continue;
			klog("stats: vm %s vcpu %u on cpu %u (%s): cpu time %lu us, budget exhausted %lu times, "
			     "worst wake-up %lu us, %lu exits, guest jobs %lu misses %lu worst response %lu us",
			     v->vm->name, v->index, c, policy_names[cpu->sched.policy % 3],
			     sched_ticks_to_ns(e->cpu_time) / 1000, e->nr_exhaustions,
			     sched_ticks_to_ns(e->worst_wakeup) / 1000, v->nr_exits, e->rt_jobs, e->rt_misses,
			     e->rt_worst_response_ns / 1000);
		}
	}
}
