/*
 * rtexec: a small bare-metal real-time executive (docs/rtexec.md). One vCPU
 * at EL1 runs periodic tasks read from the device tree's /keel-tasks node,
 * scheduled preemptively by rate-monotonic priorities or earliest deadline
 * first, and records what each task's jobs experienced.
 *
 * Concurrency: there is one CPU and two contexts, the dispatcher loop and the
 * virtual-timer interrupt handler. Every field below that both touch (job
 * queues, statistics) is changed only with IRQs masked: in the handler, or by
 * the dispatcher between irq_disable() and irq_enable(). A job runs with IRQs
 * enabled and touches only its own progress and the preempt flag.
 */
#ifndef RTEXEC_H
#define RTEXEC_H

#include <stdbool.h>
#include <stdint.h>

#define RT_MAX_TASKS 16
#define RT_NAME_MAX 32
#define RT_BACKLOG 8    /* pending jobs a task can queue; a release beyond is dropped */
#define RT_CHUNK_US 16  /* a job checks for preemption this often (execution time) */
#define RT_START_MS 10  /* first release of every task, after the executive is set up */

enum rt_policy { RT_RM, RT_EDF };

/* Per task; counter ticks unless named otherwise. */
struct rt_task_stats {
	uint64_t jobs;         /* completed or dropped */
	uint64_t misses;       /* completed late, or dropped */
	uint64_t dropped;      /* released while RT_BACKLOG jobs were pending */
	uint64_t completed;
	uint64_t resp_sum, resp_worst;
	uint64_t jitter_worst; /* first start - release */
};

struct rt_task {
	char name[RT_NAME_MAX];
	uint32_t period_us, wcet_us, deadline_us;
	uint64_t period, deadline; /* counter ticks */
	uint64_t wcet_iters;       /* burn-loop iterations of one job */

	/* Pending jobs' release times, oldest at head % RT_BACKLOG. IRQs masked. */
	uint64_t release[RT_BACKLOG];
	uint32_t head, tail;
	uint64_t next_release;     /* handler only, once started */

	/* Progress of the oldest pending job: dispatcher only. */
	bool started;
	uint64_t start, left_iters;

	struct rt_task_stats st;   /* IRQs masked */
};

struct rt_config {
	enum rt_policy policy;
	uint32_t ntasks;
	bool builtin;              /* the device tree had no usable task set */
	uint64_t jobs_limit;       /* /chosen keel-test,jobs; 0: run forever */
	uint64_t summary_every;    /* /chosen keel-test,summary-every; 0: every 10 s */
	struct rt_task task[RT_MAX_TASKS];
};

extern struct rt_config rt;

/* taskset.c */
/* Fills rt from the device tree (or the built-in set) and says what it chose. */
void rt_taskset_load(void);
/* Converts each task's microseconds into counter ticks and burn-loop iterations. */
void rt_taskset_scale(uint64_t iters_per_ms);

/* main.c */
/* Burns n iterations of a two-instruction loop (n may be 0). */
void rt_burn(uint64_t n);

/* sched.c */
/* Releases every task first at start (a count) and dispatches jobs until the job limit. */
void rt_sched_run(uint64_t start, uint64_t chunk_iters);

/* stats.c */
/* Counter ticks to ns, and microseconds to counter ticks, without overflow. */
uint64_t rt_ticks_to_ns(uint64_t ticks);
uint64_t rt_us_to_ticks(uint64_t us);
/* Accounts the completion at now of t's oldest pending job (IRQs masked). */
void rt_stats_complete(struct rt_task *t, uint64_t now);
/* Accounts a release of t dropped because its backlog was full (IRQs masked). */
void rt_stats_drop(struct rt_task *t);
/* Records one timer-interrupt latency: handler entry minus the programmed CVAL. */
void rt_latency_record(uint64_t ticks);
/* Jobs completed or dropped so far, over all tasks. */
uint64_t rt_total_jobs(void);
/* Starts a periodic summary if one is due at now (IRQs masked, dispatcher). */
void rt_report_poll(uint64_t now);
/* Whether a periodic summary is still being printed, and whether it waited too long. */
bool rt_report_busy(void);
bool rt_report_overdue(uint64_t now);
/* Prints the pending summary until it is done or *stop becomes non-zero (NULL: never). */
void rt_report_step(volatile const uint32_t *stop);
/* Prints the final summary (IRQs masked, timer stopped). */
void rt_report_final(void);

/* service.c: the optional control service (guest/rtexec_service.h); nothing happens unless rt_service_on. */
extern bool rt_service_on;
/* Reads /chosen rtexec,service-* and rtexec,stream-* (after rt_taskset_load); says what it set up. */
void rt_service_load(void);
/* Answers the calls waiting on the service's endpoint, a few at most, never waiting (IRQs masked). */
void rt_service_poll(void);
/* A job of t completed at now (IRQs masked): the first task's drive the plant and the samples. */
void rt_service_job_done(const struct rt_task *t, uint64_t now);
/* Starts the plant (rt_service_on) without the IPC part, if a task set exists; idempotent. */
void rt_plant_enable(void);
/* The plant's setpoint and latest reading, in thousandths. */
uint32_t rt_plant_setpoint(void);
uint32_t rt_plant_reading(void);
/* Sets the setpoint, logged under who; false (nothing changed) above RT_SETPOINT_MAX. */
bool rt_plant_set(uint32_t setpoint, const char *who);

/* console.c: the optional line protocol on a virtio console (rtexec,console-port). */
extern bool rt_console_on;
/* Reads /chosen rtexec,console-port, brings that virtio console up and starts the plant; says so. */
void rt_console_load(void);
/* Sends what is left of an answer, then handles at most RT_CON_PER_POLL received bytes (IRQs masked). */
void rt_console_poll(void);

#endif
