/*
 * Turning the configuration into analysis inputs and the analysis results
 * into messages. Times in the configuration are microseconds; the analysis
 * works in nanoseconds. A failure names the CPU or task, the parameters that
 * were checked and the number that is too large, so the user knows what to
 * change; under --unsafe it becomes a warning and the blob is marked.
 */
#include <stdarg.h>
#include <string.h>

#include "analysis.h"
#include "schedcheck.h"

#define SC_NS_PER_US 1000ull
#define SC_REPORT_LIMIT 1000ull /* responses beyond this many periods print as unbounded */
#define SC_MAX_SERVERS (KEEL_MAX_VMS * KEEL_MAX_VCPUS_PER_VM)

struct schedcheck {
	struct cfg_system *sys;
	const struct validate_opts *opts;
	struct diag *d;
	u64 overhead_ns;
	bool failed;
	u64 response[CFG_MAX_VMS][KEEL_MAX_VCPUS_PER_VM]; /* of each budgeted server */
};

/* A failed check: an error, or a warning and a marked blob under --unsafe. */
static void __attribute__((format(printf, 4, 5)))
sc_fail(struct schedcheck *sc, const struct cfg_loc *loc, const char *node, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc->failed = true;
	if (sc->opts->unsafe) {
		diag_warn(sc->d, loc, node, "%s (forced with --unsafe)", msg);
		sc->sys->sched_forced = true;
	} else {
		diag_error(sc->d, loc, node, "%s", msg);
	}
}

/* Short-lived formatted times for messages: up to four per message. */
static const char *sc_time(u64 ns)
{
	static char bufs[4][32];
	static u32 next;
	char *buf = bufs[next++ % 4];

	return analysis_fmt(ns, buf, sizeof(bufs[0]));
}

static u64 sc_limit(u64 ns)
{
	return ns > UINT64_MAX / SC_REPORT_LIMIT ? UINT64_MAX - 1 : ns * SC_REPORT_LIMIT;
}

/* Response-time analysis of the budgeted servers on fixed-priority CPU cpu. */
static void sc_cpu_servers(struct schedcheck *sc, u32 cpu)
{
	struct analysis_server srv[SC_MAX_SERVERS];
	u32 vm_of[SC_MAX_SERVERS], vcpu_of[SC_MAX_SERVERS], n = 0;

	for (u32 v = 0; v < sc->sys->nr_vms; v++) {
		const struct cfg_vm *vm = &sc->sys->vms[v];

		for (u32 k = 0; k < vm->nr_vcpus && n < SC_MAX_SERVERS; k++) {
			if (vm->affinity[k] != cpu || !vm->budget_us.v[k])
				continue;
			srv[n] = (struct analysis_server){ vm->budget_us.v[k] * SC_NS_PER_US,
							   vm->period_us.v[k] * SC_NS_PER_US,
							   vm->priority.v[k] };
			vm_of[n] = v;
			vcpu_of[n++] = k;
		}
	}
	for (u32 i = 0; i < n; i++) {
		const struct cfg_vm *vm = &sc->sys->vms[vm_of[i]];
		u64 r = analysis_server_response(srv, n, i, sc->overhead_ns, sc_limit(srv[i].period_ns));

		sc->response[vm_of[i]][vcpu_of[i]] = r;
		if (r <= srv[i].period_ns)
			continue;
		sc_fail(sc, &vm->budget_us.loc, vm->node,
			"cpu %u: server of vm %s vcpu %u (budget %s every %s, priority %u) is not "
			"schedulable: worst-case response %s exceeds its period %s",
			cpu, vm->name, vcpu_of[i], sc_time(srv[i].budget_ns), sc_time(srv[i].period_ns),
			srv[i].priority, sc_time(r), sc_time(srv[i].period_ns));
	}
}

/* Windows of no more than two events' cost give their vCPU nothing. */
static void sc_cpu_windows(struct schedcheck *sc, const struct cfg_cpu *cpu, u32 n)
{
	for (u32 i = 0; i < cpu->nr_windows; i++) {
		const struct cfg_window *w = &cpu->windows[i];
		u64 len = w->length_us.v * SC_NS_PER_US;

		if (len <= 2 * sc->overhead_ns)
			sc_fail(sc, &w->loc, w->node,
				"cpu %u: window of vm %s vcpu %u lasts %s, no more than two scheduling "
				"events (2 x %s): it supplies nothing",
				n, w->vm, w->vcpu.v, sc_time(len), sc_time(sc->overhead_ns));
	}
}

