/*
 * Validation of the scheduling part of a system description: the /cpus
 * node (each physical CPU's policy, a time table's frame and windows), the
 * server of every vCPU on a fixed-priority CPU, and the task sets real-time
 * guests declare. These are rules of form, always errors; whether the
 * result is schedulable is schedcheck.c's question, asked only once these
 * rules hold. See docs/scheduling.md for the rules in prose.
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"

static const char *const validate_policies[] = {
	[KEEL_SCHED_STATIC] = "static",
	[KEEL_SCHED_FIXED_PRIORITY] = "fixed-priority",
	[KEEL_SCHED_TIME_TABLE] = "time-table",
};

static int validate_policy_of(const struct cfg_cpu *cpu)
{
	for (size_t i = 0; cpu->has_policy && i < ARRAY_SIZE(validate_policies); i++)
		if (!strcmp(cpu->policy, validate_policies[i]))
			return (int)i;
	return -1;
}

const char *validate_policy_name(u32 policy)
{
	return policy < ARRAY_SIZE(validate_policies) ? validate_policies[policy] : "?";
}

int validate_cpu_index(const struct cfg_cpu *cpu)
{
	const char *at = strrchr(cpu->node, '@');
	char *end;
	unsigned long n;

	if (!at || !at[1])
		return -1;
	n = strtoul(at + 1, &end, 16); /* unit addresses are hexadecimal */
	return *end || n > 255 ? -1 : (int)n;
}

const struct cfg_cpu *validate_find_cpu(const struct cfg_system *sys, u32 cpu)
{
	for (u32 i = 0; i < MIN(sys->nr_cpus, (u32)CFG_MAX_CPU_NODES); i++)
		if (validate_cpu_index(&sys->cpus[i]) == (int)cpu)
			return &sys->cpus[i];
	return NULL;
}

u32 validate_cpu_policy(const struct cfg_system *sys, u32 cpu)
{
	const struct cfg_cpu *c = validate_find_cpu(sys, cpu);
	int policy = c ? validate_policy_of(c) : -1;

	return policy < 0 ? KEEL_SCHED_STATIC : (u32)policy;
}

int validate_find_vm(const struct cfg_system *sys, const char *name)
{
	for (u32 i = 0; i < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); i++)
		if (!strcmp(sys->vms[i].name, name))
			return (int)i;
	return -1;
}

static bool validate_window_complete(const struct cfg_window *w)
{
	return w->has_vm && w->vcpu.given && w->offset_us.given && w->length_us.given;
}

/* One window: its properties, its place in the frame, and whose vCPU it serves. */
static void validate_window(const struct cfg_system *sys, const struct cfg_cpu *cpu, u32 n,
			    const struct cfg_window *w, struct diag *d)
{
	const struct cfg_vm *vm;
	int v;

	if (!validate_window_complete(w)) {
		diag_error(d, &w->loc, w->node, "a window needs vm, vcpu, offset-us and length-us");
		return;
	}
	if (!w->length_us.v)
		diag_error(d, &w->length_us.loc, w->node, "length-us is 0");
	if (cpu->frame_us.given && (u64)w->offset_us.v + w->length_us.v > cpu->frame_us.v)
		diag_error(d, &w->loc, w->node,
			   "window [%u, %llu) us ends after the major frame of %u us", w->offset_us.v,
			   (unsigned long long)w->offset_us.v + w->length_us.v, cpu->frame_us.v);
	v = validate_find_vm(sys, w->vm);
	if (v < 0) {
		diag_error(d, &w->vm_loc, w->node, "vm '%s' does not exist", w->vm);
		return;
	}
	vm = &sys->vms[v];
	if (w->vcpu.v >= vm->nr_vcpus || w->vcpu.v >= MIN(vm->nr_affinity, (u32)CFG_MAX_LIST))
		diag_error(d, &w->vcpu.loc, w->node, "VM '%s' has no vCPU %u", vm->name, w->vcpu.v);
	else if (vm->affinity[w->vcpu.v] != n)
		diag_error(d, &w->vcpu.loc, w->node,
			   "vCPU %u of VM '%s' runs on physical CPU %u (%s:%d), not on CPU %u",
			   w->vcpu.v, vm->name, vm->affinity[w->vcpu.v], vm->affinity_loc.file,
			   vm->affinity_loc.line, n);
}

