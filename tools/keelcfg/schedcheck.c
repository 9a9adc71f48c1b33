/*
 * Turning the configuration into analysis inputs and the analysis results
 * into messages. Times in the configuration are microseconds; the analysis
 * works in nanoseconds. A failure names the CPU or task, the parameters that
 * were checked and the number that is too large, so the user knows what to
 * change; under --unsafe it becomes a warning and the blob is marked. The
 * waits of a VM's synchronous IPC calls (ipc_timing.c) are added to its
 * task set here, once the servers' responses are known.
 */
#include <stdarg.h>
#include <string.h>

#include "ipc_timing.h"
#include "schedcheck.h"

#define SC_NS_PER_US 1000ull
#define SC_REPORT_LIMIT 1000ull /* responses beyond this many periods print as unbounded */
#define SC_MAX_SERVERS (KEEL_MAX_VMS * KEEL_MAX_VCPUS_PER_VM)

/* A failed check: an error, or a warning and a marked blob under --unsafe. */
void schedcheck_fail(struct schedcheck *sc, const struct cfg_loc *loc, const char *node,
		     const char *fmt, ...)
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
const char *schedcheck_time(u64 ns)
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
		schedcheck_fail(sc, &vm->budget_us.loc, vm->node,
			"cpu %u: server of vm %s vcpu %u (budget %s every %s, priority %u) is not "
			"schedulable: worst-case response %s exceeds its period %s",
			cpu, vm->name, vcpu_of[i], schedcheck_time(srv[i].budget_ns), schedcheck_time(srv[i].period_ns),
			srv[i].priority, schedcheck_time(r), schedcheck_time(srv[i].period_ns));
	}
}

/* Windows of no more than two events' cost give their vCPU nothing. */
static void sc_cpu_windows(struct schedcheck *sc, const struct cfg_cpu *cpu, u32 n)
{
	for (u32 i = 0; i < cpu->nr_windows; i++) {
		const struct cfg_window *w = &cpu->windows[i];
		u64 len = w->length_us.v * SC_NS_PER_US;

		if (len <= 2 * sc->overhead_ns)
			schedcheck_fail(sc, &w->loc, w->node,
				"cpu %u: window of vm %s vcpu %u lasts %s, no more than two scheduling "
				"events (2 x %s): it supplies nothing",
				n, w->vm, w->vcpu.v, schedcheck_time(len), schedcheck_time(sc->overhead_ns));
	}
}

bool schedcheck_supply(const struct schedcheck *sc, const struct cfg_vm *vm, u32 vcpu,
		       struct analysis_supply *s, char *what, size_t cap)
{
	u32 cpu = vm->affinity[vcpu];
	const struct cfg_cpu *node = validate_find_cpu(sc->sys, cpu);
	struct analysis_window w[ANALYSIS_MAX_WINDOWS];
	u64 total = 0;
	u32 n = 0;

	switch (validate_cpu_policy(sc->sys, cpu)) {
	case KEEL_SCHED_FIXED_PRIORITY:
		if (!vm->budget_us.v[vcpu])
			return false; /* background: no guarantee at all */
		/* The budget arrives within the server's response time (its period if it failed). */
		analysis_supply_periodic(s, vm->period_us.v[vcpu] * SC_NS_PER_US,
					 vm->budget_us.v[vcpu] * SC_NS_PER_US,
					 sc->response[vm - sc->sys->vms][vcpu], sc->overhead_ns);
		snprintf(what, cap, "with budget %s every %s",
			 schedcheck_time(vm->budget_us.v[vcpu] * SC_NS_PER_US),
			 schedcheck_time(vm->period_us.v[vcpu] * SC_NS_PER_US));
		return true;
	case KEEL_SCHED_TIME_TABLE:
		for (u32 i = 0; i < node->nr_windows && n < ANALYSIS_MAX_WINDOWS; i++) {
			const struct cfg_window *cw = &node->windows[i];

			if (strcmp(cw->vm, vm->name) || cw->vcpu.v != vcpu)
				continue;
			w[n++] = (struct analysis_window){ cw->offset_us.v * SC_NS_PER_US,
							   cw->length_us.v * SC_NS_PER_US };
			total += cw->length_us.v * SC_NS_PER_US;
		}
		analysis_supply_table(s, node->frame_us.v * SC_NS_PER_US, w, n, sc->overhead_ns);
		snprintf(what, cap, "with windows of %s in every %s frame of cpu %u", schedcheck_time(total),
			 schedcheck_time(node->frame_us.v * SC_NS_PER_US), cpu);
		return true;
	default:
		analysis_supply_dedicated(s);
		snprintf(what, cap, "on dedicated cpu %u", cpu);
		return true;
	}
}

static struct analysis_task sc_task(const struct cfg_task *t, u64 ipc_ns)
{
	u32 deadline = t->deadline_us.given ? t->deadline_us.v : t->period_us.v;

	return (struct analysis_task){ t->period_us.v * SC_NS_PER_US,
				       t->wcet_us.v * SC_NS_PER_US + ipc_ns, deadline * SC_NS_PER_US };
}

