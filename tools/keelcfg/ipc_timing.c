/*
 * Synchronous IPC in the schedulability analysis (ipc_timing.h). Keel never
 * lends a client's budget to a server (docs/ipc.md): the server serves on
 * its own reservation, so what a call costs a real-time client is a wait,
 * and the wait is bounded only if the server's reservation is. For a call
 * from client c to endpoint e of server o:
 *
 *   W = sum over o's endpoints e' of n(e') (S_e' + 2o_ev) [+ the largest such
 *       term once more if some endpoint of o grants send]
 *   B = max over o's vCPUs k of the least t with W + rbf_tasks(o)(t) <= sbf_k(t), + 2o_ev
 *
 * n(e') counts the messages that can wait at e' when c's call arrives: one
 * per vCPU of each client of e' (a vCPU waits for one thing at a time), less
 * c's calling vCPU where it is not at e' (the queues are FIFO, core/ipc.c).
 * A sender is released when its message is taken, so it can be in service
 * and queued again: hence the extra term. Each message costs the server its
 * service time and one switch pair, o_ev each (docs/scheduling.md rule 3),
 * and the server's own tasks, if any, run before it. The client pays its own
 * switch pair per call too. B is charged to each job of the client's tasks
 * calls-per-job times, and once more for a call already in progress.
 */
#include <libfdt.h>
#include <string.h>

#include "analysis.h"
#include "ipc_timing.h"
#include "schedcheck.h"

#define IT_NS_PER_US 1000ull
#define IT_MAX_CALLS 1000u /* calls per job */
#define IT_LIMIT_NS (100ull * 1000000000ull) /* a server response beyond 100 s is unbounded */

bool ipc_timing_parse_prop(struct cfg_endpoint *ep, const char *name, const void *val, int len,
			   const struct cfg_loc *loc, struct diag *d)
{
	if (!strcmp(name, "service-time-us")) {
		ep->service_loc = *loc;
		ep->has_service = len == 4;
		if (ep->has_service)
			ep->service_us = fdt32_to_cpu(*(const fdt32_t *)val);
		else
			diag_error(d, loc, ep->node, "property 'service-time-us' must be one cell");
		return true;
	}
	if (!strcmp(name, "calls-per-job")) {
		ep->calls_loc = *loc;
		ep->nr_calls = len > 0 && len % 4 == 0 ? (u32)len / 4 : 0;
		if (!ep->nr_calls)
			diag_error(d, loc, ep->node, "property 'calls-per-job' must be a list of cells, one per client");
		for (u32 i = 0; i < ep->nr_calls && i < CFG_MAX_CLIENTS; i++)
			ep->calls[i] = fdt32_to_cpu(((const fdt32_t *)val)[i]);
		return true;
	}
	return false;
}

static u32 it_rights(const struct cfg_endpoint *ep)
{
	return ep->has_rights ? ep->rights : KEEL_IPC_RIGHT_CALL;
}

void ipc_timing_validate(const struct cfg_system *sys, struct diag *d)
{
	for (u32 e = 0; e < MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

		if (ep->has_service && ep->service_us == 0)
			diag_error(d, &ep->service_loc, ep->node, "service-time-us must be above 0");
		if (!ep->nr_calls)
			continue;
		if (ep->nr_calls != ep->nr_clients)
			diag_error(d, &ep->calls_loc, ep->node,
				   "%u calls-per-job cells for %u clients: give one per client, or none",
				   ep->nr_calls, ep->nr_clients);
		if (!(it_rights(ep) & KEEL_IPC_RIGHT_CALL))
			diag_error(d, &ep->calls_loc, ep->node,
				   "calls-per-job on an endpoint without the \"call\" right");
		for (u32 i = 0; i < MIN(ep->nr_calls, (u32)CFG_MAX_CLIENTS); i++)
			if (ep->calls[i] > IT_MAX_CALLS)
				diag_error(d, &ep->calls_loc, ep->node, "%u calls per job: at most %u",
					   ep->calls[i], IT_MAX_CALLS);
	}
}

