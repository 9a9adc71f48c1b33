/*
 * The timing check of a system description: keelcfg's bridge between the
 * model (model.h) and the pure analysis (analysis.h). It asks, for each
 * fixed-priority CPU, whether every server gets its budget in its period,
 * and for each guest that declares tasks, whether they meet their deadlines
 * on the supply its vCPU is guaranteed. See docs/scheduling.md.
 */
#ifndef KEELCFG_SCHEDCHECK_H
#define KEELCFG_SCHEDCHECK_H

#include "analysis.h"
#include "model.h"
#include "validate.h"

/*
 * Runs the analysis on sys, which has passed validate_system() without
 * errors, charging plat->sched_event_overhead_ns per scheduling event. Each
 * failure is reported into d at the property or task it concerns: as an
 * error, or with opts->unsafe as a warning, in which case
 * sys->sched_forced is set (and the blob will carry KEEL_BLOB_FLAG_UNSAFE).
 * Returns true if the system passed.
 */
bool schedcheck_system(struct cfg_system *sys, const struct platform_desc *plat,
		       const struct validate_opts *opts, struct diag *d);

/*
 * What a client VM's synchronous IPC calls cost its task set, filled by
 * ipc_timing_check() (ipc_timing.c): a call blocks the whole vCPU, so each
 * job of every task is charged job_ns (its own calls), and each job once
 * more the longest single call once_ns (a call already in progress when it
 * is released). why names the endpoints behind job_ns, for messages.
 */
struct schedcheck_ipc {
	bool calls; /* the VM holds a call grant to a bounded server */
	bool refused; /* a call grant was refused: its tasks are not checked again */
	u64 job_ns;
	u64 once_ns;
	char why[256];
};

/* One run of the analysis; shared with ipc_timing.c, which adds the IPC terms. */
struct schedcheck {
	struct cfg_system *sys;
	const struct validate_opts *opts;
	struct diag *d;
	u64 overhead_ns;
	bool failed;
	u64 response[CFG_MAX_VMS][KEEL_MAX_VCPUS_PER_VM]; /* of each budgeted server */
	struct schedcheck_ipc ipc[CFG_MAX_VMS];
};

/* A failed check at loc/node: an error, or with --unsafe a warning and a marked blob. */
void schedcheck_fail(struct schedcheck *sc, const struct cfg_loc *loc, const char *node,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ns as text for a message; the buffer is reused after four calls. */
const char *schedcheck_time(u64 ns);

/*
 * Whether vCPU vcpu of vm has a guaranteed supply (a static CPU, a budget
 * above 0 on a fixed-priority CPU, or windows), and if so that supply into
 * *s with a phrase for messages into what (cap bytes). Needs the servers'
 * response times, so only after the server checks of schedcheck_system().
 */
bool schedcheck_supply(const struct schedcheck *sc, const struct cfg_vm *vm, u32 vcpu,
		       struct analysis_supply *s, char *what, size_t cap);

/* vm's task set in rate-monotonic order (shorter period first, ties as written) into tasks and order. */
u32 schedcheck_tasks_rm(const struct cfg_vm *vm, struct analysis_task *tasks, u32 *order);

#endif
