/*
 * lf_analysis: a libFuzzer target for keelcfg's schedulability analysis
 * alone (tools/keelcfg/analysis.c, issue 12). The bytes are read as one
 * supply (dedicated, periodic or a time table), up to CFG_MAX_RT_TASKS
 * tasks and up to eight deferrable servers, every time a u32 of
 * microseconds as in a configuration, and every input kept to what
 * schedcheck.c can pass in (period above 0, deadline up to the period,
 * windows sorted, disjoint and inside the frame). Then every entry point
 * runs, and the contracts written in analysis.h are checked where they are
 * exact statements:
 *   - sbf(0) = 0, sbf is non-decreasing and never above t;
 *   - sbf_inverse(w) is the least t with sbf(t) >= w;
 *   - a task passes analysis_rm_task_ok exactly when its response time
 *     (analysis_rm_response) is within its deadline;
 *   - a server's response time is at least its budget plus two switches.
 * A breach aborts; so does any ASan/UBSan report (overflow included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "model.h"

#define LF_US 1000ull
#define LF_MAX_SERVERS 8

struct lf_reader {
	const u8 *p;
	size_t left;
};

static u32 lf_u32(struct lf_reader *r)
{
	u32 v = 0;

	for (int i = 0; i < 4 && r->left; i++, r->left--)
		v = v << 8 | *r->p++;
	return v;
}

static u8 lf_u8(struct lf_reader *r)
{
	return r->left ? (r->left--, *r->p++) : 0;
}

#define LF_FAIL(...)                                                  \
	do {                                                          \
		fprintf(stderr, "lf_analysis: " __VA_ARGS__);         \
		fputc('\n', stderr);                                  \
		abort();                                              \
	} while (0)

static void lf_read_supply(struct lf_reader *r, struct analysis_supply *s, u64 overhead)
{
	struct analysis_window w[ANALYSIS_MAX_WINDOWS];
	u64 period, budget, frame, at = 0;
	u32 n = 0, want;

	switch (lf_u8(r) % 3) {
	case 0:
		analysis_supply_dedicated(s);
		return;
	case 1:
		period = ((u64)lf_u32(r) + 1) * LF_US;
		budget = (lf_u32(r) * LF_US) % (period + 1);
		analysis_supply_periodic(s, period, budget, ((u64)lf_u32(r) * LF_US) % (period + 1), overhead);
		return;
	default:
		frame = ((u64)lf_u32(r) + 1) * LF_US;
		want = lf_u8(r) % ANALYSIS_MAX_WINDOWS + 1;
		while (n < want) {
			u64 gap = (u64)lf_u32(r) * LF_US, len = ((u64)lf_u32(r) + 1) * LF_US;

			if (gap >= frame - at || len > frame - at - gap)
				break;
			w[n++] = (struct analysis_window){ at + gap, len };
			at += gap + len;
		}
		analysis_supply_table(s, frame, w, n, overhead);
	}
}

static void lf_check_sbf(const struct analysis_supply *s, struct lf_reader *r)
{
	u64 prev = 0, t = 0;

	if (analysis_sbf(s, 0))
		LF_FAIL("sbf(0) = %lu", (unsigned long)analysis_sbf(s, 0));
	for (int i = 0; i < 8; i++) {
		u64 v, w = (u64)lf_u32(r) * LF_US / (1 + lf_u8(r)), inv;

		t += (u64)lf_u32(r) * (1 + lf_u8(r) % 64);
		v = analysis_sbf(s, t);
		if (v < prev || v > t)
			LF_FAIL("sbf(%lu) = %lu after %lu", (unsigned long)t, (unsigned long)v, (unsigned long)prev);
		prev = v;
		inv = analysis_sbf_inverse(s, w);
		if (inv == ANALYSIS_UNBOUNDED)
			continue;
		if (analysis_sbf(s, inv) < w || (inv && analysis_sbf(s, inv - 1) >= w))
			LF_FAIL("sbf_inverse(%lu) = %lu is not the least t with sbf(t) >= it", (unsigned long)w,
				(unsigned long)inv);
	}
}

static u32 lf_read_tasks(struct lf_reader *r, struct analysis_task *tasks)
{
	u32 nr = lf_u8(r) % (CFG_MAX_RT_TASKS + 1);

	for (u32 i = 0; i < nr; i++) {
		u64 period = ((u64)lf_u32(r) + 1) * LF_US;

		tasks[i].period_ns = period;
		tasks[i].wcet_ns = ((u64)lf_u32(r) % period / LF_US + 1) * LF_US;
		tasks[i].deadline_ns = ((u64)lf_u32(r) % period / LF_US + 1) * LF_US;
	}
	return nr;
}

static void lf_check_tasks(const struct analysis_task *tasks, u32 nr, const struct analysis_supply *s,
			   struct lf_reader *r)
{
	struct analysis_edf_result res;
	char buf[32];

	for (u32 i = 0; i < nr; i++) {
		bool ok = analysis_rm_task_ok(tasks, i, s);
		u64 resp = analysis_rm_response(tasks, i, s, tasks[i].deadline_ns);

		if (ok != (resp <= tasks[i].deadline_ns))
			LF_FAIL("task %u: rm_task_ok %d but response %lu, deadline %lu", i, ok, (unsigned long)resp,
				(unsigned long)tasks[i].deadline_ns);
		analysis_fmt(resp, buf, sizeof(buf));
	}
	analysis_edf(tasks, nr, s, &res);
	analysis_edf_blocked(tasks, nr, s, (u64)lf_u32(r) * LF_US, &res);
	analysis_backlog_response(tasks, nr, s, (u64)lf_u32(r) * LF_US, UINT64_MAX - 1);
}

static void lf_check_servers(struct lf_reader *r, u64 overhead)
{
	struct analysis_server srv[LF_MAX_SERVERS];
	u32 nr = lf_u8(r) % (LF_MAX_SERVERS + 1);

	for (u32 i = 0; i < nr; i++) {
		srv[i].period_ns = ((u64)lf_u32(r) + 1) * LF_US;
		srv[i].budget_ns = (lf_u32(r) * LF_US) % (srv[i].period_ns + 1);
		srv[i].priority = lf_u8(r);
	}
	for (u32 i = 0; i < nr; i++) {
		u64 resp = analysis_server_response(srv, nr, i, overhead, srv[i].period_ns * 10);

		if (srv[i].budget_ns && resp < srv[i].budget_ns + 2 * overhead)
			LF_FAIL("server %u: response %lu below its budget %lu", i, (unsigned long)resp,
				(unsigned long)srv[i].budget_ns);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lf_reader r = { data, size };
	struct analysis_task tasks[CFG_MAX_RT_TASKS];
	struct analysis_supply s;
	u64 overhead = (u64)(lf_u32(&r) % 1000000); /* up to 1 ms a scheduling event */
	u32 nr;

	memset(&s, 0, sizeof(s));
	lf_read_supply(&r, &s, overhead);
	lf_check_sbf(&s, &r);
	nr = lf_read_tasks(&r, tasks);
	lf_check_tasks(tasks, nr, &s, &r);
	lf_check_servers(&r, overhead);
	return 0;
}
