/*
 * Host tests of synchronous IPC in keelcfg's analysis (tools/keelcfg/
 * ipc_timing.c) on the fixture's rt-fp system: ticker is the real-time
 * client (server 2 ms every 5 ms, ctrl 1 ms with a 4.5 ms deadline, whose
 * supply has a 3.12 ms blackout and 1.96 ms per period), and a third VM,
 * srv, serves an endpoint from CPU 2. The board charges 20 us per
 * scheduling event, so every message costs the server its service time plus
 * 40 us, and every call costs the client 40 us more. Each figure below is
 * derived by hand in the comment before its test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipc_timing.h"
#include "schedcheck.h"
#include "test_keelcfg_fixture.h"

static struct cfg_system sys;
static struct diag d;
static struct validate_opts opts;
static struct platform_desc board;

/* rt-fp, srv (1 vCPU on CPU 2, static) and endpoint svc of srv granted to ticker and linux. */
static struct cfg_endpoint *setup_system(u32 service_us)
{
	struct cfg_endpoint *ep = &sys.ipc.endpoints[0];
	struct cfg_vm *srv;

	fix_rt_system(&sys);
	srv = fix_vm(&sys, "srv", 1, 2, 100);
	fix_mem(srv, 0x40000000, 16 * MiB, 0x61000000, 105);
	fix_image(&srv->kernel, "srv.bin", 8 * KiB, 104);
	sys.ipc.given = true;
	sys.ipc.nr_endpoints = 1;
	snprintf(ep->name, sizeof(ep->name), "svc");
	snprintf(ep->node, sizeof(ep->node), "/ipc/svc");
	ep->loc = ep->owner_loc = fix_loc(120);
	ep->clients_loc = fix_loc(122);
	ep->service_loc = fix_loc(123);
	ep->calls_loc = fix_loc(124);
	ep->nr_defs = 1;
	ep->has_owner = true;
	snprintf(ep->owner, sizeof(ep->owner), "srv");
	ep->nr_clients = 2;
	snprintf(ep->clients[0], sizeof(ep->clients[0]), "ticker");
	snprintf(ep->clients[1], sizeof(ep->clients[1]), "linux");
	ep->has_service = service_us != 0;
	ep->service_us = service_us;
	return ep;
}

static int setup(void **state)
{
	(void)state;
	board = fix_board;
	board.sched_event_overhead_ns = 20000;
	opts.unsafe = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_reset(&d);
	return 0;
}

/* Validation must pass; then the analysis's verdict. */
static bool analyse(void)
{
	diag_reset(&d);
	validate_system(&sys, &board, &opts, &d);
	for (u32 i = 0; i < d.nr_msgs; i++)
		print_message("  validate: %s\n", d.msgs[i]);
	assert_int_equal(d.nr_msgs, 0);
	return schedcheck_system(&sys, &board, &opts, &d);
}

static void expect_msg(const char *text)
{
	if (diag_find(&d, text) < 0)
		for (u32 i = 0; i < d.nr_msgs; i++)
			print_message("  got: %s\n", d.msgs[i]);
	assert_true(diag_find(&d, text) >= 0);
}

/*
 * srv on a dedicated CPU, 10 us per message (50 us with its switch pair).
 * In front of ticker's call: linux's 2 vCPUs, then its own: 3 x 50 = 150 us,
 * + 40 us of ticker's switches: 190 us per call. ctrl needs 1000 + 190 (its
 * call) + 190 (one in progress) = 1380 us: 3120 + 1380 = 4500, its deadline
 * exactly. linux (no tasks) waits as long: both its vCPUs are counted as its
 * own. With 11 us: 3 x 51 + 40 = 193, ctrl 1386 us: 4.506 ms, refused.
 */
static void test_queue_on_dedicated_server(void **state)
{
	struct cfg_endpoint *ep = setup_system(10);

	(void)state;
	assert_true(analyse());
	assert_int_equal(ep->blocking_ns[0], 190000);
	assert_int_equal(ep->blocking_ns[1], 190000);
	setup_system(11);
	assert_false(analyse());
	assert_int_equal(d.nr_errors, 1);
	expect_msg("test.dts:47: node /vms/ticker/tasks/ctrl: vm ticker: task ctrl can miss its 4.5 ms "
		   "deadline: worst-case response 4.506 ms with budget 2 ms every 5 ms, counting 193 us "
		   "per job and 193 us once waiting for IPC replies (endpoint 'svc' of vm srv: 1 call "
		   "of up to 193 us)");
}

