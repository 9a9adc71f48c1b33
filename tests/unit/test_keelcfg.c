/*
 * Host tests of keelcfg's validator (tools/keelcfg/validate.c) and parser
 * (parse.c): a valid system from the fixture is broken in one way per test,
 * and the test checks that exactly the expected kind of error is reported,
 * with the file and line of the offending property and, for collisions,
 * the name of the other party.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>

#include "parse.h"
#include "schedcheck.h"
#include "test_keelcfg_fixture.h"
#include "validate.h"

static struct cfg_system sys;
static struct diag d;
static struct validate_opts opts;

static int setup(void **state)
{
	(void)state;
	fix_system(&sys);
	opts.unsafe = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_reset(&d);
	return 0;
}

static void run(void)
{
	diag_reset(&d);
	validate_system(&sys, &fix_board, &opts, &d);
}

/* Exactly one error, containing each of the given texts. */
static void expect_one(const char *a, const char *b)
{
	run();
	if (d.nr_errors != 1 || diag_find(&d, a) < 0 || (b && diag_find(&d, b) < 0))
		for (u32 i = 0; i < d.nr_msgs; i++)
			print_message("  got: %s\n", d.msgs[i]);
	assert_int_equal(d.nr_errors, 1);
	assert_true(diag_find(&d, a) >= 0);
	if (b)
		assert_true(diag_find(&d, b) >= 0);
}

/* An endpoint at /ipc/name owned by owner, granted to the clients (NULL-terminated), at line. */
static struct cfg_endpoint *ipc_ep(const char *name, const char *owner, const char *const *clients, int line)
{
	struct cfg_endpoint *ep = &sys.ipc.endpoints[sys.ipc.nr_endpoints++];

	memset(ep, 0, sizeof(*ep));
	sys.ipc.given = true;
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	snprintf(ep->node, sizeof(ep->node), "/ipc/%s", name);
	ep->loc = ep->owner_loc = ep->clients_loc = fix_loc(line);
	ep->nr_defs = 1;
	ep->has_owner = true;
	snprintf(ep->owner, sizeof(ep->owner), "%s", owner);
	for (; clients[ep->nr_clients]; ep->nr_clients++)
		snprintf(ep->clients[ep->nr_clients], sizeof(ep->clients[0]), "%s", clients[ep->nr_clients]);
	return ep;
}

/* Capability slots in declaration order, the owner's RECV, the clients' rights and badges; then the refusals. */
static void test_ipc(void **state)
{
	static const char *const to_ticker[] = { "ticker", NULL }, *const to_linux[] = { "linux", NULL };
	struct keel_blob_ipc_slot slots[KEEL_MAX_IPC_SLOTS];
	struct cfg_endpoint *ep;
	u32 owned;

	(void)state;
	ipc_ep("a", "linux", to_ticker, 80);
	ep = ipc_ep("b", "ticker", to_linux, 81);
	ep->has_rights = true;
	ep->rights = KEEL_IPC_RIGHT_SEND;
	ep = ipc_ep("c", "linux", to_ticker, 82);
	ep->nr_badges = 1;
	ep->badges[0] = 99;
	run();
	assert_int_equal(d.nr_msgs, 0);
	assert_int_equal(ipc_vm_slots(&sys, 0, slots, &owned), 3); /* linux: a (own), b, c (own) */
	assert_int_equal(owned, 2);
	assert_true(slots[0].vm == 0 && slots[0].endpoint == 0 && slots[0].rights == KEEL_IPC_RIGHT_RECV);
	assert_true(slots[1].vm == 1 && slots[1].endpoint == 0 && slots[1].rights == KEEL_IPC_RIGHT_SEND &&
		    slots[1].badge == 0);
	assert_true(slots[2].vm == 0 && slots[2].endpoint == 1 && slots[2].rights == KEEL_IPC_RIGHT_RECV);
	assert_int_equal(ipc_vm_slots(&sys, 1, slots, &owned), 3); /* ticker: a, b (own), c */
	assert_int_equal(owned, 1);
	assert_true(slots[0].vm == 0 && slots[0].endpoint == 0 && slots[0].rights == KEEL_IPC_RIGHT_CALL &&
		    slots[0].badge == 1);
	assert_true(slots[2].vm == 0 && slots[2].endpoint == 1 && slots[2].badge == 99);

	snprintf(sys.ipc.endpoints[0].clients[0], 64, "linux");
	expect_one("test.dts:80: node /ipc/a: endpoint granted to its own owner 'linux'", NULL);
	snprintf(sys.ipc.endpoints[0].clients[0], 64, "nobody");
	expect_one("test.dts:80: node /ipc/a: client 'nobody' is not a VM", NULL);
	snprintf(sys.ipc.endpoints[0].clients[0], 64, "ticker");
	snprintf(sys.ipc.endpoints[1].owner, 64, "rtos");
	expect_one("test.dts:81: node /ipc/b: owner 'rtos' is not a VM", NULL);
	snprintf(sys.ipc.endpoints[1].owner, 64, "ticker");
	sys.ipc.endpoints[2].nr_badges = 2;
	expect_one("2 badges for 1 clients", NULL);
	sys.ipc.endpoints[2].nr_badges = 1;
	for (int i = 0; i < 3; i++)
		ipc_ep("more", "linux", to_ticker, 90 + i);
	expect_one("test.dts:92: node /ipc/more: vm 'linux' owns more than 4 endpoints", NULL);
}