/* The server's time for one message at ep: its service time and a switch pair. */
static u64 it_per_message(const struct schedcheck *sc, const struct cfg_endpoint *ep)
{
	return ep->service_us * IT_NS_PER_US + 2 * sc->overhead_ns;
}

/*
 * W above: the work in front of and including client vm's call to `at`,
 * or ANALYSIS_UNBOUNDED with *why naming the endpoint that has no bound.
 */
static u64 it_work(const struct schedcheck *sc, const struct cfg_endpoint *at, int vm,
		   char *why, size_t cap)
{
	const struct cfg_system *sys = sc->sys;
	u64 work = 0, resend = 0;

	for (u32 e = 0; e < MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];
		u64 msgs = 0;

		if (strcmp(ep->owner, at->owner))
			continue;
		if (!ep->has_service) {
			snprintf(why, cap, ep == at ? "the endpoint has no service-time-us" :
				 "endpoint '%s' of the same server has no service-time-us", ep->name);
			return ANALYSIS_UNBOUNDED;
		}
		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); i++) {
			int c = validate_find_vm(sys, ep->clients[i]);

			msgs += sys->vms[c].nr_vcpus - (c == vm && ep != at);
		}
		work += msgs * it_per_message(sc, ep);
		if (it_rights(ep) & KEEL_IPC_RIGHT_SEND)
			resend = MAX(resend, it_per_message(sc, ep));
	}
	return work + resend;
}

/* B above for client vm's call to ep, or ANALYSIS_UNBOUNDED with the reason in why. */
static u64 it_blocking(const struct schedcheck *sc, const struct cfg_endpoint *ep, int vm,
		       char *why, size_t cap)
{
	const struct cfg_vm *srv = &sc->sys->vms[validate_find_vm(sc->sys, ep->owner)];
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	u32 order[CFG_MAX_RT_TASKS], nr_tasks = 0;
	u64 work, worst = 0;
	struct analysis_supply s;
	char what[128];

	for (u32 k = 0; k < srv->nr_vcpus; k++) {
		if (!schedcheck_supply(sc, srv, k, &s, what, sizeof(what))) {
			snprintf(why, cap, "vm %s's vCPU %u runs in the background (server-budget-us 0)",
				 srv->name, k);
			return ANALYSIS_UNBOUNDED;
		}
	}
	work = it_work(sc, ep, vm, why, cap);
	if (work == ANALYSIS_UNBOUNDED)
		return work;
	if (srv->tasks.given)
		nr_tasks = schedcheck_tasks_rm(srv, tasks, order);
	for (u32 k = 0; k < srv->nr_vcpus; k++) {
		u64 r;

		schedcheck_supply(sc, srv, k, &s, what, sizeof(what));
		r = analysis_backlog_response(tasks, nr_tasks, &s, work, IT_LIMIT_NS);
		if (r == ANALYSIS_UNBOUNDED) {
			snprintf(why, cap, "vm %s's vCPU %u cannot serve %s of messages %s within %s",
				 srv->name, k, schedcheck_time(work), what, schedcheck_time(IT_LIMIT_NS));
			return r;
		}
		worst = MAX(worst, r);
	}
	return worst + 2 * sc->overhead_ns;
}

/* The server must be able to serve one message with what one period guarantees it. */
static void it_check_server(struct schedcheck *sc, const struct cfg_endpoint *ep)
{
	const struct cfg_vm *srv = &sc->sys->vms[validate_find_vm(sc->sys, ep->owner)];
	u64 need = it_per_message(sc, ep);
	struct analysis_supply s;
	char what[128];

	for (u32 k = 0; ep->has_service && k < srv->nr_vcpus; k++) {
		if (!schedcheck_supply(sc, srv, k, &s, what, sizeof(what)) ||
		    s.kind == ANALYSIS_SUPPLY_DEDICATED || s.budget_ns >= need)
			continue;
		schedcheck_fail(sc, &ep->service_loc, ep->node,
				"endpoint '%s': vm %s vCPU %u cannot serve one message in a period: service "
				"time %s plus a switch pair needs %s, but it is guaranteed %s per period (%s)",
				ep->name, srv->name, k, schedcheck_time(ep->service_us * IT_NS_PER_US),
				schedcheck_time(need), schedcheck_time(s.budget_ns), what);
		return;
	}
}

