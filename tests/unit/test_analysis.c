/*
 * Host tests of keelcfg's schedulability analysis (tools/keelcfg/analysis.c):
 * response-time analysis against a published worked example and hand
 * derivations, supply bound functions against the published formula, hand
 * values and brute force, the rate-monotonic and EDF tests on a supply, and
 * sharpness (a set just schedulable, and the same with one more unit of
 * execution time refused). Times are in abstract units here: the functions
 * take nanoseconds, but nothing depends on the unit, and small numbers keep
 * the hand derivations readable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis.h"

#define UNB ANALYSIS_UNBOUNDED
#define MS 1000000ull

static struct analysis_task task(u64 t, u64 c, u64 d)
{
	return (struct analysis_task){ t, c, d };
}

/*
 * The worked example of response-time analysis in Burns & Wellings,
 * "Real-Time Systems and Programming Languages" (the chapter on scheduling):
 * a (T 7, C 3), b (T 12, C 3), c (T 20, C 5), rate monotonic, on a CPU of
 * their own. Recomputed here, w = C + sum ceil(w / T_j) C_j:
 *   a: 3.
 *   b: 3 -> 3 + 3 = 6 -> 3 + ceil(6/7) 3 = 6.
 *   c: 5 -> 5 + 3 + 3 = 11 -> 5 + 2*3 + 1*3 = 14 -> 5 + 2*3 + 2*3 = 17
 *      -> 5 + 3*3 + 2*3 = 20 -> 5 + 3*3 + 2*3 = 20.
 * On a dedicated supply (sbf(t) = t) the supply-based response is exactly
 * this recurrence.
 */
static void test_rta_textbook(void **state)
{
	struct analysis_task ts[] = { task(7, 3, 7), task(12, 3, 12), task(20, 5, 20) };
	struct analysis_supply s;

	(void)state;
	analysis_supply_dedicated(&s);
	assert_int_equal(analysis_rm_response(ts, 0, &s, 1000), 3);
	assert_int_equal(analysis_rm_response(ts, 1, &s, 1000), 6);
	assert_int_equal(analysis_rm_response(ts, 2, &s, 1000), 20);
	assert_true(analysis_rm_task_ok(ts, 2, &s));
	/* One more unit for c: 6 -> ... -> 5+1 + 4*3 + 2*3 = 24 > 20, refused. */
	ts[2].wcet_ns = 6;
	assert_false(analysis_rm_task_ok(ts, 2, &s));
	assert_true(analysis_rm_response(ts, 2, &s, 1000) > 20);
}

/*
 * Our own set, in the style of the textbook one: (T 4, C 1), (T 6, C 2),
 * (T 10, C 3): U = 0.25 + 0.333 + 0.3 = 0.883, above the Liu & Layland bound
 * for three tasks (3 (2^(1/3) - 1) = 0.780), yet schedulable:
 *   R3: 6 -> 3 + 2*1 + 1*2 = 7 -> 3 + 2 + 2*2 = 9 -> 3 + 3 + 2*2 = 10
 *       -> 3 + ceil(10/4) + ceil(10/6)*2 = 3 + 3 + 4 = 10 <= 10.
 */
static void test_rta_above_ll_bound(void **state)
{
	struct analysis_task ts[] = { task(4, 1, 4), task(6, 2, 6), task(10, 3, 10) };
	struct analysis_supply s;

	(void)state;
	analysis_supply_dedicated(&s);
	assert_int_equal(analysis_rm_response(ts, 2, &s, 1000), 10);
	assert_true(analysis_rm_task_ok(ts, 2, &s));
	ts[2].deadline_ns = 9;
	assert_false(analysis_rm_task_ok(ts, 2, &s));
}

