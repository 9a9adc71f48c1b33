/*
 * Scheduling policies as pure functions over struct sched_entity: no
 * hardware, no locks, time passed in. core/sched.c calls them on each
 * scheduling decision; tests/unit/test_sched.c drives them with made-up time.
 *
 * Fixed priority with deferrable servers (Strosnider, Lehoczky and Sha,
 * IEEE Trans. Computers 1995): each budgeted vCPU may run for `budget` in
 * every `period`; the budget is restored to full at each period boundary
 * and consumed only while the vCPU runs, so a vCPU that waits keeps it
 * (unlike a polling server) and can react at once to an interrupt. The
 * highest-priority runnable vCPU with budget left runs; vCPUs without a
 * budget (background) share what is left, round robin. Keel chose the
 * deferrable server over the sporadic server because its replenishment is
 * one timer per period rather than a queue of replenishment chunks, and its
 * worst case is still analysable (keelcfg models it as a task with release
 * jitter P - Q).
 *
 * Time table (ARINC 653 style): a major frame repeats forever; each window
 * of it belongs to one vCPU, which runs there if it is runnable. Time in a
 * window whose owner is idle, or outside every window, is idle time: strict
 * temporal partitioning, nobody else borrows it.
 */
#include <keel/sched.h>

void sched_replenish(struct sched_entity *e, u64 now)
{
	u64 periods;

	if (e->budget == 0 || now < e->period_start + e->period)
		return;
	periods = (now - e->period_start) / e->period;
	e->period_start += periods * e->period;
	e->remaining = e->budget;
}

void sched_charge(struct sched_entity *e, u64 ticks)
{
	e->cpu_time += ticks;
	if (e->budget == 0 || e->remaining == 0)
		return;
	if (ticks >= e->remaining) {
		e->remaining = 0;
		e->nr_exhaustions++;
	} else {
		e->remaining -= ticks;
	}
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

struct sched_decision sched_decide_fixed_priority(struct sched_entity *const *es, u32 n, u64 now,
						  u32 *background_next, u64 slice)
{
	struct sched_decision d = { -1, SCHED_NEVER };

	for (u32 i = 0; i < n; i++) {
		struct sched_entity *e = es[i];

		sched_replenish(e, now);
		if (e->budget == 0)
			continue;
		/* A replenishment may let a more urgent vCPU preempt: wake up for each. */
		d.until = min_u64(d.until, e->period_start + e->period);
		if (e->runnable && e->remaining > 0 && (d.pick < 0 || e->priority > es[d.pick]->priority))
			d.pick = (int)i;
	}
	if (d.pick >= 0) {
		d.until = min_u64(d.until, now + es[d.pick]->remaining);
		return d;
	}
	/* Slack: background vCPUs in turn, each for a slice. */
	for (u32 k = 0; k < n; k++) {
		u32 i = (*background_next + k) % n;

		if (es[i]->budget == 0 && es[i]->runnable) {
			u32 others = 0;

			for (u32 j = 0; j < n; j++)
				others += j != i && es[j]->budget == 0 && es[j]->runnable;
			d.pick = (int)i;
			*background_next = (i + 1) % n;
			if (others)
				d.until = min_u64(d.until, now + slice);
			break;
		}
	}
	return d;
}

struct sched_decision sched_decide_time_table(const struct cpu_sched *cs,
					      struct sched_entity *const *es, u32 n, u64 now)
{
	struct sched_decision d = { -1, SCHED_NEVER };
	u64 frame_start, offset;

	if (cs->frame == 0 || now < cs->frame_origin)
		return d;
	offset = (now - cs->frame_origin) % cs->frame;
	frame_start = now - offset;
	d.until = frame_start + cs->frame; /* at the latest, the next frame's first window */
	for (u32 w = 0; w < cs->nr_windows; w++) {
		const struct sched_window *win = &cs->windows[w];

		if (offset < win->start) {
			d.until = min_u64(d.until, frame_start + win->start);
			break; /* windows are sorted: we are in the gap before this one */
		}
		if (offset < win->end) {
			d.until = frame_start + win->end;
			if (win->entity < n && es[win->entity]->runnable)
				d.pick = (int)win->entity;
			break;
		}
	}
	return d;
}