static void validate_table(const struct cfg_system *sys, const struct cfg_cpu *cpu, u32 n,
			   struct diag *d)
{
	u32 nr = MIN(cpu->nr_windows, (u32)CFG_MAX_WINDOWS);

	if (!cpu->frame_us.given)
		diag_error(d, &cpu->loc, cpu->node, "a time-table CPU needs major-frame-us");
	else if (!cpu->frame_us.v)
		diag_error(d, &cpu->frame_us.loc, cpu->node, "major-frame-us is 0");
	if (!cpu->nr_windows)
		diag_error(d, &cpu->loc, cpu->node, "a time-table CPU needs at least one window@...");
	else if (cpu->nr_windows > KEEL_MAX_WINDOWS)
		diag_error(d, &cpu->loc, cpu->node, "too many windows: %u (at most %d)",
			   cpu->nr_windows, KEEL_MAX_WINDOWS);
	for (u32 i = 0; i < nr; i++) {
		const struct cfg_window *w = &cpu->windows[i];

		validate_window(sys, cpu, n, w, d);
		for (u32 j = 0; j < i && validate_window_complete(w); j++) {
			const struct cfg_window *o = &cpu->windows[j];
			u64 a = w->offset_us.v, a_end = a + w->length_us.v;
			u64 b = o->offset_us.v, b_end = b + o->length_us.v;

			if (validate_window_complete(o) && a < b_end && b < a_end)
				diag_error(d, &w->loc, w->node,
					   "window [%llu, %llu) us overlaps %s [%llu, %llu) us (%s:%d)",
					   (unsigned long long)a, (unsigned long long)a_end, o->node,
					   (unsigned long long)b, (unsigned long long)b_end, o->loc.file,
					   o->loc.line);
		}
	}
}

/* Every vCPU pinned to time-table CPU n owns at least one of its windows. */
static void validate_table_coverage(const struct cfg_system *sys, const struct cfg_cpu *cpu,
				    u32 n, struct diag *d)
{
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		for (u32 k = 0; k < MIN(vm->nr_affinity, (u32)CFG_MAX_LIST); k++) {
			bool owned = false;

			if (vm->affinity[k] != n)
				continue;
			for (u32 i = 0; i < MIN(cpu->nr_windows, (u32)CFG_MAX_WINDOWS); i++)
				owned |= cpu->windows[i].has_vm && !strcmp(cpu->windows[i].vm, vm->name) &&
					 cpu->windows[i].vcpu.given && cpu->windows[i].vcpu.v == k;
			if (!owned)
				diag_error(d, &vm->affinity_loc, vm->node,
					   "vCPU %u is pinned to time-table CPU %u but owns no window "
					   "in %s (%s:%d)",
					   k, n, cpu->node, cpu->loc.file, cpu->loc.line);
		}
	}
}

static void validate_cpu_node(const struct cfg_system *sys, const struct platform_desc *plat,
			      u32 idx, struct diag *d)
{
	const struct cfg_cpu *cpu = &sys->cpus[idx];
	int n = validate_cpu_index(cpu), policy = validate_policy_of(cpu);

	if (n < 0 || (u32)n >= plat->nr_cpus) {
		diag_error(d, &cpu->loc, cpu->node, "no such physical CPU (%s has CPUs 0 to %u)",
			   plat->name, plat->nr_cpus - 1);
		return;
	}
	for (u32 j = 0; j < idx; j++)
		if (validate_cpu_index(&sys->cpus[j]) == n)
			diag_error(d, &cpu->loc, cpu->node, "CPU %d is described twice (first at %s:%d)",
				   n, sys->cpus[j].loc.file, sys->cpus[j].loc.line);
	if (!cpu->has_policy) {
		diag_error(d, &cpu->loc, cpu->node,
			   "missing property 'policy' (\"static\", \"fixed-priority\" or \"time-table\")");
		return;
	}
	if (policy < 0) {
		diag_error(d, &cpu->policy_loc, cpu->node,
			   "unknown policy \"%s\" (\"static\", \"fixed-priority\" or \"time-table\")",
			   cpu->policy);
		return;
	}
	if (policy != KEEL_SCHED_TIME_TABLE) {
		if (cpu->frame_us.given || cpu->nr_windows)
			diag_error(d, &cpu->loc, cpu->node,
				   "major-frame-us and windows belong to a time-table CPU, not a %s one",
				   cpu->policy);
		return;
	}
	validate_table(sys, cpu, (u32)n, d);
	validate_table_coverage(sys, cpu, (u32)n, d);
}

