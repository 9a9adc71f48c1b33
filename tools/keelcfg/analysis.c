/*
 * The schedulability analysis behind keelcfg's timing checks (analysis.h).
 * Everything is exact integer arithmetic on nanoseconds: products that could
 * overflow 64 bits are done in 128 bits and saturate, so a huge value turns
 * into "unbounded" rather than wrapping into a small, optimistic one. The
 * supply bound functions are derived in comments next to their code; the
 * unit tests (tests/unit/test_analysis.c) check them against hand-computed
 * values and against the published formulas they come from.
 */
#include <stdio.h>
#include <string.h>

#include "analysis.h"

typedef unsigned __int128 u128;

static u64 sat_add(u64 a, u64 b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static u64 sat_mul(u64 a, u64 b)
{
	u128 p = (u128)a * b;

	return p > UINT64_MAX ? UINT64_MAX : (u64)p;
}

static u64 div_ceil(u64 a, u64 b)
{
	return a / b + (a % b != 0);
}

static u64 gcd(u64 a, u64 b)
{
	while (b) {
		u64 r = a % b;
		a = b;
		b = r;
	}
	return a;
}

u64 analysis_server_response(const struct analysis_server *srv, u32 nr, u32 idx, u64 overhead_ns,
			     u64 limit_ns)
{
	const struct analysis_server *me = &srv[idx];
	u64 own = sat_add(me->budget_ns, 2 * overhead_ns);
	u64 r = own;

	if (!me->budget_ns)
		return ANALYSIS_UNBOUNDED; /* a background server has no guarantee */
	for (u32 it = 0; it < ANALYSIS_MAX_ITER; it++) {
		u64 next = own;

		for (u32 j = 0; j < nr; j++) {
			const struct analysis_server *hp = &srv[j];
			u64 jitter, cost;

			if (j == idx || !hp->budget_ns || hp->priority <= me->priority)
				continue;
			/* Budget used at the very end of one period and again at the start of the next. */
			jitter = hp->period_ns - hp->budget_ns;
			cost = sat_add(hp->budget_ns, 2 * overhead_ns);
			next = sat_add(next, sat_mul(div_ceil(sat_add(r, jitter), hp->period_ns), cost));
		}
		if (next > limit_ns)
			return ANALYSIS_UNBOUNDED;
		if (next == r)
			return r;
		r = next;
	}
	return ANALYSIS_UNBOUNDED;
}

void analysis_supply_dedicated(struct analysis_supply *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = ANALYSIS_SUPPLY_DEDICATED;
}

void analysis_supply_periodic(struct analysis_supply *s, u64 period_ns, u64 budget_ns,
			      u64 deadline_ns, u64 overhead_ns)
{
	memset(s, 0, sizeof(*s));
	s->kind = ANALYSIS_SUPPLY_PERIODIC;
	s->period_ns = period_ns;
	s->budget_ns = budget_ns > 2 * overhead_ns ? budget_ns - 2 * overhead_ns : 0;
	s->budget_ns = MIN(s->budget_ns, period_ns);
	s->deadline_ns = MIN(MAX(deadline_ns, s->budget_ns), period_ns);
}

void analysis_supply_table(struct analysis_supply *s, u64 frame_ns,
			   const struct analysis_window *windows, u32 nr, u64 overhead_ns)
{
	memset(s, 0, sizeof(*s));
	s->kind = ANALYSIS_SUPPLY_TABLE;
	s->period_ns = frame_ns;
	for (u32 i = 0; i < nr && i < ANALYSIS_MAX_WINDOWS; i++) {
		struct analysis_window w = windows[i];
		u32 k;

		if (w.length_ns <= 2 * overhead_ns)
			continue;
		w.offset_ns += 2 * overhead_ns;
		w.length_ns -= 2 * overhead_ns;
		/* Insertion sort by offset: at most 16 windows. */
		for (k = s->nr_windows; k > 0 && s->windows[k - 1].offset_ns > w.offset_ns; k--)
			s->windows[k] = s->windows[k - 1];
		s->windows[k] = w;
		s->nr_windows++;
		s->budget_ns += w.length_ns;
	}
}

/*
 * Periodic resource (period P, budget Q, all of it within D of each
 * period's start; Shin & Lee 2003 have D = P, Easwaran, Anand & Lee 2007
 * any D). The least supply in an interval comes when the interval starts
 * just after a period's budget was delivered at that period's start,
 * [0, Q), and every later budget comes as late as it may, [kP + D - Q,
 * kP + D): nothing for a blackout of B = P + D - 2Q, then Q, then P - Q of
 * nothing, then Q, and so on. With u = t - B and k = floor(u / P) complete
 * chunks before the current one: sbf(t) = k Q + min(Q, u - k P) for t > B,
 * else 0. For D = P this is Shin & Lee's piecewise formula written from
 * the other end (the tests check the two agree).
 */
static u64 sbf_blackout(const struct analysis_supply *s)
{
	return s->period_ns + s->deadline_ns - 2 * s->budget_ns;
}

static u64 sbf_periodic(const struct analysis_supply *s, u64 t)
{
	u64 p = s->period_ns, q = s->budget_ns, blackout = sbf_blackout(s), u, k;

	if (!q || t <= blackout)
		return 0;
	u = t - blackout;
	k = u / p;
	return k * q + MIN(q, u - k * p);
}

/* Inverse: work w > 0 needs k = floor((w - 1) / Q) whole chunks and r = w - k Q of the next. */
static u64 sbf_inverse_periodic(const struct analysis_supply *s, u64 w)
{
	u64 p = s->period_ns, q = s->budget_ns, k;

	if (!w)
		return 0;
	if (!q)
		return ANALYSIS_UNBOUNDED;
	k = (w - 1) / q;
	return sat_add(sat_add(sbf_blackout(s), sat_mul(k, p)), w - k * q);
}

/* Supply of the time table in [0, x): whole frames, then the windows cut at x mod F. */
static u64 table_cum(const struct analysis_supply *s, u64 x)
{
	u64 frames = x / s->period_ns, r = x % s->period_ns, sum = frames * s->budget_ns;

	for (u32 i = 0; i < s->nr_windows; i++)
		if (r > s->windows[i].offset_ns)
			sum += MIN(r - s->windows[i].offset_ns, s->windows[i].length_ns);
	return sum;
}

/*
 * Least supply in an interval of length r <= F. Supply in [a, a + r) only
 * shrinks as a moves forward through a window and only grows as a moves
 * back through a gap, so the minimum over all a is reached with a at the end
 * of some window: try each.
 */
static u64 table_sbf_frac(const struct analysis_supply *s, u64 r)
{
	u64 least = UINT64_MAX;

	for (u32 i = 0; i < s->nr_windows; i++) {
		u64 end = s->windows[i].offset_ns + s->windows[i].length_ns;

		least = MIN(least, table_cum(s, end + r) - table_cum(s, end));
	}
	return least;
}

/* The pattern repeats every frame, so sbf(q F + r) = q S + sbf(r) for r < F. */
static u64 sbf_table(const struct analysis_supply *s, u64 t)
{
	if (!s->budget_ns)
		return 0;
	return (t / s->period_ns) * s->budget_ns + table_sbf_frac(s, t % s->period_ns);
}

static u64 sbf_inverse_table(const struct analysis_supply *s, u64 w)
{
	u64 q, rem, lo = 0, hi = s->period_ns;

	if (!w)
		return 0;
	if (!s->budget_ns)
		return ANALYSIS_UNBOUNDED;
	q = (w - 1) / s->budget_ns;
	rem = w - q * s->budget_ns; /* 1 ..= S, and sbf(F) = S */
	while (lo < hi) { /* least r in [0, F] with sbf(r) >= rem; sbf is non-decreasing */
		u64 mid = lo + (hi - lo) / 2;

		if (table_sbf_frac(s, mid) >= rem)
			hi = mid;
		else
			lo = mid + 1;
	}
	return sat_add(sat_mul(q, s->period_ns), lo);
}

u64 analysis_sbf(const struct analysis_supply *s, u64 t_ns)
{
	switch (s->kind) {
	case ANALYSIS_SUPPLY_PERIODIC: return sbf_periodic(s, t_ns);
	case ANALYSIS_SUPPLY_TABLE: return sbf_table(s, t_ns);
	default: return t_ns;
	}
}

u64 analysis_sbf_inverse(const struct analysis_supply *s, u64 work_ns)
{
	switch (s->kind) {
	case ANALYSIS_SUPPLY_PERIODIC: return sbf_inverse_periodic(s, work_ns);
	case ANALYSIS_SUPPLY_TABLE: return sbf_inverse_table(s, work_ns);
	default: return work_ns;
	}
}

u64 analysis_rbf(const struct analysis_task *tasks, u32 i, u64 t_ns)
{
	u64 sum = tasks[i].wcet_ns;

	for (u32 j = 0; j < i; j++)
		sum = sat_add(sum, sat_mul(div_ceil(t_ns, tasks[j].period_ns), tasks[j].wcet_ns));
	return sum;
}

bool analysis_rm_task_ok(const struct analysis_task *tasks, u32 i, const struct analysis_supply *s)
{
	u64 d = tasks[i].deadline_ns, points = 1;

	for (u32 j = 0; j < i; j++)
		points += d / tasks[j].period_ns;
	if (points > ANALYSIS_MAX_POINTS) /* equivalent, and cheaper for such sets */
		return analysis_rm_response(tasks, i, s, d) <= d;
	if (analysis_rbf(tasks, i, d) <= analysis_sbf(s, d))
		return true;
	for (u32 j = 0; j < i; j++)
		for (u64 t = tasks[j].period_ns; t < d; t += tasks[j].period_ns)
			if (analysis_rbf(tasks, i, t) <= analysis_sbf(s, t))
				return true;
	return false;
}

u64 analysis_rm_response(const struct analysis_task *tasks, u32 i, const struct analysis_supply *s,
			 u64 limit_ns)
{
	u64 t = analysis_sbf_inverse(s, tasks[i].wcet_ns);

	for (u32 it = 0; it < ANALYSIS_MAX_ITER; it++) {
		u64 next;

		if (t == ANALYSIS_UNBOUNDED || t > limit_ns)
			return ANALYSIS_UNBOUNDED;
		next = analysis_sbf_inverse(s, analysis_rbf(tasks, i, t));
		if (next == t)
			return t;
		t = next;
	}
	return ANALYSIS_UNBOUNDED;
}

u64 analysis_dbf(const struct analysis_task *tasks, u32 nr, u64 t_ns)
{
	u64 sum = 0;

	for (u32 i = 0; i < nr; i++)
		if (t_ns >= tasks[i].deadline_ns)
			sum = sat_add(sum, sat_mul((t_ns - tasks[i].deadline_ns) / tasks[i].period_ns + 1,
						   tasks[i].wcet_ns));
	return sum;
}

/* lcm(a, b), or 0 if it exceeds cap. */
static u64 lcm_capped(u64 a, u64 b, u64 cap)
{
	u128 l = (u128)(a / gcd(a, b)) * b;

	return l > cap ? 0 : (u64)l;
}

/*
 * The hyperperiod H of the tasks and the supply, and whether the long-run
 * demand U H exceeds the long-run supply (rate times H). Returns false if H
 * is beyond the cap.
 */
static bool edf_horizon(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
			u64 *h, bool *overload)
{
	u128 demand = 0, supply;

	*h = s->kind == ANALYSIS_SUPPLY_DEDICATED ? 1 : s->period_ns;
	for (u32 i = 0; i < nr; i++) {
		*h = lcm_capped(*h, tasks[i].period_ns, ANALYSIS_EDF_MAX_HORIZON_NS);
		if (!*h)
			return false;
	}
	for (u32 i = 0; i < nr; i++)
		demand += (u128)tasks[i].wcet_ns * (*h / tasks[i].period_ns);
	supply = s->kind == ANALYSIS_SUPPLY_DEDICATED ? *h :
							(u128)s->budget_ns * (*h / s->period_ns);
	*overload = demand > supply;
	return true;
}

/*
 * Past t0 = H + max(D_max, blackout) both functions repeat: dbf(t + H) =
 * dbf(t) + U H once t >= D_max, and sbf(t + H) = sbf(t) + (rate) H once t
 * is past the blackout (for a table, from 0), as H is a multiple of the
 * supply's period. With U H <= supply per H, a violation after t0 implies
 * one H earlier, so checking the deadlines up to t0 decides. When U H is
 * larger a violation must come; the search runs on until it finds it.
 */
void analysis_edf(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
		  struct analysis_edf_result *res)
{
	analysis_edf_blocked(tasks, nr, s, 0, res);
}

/*
 * A constant blocking term keeps the argument above: both sides of
 * dbf(t) + b <= sbf(t) still repeat with the same slopes after t0.
 */
void analysis_edf_blocked(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
			  u64 blocking_ns, struct analysis_edf_result *res)
{
	u64 next[32], h, limit, dmax = 0, demand = blocking_ns, blackout = 0;
	bool overload;

	memset(res, 0, sizeof(*res));
	if (nr > ARRAY_SIZE(next) || !edf_horizon(tasks, nr, s, &h, &overload)) {
		res->undecided = true;
		return;
	}
	if (s->kind == ANALYSIS_SUPPLY_PERIODIC)
		blackout = sbf_blackout(s);
	for (u32 i = 0; i < nr; i++) {
		next[i] = tasks[i].deadline_ns;
		dmax = MAX(dmax, tasks[i].deadline_ns);
	}
	limit = overload ? UINT64_MAX : h + MAX(dmax, blackout);
	for (u32 points = 0; points < ANALYSIS_MAX_POINTS; points++) {
		u64 t = UINT64_MAX;

		for (u32 i = 0; i < nr; i++)
			t = MIN(t, next[i]);
		if (t > limit) {
			res->ok = true;
			return;
		}
		for (u32 i = 0; i < nr; i++) {
			if (next[i] != t)
				continue;
			demand = sat_add(demand, tasks[i].wcet_ns);
			next[i] = sat_add(next[i], tasks[i].period_ns);
			res->task = i;
		}
		if (demand > analysis_sbf(s, t)) {
			res->t_ns = t;
			res->demand_ns = demand;
			res->supply_ns = analysis_sbf(s, t);
			return;
		}
	}
	if (overload)
		res->overload = true;
	else
		res->undecided = true;
}

u64 analysis_backlog_response(const struct analysis_task *tasks, u32 nr,
			      const struct analysis_supply *s, u64 work_ns, u64 limit_ns)
{
	u64 t = analysis_sbf_inverse(s, work_ns);

	for (u32 it = 0; it < ANALYSIS_MAX_ITER; it++) {
		u64 demand = work_ns, next;

		if (t == ANALYSIS_UNBOUNDED || t > limit_ns)
			return ANALYSIS_UNBOUNDED;
		for (u32 j = 0; j < nr; j++)
			demand = sat_add(demand, sat_mul(div_ceil(t, tasks[j].period_ns), tasks[j].wcet_ns));
		next = analysis_sbf_inverse(s, demand);
		if (next == t)
			return t;
		t = next;
	}
	return ANALYSIS_UNBOUNDED;
}

char *analysis_fmt(u64 ns, char *buf, size_t cap)
{
	static const struct {
		u64 unit;
		const char *name;
		int digits;
	} units[] = { { 1000000, "ms", 6 }, { 1000, "us", 3 } };

	if (ns == ANALYSIS_UNBOUNDED) {
		snprintf(buf, cap, "unbounded");
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		u64 whole = ns / units[i].unit, frac = ns % units[i].unit;
		int digits = units[i].digits;

		if (!whole)
			continue;
		while (frac && frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		if (frac)
			snprintf(buf, cap, "%llu.%0*llu %s", (unsigned long long)whole, digits,
				 (unsigned long long)frac, units[i].name);
		else
			snprintf(buf, cap, "%llu %s", (unsigned long long)whole, units[i].name);
		return buf;
	}
	snprintf(buf, cap, "%llu ns", (unsigned long long)ns);
	return buf;
}
