/*
 * The task set: read from the device tree's /keel-tasks node, which the
 * configuration tool writes from the VM's declared task set (docs/rtexec.md):
 *
 *     keel-tasks {
 *         scheduler = "rm";            (or "edf")
 *         ctrl { period-us = <1000>; wcet-us = <200>; deadline-us = <1000>; };
 *         ...
 *     };
 *
 * A missing deadline-us means the period. Without a usable /keel-tasks the
 * built-in set below runs, and the executive says so.
 */
#include <guest/fdt.h>
#include <guest/print.h>
#include <guest/string.h>

#include "rtexec.h"

#define TASKS_NODE "/keel-tasks"
#define PATH_MAX_LEN (sizeof(TASKS_NODE) + RT_NAME_MAX)

struct rt_config rt;

struct builtin_task {
	const char *name;
	uint32_t period_us, wcet_us;
};

/* Utilisation 0.6; harmonic periods, so RM and EDF both schedule it. */
static const struct builtin_task builtin[] = {
	{ "fast", 1000, 200 },
	{ "mid", 5000, 1000 },
	{ "slow", 10000, 2000 },
};

static void add_task(const char *name, uint32_t period_us, uint32_t wcet_us, uint32_t deadline_us)
{
	struct rt_task *t = &rt.task[rt.ntasks++];
	size_t n = strlen(name);

	memcpy(t->name, name, n + 1);
	t->period_us = period_us;
	t->wcet_us = wcet_us;
	t->deadline_us = deadline_us;
}

/* Adds the task of /keel-tasks/<name>; false (after saying why) if it is not usable. */
static bool read_task(const char *name)
{
	char path[PATH_MAX_LEN];
	uint32_t period, wcet, deadline;

	snprintf(path, sizeof(path), "%s/%s", TASKS_NODE, name);
	if (!fdt_read_u32(path, "period-us", &period) || !fdt_read_u32(path, "wcet-us", &wcet) ||
	    period == 0 || wcet == 0) {
		printf("rtexec: config: task %s ignored: needs non-zero period-us and wcet-us\n", name);
		return false;
	}
	if (!fdt_read_u32(path, "deadline-us", &deadline))
		deadline = period;
	if (deadline == 0) {
		printf("rtexec: config: task %s ignored: deadline-us is 0\n", name);
		return false;
	}
	add_task(name, period, wcet, deadline);
	return true;
}

static void read_policy(void)
{
	uint32_t len;
	const char *s = fdt_getprop(TASKS_NODE, "scheduler", &len);

	rt.policy = RT_RM;
	if (s && len == sizeof("edf") && memcmp(s, "edf", len) == 0)
		rt.policy = RT_EDF;
	else if (!s || len != sizeof("rm") || memcmp(s, "rm", len) != 0)
		printf("rtexec: config: no valid scheduler property (\"rm\" or \"edf\"): using rm\n");
}

static void read_tree(void)
{
	char name[RT_NAME_MAX];
	uint32_t i;

	for (i = 0; fdt_child_name(TASKS_NODE, i, name, sizeof(name)); i++) {
		if (rt.ntasks == RT_MAX_TASKS) {
			printf("rtexec: config: more than %u tasks: the rest are ignored\n", RT_MAX_TASKS);
			break;
		}
		read_task(name);
	}
	if (rt.ntasks)
		read_policy();
}

static void read_chosen(void)
{
	uint32_t v;

	if (fdt_read_u32("/chosen", "keel-test,jobs", &v))
		rt.jobs_limit = v;
	if (fdt_read_u32("/chosen", "keel-test,summary-every", &v))
		rt.summary_every = v;
}

void rt_taskset_load(void)
{
	uint32_t i;
	uint64_t util = 0; /* per 100,000 */

	read_tree();
	read_chosen();
	if (!rt.ntasks) {
		printf("rtexec: config: no task set in the device tree (%s): using the built-in set\n",
		       TASKS_NODE);
		rt.builtin = true;
		rt.policy = RT_RM;
		for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			add_task(builtin[i].name, builtin[i].period_us, builtin[i].wcet_us,
				 builtin[i].period_us);
	}
	for (i = 0; i < rt.ntasks; i++) {
		const struct rt_task *t = &rt.task[i];

		util += (uint64_t)t->wcet_us * 100000 / t->period_us;
		printf("rtexec: config: %s period %u us wcet %u us deadline %u us\n",
		       t->name, t->period_us, t->wcet_us, t->deadline_us);
	}
	printf("rtexec: config: utilisation %lu.%03lu%%, jobs %lu, summary every %lu %s\n",
	       util / 1000, util % 1000, rt.jobs_limit,
	       rt.summary_every ? rt.summary_every : 10, rt.summary_every ? "jobs" : "s");
}

void rt_taskset_scale(uint64_t iters_per_ms)
{
	uint32_t i;

	for (i = 0; i < rt.ntasks; i++) {
		struct rt_task *t = &rt.task[i];

		t->period = rt_us_to_ticks(t->period_us);
		t->deadline = rt_us_to_ticks(t->deadline_us);
		t->wcet_iters = (uint64_t)t->wcet_us * iters_per_ms / 1000;
	}
}