/* The task of vm with the shortest deadline, the one a wait hurts first. */
static const struct cfg_task *it_tightest(const struct cfg_vm *vm, u64 *deadline_ns)
{
	const struct cfg_task *best = NULL;

	*deadline_ns = UINT64_MAX;
	for (u32 i = 0; i < MIN(vm->tasks.nr_tasks, (u32)CFG_MAX_RT_TASKS); i++) {
		const struct cfg_task *t = &vm->tasks.tasks[i];
		u64 d = (t->deadline_us.given ? t->deadline_us.v : t->period_us.v) * IT_NS_PER_US;

		if (d < *deadline_ns) {
			*deadline_ns = d;
			best = t;
		}
	}
	return best;
}

/* Client i of ep: its wait per call, charged to its task set or refused. */
static void it_client(struct schedcheck *sc, struct cfg_endpoint *ep, u32 i)
{
	int vm = validate_find_vm(sc->sys, ep->clients[i]);
	const struct cfg_vm *c = &sc->sys->vms[vm];
	struct schedcheck_ipc *ipc = &sc->ipc[vm];
	u32 calls = ep->nr_calls ? ep->calls[i] : 1;
	const struct cfg_task *t;
	char why[320];
	size_t len;
	u64 b, d;

	ep->blocking_ns[i] = b = it_blocking(sc, ep, vm, why, sizeof(why));
	if (!c->tasks.given)
		return; /* no deadline of its own to break */
	t = it_tightest(c, &d);
	if (b == ANALYSIS_UNBOUNDED) {
		ipc->refused = true;
		schedcheck_fail(sc, &ep->clients_loc, ep->node,
				"vm %s calls endpoint '%s' of vm %s and can wait without bound for the "
				"reply (%s): task %s's %s deadline cannot be guaranteed",
				c->name, ep->name, ep->owner, why, t->name, schedcheck_time(d));
		return;
	}
	ipc->calls = true;
	ipc->job_ns += calls * b;
	ipc->once_ns = MAX(ipc->once_ns, b);
	len = strlen(ipc->why);
	snprintf(ipc->why + len, sizeof(ipc->why) - len, "%sendpoint '%s' of vm %s: %u call%s of up to %s",
		 len ? "; " : "", ep->name, ep->owner, calls, calls == 1 ? "" : "s", schedcheck_time(b));
}

void ipc_timing_check(struct schedcheck *sc)
{
	struct cfg_system *sys = sc->sys;

	for (u32 e = 0; e < MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

		it_check_server(sc, ep);
		if (!(it_rights(ep) & KEEL_IPC_RIGHT_CALL))
			continue; /* a send-only grant is not judged (docs/ipc.md) */
		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); i++)
			it_client(sc, ep, i);
	}
}

void ipc_timing_text_vm(const struct cfg_system *sys, u32 vm, char *buf, size_t cap)
{
	const struct cfg_vm *me = &sys->vms[vm];
	size_t len = 0;
	char t[32];

	buf[0] = '\0';
	for (u32 e = 0; e < MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS) && len < cap; e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

		if (ep->has_service && !strcmp(ep->owner, me->name))
			len += (size_t)snprintf(buf + len, cap - len, "  ipc serve endpoint '%s': %u us per message\n",
						ep->name, ep->service_us);
		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS) && len < cap; i++) {
			if (strcmp(ep->clients[i], me->name) || !(it_rights(ep) & KEEL_IPC_RIGHT_CALL))
				continue;
			len += (size_t)snprintf(buf + len, cap - len, "  ipc wait  endpoint '%s' of vm %s: %s per call",
						ep->name, ep->owner,
						ep->blocking_ns[i] == ANALYSIS_UNBOUNDED ?
							"unbounded" :
							analysis_fmt(ep->blocking_ns[i], t, sizeof(t)));
			if (me->tasks.given && len < cap)
				len += (size_t)snprintf(buf + len, cap - len, ", %u per job",
							ep->nr_calls ? ep->calls[i] : 1);
			if (len < cap)
				len += (size_t)snprintf(buf + len, cap - len, "\n");
		}
	}
}