/*
 * Deferrable servers by fixed priority (jitter P - Q), overhead 0:
 *   S1 (Q 1, P 4, prio 3), S2 (Q 2, P 6, prio 2), S3 (Q 1, P 10, prio 1).
 *   R1 = 1.
 *   R2, J1 = 3: 2 -> 2 + ceil(5/4) = 4 -> 2 + ceil(7/4) = 4.
 *   R3, J1 = 3, J2 = 4: 1 -> 1 + ceil(4/4) + ceil(5/6) 2 = 4
 *       -> 1 + ceil(7/4) + ceil(8/6) 2 = 7 -> 1 + ceil(10/4) + ceil(11/6) 2 = 8
 *       -> 1 + ceil(11/4) + ceil(12/6) 2 = 8.
 * Without the jitter (plain periodic tasks) R3 would be 1 + 1 + 2 = 4: the
 * back-to-back budget of a deferrable server is what doubles it.
 */
static void test_server_rta(void **state)
{
	struct analysis_server srv[] = {
		{ 1, 4, 3 }, { 2, 6, 2 }, { 1, 10, 1 }, { 0, 7, 99 }, /* background: ignored */
	};

	(void)state;
	assert_int_equal(analysis_server_response(srv, 4, 0, 0, 1000), 1);
	assert_int_equal(analysis_server_response(srv, 4, 1, 0, 1000), 4);
	assert_int_equal(analysis_server_response(srv, 4, 2, 0, 1000), 8);
	assert_int_equal(analysis_server_response(srv, 4, 3, 0, 1000), UNB);
}

/*
 * The same servers in ms, with 100 us per scheduling event: each server
 * costs Q + 0.2 ms per period.
 *   R3: 1.2 -> 1.2 + ceil(4.2/4) 1.2 + ceil(5.2/6) 2.2 = 5.8
 *       -> 1.2 + ceil(8.8/4) 1.2 + ceil(9.8/6) 2.2 = 9.2
 *       -> 1.2 + ceil(12.2/4) 1.2 + ceil(13.2/6) 2.2 = 12.6
 *       -> 1.2 + ceil(15.6/4) 1.2 + ceil(16.6/6) 2.2 = 12.6 > 10: refused.
 */
static void test_server_rta_overhead(void **state)
{
	struct analysis_server srv[] = { { 1 * MS, 4 * MS, 3 }, { 2 * MS, 6 * MS, 2 },
					 { 1 * MS, 10 * MS, 1 } };

	(void)state;
	assert_int_equal(analysis_server_response(srv, 3, 0, 100000, UINT64_MAX - 1), 1200000);
	assert_int_equal(analysis_server_response(srv, 3, 2, 100000, UINT64_MAX - 1), 12600000);
}

/* A higher-priority load of utilization 1 leaves nothing: unbounded. */
static void test_server_rta_unbounded(void **state)
{
	struct analysis_server srv[] = { { 4, 4, 2 }, { 1, 8, 1 } };

	(void)state;
	assert_int_equal(analysis_server_response(srv, 2, 1, 0, 100000), UNB);
}

/* Shin & Lee's sbf for (P, Q), as published: k = max(ceil((t - (P - Q)) / P), 1). */
static u64 shin_lee_sbf(u64 p, u64 q, u64 t)
{
	s64 x = (s64)t - (s64)(p - q);
	s64 k = x <= 0 ? 1 : (x + (s64)p - 1) / (s64)p;

	if (k < 1)
		k = 1;
	if ((s64)t >= (k + 1) * (s64)p - 2 * (s64)q && (s64)t <= (k + 1) * (s64)p - (s64)q)
		return (u64)((s64)t - (k + 1) * (s64)(p - q));
	return (u64)((k - 1) * (s64)q);
}

/*
 * Gamma(5, 2): worst case, budget at the start of one period and at the end
 * of every later one; blackout 2 (5 - 2) = 6, then 2 units, 3 of gap, ...
 *   t   : 0..6  7  8  9..11  12  13  14..16  17  18
 *   sbf :  0    1  2    2     3   4     4     5   6
 */