/*
 * The send right: a sender is released when its message is taken and can
 * queue again, so one more message (50 us) counts: 240 us per call. Calls
 * per job 0 for ticker leaves the one in progress: 1000 + 240 = 1240 us,
 * 4.36 ms; 3 calls per job: 1000 + 4 x 240 = 1960 us, just one period's
 * supply: 5.08 ms, refused. A second endpoint of srv with no service time
 * makes every call to srv unbounded.
 */
static void test_send_calls_and_other_endpoints(void **state)
{
	static const u32 zero_one[2] = { 0, 1 }, three_one[2] = { 3, 1 };
	struct cfg_endpoint *ep = setup_system(10);

	(void)state;
	ep->has_rights = true;
	ep->rights = KEEL_IPC_RIGHT_CALL | KEEL_IPC_RIGHT_SEND;
	ep->nr_calls = 2;
	memcpy(ep->calls, zero_one, sizeof(zero_one));
	assert_true(analyse());
	assert_int_equal(ep->blocking_ns[0], 240000);
	memcpy(ep->calls, three_one, sizeof(three_one));
	assert_false(analyse());
	expect_msg("worst-case response 5.08 ms with budget 2 ms every 5 ms, counting 720 us per job "
		   "and 240 us once waiting for IPC replies (endpoint 'svc' of vm srv: 3 calls of up to "
		   "240 us)");

	ep = setup_system(10);
	sys.ipc.endpoints[1] = *ep;
	sys.ipc.nr_endpoints = 2;
	snprintf(sys.ipc.endpoints[1].name, 64, "log");
	snprintf(sys.ipc.endpoints[1].node, 256, "/ipc/log");
	sys.ipc.endpoints[1].nr_clients = 1;
	snprintf(sys.ipc.endpoints[1].clients[0], 64, "linux");
	sys.ipc.endpoints[1].has_service = false;
	assert_false(analyse());
	assert_int_equal(d.nr_errors, 1);
	expect_msg("test.dts:122: node /ipc/svc: vm ticker calls endpoint 'svc' of vm srv and can wait "
		   "without bound for the reply (endpoint 'log' of the same server has no "
		   "service-time-us): task ctrl's 4.5 ms deadline cannot be guaranteed");
}

/* srv on fixed-priority CPU 2: budget 1 ms every 2 ms, alone, so R = 1.04 ms. */
static void srv_budget(struct cfg_vm *srv, u32 budget)
{
	static const u32 period[1] = { 2000 }, prio[1] = { 5 };

	fix_cpu(&sys, 2, "fixed-priority");
	fix_list(&srv->budget_us, 1, &budget, 101);
	fix_list(&srv->period_us, 1, period, 102);
	fix_list(&srv->priority, 1, prio, 103);
}

/*
 * srv with a budget and a task of its own (T 4 ms, C 300 us) that runs
 * before any message; only ticker is a client. Supply: 960 us every 2 ms
 * after a 1120 us blackout. One message, 140 us: 1120 + 140 = 1260 ->
 * 140 + 300 = 440 -> 1560 -> 1560; + 40: 1.6 ms per call. A background srv
 * or one with no service time is refused, and --unsafe makes that a
 * warning and marks the blob.
 */