/* Value i of a per-vCPU list, if the list has it. */
static bool validate_list_at(const struct cfg_list *l, u32 i, u32 *v)
{
	if (!l->given || i >= l->nr || i >= CFG_MAX_LIST)
		return false;
	*v = l->v[i];
	return true;
}

static void validate_list_len(const struct cfg_vm *vm, const struct cfg_list *l, const char *name,
			      struct diag *d)
{
	if (l->given && vm->has_vcpus && l->nr != vm->nr_vcpus)
		diag_error(d, &l->loc, vm->node, "%s lists %u values but vcpus = <%u>: give one per vCPU",
			   name, l->nr, vm->nr_vcpus);
}

/* The server of each vCPU on a fixed-priority CPU. */
static void validate_servers(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	validate_list_len(vm, &vm->budget_us, "server-budget-us", d);
	validate_list_len(vm, &vm->period_us, "server-period-us", d);
	validate_list_len(vm, &vm->priority, "server-priority", d);
	for (u32 i = 0; i < MIN(vm->nr_affinity, (u32)CFG_MAX_LIST); i++) {
		u32 cpu = vm->affinity[i], budget, period, prio;

		if (validate_cpu_policy(sys, cpu) != KEEL_SCHED_FIXED_PRIORITY)
			continue;
		if (!validate_list_at(&vm->budget_us, i, &budget)) {
			diag_error(d, &vm->loc, vm->node,
				   "vCPU %u runs on fixed-priority CPU %u: missing server-budget-us "
				   "(0 for a background vCPU)",
				   i, cpu);
			continue;
		}
		if (!budget)
			continue;
		if (!validate_list_at(&vm->period_us, i, &period))
			diag_error(d, &vm->loc, vm->node,
				   "vCPU %u runs on fixed-priority CPU %u with a budget: missing "
				   "server-period-us",
				   i, cpu);
		else if (budget > period)
			diag_error(d, &vm->budget_us.loc, vm->node,
				   "vCPU %u: server budget %u us exceeds its period %u us", i, budget,
				   period);
		if (!validate_list_at(&vm->priority, i, &prio))
			diag_error(d, &vm->loc, vm->node,
				   "vCPU %u runs on fixed-priority CPU %u with a budget: missing "
				   "server-priority",
				   i, cpu);
	}
}

/* Budgeted servers on one CPU have distinct priorities. */
static void validate_priorities(const struct cfg_system *sys, struct diag *d)
{
	for (u32 a = 0; a < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); a++) {
		const struct cfg_vm *va = &sys->vms[a];

		for (u32 i = 0; i < MIN(va->nr_affinity, (u32)CFG_MAX_LIST); i++) {
			u32 qa, pa;

			if (validate_cpu_policy(sys, va->affinity[i]) != KEEL_SCHED_FIXED_PRIORITY ||
			    !validate_list_at(&va->budget_us, i, &qa) || !qa ||
			    !validate_list_at(&va->priority, i, &pa))
				continue;
			for (u32 b = 0; b <= a; b++) {
				const struct cfg_vm *vb = &sys->vms[b];
				u32 end = b == a ? i : MIN(vb->nr_affinity, (u32)CFG_MAX_LIST);

				for (u32 j = 0; j < end; j++) {
					u32 qb, pb;

					if (vb->affinity[j] != va->affinity[i] ||
					    !validate_list_at(&vb->budget_us, j, &qb) || !qb ||
					    !validate_list_at(&vb->priority, j, &pb) || pa != pb)
						continue;
					diag_error(d, &va->priority.loc, va->node,
						   "vCPU %u has server priority %u on CPU %u, as has vCPU "
						   "%u of VM '%s' (%s:%d): priorities on a CPU must differ",
						   i, pa, va->affinity[i], j, vb->name, vb->priority.loc.file,
						   vb->priority.loc.line);
				}
			}
		}
	}
}