static void test_sbf_periodic_hand(void **state)
{
	static const u64 want[] = { 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 5, 6 };
	struct analysis_supply s;

	(void)state;
	analysis_supply_periodic(&s, 5, 2, 5, 0);
	for (u64 t = 0; t < ARRAY_SIZE(want); t++)
		assert_int_equal(analysis_sbf(&s, t), want[t]);
	for (u64 t = 0; t < 200; t++)
		assert_int_equal(analysis_sbf(&s, t), shin_lee_sbf(5, 2, t));
}

/* Properties over many (P, Q): Shin & Lee's formula, linear bounds, slope 0 or 1. */
static void test_sbf_periodic_properties(void **state)
{
	struct analysis_supply s;

	(void)state;
	for (u64 p = 1; p <= 12; p++) {
		for (u64 q = 1; q <= p; q++) {
			u64 blackout = 2 * (p - q);

			analysis_supply_periodic(&s, p, q, p, 0);
			for (u64 t = 0; t < 10 * p; t++) {
				u64 v = analysis_sbf(&s, t);

				assert_int_equal(v, shin_lee_sbf(p, q, t));
				assert_true(v * p <= t * q); /* never above the rate */
				if (t >= blackout)
					assert_true(v * p >= q * (t - blackout));
				assert_true(analysis_sbf(&s, t + 1) - v <= 1);
			}
		}
	}
}

/*
 * Brute force of the explicit-deadline periodic resource (P, Q, D): every
 * period k holds one block of Q units starting anywhere in [kP, kP + D - Q];
 * the least supply over all choices for 5 periods and every interval of
 * length t starting in the first two periods.
 */
static u64 brute_edp(u64 p, u64 q, u64 d, u64 t)
{
	u64 choices = d - q + 1, best = UINT64_MAX, combos = 1;

	for (int i = 0; i < 5; i++)
		combos *= choices;
	for (u64 c = 0; c < combos; c++) {
		u64 start[5], x = c;

		for (int i = 0; i < 5; i++, x /= choices)
			start[i] = (u64)i * p + x % choices;
		for (u64 a = 0; a < 2 * p; a++) {
			u64 sum = 0;

			for (int i = 0; i < 5; i++) {
				u64 lo = MAX(a, start[i]), hi = MIN(a + t, start[i] + q);
				sum += hi > lo ? hi - lo : 0;
			}
			best = MIN(best, sum);
		}
	}
	return best;
}

static void test_sbf_edp_brute(void **state)
{
	struct analysis_supply s;

	(void)state;
	/* (5, 2, 3): blackout 5 + 3 - 4 = 4; chunks at [4, 6), [9, 11), ... */
	analysis_supply_periodic(&s, 5, 2, 3, 0);
	assert_int_equal(analysis_sbf(&s, 4), 0);
	assert_int_equal(analysis_sbf(&s, 5), 1);
	assert_int_equal(analysis_sbf(&s, 6), 2);
	assert_int_equal(analysis_sbf(&s, 9), 2);
	assert_int_equal(analysis_sbf(&s, 11), 4);
	for (u64 p = 2; p <= 6; p++)
		for (u64 q = 1; q <= p; q++)
			for (u64 d = q; d <= p; d++) {
				analysis_supply_periodic(&s, p, q, d, 0);
				for (u64 t = 0; t <= 2 * p; t++)
					assert_int_equal(analysis_sbf(&s, t), brute_edp(p, q, d, t));
			}
}

/* Overhead: two events come off each budget, and the deadline is kept within [Q, P]. */
static void test_sbf_overhead(void **state)
{
	struct analysis_supply s;

	(void)state;
	analysis_supply_periodic(&s, 5 * MS, 2 * MS, 5 * MS, 20000);
	assert_int_equal(s.budget_ns, 1960000);
	/* blackout 2 (5 - 1.96) = 6.08 ms */
	assert_int_equal(analysis_sbf(&s, 6080000), 0);
	assert_int_equal(analysis_sbf(&s, 7080000), 1 * MS);
	analysis_supply_periodic(&s, 5, 2, 1, 0);
	assert_int_equal(s.deadline_ns, 2);
	analysis_supply_periodic(&s, 5, 2, 1, 1);
	assert_int_equal(s.budget_ns, 0);
	assert_int_equal(analysis_sbf(&s, 1000), 0);
	assert_int_equal(analysis_sbf_inverse(&s, 1), UNB);
}