static void test_server_with_budget_and_tasks(void **state)
{
	struct cfg_endpoint *ep = setup_system(100);
	struct cfg_vm *srv = &sys.vms[2];

	(void)state;
	ep->nr_clients = 1;
	srv_budget(srv, 1000);
	srv->tasks.given = true;
	snprintf(srv->tasks.node, sizeof(srv->tasks.node), "/vms/srv/tasks");
	srv->tasks.has_scheduler = true;
	snprintf(srv->tasks.scheduler, sizeof(srv->tasks.scheduler), "rm");
	fix_task(srv, "poll", 4000, 300, 0, 110);
	analyse();
	assert_int_equal(ep->blocking_ns[0], 1600000);
	expect_msg("(endpoint 'svc' of vm srv: 1 call of up to 1.6 ms)");

	srv->budget_us.v[0] = 0;
	srv->tasks.given = false;
	assert_false(analyse());
	assert_int_equal(d.nr_errors, 1);
	expect_msg("test.dts:122: node /ipc/svc: vm ticker calls endpoint 'svc' of vm srv and can wait "
		   "without bound for the reply (vm srv's vCPU 0 runs in the background "
		   "(server-budget-us 0)): task ctrl's 4.5 ms deadline cannot be guaranteed");
	assert_int_equal(ep->blocking_ns[0], ANALYSIS_UNBOUNDED);

	srv->budget_us.v[0] = 1000;
	ep->has_service = false;
	opts.unsafe = true;
	sys.sched_forced = false;
	assert_false(analyse());
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(d.nr_warnings, 1);
	expect_msg("warning: vm ticker calls endpoint 'svc' of vm srv and can wait without bound for "
		   "the reply (the endpoint has no service-time-us)");
	assert_true(sys.sched_forced);
}

/*
 * The server's reservation must hold one message: 960 us per period, so
 * 920 us of service (+ 40) fits and 921 does not, whoever the clients are
 * (linux alone: no deadline involved). On a time table with the window
 * [0, 1 ms) of a 2 ms frame the same 960 us per frame, and 100 us of
 * service waits for 1040 us of blackout + 140 us, + 40: 1.22 ms.
 */
static void test_server_reservation(void **state)
{
	struct cfg_endpoint *ep = setup_system(920);
	struct cfg_vm *srv = &sys.vms[2];
	struct cfg_window *w;
	struct cfg_cpu *c;

	(void)state;
	ep->nr_clients = 1;
	snprintf(ep->clients[0], sizeof(ep->clients[0]), "linux");
	srv_budget(srv, 1000);
	assert_true(analyse());
	ep->service_us = 921;
	assert_false(analyse());
	assert_int_equal(d.nr_errors, 1);
	expect_msg("test.dts:123: node /ipc/svc: endpoint 'svc': vm srv vCPU 0 cannot serve one message "
		   "in a period: service time 921 us plus a switch pair needs 961 us, but it is "
		   "guaranteed 960 us per period (with budget 1 ms every 2 ms)");

	ep = setup_system(100);
	srv = &sys.vms[2];
	ep->nr_clients = 1;
	c = fix_cpu(&sys, 2, "time-table");
	c->frame_us = (struct cfg_u32){ true, 2000, fix_loc(62) };
	w = &c->windows[c->nr_windows++];
	snprintf(w->node, sizeof(w->node), "/cpus/cpu@2/window@0");
	w->loc = fix_loc(70);
	w->has_vm = true;
	snprintf(w->vm, sizeof(w->vm), "srv");
	w->vcpu = (struct cfg_u32){ true, 0, fix_loc(71) };
	w->offset_us = (struct cfg_u32){ true, 0, fix_loc(72) };
	w->length_us = (struct cfg_u32){ true, 1000, fix_loc(73) };
	analyse();
	assert_int_equal(ep->blocking_ns[0], 1220000);
}

/* layout.txt's lines: the server's service time, each caller's wait (and calls per job for a real-time one). */
static void test_text(void **state)
{
	struct cfg_endpoint *ep = setup_system(10);
	char buf[512];

	(void)state;
	assert_true(analyse());
	ipc_timing_text_vm(&sys, 1, buf, sizeof(buf));
	assert_string_equal(buf, "  ipc wait  endpoint 'svc' of vm srv: 190 us per call, 1 per job\n");
	ipc_timing_text_vm(&sys, 0, buf, sizeof(buf));
	assert_string_equal(buf, "  ipc wait  endpoint 'svc' of vm srv: 190 us per call\n");
	ipc_timing_text_vm(&sys, 2, buf, sizeof(buf));
	assert_string_equal(buf, "  ipc serve endpoint 'svc': 10 us per message\n");
	ep->has_rights = true;
	ep->rights = KEEL_IPC_RIGHT_SEND; /* send-only grants are not judged, and not listed */
	assert_true(analyse());
	ipc_timing_text_vm(&sys, 1, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_on_dedicated_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_calls_and_other_endpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_with_budget_and_tasks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_reservation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
