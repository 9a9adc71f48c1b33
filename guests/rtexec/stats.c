/*
 * What the executive measures and prints: per-task jobs, deadline misses,
 * response times and release jitter; the timer-interrupt latency as min,
 * mean, max and a histogram of RT_HIST_NS-wide buckets (for the p99); and the
 * summaries, with their lines' exact formats (docs/rtexec.md), which tests
 * and benchmarks parse. Times print in microseconds with three decimals.
 *
 * A periodic summary is a snapshot of the statistics, taken when due, that
 * the dispatcher prints only while no job is pending, one character at a
 * time, so printing delays a release by at most one character. If it cannot
 * finish within RT_REPORT_OVERDUE_MS (an overloaded set is never idle), it is
 * printed at once. Each summary also goes to Keel through KEEL_HC_RT_REPORT.
 */
#include <stddef.h>

#include <guest/keel.h>
#include <guest/print.h>
#include <guest/smccc.h>
#include <guest/string.h>
#include <guest/timer.h>
#include <guest/uart.h>

#include "rtexec.h"

#define RT_HIST_NS 100u             /* latency histogram bucket width */
#define RT_HIST_BUCKETS 10000u      /* to 1 ms; one more for everything above */
#define RT_SUMMARY_PERIOD_MS 10000u /* without keel-test,summary-every */
#define RT_REPORT_OVERDUE_MS 1000u
#define NS_PER_S 1000000000ull

struct latency {
	uint64_t samples, sum, min, max; /* counter ticks */
	uint32_t hist[RT_HIST_BUCKETS + 1];
};

struct snapshot {
	struct rt_task_stats st[RT_MAX_TASKS];
	uint64_t jobs, misses, dropped;
};

/* The periodic summary being printed: line by line, each formatted when reached. */
struct reporter {
	bool busy;
	uint64_t since;      /* count when the snapshot was taken */
	uint32_t line;       /* next line to format: tasks, total, latency */
	char buf[256];
	uint32_t pos, len;
	struct snapshot snap;
};

static struct latency lat; /* in .bss: min is valid once samples > 0 */
static uint64_t total_jobs, total_misses, total_dropped;
static struct reporter rep;
static uint64_t next_summary_jobs, next_summary_time;

uint64_t rt_ticks_to_ns(uint64_t ticks)
{
	uint64_t f = timer_freq();

	return ticks / f * NS_PER_S + ticks % f * NS_PER_S / f;
}

uint64_t rt_us_to_ticks(uint64_t us)
{
	return us / 1000000 * timer_freq() + us % 1000000 * timer_freq() / 1000000;
}

void rt_stats_complete(struct rt_task *t, uint64_t now)
{
	struct rt_task_stats *s = &t->st;
	uint64_t release = t->release[t->head % RT_BACKLOG];
	uint64_t resp = now - release;
	uint64_t jitter = t->start - release;

	s->jobs++;
	s->completed++;
	s->resp_sum += resp;
	if (resp > s->resp_worst)
		s->resp_worst = resp;
	if (jitter > s->jitter_worst)
		s->jitter_worst = jitter;
	total_jobs++;
	if (resp > t->deadline) {
		s->misses++;
		total_misses++;
	}
}

void rt_stats_drop(struct rt_task *t)
{
	t->st.jobs++;
	t->st.misses++;
	t->st.dropped++;
	total_jobs++;
	total_misses++;
	total_dropped++;
}

void rt_latency_record(uint64_t ticks)
{
	uint64_t bucket = rt_ticks_to_ns(ticks) / RT_HIST_NS;

	if (!lat.samples || ticks < lat.min)
		lat.min = ticks;
	lat.samples++;
	lat.sum += ticks;
	if (ticks > lat.max)
		lat.max = ticks;
	lat.hist[bucket < RT_HIST_BUCKETS ? bucket : RT_HIST_BUCKETS]++;
}

uint64_t rt_total_jobs(void)
{
	return total_jobs;
}

/* The 99th percentile in ns: the upper edge of its bucket, but never above the maximum. */
static uint64_t latency_p99_ns(void)
{
	uint64_t rank = (lat.samples * 99 + 99) / 100, seen = 0, max = rt_ticks_to_ns(lat.max);
	uint32_t b;

	for (b = 0; b < RT_HIST_BUCKETS; b++) {
		seen += lat.hist[b];
		if (seen >= rank)
			break;
	}
	if (b == RT_HIST_BUCKETS || (uint64_t)(b + 1) * RT_HIST_NS > max)
		return max;
	return (uint64_t)(b + 1) * RT_HIST_NS;
}