/* Brute-force minimum supply of a frame pattern over every integer start. */
static u64 brute_table(const struct analysis_window *w, u32 n, u64 frame, u64 t)
{
	u64 best = UINT64_MAX;

	for (u64 a = 0; a < frame; a++) {
		u64 sum = 0;

		for (u64 x = a; x < a + t; x++)
			for (u32 i = 0; i < n; i++)
				sum += x % frame >= w[i].offset_ns &&
				       x % frame < w[i].offset_ns + w[i].length_ns;
		best = MIN(best, sum);
	}
	return best;
}

/*
 * A frame of 10 with windows [5, 7) and [0, 3) (given out of order), S = 5.
 * Worst starts are the window ends 3 and 7:
 *   from 3: gap to 5, [5, 7), gap to 10, [10, 13): r = 0..10 -> 0 0 0 1 2 2 2 2 3 4 5
 *   from 7: gap to 10, [10, 13), gap to 15, [15, 17): -> 0 0 0 0 1 2 3 3 3 4 5
 *   min:                                              0 0 0 0 1 2 2 2 3 4 5
 * and sbf(10 q + r) = 5 q + sbf(r).
 */
static void test_sbf_table(void **state)
{
	static const u64 want[] = { 0, 0, 0, 0, 1, 2, 2, 2, 3, 4, 5 };
	struct analysis_window w[] = { { 5, 2 }, { 0, 3 } };
	struct analysis_supply s;

	(void)state;
	analysis_supply_table(&s, 10, w, 2, 0);
	assert_int_equal(s.budget_ns, 5);
	assert_int_equal(s.windows[0].offset_ns, 0);
	for (u64 t = 0; t < ARRAY_SIZE(want); t++)
		assert_int_equal(analysis_sbf(&s, t), want[t]);
	assert_int_equal(analysis_sbf(&s, 12), 5);
	assert_int_equal(analysis_sbf(&s, 14), 6);
	for (u64 t = 0; t <= 30; t++)
		assert_int_equal(analysis_sbf(&s, t), brute_table(w, 2, 10, t));
	/* Inverse: the least t with sbf(t) >= w. */
	for (u64 work = 0; work <= 12; work++) {
		u64 t = analysis_sbf_inverse(&s, work);

		assert_true(analysis_sbf(&s, t) >= work);
		assert_true(t == 0 || analysis_sbf(&s, t - 1) < work);
	}
	/* Overhead 1: each window loses 2 at its start; [5, 7) is left with nothing. */
	analysis_supply_table(&s, 10, w, 2, 1);
	assert_int_equal(s.nr_windows, 1);
	assert_int_equal(s.budget_ns, 1);
	assert_int_equal(s.windows[0].offset_ns, 2);
}

static void test_sbf_inverse_periodic(void **state)
{
	struct analysis_supply s;

	(void)state;
	for (u64 d = 2; d <= 5; d++) {
		analysis_supply_periodic(&s, 5, 2, d, 0);
		for (u64 work = 0; work <= 20; work++) {
			u64 t = analysis_sbf_inverse(&s, work);

			assert_true(analysis_sbf(&s, t) >= work);
			assert_true(t == 0 || analysis_sbf(&s, t - 1) < work);
		}
	}
}

/*
 * Rate monotonic on Gamma(5, 2) (Shin & Lee's test), our own set:
 *   t1 (T 10, C 1): response sbf^-1(1) = 6 + 1 = 7.
 *   t2 (T 20, C 2): rbf = 2 + ceil(t/10): sbf^-1(2) = 8 -> rbf(8) = 3
 *       -> sbf^-1(3) = 12 -> rbf(12) = 4 -> sbf^-1(4) = 13 -> rbf(13) = 4: 13.
 * Sharpness: t1 with deadline 7 passes, 6 fails; t2 with deadline 13 passes,
 * and with C 3 (rbf = 3 + ceil(t/10): 12 -> 5 -> 17 -> 5: 17) fails.
 */