static void test_good_system(void **state)
{
	(void)state;
	run();
	assert_int_equal(d.nr_msgs, 0);
}

static void test_missing_properties(void **state)
{
	(void)state;
	sys.vms[0].has_vcpus = false;
	expect_one("test.dts:10: node /vms/linux: missing property 'vcpus'", NULL);
	fix_system(&sys);
	sys.vms[1].has_affinity = false;
	expect_one("missing property 'cpu-affinity'", "/vms/ticker");
	fix_system(&sys);
	sys.vms[1].kernel.given = false;
	expect_one("test.dts:30: node /vms/ticker: missing property 'kernel'", NULL);
	fix_system(&sys);
	sys.vms[1].nr_mem = 0;
	expect_one("no memory node", "/vms/ticker");
}

static void test_vcpu_counts(void **state)
{
	(void)state;
	sys.vms[0].nr_affinity = 1;
	expect_one("test.dts:12:", "cpu-affinity lists 1 CPUs but vcpus = <2>");
	fix_system(&sys);
	sys.vms[1].nr_vcpus = 0;
	sys.vms[1].nr_affinity = 0;
	expect_one("test.dts:31:", "vcpus = <0>: must be 1 to 4");
	fix_system(&sys);
	sys.vms[1].nr_vcpus = KEEL_MAX_VCPUS_PER_VM + 1;
	sys.vms[1].nr_affinity = KEEL_MAX_VCPUS_PER_VM + 1;
	for (u32 i = 0; i < sys.vms[1].nr_affinity; i++)
		sys.vms[1].affinity[i] = 3;
	run();
	assert_true(diag_find(&d, "vcpus = <5>: must be 1 to 4") >= 0);
}

static void test_cpu_out_of_range(void **state)
{
	(void)state;
	sys.vms[1].affinity[0] = 4;
	expect_one("test.dts:32: node /vms/ticker: vCPU 0: physical CPU 4 does not exist", NULL);
}

static void test_cpu_given_twice(void **state)
{
	(void)state;
	sys.vms[1].affinity[0] = 1;
	expect_one("physical CPU 1 is given to vCPU 0 of VM 'ticker' and to vCPU 1 of VM 'linux'",
		   "test.dts:32:");
	fix_system(&sys);
	sys.vms[0].affinity[1] = 0;
	expect_one("physical CPU 0 is given to vCPU 1 of VM 'linux' and to vCPU 0 of VM 'linux'",
		   NULL);
}

static void test_phys_overlap(void **state)
{
	(void)state;
	sys.vms[1].mem[0].pa = 0x80000000 + 500 * MiB;
	expect_one("test.dts:35: node /vms/ticker/memory@40000000: physical range",
		   "overlaps /vms/linux/memory@40000000 (test.dts:20)");
	/* --unsafe lets two VMs share memory, with a warning. */
	opts.unsafe = true;
	run();
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(d.nr_warnings, 1);
	assert_true(diag_find(&d, "warning: physical memory shared with /vms/linux") >= 0);
}

