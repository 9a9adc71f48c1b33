/*
 * Schedulability analysis for keelcfg: pure arithmetic on integer
 * nanoseconds, no I/O and no floating point, so the unit tests can check it
 * against hand-computed values exactly. Three questions are answered:
 *
 *  1. Do the deferrable servers on a fixed-priority CPU each get their
 *     budget within their period? Response-time analysis with release
 *     jitter (Joseph & Pandya 1986; Audsley, Burns, Richardson, Tindell &
 *     Wellings 1993), a deferrable server interfering like a task with
 *     jitter P - Q (Strosnider, Lehoczky & Sha 1995).
 *  2. What supply does a vCPU get for certain? The supply bound function
 *     sbf(t): the least CPU time it receives in any interval of length t.
 *     A server (Q, P) whose budget always arrives within its response time
 *     R <= P of each replenishment is the explicit-deadline periodic
 *     resource (P, Q, R) of Easwaran, Anand & Lee (RTSS 2007), which with
 *     R = P is the periodic resource model of Shin & Lee (RTSS 2003); a
 *     time-table vCPU's sbf is computed from its windows.
 *  3. Does a guest's task set meet its deadlines on that supply? Rate
 *     monotonic by Shin & Lee's request-bound test, EDF by the demand bound
 *     function (Baruah, Mok & Rosier 1990) against sbf.
 *
 * The cost of Keel's scheduling events enters as overhead_ns; how it is
 * charged is explained at each function and in docs/scheduling.md.
 */
#ifndef KEELCFG_ANALYSIS_H
#define KEELCFG_ANALYSIS_H

#include <keel/types.h>

#define ANALYSIS_UNBOUNDED UINT64_MAX
#define ANALYSIS_MAX_WINDOWS 16 /* = KEEL_MAX_WINDOWS */
#define ANALYSIS_MAX_ITER 10000000u /* fixed-point iterations before giving up */
#define ANALYSIS_MAX_POINTS 2000000u /* test points the EDF test may visit */
#define ANALYSIS_EDF_MAX_HORIZON_NS (100ull * 1000000000ull) /* 100 s of hyperperiod */

/* A vCPU's server on a fixed-priority CPU; budget 0 is a background server. */
struct analysis_server {
	u64 budget_ns;
	u64 period_ns;
	u32 priority; /* higher number, more urgent */
};

/*
 * Worst-case response time of server idx among srv[0..nr): the longest
 * time from a replenishment until it has received its budget, when it has
 * work all along. Every budgeted server j of higher priority interferes as a
 * task of cost Q_j + 2 * overhead_ns (its budget plus a switch in and a
 * switch out that Keel does not charge to the budget) and release jitter
 * P_j - Q_j, the deferrable server's back-to-back case:
 *     R = Q_i + 2o + sum_j ceil((R + P_j - Q_j) / P_j) * (Q_j + 2o).
 * Background servers (budget 0) neither interfere nor have a response.
 * Returns the least fixed point, or ANALYSIS_UNBOUNDED if it exceeds
 * limit_ns (or ANALYSIS_MAX_ITER iterations). The server is schedulable
 * if the result is <= its period.
 */
u64 analysis_server_response(const struct analysis_server *srv, u32 nr, u32 idx, u64 overhead_ns,
			     u64 limit_ns);

enum analysis_supply_kind {
	ANALYSIS_SUPPLY_DEDICATED, /* a static CPU: sbf(t) = t */
	ANALYSIS_SUPPLY_PERIODIC, /* periodic resource (period, budget) */
	ANALYSIS_SUPPLY_TABLE, /* windows repeating every frame */
};

struct analysis_window {
	u64 offset_ns;
	u64 length_ns;
};

struct analysis_supply {
	enum analysis_supply_kind kind;
	u64 period_ns; /* periodic: the period; table: the major frame */
	u64 budget_ns; /* periodic: the budget; table: supply per frame (sum of windows) */
	u64 deadline_ns; /* periodic: the budget arrives within this of each period's start */
	u32 nr_windows;
	struct analysis_window windows[ANALYSIS_MAX_WINDOWS]; /* sorted, disjoint, inside the frame */
};

void analysis_supply_dedicated(struct analysis_supply *s);

/*
 * The supply of a server with budget_ns every period_ns, all of it within
 * deadline_ns of each replenishment (its response time; period_ns when
 * nothing better is known), less 2 * overhead_ns of each budget (the switch
 * into the vCPU and one wake-up of it per period are paid from its budget).
 * Needs 0 < period_ns; deadline_ns is clamped to [budget, period].
 */
void analysis_supply_periodic(struct analysis_supply *s, u64 period_ns, u64 budget_ns,
			      u64 deadline_ns, u64 overhead_ns);