static void test_rm_on_supply(void **state)
{
	struct analysis_task ts[] = { task(10, 1, 7), task(20, 2, 13) };
	struct analysis_supply s;

	(void)state;
	analysis_supply_periodic(&s, 5, 2, 5, 0);
	assert_int_equal(analysis_rm_response(ts, 0, &s, 1000), 7);
	assert_int_equal(analysis_rm_response(ts, 1, &s, 1000), 13);
	assert_true(analysis_rm_task_ok(ts, 0, &s));
	assert_true(analysis_rm_task_ok(ts, 1, &s));
	ts[0].deadline_ns = 6;
	assert_false(analysis_rm_task_ok(ts, 0, &s));
	ts[1].wcet_ns = 3;
	assert_int_equal(analysis_rm_response(ts, 1, &s, 1000), 17);
	assert_false(analysis_rm_task_ok(ts, 1, &s));
	/* Demand above the supply's rate: no response within any limit. */
	ts[0] = task(5, 3, 5);
	assert_int_equal(analysis_rm_response(ts, 1, &s, 100000), UNB);
}

/* The scheduling-point test and the response time agree, on random sets. */
static void test_rm_points_match_response(void **state)
{
	u64 seed = 12345;

	(void)state;
	for (int n = 0; n < 3000; n++) {
		struct analysis_task ts[4];
		struct analysis_supply s;
		u32 nr = 1 + n % 4;

		for (u32 i = 0; i < nr; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ts[i].period_ns = 4 + (seed >> 33) % 40;
			ts[i].wcet_ns = 1 + (seed >> 20) % 4;
			ts[i].deadline_ns = ts[i].wcet_ns + (seed >> 40) % ts[i].period_ns;
			if (ts[i].deadline_ns > ts[i].period_ns)
				ts[i].deadline_ns = ts[i].period_ns;
		}
		if (n % 3 == 0) {
			struct analysis_window w[] = { { seed % 5, 3 }, { 8, 1 + seed % 3 } };
			analysis_supply_table(&s, 12, w, 2, 0);
		} else {
			analysis_supply_periodic(&s, 3 + seed % 6, 1 + seed % 3, 6 + seed % 3, 0);
		}
		for (u32 i = 0; i < nr; i++)
			assert_int_equal(analysis_rm_task_ok(ts, i, &s),
					 analysis_rm_response(ts, i, &s, 1000000) <= ts[i].deadline_ns);
	}
}

/*
 * dbf of (T 4, C 1, D 3) and (T 6, C 2, D 6) (Baruah, Mok & Rosier):
 *   t  : 2  3  6  7  11  12
 *   dbf: 0  1  3  4   5   7   (jobs due by t: 7 -> two of the first, one of the second)
 */
static void test_dbf(void **state)
{
	struct analysis_task ts[] = { task(4, 1, 3), task(6, 2, 6) };

	(void)state;
	assert_int_equal(analysis_dbf(ts, 2, 2), 0);
	assert_int_equal(analysis_dbf(ts, 2, 3), 1);
	assert_int_equal(analysis_dbf(ts, 2, 6), 3);
	assert_int_equal(analysis_dbf(ts, 2, 7), 4);
	assert_int_equal(analysis_dbf(ts, 2, 11), 5);
	assert_int_equal(analysis_dbf(ts, 2, 12), 7);
}

/*
 * EDF on Gamma(5, 2): one task (T 10, C 2): dbf(10) = 2 <= sbf(10) = 2 and
 * dbf(20) = 4 <= sbf(20) = 6: passes (the horizon is 10 + max(10, 6)).
 * With C 3, dbf(10) = 3 > 2: refused at t = 10. And a dedicated CPU takes
 * U = 1 exactly but not a unit more.
 */