/* The supply vCPU 0 of vm is guaranteed, and a phrase describing it. */
static void sc_supply(struct schedcheck *sc, const struct cfg_vm *vm, struct analysis_supply *s,
		      char *what, size_t cap)
{
	u32 cpu = vm->affinity[0];
	const struct cfg_cpu *node = validate_find_cpu(sc->sys, cpu);
	struct analysis_window w[ANALYSIS_MAX_WINDOWS];
	u64 total = 0;
	u32 n = 0;

	switch (validate_cpu_policy(sc->sys, cpu)) {
	case KEEL_SCHED_FIXED_PRIORITY:
		/* The budget arrives within the server's response time (its period if it failed). */
		analysis_supply_periodic(s, vm->period_us.v[0] * SC_NS_PER_US,
					 vm->budget_us.v[0] * SC_NS_PER_US,
					 sc->response[vm - sc->sys->vms][0], sc->overhead_ns);
		snprintf(what, cap, "with budget %s every %s", sc_time(vm->budget_us.v[0] * SC_NS_PER_US),
			 sc_time(vm->period_us.v[0] * SC_NS_PER_US));
		return;
	case KEEL_SCHED_TIME_TABLE:
		for (u32 i = 0; i < node->nr_windows && n < ANALYSIS_MAX_WINDOWS; i++) {
			const struct cfg_window *cw = &node->windows[i];

			if (strcmp(cw->vm, vm->name) || cw->vcpu.v != 0)
				continue;
			w[n++] = (struct analysis_window){ cw->offset_us.v * SC_NS_PER_US,
							   cw->length_us.v * SC_NS_PER_US };
			total += cw->length_us.v * SC_NS_PER_US;
		}
		analysis_supply_table(s, node->frame_us.v * SC_NS_PER_US, w, n, sc->overhead_ns);
		snprintf(what, cap, "with windows of %s in every %s frame of cpu %u", sc_time(total),
			 sc_time(node->frame_us.v * SC_NS_PER_US), cpu);
		return;
	default:
		analysis_supply_dedicated(s);
		snprintf(what, cap, "on dedicated cpu %u", cpu);
	}
}

static struct analysis_task sc_task(const struct cfg_task *t)
{
	u32 deadline = t->deadline_us.given ? t->deadline_us.v : t->period_us.v;

	return (struct analysis_task){ t->period_us.v * SC_NS_PER_US, t->wcet_us.v * SC_NS_PER_US,
				       deadline * SC_NS_PER_US };
}

/* Rate monotonic: shorter period, higher priority; equal periods in written order. */
static void sc_tasks_rm(struct schedcheck *sc, const struct cfg_vm *vm,
			const struct analysis_supply *s, const char *what)
{
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	u32 order[CFG_MAX_RT_TASKS], n = vm->tasks.nr_tasks;

	for (u32 i = 0; i < n; i++) {
		u32 k = i;

		for (; k > 0 && vm->tasks.tasks[order[k - 1]].period_us.v >
					vm->tasks.tasks[i].period_us.v; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (u32 i = 0; i < n; i++)
		tasks[i] = sc_task(&vm->tasks.tasks[order[i]]);
	for (u32 i = 0; i < n; i++) {
		const struct cfg_task *t = &vm->tasks.tasks[order[i]];
		u64 r;

		if (analysis_rm_task_ok(tasks, i, s))
			continue;
		r = analysis_rm_response(tasks, i, s, sc_limit(tasks[i].deadline_ns));
		sc_fail(sc, &t->loc, t->node,
			"vm %s: task %s can miss its %s deadline: worst-case response %s %s", vm->name,
			t->name, sc_time(tasks[i].deadline_ns), sc_time(r), what);
	}
}

static void sc_tasks_edf(struct schedcheck *sc, const struct cfg_vm *vm,
			 const struct analysis_supply *s, const char *what)
{
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	struct analysis_edf_result res;
	const struct cfg_tasks *ts = &vm->tasks;
	const struct cfg_task *t;

	for (u32 i = 0; i < ts->nr_tasks; i++)
		tasks[i] = sc_task(&ts->tasks[i]);
	analysis_edf(tasks, ts->nr_tasks, s, &res);
	if (res.ok)
		return;
	if (res.undecided) {
		sc_fail(sc, &ts->loc, ts->node,
			"vm %s: cannot decide EDF schedulability: the hyperperiod exceeds %s or has "
			"too many deadlines (use harmonic periods)",
			vm->name, sc_time(ANALYSIS_EDF_MAX_HORIZON_NS));
		return;
	}
	if (res.overload) {
		sc_fail(sc, &ts->loc, ts->node,
			"vm %s: the tasks need more CPU time in the long run than is supplied %s",
			vm->name, what);
		return;
	}
	t = &ts->tasks[res.task];
	sc_fail(sc, &t->loc, t->node,
		"vm %s: task %s can miss its %s deadline (edf): jobs due within %s need %s but "
		"only %s is guaranteed %s",
		vm->name, t->name, sc_time(tasks[res.task].deadline_ns), sc_time(res.t_ns),
		sc_time(res.demand_ns), sc_time(res.supply_ns), what);
}

bool schedcheck_system(struct cfg_system *sys, const struct platform_desc *plat,
		       const struct validate_opts *opts, struct diag *d)
{
	struct schedcheck sc = { sys, opts, d, plat->sched_event_overhead_ns, false, { { 0 } } };
	struct analysis_supply s;
	char what[128];

	for (u32 cpu = 0; cpu < plat->nr_cpus; cpu++) {
		u32 policy = validate_cpu_policy(sys, cpu);

		if (policy == KEEL_SCHED_FIXED_PRIORITY)
			sc_cpu_servers(&sc, cpu);
		else if (policy == KEEL_SCHED_TIME_TABLE)
			sc_cpu_windows(&sc, validate_find_cpu(sys, cpu), cpu);
	}
	for (u32 v = 0; v < sys->nr_vms; v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		if (!vm->tasks.given)
			continue;
		sc_supply(&sc, vm, &s, what, sizeof(what));
		if (!strcmp(vm->tasks.scheduler, "edf"))
			sc_tasks_edf(&sc, vm, &s, what);
		else
			sc_tasks_rm(&sc, vm, &s, what);
	}
	return !sc.failed;
}