static void test_overlap_within_vm(void **state)
{
	(void)state;
	fix_mem(&sys.vms[0], 0x80000000, 1 * MiB, 0x80000000 + 4 * MiB, 21);
	expect_one("test.dts:21:", "physical range 0x80400000-0x804fffff overlaps "
				   "/vms/linux/memory@40000000");
	fix_system(&sys);
	fix_mem(&sys.vms[0], 0x40100000, 1 * MiB, 0xa0000000, 21);
	expect_one("IPA range overlaps that of /vms/linux/memory@40000000", "same VM");
}

static void test_outside_guest_ram(void **state)
{
	(void)state;
	sys.vms[1].mem[0].pa = 0x40000000; /* Keel's own RAM */
	expect_one("test.dts:35:", "outside the guest RAM of test-board");
	fix_system(&sys);
	sys.vms[1].mem[0].pa = 0xc0000000 - 8 * MiB; /* runs past the end */
	expect_one("outside the guest RAM", NULL);
}

static void test_alignment_and_size(void **state)
{
	(void)state;
	sys.vms[1].mem[0].pa += 0x800;
	expect_one("not 4 KiB aligned", "phys 0x60000800");
	fix_system(&sys);
	sys.vms[1].mem[0].size = 16 * MiB + 1;
	expect_one("not 4 KiB aligned", NULL);
	fix_system(&sys);
	sys.vms[1].mem[0].size = 0;
	expect_one("zero size", "/vms/ticker/memory@40000000");
	fix_system(&sys);
	sys.vms[1].mem[0].ipa = BIT(39) - 8 * MiB;
	expect_one("beyond the 39-bit IPA space", NULL);
}

static void test_ipa_hides_device(void **state)
{
	(void)state;
	sys.vms[1].mem[0].ipa = 0x08000000;
	run();
	assert_true(d.nr_errors >= 1);
	assert_true(diag_find(&d, "overlaps the GIC distributor at IPA 0x8000000-0x800ffff") >= 0);
	fix_system(&sys);
	sys.vms[1].mem[0].ipa = 0x09000000;
	sys.vms[1].mem[0].size = 4 * KiB;
	expect_one("overlaps the virtual UART", NULL);
	fix_system(&sys);
	sys.vms[1].mem[0].ipa = 0x080a0000 + 0x20000; /* redistributor of vCPU 1: ticker has one */
	sys.vms[1].mem[0].size = 64 * KiB;
	run();
	assert_int_equal(d.nr_errors, 0);
	sys.vms[0].mem[0].ipa = 0x080a0000 + 0x20000; /* linux has two vCPUs */
	sys.vms[0].mem[0].size = 64 * KiB;
	expect_one("overlaps the GIC redistributors", "/vms/linux/memory");
	fix_system(&sys);
	snprintf(sys.vms[1].pass[0].name, CFG_NAME_LEN, "rtc");
	sys.vms[1].nr_pass = 1;
	sys.vms[1].mem[0].ipa = 0x09000000 + 64 * KiB;
	expect_one("overlaps rtc at IPA 0x9010000-0x9010fff", NULL);
}

static void pass(struct cfg_vm *vm, const char *name)
{
	snprintf(vm->pass[vm->nr_pass++].name, CFG_NAME_LEN, "%s", name);
}

static void test_passthrough(void **state)
{
	(void)state;
	pass(&sys.vms[0], "rtc");
	run();
	assert_int_equal(d.nr_msgs, 0);
	pass(&sys.vms[1], "rtc");
	expect_one("test.dts:33: node /vms/ticker: passthrough: device 'rtc' is also given to VM "
		   "'linux' (test.dts:13)",
		   NULL);
	fix_system(&sys);
	pass(&sys.vms[0], "serial9");
	expect_one("test.dts:13:", "unknown device 'serial9'");
	fix_system(&sys);
	pass(&sys.vms[0], "clash");
	run();
	assert_true(diag_find(&d, "IRQ 33 of device 'clash' collides with the UART's IRQ") >= 0);
	fix_system(&sys);
	pass(&sys.vms[0], "far");
	run();
	assert_true(diag_find(&d, "IRQ 200 of device 'far' is not an SPI the virtual GIC has") >= 0);
	fix_system(&sys);
	pass(&sys.vms[0], "rtc");
	pass(&sys.vms[1], "twin");
	run();
	assert_true(diag_find(&d, "IRQ 34 of device 'twin' is also the IRQ of 'rtc' in VM 'linux'") >=
		    0);
}