/* Formats ns as microseconds with three decimals ("12.345") into buf. */
static const char *us3(char *buf, size_t size, uint64_t ns)
{
	snprintf(buf, size, "%lu.%03lu", ns / 1000, ns % 1000);
	return buf;
}

static void format_task(const struct snapshot *s, uint32_t i, char *buf, size_t size)
{
	const struct rt_task_stats *st = &s->st[i];
	uint64_t mean = st->completed ? st->resp_sum / st->completed : 0;
	char w[24], a[24], j[24];

	snprintf(buf, size, "rtexec: task %s: jobs %lu misses %lu worst-response %s us "
		 "mean-response %s us worst-jitter %s us\n", rt.task[i].name, st->jobs, st->misses,
		 us3(w, sizeof(w), rt_ticks_to_ns(st->resp_worst)),
		 us3(a, sizeof(a), rt_ticks_to_ns(mean)),
		 us3(j, sizeof(j), rt_ticks_to_ns(st->jitter_worst)));
}

static void format_latency(char *buf, size_t size)
{
	char mn[24], me[24], p[24], mx[24];
	uint64_t n = lat.samples;

	snprintf(buf, size, "KRT latency us %s %s %s %s %lu\n",
		 us3(mn, sizeof(mn), n ? rt_ticks_to_ns(lat.min) : 0),
		 us3(me, sizeof(me), n ? rt_ticks_to_ns(lat.sum / n) : 0),
		 us3(p, sizeof(p), n ? latency_p99_ns() : 0),
		 us3(mx, sizeof(mx), rt_ticks_to_ns(lat.max)), n);
}

/* Line `line` of a summary: one per task, the total, the latency. False past the end. */
static bool format_line(const struct snapshot *s, uint32_t line, char *buf, size_t size)
{
	if (line < rt.ntasks)
		format_task(s, line, buf, size);
	else if (line == rt.ntasks)
		snprintf(buf, size, "rtexec: total jobs %lu misses %lu dropped %lu\n",
			 s->jobs, s->misses, s->dropped);
	else if (line == rt.ntasks + 1)
		format_latency(buf, size);
	else
		return false;
	return true;
}

/* Copies the statistics and tells Keel (IRQs masked). */
static void take_snapshot(struct snapshot *s)
{
	uint64_t worst = 0;
	uint32_t i;

	for (i = 0; i < rt.ntasks; i++) {
		s->st[i] = rt.task[i].st;
		if (s->st[i].resp_worst > worst)
			worst = s->st[i].resp_worst;
	}
	s->jobs = total_jobs;
	s->misses = total_misses;
	s->dropped = total_dropped;
	/* Keel versions without the call return NOT_SUPPORTED, as does QEMU: ignored. */
	(void)smccc_hvc(KEEL_HC_RT_REPORT, s->jobs, s->misses, rt_ticks_to_ns(worst));
}

void rt_report_poll(uint64_t now)
{
	bool due;

	if (rep.busy)
		return;
	if (!next_summary_time) {
		next_summary_time = now + timer_ms_to_ticks(RT_SUMMARY_PERIOD_MS);
		next_summary_jobs = rt.summary_every;
		return;
	}
	due = rt.summary_every ? total_jobs >= next_summary_jobs : now >= next_summary_time;
	if (!due)
		return;
	while (rt.summary_every && next_summary_jobs <= total_jobs)
		next_summary_jobs += rt.summary_every;
	next_summary_time = now + timer_ms_to_ticks(RT_SUMMARY_PERIOD_MS);
	take_snapshot(&rep.snap);
	rep.busy = true;
	rep.since = now;
	rep.line = 0;
	rep.pos = rep.len = 0;
}

bool rt_report_busy(void)
{
	return rep.busy;
}

bool rt_report_overdue(uint64_t now)
{
	return rep.busy && now - rep.since > timer_ms_to_ticks(RT_REPORT_OVERDUE_MS);
}

void rt_report_step(volatile const uint32_t *stop)
{
	while (rep.busy && !(stop && *stop)) {
		if (rep.pos < rep.len) {
			uart_putc(rep.buf[rep.pos++]);
			continue;
		}
		if (!format_line(&rep.snap, rep.line++, rep.buf, sizeof(rep.buf))) {
			rep.busy = false;
			break;
		}
		rep.pos = 0;
		rep.len = (uint32_t)strlen(rep.buf);
	}
}

void rt_report_final(void)
{
	static struct snapshot s;
	char buf[256];
	uint32_t line;

	rt_report_step(NULL); /* finish a periodic summary first, so lines do not mix */
	take_snapshot(&s);
	for (line = 0; format_line(&s, line, buf, sizeof(buf)); line++)
		uart_puts(buf);
}