static void test_edf(void **state)
{
	struct analysis_task ts[] = { task(10, 2, 10), task(4, 1, 3), task(6, 2, 6) };
	struct analysis_edf_result res;
	struct analysis_supply s;

	(void)state;
	analysis_supply_periodic(&s, 5, 2, 5, 0);
	analysis_edf(ts, 1, &s, &res);
	assert_true(res.ok);
	ts[0].wcet_ns = 3;
	analysis_edf(ts, 1, &s, &res);
	assert_false(res.ok);
	assert_false(res.undecided);
	assert_int_equal(res.t_ns, 10);
	assert_int_equal(res.demand_ns, 3);
	assert_int_equal(res.supply_ns, 2);
	assert_int_equal(res.task, 0);

	analysis_supply_dedicated(&s);
	ts[1] = task(4, 2, 4);
	ts[2] = task(6, 3, 6); /* U = 1/2 + 1/2 = 1 */
	analysis_edf(&ts[1], 2, &s, &res);
	assert_true(res.ok);
	ts[2].wcet_ns = 4;
	analysis_edf(&ts[1], 2, &s, &res);
	assert_false(res.ok);
	/* dbf at 4, 6, 8: 2, 2 + 4, 4 + 4, all <= t; at 12: 3*2 + 2*4 = 14 > 12. */
	assert_int_equal(res.t_ns, 12);
	assert_int_equal(res.demand_ns, 14);
}

/* An EDF verdict agrees with dbf <= sbf checked far beyond the horizon. */
static void test_edf_matches_brute(void **state)
{
	u64 seed = 777;

	(void)state;
	for (int n = 0; n < 500; n++) {
		struct analysis_task ts[3];
		struct analysis_edf_result res;
		struct analysis_supply s;
		bool ok = true;

		for (u32 i = 0; i < 3; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ts[i].period_ns = 6 + (seed >> 33) % 10;
			ts[i].wcet_ns = 1 + (seed >> 21) % 2;
			ts[i].deadline_ns = ts[i].wcet_ns + (seed >> 41) % (ts[i].period_ns - 1);
		}
		analysis_supply_periodic(&s, 4 + seed % 3, 2 + seed % 2, 6, 0);
		analysis_edf(ts, 3, &s, &res);
		for (u64 t = 1; t < 20000 && ok; t++)
			ok = analysis_dbf(ts, 3, t) <= analysis_sbf(&s, t);
		assert_false(res.undecided);
		assert_int_equal(res.ok, ok);
	}
}

static void test_edf_undecided(void **state)
{
	/* Two periods with a least common multiple near 10^12 ns, beyond the 100 s cap. */
	struct analysis_task ts[] = { task(999983, 1, 999983), task(999979, 1, 999979) };
	struct analysis_edf_result res;
	struct analysis_supply s;

	(void)state;
	analysis_supply_dedicated(&s);
	analysis_edf(ts, 2, &s, &res);
	assert_false(res.ok);
	assert_true(res.undecided);
}

/*
 * A constant blocking term on a dedicated CPU: a (T 10, C 4, D 10) and
 * b (T 20, C 5, D 15). dbf is 4 at 10, 9 at 15, 13 at 20, 17 at 30, 22 at
 * 35: the least slack t - dbf(t) is 6, at 10 and 15. Blocking 6 passes, 7
 * fails first at t = 10 with 4 + 7 = 11 > 10; blocking 0 is analysis_edf.
 */
static void test_edf_blocked(void **state)
{
	struct analysis_task ts[] = { task(10, 4, 10), task(20, 5, 15) };
	struct analysis_edf_result res, plain;
	struct analysis_supply s;

	(void)state;
	analysis_supply_dedicated(&s);
	analysis_edf_blocked(ts, 2, &s, 6, &res);
	assert_true(res.ok);
	analysis_edf_blocked(ts, 2, &s, 7, &res);
	assert_false(res.ok);
	assert_false(res.undecided);
	assert_int_equal(res.t_ns, 10);
	assert_int_equal(res.demand_ns, 11);
	assert_int_equal(res.supply_ns, 10);
	ts[1].wcet_ns = 12; /* fails with or without blocking: the same verdict at 0 */
	analysis_edf_blocked(ts, 2, &s, 0, &res);
	analysis_edf(ts, 2, &s, &plain);
	assert_false(res.ok);
	assert_int_equal(res.t_ns, plain.t_ns);
	assert_int_equal(res.demand_ns, plain.demand_ns);
}