static void test_names(void **state)
{
	(void)state;
	snprintf(sys.vms[1].name, CFG_NAME_LEN, "Ticker");
	expect_one("invalid VM name 'Ticker'", NULL);
	fix_system(&sys);
	snprintf(sys.vms[1].name, CFG_NAME_LEN, "a-very-long-name");
	expect_one("invalid VM name 'a-very-long-name'", NULL);
	fix_system(&sys);
	snprintf(sys.vms[1].name, CFG_NAME_LEN, "ticker@1");
	expect_one("invalid VM name", NULL);
	fix_system(&sys);
	snprintf(sys.vms[1].name, CFG_NAME_LEN, "linux");
	expect_one("test.dts:30:", "VM name 'linux' is used twice (first at test.dts:10)");
	fix_system(&sys);
	sys.vms[1].nr_defs = 2;
	sys.vms[1].other_def = fix_loc(90);
	expect_one("test.dts:90: node /vms/ticker: VM name 'ticker' is used twice", NULL);
}

static void test_root(void **state)
{
	(void)state;
	snprintf(sys.platform, sizeof(sys.platform), "rpi4");
	expect_one("test.dts:4: node /: platform \"rpi4\" does not match", "\"test-board\"");
	fix_system(&sys);
	sys.has_platform = false;
	expect_one("missing property 'platform'", NULL);
	fix_system(&sys);
	sys.compatible_ok = false;
	expect_one("keel,system-v1", NULL);
	fix_system(&sys);
	sys.nr_vms = 0;
	expect_one("test.dts:5: node /vms: no VMs", NULL);
	fix_system(&sys);
	sys.has_vms_node = false;
	sys.nr_vms = 0;
	expect_one("test.dts:2: node /: no VMs", NULL);
}

static void test_too_many(void **state)
{
	(void)state;
	sys.nr_vms = 0;
	for (u32 i = 0; i < KEEL_MAX_VMS + 1; i++) {
		char name[8];
		struct cfg_vm *vm;

		snprintf(name, sizeof(name), "vm%u", i);
		vm = fix_vm(&sys, name, 1, i % 4, 10 * (int)i);
		vm->affinity[0] = 0;
		fix_mem(vm, 0x40000000, 16 * MiB, 0x60000000 + i * 16 * MiB, 10 * (int)i + 5);
		fix_image(&vm->kernel, "k", 4096, 10 * (int)i + 4);
	}
	run();
	assert_true(diag_find(&d, "too many VMs: 9 (Keel supports 8)") >= 0);
	fix_system(&sys);
	for (u32 i = 0; i < KEEL_MAX_MEM_REGIONS; i++)
		fix_mem(&sys.vms[1], 0x50000000 + i * MiB, MiB, 0x70000000 + i * MiB, 40);
	expect_one("too many memory regions: 5 (at most 4)", NULL);
}

/* All errors are reported, not just the first. */
static void test_reports_everything(void **state)
{
	(void)state;
	sys.vms[0].has_vcpus = false;
	sys.vms[1].affinity[0] = 9;
	sys.vms[1].mem[0].pa = 0x1000;
	sys.has_platform = false;
	run();
	assert_int_equal(d.nr_errors, 4);
}

