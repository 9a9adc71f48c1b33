/*
 * Releases and dispatching. The virtual timer is programmed one-shot for the
 * next release of any task. Its interrupt handler releases the jobs that are
 * due, re-arms the timer, and decides whether the job now running must give
 * way (a strictly higher RM priority, or a strictly earlier EDF deadline); if
 * so it sets `preempt`. The dispatcher runs the highest-priority pending job
 * with IRQs enabled, as a loop of chunks of RT_CHUNK_US of execution that
 * checks `preempt` between chunks, so a release preempts within one chunk.
 * A preempted job keeps its remaining iterations and resumes when it is again
 * the highest-priority job. With nothing pending the dispatcher answers the
 * optional service's calls (service.c) and console lines (console.c), then prints the pending summary, a
 * character at a time, or sleeps in WFI.
 */
#include <stddef.h>

#include <guest/gic.h>
#include <guest/platform.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include "rtexec.h"

#define NO_TASK (-1)

static volatile int running = NO_TASK; /* dispatcher writes; the handler reads */
static volatile uint32_t preempt;      /* handler sets; dispatcher clears, IRQs masked */
static uint32_t rm_order[RT_MAX_TASKS]; /* task indices, highest RM priority first */

static bool pending(const struct rt_task *t)
{
	return t->head != t->tail;
}

static uint64_t abs_deadline(const struct rt_task *t)
{
	return t->release[t->head % RT_BACKLOG] + t->deadline;
}

/* Whether pending task a must preempt pending task b. */
static bool beats(int a, int b)
{
	if (rt.policy == RT_EDF)
		return abs_deadline(&rt.task[a]) < abs_deadline(&rt.task[b]);
	return rt.task[a].period < rt.task[b].period;
}

/* The task whose oldest pending job runs next, or NO_TASK. Ties go to the lower index. */
static int pick(void)
{
	int best = NO_TASK;
	uint32_t i;

	if (rt.policy == RT_RM) {
		for (i = 0; i < rt.ntasks; i++) {
			if (pending(&rt.task[rm_order[i]]))
				return (int)rm_order[i];
		}
		return NO_TASK;
	}
	for (i = 0; i < rt.ntasks; i++) {
		if (pending(&rt.task[i]) && (best == NO_TASK || beats((int)i, best)))
			best = (int)i;
	}
	return best;
}

/* Insertion sort by period, stable: equal periods keep their tree order. */
static void rm_sort(void)
{
	uint32_t i, j;

	for (i = 0; i < rt.ntasks; i++) {
		for (j = i; j > 0 && rt.task[rm_order[j - 1]].period > rt.task[i].period; j--)
			rm_order[j] = rm_order[j - 1];
		rm_order[j] = i;
	}
}

static void release_due(uint64_t now)
{
	uint32_t i;

	for (i = 0; i < rt.ntasks; i++) {
		struct rt_task *t = &rt.task[i];

		while (t->next_release <= now) {
			if (t->tail - t->head == RT_BACKLOG)
				rt_stats_drop(t);
			else
				t->release[t->tail++ % RT_BACKLOG] = t->next_release;
			t->next_release += t->period;
		}
	}
}

static uint64_t next_release(void)
{
	uint64_t next = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < rt.ntasks; i++) {
		if (rt.task[i].next_release < next)
			next = rt.task[i].next_release;
	}
	return next;
}

/* PPI 27: the release timer fired. */
static void on_timer(uint32_t intid)
{
	uint64_t now = timer_now();
	uint64_t cval = read_sysreg(cntv_cval_el0);
	int best, cur = running;

	(void)intid;
	rt_latency_record(now > cval ? now - cval : 0);
	release_due(now);
	timer_arm_at(next_release());
	best = pick();
	if (best != NO_TASK && (cur == NO_TASK || (best != cur && beats(best, cur))))
		preempt = 1;
}

/* Runs task t's oldest job until it completes or is preempted (IRQs masked on entry and exit). */
static void run_job(struct rt_task *t, int idx, uint64_t chunk_iters)
{
	if (!t->started) {
		t->started = true;
		t->start = timer_now();
		t->left_iters = t->wcet_iters;
	}
	running = idx;
	preempt = 0;
	irq_enable();
	while (t->left_iters && !preempt) {
		uint64_t n = t->left_iters < chunk_iters ? t->left_iters : chunk_iters;

		rt_burn(n);
		t->left_iters -= n;
	}
	irq_disable();
	running = NO_TASK;
	if (!t->left_iters) {
		uint64_t now = timer_now();

		rt_stats_complete(t, now);
		if (rt_service_on)
			rt_service_job_done(t, now);
		t->head++;
		t->started = false;
	}
}

/* Nothing pending: print some of the pending summary, or sleep until the next release. */
static void idle(void)
{
	preempt = 0;
	if (rt_service_on)
		rt_service_poll();
	if (rt_console_on)
		rt_console_poll();
	if (!rt_report_busy()) {
		irq_wait();
		return;
	}
	irq_enable();
	rt_report_step(&preempt);
	irq_disable();
}

void rt_sched_run(uint64_t start, uint64_t chunk_iters)
{
	uint32_t i;

	rm_sort();
	for (i = 0; i < rt.ntasks; i++)
		rt.task[i].next_release = start;

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	irq_disable();
	timer_arm_at(start);

	for (;;) {
		uint64_t now = timer_now();
		int t;

		if (rt.jobs_limit && rt_total_jobs() >= rt.jobs_limit)
			break;
		rt_report_poll(now);
		if (rt_report_overdue(now)) {
			/* Overloaded, never idle: print anyway, at the tasks' expense. */
			irq_enable();
			rt_report_step(NULL);
			irq_disable();
		}
		t = pick();
		if (t == NO_TASK)
			idle();
		else
			run_job(&rt.task[t], t, chunk_iters);
	}
	timer_stop();
}