static void validate_task(const struct cfg_task *t, struct diag *d)
{
	if (!t->period_us.given || !t->wcet_us.given) {
		diag_error(d, &t->loc, t->node, "a task needs period-us and wcet-us");
		return;
	}
	if (!t->period_us.v)
		diag_error(d, &t->period_us.loc, t->node, "period-us is 0");
	if (!t->wcet_us.v)
		diag_error(d, &t->wcet_us.loc, t->node, "wcet-us is 0");
	if (t->deadline_us.given && !t->deadline_us.v)
		diag_error(d, &t->deadline_us.loc, t->node, "deadline-us is 0");
	else if (t->deadline_us.given && t->deadline_us.v > t->period_us.v)
		diag_error(d, &t->deadline_us.loc, t->node,
			   "deadline %u us is longer than the period %u us (only deadlines up to "
			   "the period are analysed)",
			   t->deadline_us.v, t->period_us.v);
}

static void validate_tasks(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	const struct cfg_tasks *ts = &vm->tasks;
	u32 budget;

	if (!ts->given)
		return;
	if (vm->has_vcpus && vm->nr_vcpus != 1)
		diag_error(d, &ts->loc, ts->node,
			   "a task set belongs to a guest with one vCPU; VM '%s' has %u", vm->name,
			   vm->nr_vcpus);
	if (!ts->has_scheduler)
		diag_error(d, &ts->loc, ts->node, "missing property 'scheduler' (\"rm\" or \"edf\")");
	else if (strcmp(ts->scheduler, "rm") && strcmp(ts->scheduler, "edf"))
		diag_error(d, &ts->scheduler_loc, ts->node, "unknown scheduler \"%s\" (\"rm\" or \"edf\")",
			   ts->scheduler);
	if (!ts->nr_tasks)
		diag_error(d, &ts->loc, ts->node, "no tasks: add one node per task");
	else if (ts->nr_tasks > CFG_MAX_RT_TASKS)
		diag_error(d, &ts->loc, ts->node, "too many tasks: %u (at most %d)", ts->nr_tasks,
			   CFG_MAX_RT_TASKS);
	for (u32 i = 0; i < MIN(ts->nr_tasks, (u32)CFG_MAX_TASKS); i++)
		validate_task(&ts->tasks[i], d);
	if (vm->nr_affinity >= 1 &&
	    validate_cpu_policy(sys, vm->affinity[0]) == KEEL_SCHED_FIXED_PRIORITY &&
	    validate_list_at(&vm->budget_us, 0, &budget) && !budget)
		diag_error(d, &ts->loc, ts->node,
			   "vCPU 0 is a background server on CPU %u (budget 0): its tasks have no "
			   "guaranteed supply",
			   vm->affinity[0]);
}

void validate_sched(const struct cfg_system *sys, const struct platform_desc *plat,
		    struct diag *d)
{
	if (sys->nr_cpus > CFG_MAX_CPU_NODES)
		diag_error(d, &sys->cpus_loc, "/cpus", "too many cpu@N nodes: %u", sys->nr_cpus);
	for (u32 i = 0; i < MIN(sys->nr_cpus, (u32)CFG_MAX_CPU_NODES); i++)
		validate_cpu_node(sys, plat, i, d);
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		validate_servers(sys, &sys->vms[v], d);
		validate_tasks(sys, &sys->vms[v], d);
	}
	validate_priorities(sys, d);
}