/* parse_system() on a tree made with libfdt, with an empty line map. */
static void *make_source(bool bad_sizes)
{
	static char buf[4096];
	fdt32_t reg[4] = { 0, cpu_to_fdt32(0x40000000), 0, cpu_to_fdt32(0x1000000) };
	fdt32_t phys[2] = { 0, cpu_to_fdt32(0x60000000) };
	fdt32_t aff[2] = { cpu_to_fdt32(2), cpu_to_fdt32(3) };

	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	fdt_property_string(buf, "compatible", "keel,system-v1");
	fdt_property_string(buf, "platform", "test-board");
	fdt_begin_node(buf, "vms");
	fdt_begin_node(buf, "t");
	if (bad_sizes)
		fdt_property_u64(buf, "vcpus", 2);
	else
		fdt_property_u32(buf, "vcpus", 2);
	fdt_property(buf, "cpu-affinity", aff, sizeof(aff));
	fdt_property_string(buf, "kernel", "t.bin");
	fdt_property(buf, "passthrough", "rtc\0gpio", 9);
	fdt_property(buf, "no-autostart", NULL, 0);
	if (bad_sizes)
		fdt_property_u32(buf, "vcpu", 1);
	fdt_begin_node(buf, "memory@40000000");
	fdt_property(buf, "reg", reg, bad_sizes ? 12 : sizeof(reg));
	fdt_property(buf, "phys", phys, sizeof(phys));
	fdt_end_node(buf);
	fdt_begin_node(buf, "guest-properties");
	fdt_property_string(buf, "keel,demo", "yes");
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);
	return buf;
}

static void test_parse(void **state)
{
	struct srcmap map = { .fallback_file = "src.dts" };
	const struct cfg_vm *vm = &sys.vms[0];

	(void)state;
	parse_system(make_source(false), &map, &sys, &d);
	assert_int_equal(d.nr_msgs, 0);
	assert_true(sys.compatible_ok);
	assert_string_equal(sys.platform, "test-board");
	assert_int_equal(sys.nr_vms, 1);
	assert_string_equal(vm->node, "/vms/t");
	assert_int_equal(vm->nr_vcpus, 2);
	assert_int_equal(vm->nr_affinity, 2);
	assert_int_equal(vm->affinity[1], 3);
	assert_string_equal(vm->kernel.path, "t.bin");
	assert_int_equal(vm->nr_pass, 2);
	assert_string_equal(vm->pass[1].name, "gpio");
	assert_false(vm->autostart);
	assert_int_equal(vm->nr_mem, 1);
	assert_int_equal(vm->mem[0].ipa, 0x40000000);
	assert_int_equal(vm->mem[0].size, 0x1000000);
	assert_int_equal(vm->mem[0].pa, 0x60000000);
	assert_true(vm->guest_props >= 0);

	parse_system(make_source(true), &map, &sys, &d);
	assert_true(diag_find(&d, "property 'vcpus' must be one cell") >= 0);
	assert_true(diag_find(&d, "unknown property 'vcpu'") >= 0);
	assert_true(diag_find(&d, "node /vms/t/memory@40000000: property 'reg' must be 4 cells") >= 0);
	assert_int_equal(d.nr_errors, 3);
}

/* The board with Keel's 20 us per scheduling event. */
static struct platform_desc rt_board(void)
{
	struct platform_desc b = fix_board;

	b.sched_event_overhead_ns = 20000;
	return b;
}

static void test_sched_good(void **state)
{
	struct platform_desc b = rt_board();

	(void)state;
	fix_rt_system(&sys);
	run();
	assert_int_equal(d.nr_msgs, 0);
	assert_true(schedcheck_system(&sys, &b, &opts, &d));
	assert_int_equal(d.nr_msgs, 0);
	assert_false(sys.sched_forced);
}

/* Without /cpus, CPU 1 is static and cannot take the second vCPU. */
static void test_sched_static_cpu(void **state)
{
	(void)state;
	fix_rt_system(&sys);
	sys.nr_cpus = 0;
	expect_one("physical CPU 1 is given to vCPU 0 of VM 'ticker' and to vCPU 1 of VM 'linux'",
		   "a static CPU runs one vCPU");
}