u32 schedcheck_tasks_rm(const struct cfg_vm *vm, struct analysis_task *tasks, u32 *order)
{
	u32 n = MIN(vm->tasks.nr_tasks, (u32)CFG_MAX_RT_TASKS);

	for (u32 i = 0; i < n; i++) {
		u32 k = i;

		for (; k > 0 && vm->tasks.tasks[order[k - 1]].period_us.v >
					vm->tasks.tasks[i].period_us.v; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (u32 i = 0; i < n; i++)
		tasks[i] = sc_task(&vm->tasks.tasks[order[i]], 0);
	return n;
}

/* What the supply phrase of a message says about the VM's IPC calls, if it makes any. */
static void sc_ipc_phrase(const struct schedcheck_ipc *ipc, const char *what, char *out, size_t cap)
{
	if (!ipc->calls)
		snprintf(out, cap, "%s", what);
	else
		snprintf(out, cap, "%s, counting %s per job and %s once waiting for IPC replies (%s)", what,
			 schedcheck_time(ipc->job_ns), schedcheck_time(ipc->once_ns), ipc->why);
}

/*
 * Rate monotonic: shorter period, higher priority; equal periods in written
 * order. IPC: each job's own calls count as execution (the vCPU is blocked,
 * which costs it no more than running would), and the task under test also
 * waits once for a call already in progress.
 */
static void sc_tasks_rm(struct schedcheck *sc, const struct cfg_vm *vm,
			const struct analysis_supply *s, const char *what)
{
	const struct schedcheck_ipc *ipc = &sc->ipc[vm - sc->sys->vms];
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	u32 order[CFG_MAX_RT_TASKS], n = schedcheck_tasks_rm(vm, tasks, order);
	char phrase[512];

	sc_ipc_phrase(ipc, what, phrase, sizeof(phrase));
	for (u32 i = 0; i < n; i++)
		tasks[i].wcet_ns += ipc->job_ns;
	for (u32 i = 0; i < n; i++) {
		const struct cfg_task *t = &vm->tasks.tasks[order[i]];
		u64 own = tasks[i].wcet_ns, r;
		bool ok;

		tasks[i].wcet_ns += ipc->once_ns;
		ok = analysis_rm_task_ok(tasks, i, s);
		r = ok ? 0 : analysis_rm_response(tasks, i, s, sc_limit(tasks[i].deadline_ns));
		tasks[i].wcet_ns = own;
		if (ok)
			continue;
		schedcheck_fail(sc, &t->loc, t->node,
				"vm %s: task %s can miss its %s deadline: worst-case response %s %s",
				vm->name, t->name, schedcheck_time(tasks[i].deadline_ns),
				schedcheck_time(r), phrase);
	}
}

static void sc_tasks_edf(struct schedcheck *sc, const struct cfg_vm *vm,
			 const struct analysis_supply *s, const char *what)
{
	const struct schedcheck_ipc *ipc = &sc->ipc[vm - sc->sys->vms];
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	struct analysis_edf_result res;
	const struct cfg_tasks *ts = &vm->tasks;
	const struct cfg_task *t;
	char phrase[512];

	sc_ipc_phrase(ipc, what, phrase, sizeof(phrase));
	for (u32 i = 0; i < ts->nr_tasks; i++)
		tasks[i] = sc_task(&ts->tasks[i], ipc->job_ns);
	analysis_edf_blocked(tasks, ts->nr_tasks, s, ipc->once_ns, &res);
	if (res.ok)
		return;
	if (res.undecided) {
		schedcheck_fail(sc, &ts->loc, ts->node,
				"vm %s: cannot decide EDF schedulability: the hyperperiod exceeds %s or "
				"has too many deadlines (use harmonic periods)",
				vm->name, schedcheck_time(ANALYSIS_EDF_MAX_HORIZON_NS));
		return;
	}
	if (res.overload) {
		schedcheck_fail(sc, &ts->loc, ts->node,
				"vm %s: the tasks need more CPU time in the long run than is supplied %s",
				vm->name, phrase);
		return;
	}
	t = &ts->tasks[res.task];
	schedcheck_fail(sc, &t->loc, t->node,
			"vm %s: task %s can miss its %s deadline (edf): jobs due within %s need %s but "
			"only %s is guaranteed %s",
			vm->name, t->name, schedcheck_time(tasks[res.task].deadline_ns),
			schedcheck_time(res.t_ns), schedcheck_time(res.demand_ns),
			schedcheck_time(res.supply_ns), phrase);
}

bool schedcheck_system(struct cfg_system *sys, const struct platform_desc *plat,
		       const struct validate_opts *opts, struct diag *d)
{
	struct schedcheck sc = { .sys = sys, .opts = opts, .d = d,
				 .overhead_ns = plat->sched_event_overhead_ns };
	struct analysis_supply s;
	char what[128];

	for (u32 cpu = 0; cpu < plat->nr_cpus; cpu++) {
		u32 policy = validate_cpu_policy(sys, cpu);

		if (policy == KEEL_SCHED_FIXED_PRIORITY)
			sc_cpu_servers(&sc, cpu);
		else if (policy == KEEL_SCHED_TIME_TABLE)
			sc_cpu_windows(&sc, validate_find_cpu(sys, cpu), cpu);
	}
	ipc_timing_check(&sc); /* needs the servers' responses; fills sc.ipc */
	for (u32 v = 0; v < sys->nr_vms; v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		if (!vm->tasks.given || sc.ipc[v].refused)
			continue;
		schedcheck_supply(&sc, vm, 0, &s, what, sizeof(what));
		if (!strcmp(vm->tasks.scheduler, "edf"))
			sc_tasks_edf(&sc, vm, &s, what);
		else
			sc_tasks_rm(&sc, vm, &s, what);
	}
	return !sc.failed;
}
