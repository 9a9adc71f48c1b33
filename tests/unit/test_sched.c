/*
 * Host tests of the scheduling policies (core/sched_policy.c), driven with
 * made-up time in ticks. They check the deferrable-server rules (budget
 * restored at each period boundary, consumed only while running, kept while
 * waiting), priority order, background slack sharing, and the time table's
 * windows and idle gaps, including where each decision says to wake up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <keel/sched.h>

static struct sched_entity ent[4];
static struct sched_entity *es[4] = { &ent[0], &ent[1], &ent[2], &ent[3] };
static u32 bg_next;

static void server(int i, u64 budget, u64 period, u32 prio)
{
	ent[i] = (struct sched_entity){ .budget = budget, .period = period, .priority = prio,
					.remaining = budget, .period_start = 0, .runnable = true };
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		ent[i] = (struct sched_entity){ 0 };
	bg_next = 0;
	return 0;
}

static void test_replenish_at_period_boundary(void **state)
{
	(void)state;
	server(0, 30, 100, 1);
	sched_charge(&ent[0], 30);
	assert_int_equal(ent[0].remaining, 0);
	assert_int_equal(ent[0].nr_exhaustions, 1);
	sched_replenish(&ent[0], 99);
	assert_int_equal(ent[0].remaining, 0);
	sched_replenish(&ent[0], 100);
	assert_int_equal(ent[0].remaining, 30);
	assert_int_equal(ent[0].period_start, 100);
	/* Several periods asleep: the period start stays on the grid. */
	sched_replenish(&ent[0], 475);
	assert_int_equal(ent[0].period_start, 400);
}

static void test_budget_kept_while_waiting(void **state)
{
	(void)state;
	server(0, 30, 100, 1);
	sched_charge(&ent[0], 10);
	ent[0].runnable = false; /* waits: nothing charged */
	struct sched_decision d = sched_decide_fixed_priority(es, 1, 50, &bg_next, 1000);
	assert_int_equal(d.pick, -1);
	assert_int_equal(d.until, 100); /* next replenishment */
	ent[0].runnable = true;
	d = sched_decide_fixed_priority(es, 1, 60, &bg_next, 1000);
	assert_int_equal(d.pick, 0);
	assert_int_equal(d.until, 60 + 20); /* what is left of the budget */
}

static void test_priority_order_and_exhaustion(void **state)
{
	(void)state;
	server(0, 20, 100, 5);
	server(1, 50, 200, 9);
	struct sched_decision d = sched_decide_fixed_priority(es, 2, 0, &bg_next, 1000);
	assert_int_equal(d.pick, 1);
	assert_int_equal(d.until, 50);
	sched_charge(&ent[1], 50);
	d = sched_decide_fixed_priority(es, 2, 50, &bg_next, 1000);
	assert_int_equal(d.pick, 0); /* the urgent one is out of budget */
	assert_int_equal(d.until, 70);
	sched_charge(&ent[0], 20);
	d = sched_decide_fixed_priority(es, 2, 70, &bg_next, 1000);
	assert_int_equal(d.pick, -1);
	assert_int_equal(d.until, 100); /* entity 0 is replenished first */
	d = sched_decide_fixed_priority(es, 2, 200, &bg_next, 1000);
	assert_int_equal(d.pick, 1); /* both replenished: priority wins again */
}

static void test_background_gets_slack_only(void **state)
{
	(void)state;
	server(0, 20, 100, 5);
	server(1, 0, 0, 0); /* background */
	struct sched_decision d = sched_decide_fixed_priority(es, 2, 0, &bg_next, 1000);
	assert_int_equal(d.pick, 0);
	sched_charge(&ent[0], 20);
	d = sched_decide_fixed_priority(es, 2, 20, &bg_next, 1000);
	assert_int_equal(d.pick, 1);
	assert_int_equal(d.until, 100); /* preempted at the server's replenishment */
	d = sched_decide_fixed_priority(es, 2, 100, &bg_next, 1000);
	assert_int_equal(d.pick, 0);
}

static void test_background_round_robin(void **state)
{
	(void)state;
	server(0, 0, 0, 0);
	server(1, 0, 0, 0);
	struct sched_decision d = sched_decide_fixed_priority(es, 2, 0, &bg_next, 1000);
	assert_int_equal(d.pick, 0);
	assert_int_equal(d.until, 1000);
	d = sched_decide_fixed_priority(es, 2, 1000, &bg_next, 1000);
	assert_int_equal(d.pick, 1);
	ent[0].runnable = false;
	d = sched_decide_fixed_priority(es, 2, 2000, &bg_next, 1000);
	assert_int_equal(d.pick, 1);
	assert_int_equal(d.until, SCHED_NEVER); /* alone: no slice timer */
}

static struct cpu_sched table(void)
{
	struct cpu_sched cs = { 0 };

	cs.policy = KEEL_SCHED_TIME_TABLE;
	cs.frame = 100;
	cs.frame_origin = 1000;
	cs.nr_windows = 2;
	cs.windows[0] = (struct sched_window){ 10, 40, 0 };
	cs.windows[1] = (struct sched_window){ 50, 90, 1 };
	return cs;
}

static void test_time_table_windows(void **state)
{
	struct cpu_sched cs = table();

	(void)state;
	server(0, 0, 0, 0);
	server(1, 0, 0, 0);
	struct sched_decision d = sched_decide_time_table(&cs, es, 2, 1005);
	assert_int_equal(d.pick, -1); /* gap before the first window */
	assert_int_equal(d.until, 1010);
	d = sched_decide_time_table(&cs, es, 2, 1010);
	assert_int_equal(d.pick, 0);
	assert_int_equal(d.until, 1040);
	d = sched_decide_time_table(&cs, es, 2, 1045);
	assert_int_equal(d.pick, -1);
	assert_int_equal(d.until, 1050);
	d = sched_decide_time_table(&cs, es, 2, 1089);
	assert_int_equal(d.pick, 1);
	assert_int_equal(d.until, 1090);
	d = sched_decide_time_table(&cs, es, 2, 1095);
	assert_int_equal(d.pick, -1);
	assert_int_equal(d.until, 1100); /* next frame */
	d = sched_decide_time_table(&cs, es, 2, 1315);
	assert_int_equal(d.pick, 0); /* frame 3, offset 15 */
	assert_int_equal(d.until, 1340);
}

static void test_time_table_idle_owner_is_not_replaced(void **state)
{
	struct cpu_sched cs = table();

	(void)state;
	server(0, 0, 0, 0);
	server(1, 0, 0, 0);
	ent[0].runnable = false;
	struct sched_decision d = sched_decide_time_table(&cs, es, 2, 1020);
	assert_int_equal(d.pick, -1); /* strict partitioning: window 0 stays idle */
	assert_int_equal(d.until, 1040);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_replenish_at_period_boundary, setup),
		cmocka_unit_test_setup(test_budget_kept_while_waiting, setup),
		cmocka_unit_test_setup(test_priority_order_and_exhaustion, setup),
		cmocka_unit_test_setup(test_background_gets_slack_only, setup),
		cmocka_unit_test_setup(test_background_round_robin, setup),
		cmocka_unit_test_setup(test_time_table_windows, setup),
		cmocka_unit_test_setup(test_time_table_idle_owner_is_not_replaced, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