static void test_sched_server_rules(void **state)
{
	(void)state;
	fix_rt_system(&sys);
	sys.vms[0].budget_us.given = false;
	expect_one("test.dts:10: node /vms/linux: vCPU 1 runs on fixed-priority CPU 1: missing "
		   "server-budget-us", NULL);
	fix_rt_system(&sys);
	sys.vms[1].budget_us.v[0] = 6000;
	expect_one("test.dts:40: node /vms/ticker: vCPU 0: server budget 6000 us exceeds its period "
		   "5000 us", NULL);
	fix_rt_system(&sys);
	sys.vms[1].priority.given = false;
	expect_one("missing server-priority", NULL);
	fix_rt_system(&sys);
	sys.vms[0].budget_us.v[1] = 100;
	sys.vms[0].period_us = sys.vms[1].period_us;
	sys.vms[0].period_us.nr = 2;
	sys.vms[0].period_us.v[1] = 5000;
	sys.vms[0].priority = sys.vms[1].priority;
	sys.vms[0].priority.nr = 2;
	sys.vms[0].priority.v[1] = 10;
	expect_one("vCPU 0 has server priority 10 on CPU 1, as has vCPU 1 of VM 'linux'", NULL);
}

static void test_sched_table_rules(void **state)
{
	struct cfg_cpu *c;
	struct cfg_window *w;

	(void)state;
	fix_rt_system(&sys);
	snprintf(sys.cpus[0].policy, CFG_NAME_LEN, "time-table");
	c = &sys.cpus[0];
	c->frame_us = (struct cfg_u32){ true, 5000, fix_loc(62) };
	for (u32 i = 0; i < 2; i++) {
		w = &c->windows[c->nr_windows++];
		snprintf(w->node, sizeof(w->node), "/cpus/cpu@1/window@%u", i);
		w->loc = fix_loc(70 + 10 * (int)i);
		w->has_vm = true;
		snprintf(w->vm, sizeof(w->vm), "%s", i ? "linux" : "ticker");
		w->vcpu = (struct cfg_u32){ true, i, fix_loc(72 + 10 * (int)i) };
		w->offset_us = (struct cfg_u32){ true, i ? 2000 : 0, fix_loc(73) };
		w->length_us = (struct cfg_u32){ true, i ? 3000 : 2000, fix_loc(74) };
	}
	run();
	assert_int_equal(d.nr_msgs, 0);
	c->windows[1].offset_us.v = 1000;
	expect_one("test.dts:80: node /cpus/cpu@1/window@1: window [1000, 4000) us overlaps "
		   "/cpus/cpu@1/window@0 [0, 2000) us", NULL);
	c->windows[1].offset_us.v = 2500;
	expect_one("window [2500, 5500) us ends after the major frame of 5000 us", NULL);
	c->windows[1].offset_us.v = 2000;
	c->windows[1].vcpu.v = 0;
	run();
	assert_true(diag_find(&d, "vCPU 0 of VM 'linux' runs on physical CPU 0") >= 0);
	assert_true(diag_find(&d, "vCPU 1 is pinned to time-table CPU 1 but owns no window") >= 0);
	assert_int_equal(d.nr_errors, 2);
}

/* The rt-bad case: 1.2 ms of budget; refused, or a warning and a mark with --unsafe. */
static void test_schedcheck_refuses(void **state)
{
	struct platform_desc b = rt_board();

	(void)state;
	fix_rt_system(&sys);
	sys.vms[1].budget_us.v[0] = 1200;
	run();
	assert_int_equal(d.nr_msgs, 0);
	assert_false(schedcheck_system(&sys, &b, &opts, &d));
	assert_int_equal(d.nr_errors, 2);
	/* blackout 5 + (1.2 + 0.04) - 2 (1.2 - 0.04) = 3.92 ms, + 1 ms of ctrl */
	assert_true(diag_find(&d, "test.dts:47: node /vms/ticker/tasks/ctrl: vm ticker: task ctrl "
				  "can miss its 4.5 ms deadline: worst-case response 4.92 ms with "
				  "budget 1.2 ms every 5 ms") >= 0);
	assert_false(sys.sched_forced);
	diag_reset(&d);
	opts.unsafe = true;
	assert_false(schedcheck_system(&sys, &b, &opts, &d));
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(d.nr_warnings, 2);
	assert_true(diag_find(&d, "warning: vm ticker: task ctrl can miss") >= 0);
	assert_true(sys.sched_forced);
}