/*
 * The supply of a vCPU owning windows[0..nr) (in any order, disjoint,
 * inside [0, frame_ns)) of every major frame. Each window loses its first
 * 2 * overhead_ns (the switch at its start and one wake-up); a window no
 * longer than that supplies nothing. nr <= ANALYSIS_MAX_WINDOWS.
 */
void analysis_supply_table(struct analysis_supply *s, u64 frame_ns,
			   const struct analysis_window *windows, u32 nr, u64 overhead_ns);

/* sbf(t): the least supply in any interval of length t_ns. Non-decreasing, sbf(0) = 0. */
u64 analysis_sbf(const struct analysis_supply *s, u64 t_ns);

/* The least t with sbf(t) >= work_ns, or ANALYSIS_UNBOUNDED if the supply is 0. */
u64 analysis_sbf_inverse(const struct analysis_supply *s, u64 work_ns);

/* A periodic task with a constrained deadline (deadline <= period). */
struct analysis_task {
	u64 period_ns;
	u64 wcet_ns;
	u64 deadline_ns;
};

/* rbf_i(t) = C_i + sum over j < i of ceil(t / T_j) * C_j (tasks[0] is the highest priority). */
u64 analysis_rbf(const struct analysis_task *tasks, u32 i, u64 t_ns);

/*
 * Shin & Lee's fixed-priority test: task i (tasks[0..i] in priority order,
 * highest first) meets its deadline on supply s if rbf_i(t) <= sbf(t) for
 * some t in (0, D_i]. rbf_i is constant between multiples of the
 * higher-priority periods and sbf is non-decreasing, so only those
 * multiples and D_i need to be tried.
 */
bool analysis_rm_task_ok(const struct analysis_task *tasks, u32 i, const struct analysis_supply *s);

/*
 * Worst-case response time of task i on supply s: the least t > 0 with
 * rbf_i(t) <= sbf(t), found by iterating t = sbf^-1(rbf_i(t)) from
 * sbf^-1(C_i). ANALYSIS_UNBOUNDED if it exceeds limit_ns.
 */
u64 analysis_rm_response(const struct analysis_task *tasks, u32 i, const struct analysis_supply *s,
			 u64 limit_ns);

/* dbf(t) = sum over tasks of max(0, floor((t - D) / T) + 1) * C. */
u64 analysis_dbf(const struct analysis_task *tasks, u32 nr, u64 t_ns);

struct analysis_edf_result {
	bool ok;
	bool overload; /* long-run demand exceeds the supply's rate; no point found in range */
	bool undecided; /* hyperperiod or test points beyond the caps: refused to be safe */
	u32 task; /* a task with a deadline at t */
	u64 t_ns; /* the first deadline where dbf(t) > sbf(t) */
	u64 demand_ns;
	u64 supply_ns;
};

/*
 * EDF on supply s: dbf(t) <= sbf(t) at every absolute deadline t up to
 * H + max(D_max, blackout), where H is the least common multiple of the
 * task periods and the supply's period (after which both functions repeat
 * with slopes U and the supply rate). Refuses (undecided) if H exceeds
 * ANALYSIS_EDF_MAX_HORIZON_NS or the deadlines ANALYSIS_MAX_POINTS.
 */
void analysis_edf(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
		  struct analysis_edf_result *res);

/*
 * The same with a blocking term: dbf(t) + blocking_ns <= sbf(t) at every
 * deadline, for a guest in which one non-preemptible stretch of up to
 * blocking_ns (a synchronous IPC call in progress) can delay any job once
 * (Baruah's test with non-preemptive sections, using the largest section at
 * every t). res->demand_ns includes the blocking.
 */
void analysis_edf_blocked(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
			  u64 blocking_ns, struct analysis_edf_result *res);

/*
 * How long work_ns of the lowest-priority work of a vCPU takes on supply s
 * when tasks[0..nr) (any order) run before it: the least t > 0 with
 *     work_ns + sum_j ceil(t / T_j) C_j <= sbf(t),
 * found by iterating t = sbf^-1(...) from sbf^-1(work_ns). It bounds an IPC
 * server's response to the messages in front of and including a client's
 * (ipc_timing.c); with no tasks it is sbf^-1(work_ns). ANALYSIS_UNBOUNDED if
 * it exceeds limit_ns.
 */
u64 analysis_backlog_response(const struct analysis_task *tasks, u32 nr,
			      const struct analysis_supply *s, u64 work_ns, u64 limit_ns);

/* Writes ns as "4 ms", "2.4 ms", "500 us" or "12 ns" into buf. Returns buf. */
char *analysis_fmt(u64 ns, char *buf, size_t cap);

#endif