/*
 * The response to a backlog of work behind a server's own tasks. Hand
 * values on Gamma(2000, 960) with R = 1040 (blackout 2000 + 1040 - 1920 =
 * 1120): 240 of work alone takes 1120 + 240 = 1360; behind a task (T 5000,
 * C 500): 1360 -> sbf^-1(740) = 1860 -> 1860. Then brute force on small
 * random cases: the least t with work + rbf(t) <= sbf(t), scanned unit by unit.
 */
static void test_backlog_response(void **state)
{
	struct analysis_task ts[3] = { task(5000, 500, 5000) };
	struct analysis_supply s;
	u64 seed = 4242;

	(void)state;
	analysis_supply_periodic(&s, 2000, 1000, 1040, 20);
	assert_int_equal(analysis_backlog_response(ts, 0, &s, 240, 100000), 1360);
	assert_int_equal(analysis_backlog_response(ts, 1, &s, 240, 100000), 1860);
	assert_int_equal(analysis_backlog_response(ts, 1, &s, 240, 1859), UNB);
	for (int n = 0; n < 400; n++) {
		u32 nr;
		u64 work, want = UNB;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		nr = (seed >> 60) % 3;
		work = 1 + (seed >> 40) % 30;
		analysis_supply_periodic(&s, 5 + (seed >> 10) % 20, 1 + (seed >> 20) % 5, 30, 0);
		for (u32 i = 0; i < nr; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ts[i] = task(8 + (seed >> 33) % 40, 1 + (seed >> 50) % 3, 50);
		}
		for (u64 t = 1; t <= 3000 && want == UNB; t++) {
			u64 demand = work;

			for (u32 i = 0; i < nr; i++)
				demand += (t + ts[i].period_ns - 1) / ts[i].period_ns * ts[i].wcet_ns;
			if (demand <= analysis_sbf(&s, t))
				want = t;
		}
		assert_int_equal(analysis_backlog_response(ts, nr, &s, work, 3000), want);
	}
}

static void test_fmt(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(analysis_fmt(2400000, buf, sizeof(buf)), "2.4 ms");
	assert_string_equal(analysis_fmt(4 * MS, buf, sizeof(buf)), "4 ms");
	assert_string_equal(analysis_fmt(2125000, buf, sizeof(buf)), "2.125 ms");
	assert_string_equal(analysis_fmt(500000, buf, sizeof(buf)), "500 us");
	assert_string_equal(analysis_fmt(1500, buf, sizeof(buf)), "1.5 us");
	assert_string_equal(analysis_fmt(12, buf, sizeof(buf)), "12 ns");
	assert_string_equal(analysis_fmt(UNB, buf, sizeof(buf)), "unbounded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rta_textbook),
		cmocka_unit_test(test_rta_above_ll_bound),
		cmocka_unit_test(test_server_rta),
		cmocka_unit_test(test_server_rta_overhead),
		cmocka_unit_test(test_server_rta_unbounded),
		cmocka_unit_test(test_sbf_periodic_hand),
		cmocka_unit_test(test_sbf_periodic_properties),
		cmocka_unit_test(test_sbf_edp_brute),
		cmocka_unit_test(test_sbf_overhead),
		cmocka_unit_test(test_sbf_table),
		cmocka_unit_test(test_sbf_inverse_periodic),
		cmocka_unit_test(test_rm_on_supply),
		cmocka_unit_test(test_rm_points_match_response),
		cmocka_unit_test(test_dbf),
		cmocka_unit_test(test_edf),
		cmocka_unit_test(test_edf_matches_brute),
		cmocka_unit_test(test_edf_undecided),
		cmocka_unit_test(test_edf_blocked),
		cmocka_unit_test(test_backlog_response),
		cmocka_unit_test(test_fmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