static void test_schedcheck_servers(void **state)
{
	struct platform_desc b = rt_board();
	static const u32 budget[2] = { 0, 3000 }, period[2] = { 0, 4000 }, prio[2] = { 0, 20 };

	(void)state;
	fix_rt_system(&sys);
	fix_list(&sys.vms[0].budget_us, 2, budget, 16);
	fix_list(&sys.vms[0].period_us, 2, period, 17);
	fix_list(&sys.vms[0].priority, 2, prio, 18);
	sys.vms[1].tasks.given = false;
	run();
	assert_int_equal(d.nr_msgs, 0);
	assert_false(schedcheck_system(&sys, &b, &opts, &d));
	/* R = 2.04 + ceil((R + 1) / 4) 3.04: 2.04 -> 5.08 -> 8.12 -> 11.16 -> 14.2 -> 14.2 */
	assert_true(diag_find(&d, "test.dts:40: node /vms/ticker: cpu 1: server of vm ticker vcpu 0 "
				  "(budget 2 ms every 5 ms, priority 10) is not schedulable: worst-case "
				  "response 14.2 ms exceeds its period 5 ms") >= 0);
	assert_int_equal(d.nr_errors, 1);
}

/* The scheduling nodes as parse_system() reads them. */
static void test_parse_sched(void **state)
{
	static char buf[4096];
	struct srcmap map = { .fallback_file = "src.dts" };
	fdt32_t budget[1] = { cpu_to_fdt32(2000) };

	(void)state;
	fdt_create(buf, sizeof(buf));
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	fdt_begin_node(buf, "cpus");
	fdt_begin_node(buf, "cpu@1");
	fdt_property_string(buf, "policy", "time-table");
	fdt_property_u32(buf, "major-frame-us", 5000);
	fdt_begin_node(buf, "window@0");
	fdt_property_string(buf, "vm", "t");
	fdt_property_u32(buf, "vcpu", 0);
	fdt_property_u32(buf, "offset-us", 100);
	fdt_property_u32(buf, "length-us", 900);
	fdt_property_u32(buf, "colour", 1);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_begin_node(buf, "vms");
	fdt_begin_node(buf, "t");
	fdt_property(buf, "server-budget-us", budget, sizeof(budget));
	fdt_begin_node(buf, "tasks");
	fdt_property_string(buf, "scheduler", "edf");
	fdt_begin_node(buf, "ctrl");
	fdt_property_u32(buf, "period-us", 5000);
	fdt_property_u32(buf, "wcet-us", 1000);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);

	parse_system(buf, &map, &sys, &d);
	assert_int_equal(d.nr_errors, 1);
	assert_true(diag_find(&d, "node /cpus/cpu@1/window@0: unknown property 'colour'") >= 0);
	assert_int_equal(sys.nr_cpus, 1);
	assert_int_equal(validate_cpu_index(&sys.cpus[0]), 1);
	assert_string_equal(sys.cpus[0].policy, "time-table");
	assert_int_equal(sys.cpus[0].frame_us.v, 5000);
	assert_int_equal(sys.cpus[0].nr_windows, 1);
	assert_string_equal(sys.cpus[0].windows[0].vm, "t");
	assert_int_equal(sys.cpus[0].windows[0].length_us.v, 900);
	assert_int_equal(validate_cpu_policy(&sys, 1), KEEL_SCHED_TIME_TABLE);
	assert_int_equal(validate_cpu_policy(&sys, 0), KEEL_SCHED_STATIC);
	assert_true(sys.vms[0].budget_us.given);
	assert_int_equal(sys.vms[0].budget_us.v[0], 2000);
	assert_true(sys.vms[0].tasks.given);
	assert_string_equal(sys.vms[0].tasks.scheduler, "edf");
	assert_int_equal(sys.vms[0].tasks.nr_tasks, 1);
	assert_string_equal(sys.vms[0].tasks.tasks[0].node, "/vms/t/tasks/ctrl");
	assert_false(sys.vms[0].tasks.tasks[0].deadline_us.given);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_system, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpu_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_given_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phys_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_within_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_guest_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alignment_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipa_hides_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_static_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_server_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_table_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedcheck_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schedcheck_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_sched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
