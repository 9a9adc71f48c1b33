/*
 * Scheduling vCPUs on a physical CPU (include/abi/keel/config_blob.h has the
 * policies). The policy decisions (which vCPU, until when) are pure
 * functions in core/sched_policy.c over the structs below, unit-tested on the
 * host with made-up time; core/sched.c is the glue that reads the counter,
 * acts on requests, charges time and programs the EL2 timer one-shot for the
 * next scheduling event (tickless: a static CPU never programs it).
 *
 * Time is in counter ticks (CNTPCT, the same as CNTVCT since CNTVOFF is 0).
 * Ownership: everything here belongs to the physical CPU the vCPU is pinned
 * to, except the RT report fields, written by the vCPU's own hypercall on
 * that same CPU.
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <abi/keel/config_blob.h>
#include <keel/types.h>

#define SCHED_NEVER (~0ull)
#define SCHED_BACKGROUND_SLICE_NS 10000000ull /* round robin among background vCPUs */

struct vcpu;
struct cpu;

/* A vCPU as the scheduler sees it: a deferrable server and its statistics. */
struct sched_entity {
	u64 budget; /* ticks per period; 0: background, runs only in slack */
	u64 period;
	u32 priority; /* higher is more urgent */
	u64 remaining; /* budget left in the current period */
	u64 period_start; /* tick the current period began */
	bool runnable; /* mirror of the vCPU's state, for the policy functions */
	bool yielded; /* KEEL_HC_YIELD: decide again before entering it */
	/* Statistics, shown by Ctrl-A s and when the VM stops. */
	u64 cpu_time; /* ticks spent running (Keel's exit handling included) */
	u64 nr_exhaustions; /* periods in which the budget ran out */
	u64 wake_at; /* tick it became runnable after waiting, 0 if not waiting to run */
	u64 worst_wakeup; /* ticks from wake-up to running, worst seen */
	u64 nr_switches_in;
	u64 rt_jobs, rt_misses, rt_worst_response_ns; /* as the guest reported (KEEL_HC_RT_REPORT) */
};

struct sched_window {
	u64 start, end; /* ticks from the start of the major frame */
	u32 entity; /* index into the CPU's vCPUs */
};

struct cpu_sched {
	u32 policy; /* enum keel_sched_policy */
	u64 frame; /* time table: major frame, ticks */
	u64 frame_origin; /* time table: a tick at which a major frame starts */
	u32 nr_windows;
	struct sched_window windows[KEEL_MAX_WINDOWS];
	u32 background_next; /* round-robin position among background vCPUs */
	u64 background_slice; /* ticks */
	struct vcpu *running; /* chosen at the last pick, being charged since run_start */
	u64 run_start;
	u64 next_event; /* the policy's next event, from the last pick */
	u64 timer_armed_for; /* SCHED_NEVER when the EL2 timer is off */
	u64 nr_events; /* picks caused by the EL2 timer */
	u64 event_deadline; /* deadline of the timer event being handled, 0 if none */
	u64 worst_event; /* ticks from a timer event's deadline to entering the chosen vCPU */
	bool timer_fired; /* since the last pick: a static CPU must pick again too (VM events, core/standby.c) */
};

/* What a policy decided: run entity `pick` (or none, -1) until `until`. */
struct sched_decision {
	int pick;
	u64 until; /* next scheduling event, SCHED_NEVER if none */
};

/* Pure policy functions (core/sched_policy.c). */
void sched_replenish(struct sched_entity *e, u64 now);
void sched_charge(struct sched_entity *e, u64 ticks);
struct sched_decision sched_decide_fixed_priority(struct sched_entity *const *es, u32 n, u64 now,
						  u32 *background_next, u64 slice);
struct sched_decision sched_decide_time_table(const struct cpu_sched *cs,
					      struct sched_entity *const *es, u32 n, u64 now);

/* Glue (core/sched.c). */
void sched_cpu_init(struct cpu *cpu, const struct keel_blob_cpu *cfg);
void sched_vcpu_init(struct vcpu *vcpu, const struct keel_blob_server *server);
/* The vCPU this CPU runs next, or NULL to idle; programs the EL2 timer. */
struct vcpu *sched_pick(struct cpu *cpu);
/* After switching to the picked vCPU (or deciding to idle): arm the EL2 timer. */
void sched_arm_timer(struct cpu *cpu);
/* The vCPU is about to enter the guest: start charging it. */
void sched_entering(struct cpu *cpu, struct vcpu *vcpu);
/* The EL2 scheduling timer fired on this CPU. */
void sched_timer_fired(struct cpu *cpu);
/* The loaded vCPU entered WFI and is WAITING: on a CPU it has to itself, wait for its interrupt here. */
void sched_wait_in_place(struct cpu *cpu, struct vcpu *vcpu);
/* Print the statistics of every vCPU of the VM (or of all VMs if vm is NULL). */
struct vm;
void sched_print_stats(const struct vm *vm);

u64 sched_ns_to_ticks(u64 ns);
u64 sched_ticks_to_ns(u64 ticks);

#endif
