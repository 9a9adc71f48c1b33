/*
 * Host tests of keelcfg's standby VMs (tools/keelcfg/standby.c): parsing
 * the standby node, the rules (interval, what a standby VM may not have
 * yet, room for the copies), where each copy goes (top of guest RAM down,
 * clear of every VM's RAM, channel and other copy, 2 MiB aligned with the
 * region's IPA offset when it can be, page aligned when only that fits),
 * the blob record and the layout lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>

#include "blob.h"
#include "output.h"
#include "parse.h"
#include "place.h"
#include "srcmap.h"
#include "test_keelcfg_fixture.h"
#include "validate.h"

#define SB_LINE 70 /* the fixture's standby nodes are at this line */

static struct cfg_system sys;
static struct cfg_layout lays[CFG_MAX_VMS];
static struct diag d;
static struct validate_opts opts;

/* vm gets standby { interval-ms = <ms>; } at SB_LINE, interval on the next line. */
static struct cfg_standby *fix_standby(struct cfg_vm *vm, u32 ms)
{
	struct cfg_standby *sb = &vm->standby;

	memset(sb, 0, sizeof(*sb));
	sb->given = true;
	snprintf(sb->node, sizeof(sb->node), "%.64s/standby", vm->node);
	sb->loc = fix_loc(SB_LINE);
	sb->has_interval = true;
	sb->interval_ms = ms;
	sb->interval_loc = fix_loc(SB_LINE + 1);
	return sb;
}

static int setup(void **state)
{
	(void)state;
	fix_system(&sys);
	memset(lays, 0, sizeof(lays));
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

static void dump(void)
{
	for (u32 i = 0; i < d.nr_msgs; i++)
		print_message("  got: %s\n", d.msgs[i]);
}

/* Exactly one error, containing text, reported at FILE:line. */
static void expect_one(const char *text, int line)
{
	char where[32];

	run();
	snprintf(where, sizeof(where), "%s:%d: ", FIX_FILE, line);
	if (d.nr_errors != 1 || diag_find(&d, text) < 0 || diag_find(&d, where) < 0)
		dump();
	assert_int_equal(d.nr_errors, 1);
	assert_true(diag_find(&d, text) >= 0);
	assert_true(diag_find(&d, where) >= 0);
}

static void expect_clean(void)
{
	run();
	if (d.nr_msgs)
		dump();
	assert_int_equal(d.nr_msgs, 0);
}

static bool overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Every copy of every standby VM: page aligned, in guest RAM, clear of all RAM, channels and other copies. */
static void assert_copies_disjoint(void)
{
	u64 pa[CFG_MAX_VMS][KEEL_MAX_MEM_REGIONS];
	const struct plat_region *ram = &fix_board.guest_ram;

	for (u32 v = 0; v < sys.nr_vms; v++)
		assert_true(standby_place_vm(&sys, &fix_board, v, pa[v]));
	for (u32 v = 0; v < sys.nr_vms; v++) {
		for (u32 i = 0; i < sys.vms[v].nr_mem && sys.vms[v].standby.given; i++) {
			u64 size = sys.vms[v].mem[i].size;

			assert_true(IS_ALIGNED(pa[v][i], PAGE_SIZE));
			assert_true(pa[v][i] >= ram->base && pa[v][i] + size <= ram->base + ram->size);
			for (u32 w = 0; w < sys.nr_vms; w++)
				for (u32 j = 0; j < sys.vms[w].nr_mem; j++) {
					const struct cfg_mem *m = &sys.vms[w].mem[j];

					assert_false(overlap(pa[v][i], size, m->pa, m->size));
					if ((w != v || j != i) && sys.vms[w].standby.given)
						assert_false(overlap(pa[v][i], size, pa[w][j], m->size));
				}
			for (u32 c = 0; c < sys.ipc.nr_channels; c++)
				assert_false(overlap(pa[v][i], size, sys.ipc.channels[c].pa, sys.ipc.channels[c].size));
		}
	}
}

/* A channel at physical pa (64 KiB) joining linux and member, at line 120. */
static void fix_channel(u64 pa, const char *member)
{
	struct cfg_channel *ch = &sys.ipc.channels[sys.ipc.nr_channels++];

	memset(ch, 0, sizeof(*ch));
	snprintf(ch->name, sizeof(ch->name), "data");
	snprintf(ch->node, sizeof(ch->node), "/channels/data");
	ch->loc = fix_loc(120);
	ch->nr_defs = 1;
	ch->has_reg = ch->has_phys = true;
	ch->ipa = 0x70000000;
	ch->size = 0x10000;
	ch->pa = pa;
	ch->nr_members = ch->nr_access = 2;
	snprintf(ch->members[0], 64, "linux");
	snprintf(ch->members[1], 64, "%s", member);
	ch->writable[0] = ch->writable[1] = true;
}

/* The node as parse_system() reads it: every property, then every mistake. */
static void *standby_source(bool bad)
{
	static char buf[4096];
	fdt32_t reg[4] = { 0, cpu_to_fdt32(0x40000000), 0, cpu_to_fdt32(0x1000000) }, phys[2] = { 0, cpu_to_fdt32(0x60000000) };
	fdt32_t ms = cpu_to_fdt32(20);

	fdt_create(buf, sizeof(buf));
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	fdt_begin_node(buf, "vms");
	fdt_begin_node(buf, "t");
	fdt_begin_node(buf, "memory@40000000");
	fdt_property(buf, "reg", reg, sizeof(reg));
	fdt_property(buf, "phys", phys, sizeof(phys));
	fdt_end_node(buf);
	fdt_begin_node(buf, "standby");
	fdt_property(buf, "interval-ms", &ms, bad ? 2 : 4);
	if (bad)
		fdt_property(buf, "detectors", "stop\0panic\0stop", 16);
	else
		fdt_property(buf, "detectors", "watchdog\0stop", 14);
	fdt_property(buf, "fault-injection", "x", bad ? 2 : 0);
	fdt_property_string(buf, "console-output", bad ? "later" : "immediate");
	if (bad) {
		fdt_property_u32(buf, "timeout-ms", 5);
		fdt_begin_node(buf, "extra");
		fdt_end_node(buf);
	}
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);
	return buf;
}

static void test_standby_parse(void **state)
{
	struct srcmap map = { .fallback_file = "src.dts" };
	const struct cfg_standby *sb = &sys.vms[0].standby;

	(void)state;
	diag_reset(&d);
	parse_system(standby_source(false), &map, &sys, &d);
	assert_int_equal(d.nr_msgs, 0);
	assert_true(sb->given);
	assert_string_equal(sb->node, "/vms/t/standby");
	assert_true(sb->has_interval);
	assert_int_equal(sb->interval_ms, 20);
	assert_true(sb->has_detectors);
	assert_int_equal(sb->detectors, KEEL_STANDBY_DETECT_WATCHDOG | KEEL_STANDBY_DETECT_STOP);
	assert_true(sb->inject);
	assert_true(sb->has_console);
	assert_true(sb->console_immediate);

	parse_system(standby_source(true), &map, &sys, &d);
	assert_true(diag_find(&d, "node /vms/t/standby: property 'interval-ms' must be one cell") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby: unknown detector 'panic'") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby: detector 'stop' is listed twice") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby: property 'fault-injection' takes no value") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby: console-output = \"later\": must be \"held\"") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby: unknown property 'timeout-ms'") >= 0);
	assert_true(diag_find(&d, "node /vms/t/standby/extra: unknown node (standby holds only properties)") >= 0);
	assert_int_equal(d.nr_errors, 7);
}

/* The interval must be there and within 1..1000 ms. */
static void test_standby_interval(void **state)
{
	struct cfg_standby *sb = fix_standby(&sys.vms[1], 1);

	(void)state;
	expect_clean();
	sb->interval_ms = 1000;
	expect_clean();
	sb->interval_ms = 0;
	expect_one("interval-ms = <0>: must be 1 to 1000 (ms)", SB_LINE + 1);
	sb->interval_ms = 1001;
	expect_one("interval-ms = <1001>: must be 1 to 1000 (ms)", SB_LINE + 1);
	sb->has_interval = false;
	expect_one("missing property 'interval-ms'", SB_LINE);
}

/* What Keel does not checkpoint yet is refused, at the standby node, naming where it is. */
static void test_standby_refusals(void **state)
{
	struct cfg_endpoint *ep = &sys.ipc.endpoints[0];

	(void)state;
	fix_standby(&sys.vms[1], 20);
	fix_channel(0x64000000, "ticker");
	expect_one("a standby VM may not be a member of notification channels yet (channel state is not "
		   "checkpointed yet): channel 'data' (test.dts:120)",
		   SB_LINE);
	sys.ipc.nr_channels = 0;

	memset(ep, 0, sizeof(*ep));
	sys.ipc.nr_endpoints = 1;
	snprintf(ep->name, sizeof(ep->name), "svc");
	snprintf(ep->node, sizeof(ep->node), "/ipc/svc");
	ep->loc = ep->owner_loc = ep->clients_loc = fix_loc(90);
	ep->nr_defs = 1;
	ep->has_owner = true;
	snprintf(ep->owner, sizeof(ep->owner), "linux");
	ep->has_rights = true;
	ep->rights = KEEL_IPC_RIGHT_CALL;
	ep->nr_clients = 1;
	snprintf(ep->clients[0], sizeof(ep->clients[0]), "ticker");
	expect_one("may not own or be granted IPC endpoints yet (IPC state is not checkpointed yet): endpoint 'svc' "
		   "(test.dts:90)",
		   SB_LINE);
	snprintf(ep->owner, sizeof(ep->owner), "ticker"); /* owning one is refused too */
	snprintf(ep->clients[0], sizeof(ep->clients[0]), "linux");
	expect_one("endpoint 'svc'", SB_LINE);
	sys.ipc.nr_endpoints = 0;

	sys.vms[1].nr_pass = 1;
	snprintf(sys.vms[1].pass[0].name, CFG_NAME_LEN, "rtc");
	expect_one("may not have passthrough devices or IRQs yet (their state is not checkpointed yet): "
		   "passthrough (test.dts:33)",
		   SB_LINE);
	sys.vms[1].nr_pass = 0;

	sys.vms[1].virtio.nr_devs = 1;
	sys.vms[1].virtio.given = true;
	snprintf(sys.vms[1].virtio.node, sizeof(sys.vms[1].virtio.node), "/vms/ticker/virtio");
	sys.vms[1].virtio.loc = fix_loc(100);
	memset(&sys.vms[1].virtio.devs[0], 0, sizeof(sys.vms[1].virtio.devs[0]));
	snprintf(sys.vms[1].virtio.devs[0].name, 64, "hvc0");
	snprintf(sys.vms[1].virtio.devs[0].node, 256, "/vms/ticker/virtio/hvc0");
	sys.vms[1].virtio.devs[0].nr_defs = 1;
	sys.vms[1].virtio.devs[0].has_device = sys.vms[1].virtio.devs[0].has_connect = true;
	snprintf(sys.vms[1].virtio.devs[0].device, 64, "console");
	snprintf(sys.vms[1].virtio.devs[0].connect, 128, "keel-console");
	sys.vms[1].virtio.devs[0].kind = KEEL_VDEV_VIRTIO_CONSOLE;
	expect_one("may not have virtio devices yet (their state is not checkpointed yet): /vms/ticker/virtio "
		   "(test.dts:100)",
		   SB_LINE);
}

/*
 * Copies go from the top of guest RAM (0x60000000 + 1536 MiB) down: linux's
 * 512 MiB at 0xa0000000; ticker's below linux's RAM, then below a channel in
 * the way, each clear of everything.
 */
static void test_standby_place(void **state)
{
	u64 pa[KEEL_MAX_MEM_REGIONS];

	(void)state;
	fix_standby(&sys.vms[0], 20);
	fix_standby(&sys.vms[1], 50);
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 0, pa));
	assert_int_equal(pa[0], 0xa0000000);
	assert_int_equal(pa[1], 0);
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0x7f000000);
	assert_copies_disjoint();

	sys.vms[0].standby.given = false; /* no standby: no copy, and ticker's goes to the top */
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 0, pa));
	assert_int_equal(pa[0], 0);
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0xbf000000);

	/* A channel between linux and a third VM, in the way at the top: the copy goes below it. */
	fix_mem(fix_vm(&sys, "peer", 1, 3, 140), 0x40000000, 16 * MiB, 0x62000000, 145);
	fix_image(&sys.vms[2].kernel, "peer.bin", 8 * KiB, 143);
	fix_channel(0xbf800000, "peer");
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0xbe800000);
	assert_copies_disjoint();
}

/*
 * Two RAM regions, the second 3 MiB + 4 KiB (not a multiple of 2 MiB) at an
 * IPA 1 MiB into a 2 MiB block: each copy keeps its IPA's offset within
 * 2 MiB, the copies do not overlap, and the stage-2 tables cover the dirty
 * log splitting every 2 MiB block of both regions.
 */
static void test_standby_two_regions(void **state)
{
	struct cfg_vm *vm = &sys.vms[1];
	u64 pa[KEEL_MAX_MEM_REGIONS];

	(void)state;
	fix_mem(vm, 0x48100000, 3 * MiB + 4 * KiB, 0x61000000, 36);
	fix_standby(vm, 20);
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0xbf000000);
	assert_int_equal(pa[1], 0xbeb00000); /* the highest place at 1 MiB into a block */
	assert_int_equal(pa[1] % (2 * MiB), vm->mem[1].ipa % (2 * MiB));
	assert_int_equal(pa[2], 0);
	assert_copies_disjoint();

	/* 8 blocks of the 16 MiB region, 0x48000000..0x48600000 for the other: 11 level-3 tables. */
	assert_int_equal(standby_split_pages(vm), 11);
	assert_true(validate_s2_tables(vm, &fix_board) >= 1 + 1 + standby_split_pages(vm));
}

/*
 * Only a hole that is not 2 MiB aligned is left (1 MiB at 0x60100000): the
 * copy is page aligned there. One page more does not fit: refused, naming
 * the VM and the sizes.
 */
static void test_standby_no_room(void **state)
{
	struct cfg_vm *linux_vm = &sys.vms[0], *ticker = &sys.vms[1];
	u64 pa[KEEL_MAX_MEM_REGIONS];

	(void)state;
	linux_vm->mem[0].pa = 0x60200000;
	linux_vm->mem[0].size = 0xc0000000 - 0x60200000;
	ticker->mem[0].size = 1 * MiB;
	fix_standby(ticker, 20);
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0x60100000);

	ticker->mem[0].size = 1 * MiB + 4 * KiB;
	linux_vm->mem[0].pa = 0x60200000 + 4 * KiB;
	linux_vm->mem[0].size -= 4 * KiB;
	assert_false(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0);
	expect_one("no room for the standby copy of VM 'ticker': it needs a copy of each RAM region "
		   "(/vms/ticker/memory@40000000 1028 KiB (no room); 1028 KiB in all) in the guest RAM of test-board "
		   "(0x60000000-0xbfffffff, 1536 MiB)",
		   SB_LINE);
}

static void build_blob(void *buf)
{
	run();
	if (d.nr_errors)
		dump();
	assert_int_equal(d.nr_errors, 0);
	for (u32 i = 0; i < sys.nr_vms; i++) {
		assert_true(place_vm(&sys.vms[i], &lays[i], &d));
		lays[i].dtb_size = 1500;
	}
	assert_true(place_modules(&sys, lays, blob_size(sys.nr_vms), &fix_board, &d));
	blob_build(&sys, lays, &fix_board, buf);
}

/* Defaults: held console, stop and abort; then every setting; a VM without standby has a zero record. */
static void test_standby_blob(void **state)
{
	static u8 buf[64 * KiB];
	const struct keel_blob *blob = (const struct keel_blob *)buf;
	const struct keel_blob_standby *r = &blob->vms[1].standby, zero = { 0 };
	struct cfg_standby *sb;

	(void)state;
	sb = fix_standby(&sys.vms[1], 20);
	build_blob(buf);
	assert_null(blob_check(buf, blob_size(2), "test-board"));
	assert_int_equal(r->flags, KEEL_STANDBY_ON | KEEL_STANDBY_HOLD_CONSOLE);
	assert_int_equal(r->detectors, KEEL_STANDBY_DETECT_STOP | KEEL_STANDBY_DETECT_ABORT);
	assert_int_equal(r->interval_ns, 20000000);
	assert_int_equal(r->mem_pa[0], 0xbf000000);
	for (u32 i = 1; i < KEEL_MAX_MEM_REGIONS; i++)
		assert_int_equal(r->mem_pa[i], 0);
	assert_memory_equal(&blob->vms[0].standby, &zero, sizeof(zero));

	sb->interval_ms = 1000;
	sb->inject = true;
	sb->has_console = sb->console_immediate = true;
	sb->has_detectors = true;
	sb->detectors = KEEL_STANDBY_DETECT_ABORT;
	build_blob(buf);
	assert_int_equal(r->flags, KEEL_STANDBY_ON | KEEL_STANDBY_INJECT);
	assert_int_equal(r->detectors, KEEL_STANDBY_DETECT_ABORT);
	assert_int_equal(r->interval_ns, KEEL_STANDBY_MAX_INTERVAL_NS);
}

/* layout.txt: the settings, each copy, and the cost in RAM and stage-2 table pages. */
static void test_standby_layout(void **state)
{
	static u8 buf[64 * KiB];
	char *layout;

	(void)state;
	fix_standby(&sys.vms[1], 20)->inject = true;
	build_blob(buf);
	layout = output_layout(&sys, lays, &fix_board, blob_size(2));
	assert_non_null(strstr(layout, "  standby checkpoint every 20 ms, detectors stop abort, fault injection, "
				       "console output held until each checkpoint\n"));
	assert_non_null(strstr(layout, "  standby copy of IPA 0x40000000-0x40ffffff at PA 0xbf000000-0xbfffffff "
				       "(16 MiB)\n"));
	assert_non_null(strstr(layout, "  standby cost 16 MiB of guest RAM for the copy; stage 2: 8 level-3 table "
				       "pages (32 KiB)"));
	/* linux has no standby: nothing about it before ticker's part. */
	assert_true(strstr(strstr(layout, "VM linux"), "standby") > strstr(layout, "VM ticker"));
	free(layout);
}

/*
 * A read-only region with its image: no copy placed for it (only the RAM
 * region's), no dirty-log tables for it, the blob's read-only bit and a
 * data image at its start, refused copies nowhere (Keel's check passes),
 * and the layout saying it is shared, not copied.
 */
static void test_standby_read_only(void **state)
{
	static u8 buf[64 * KiB];
	const struct keel_blob *blob = (const struct keel_blob *)buf;
	const struct keel_blob_vm *bv = &blob->vms[1];
	struct cfg_vm *vm = &sys.vms[1];
	u64 pa[KEEL_MAX_MEM_REGIONS];
	char *layout;

	(void)state;
	fix_mem(vm, 0x48000000, 2 * MiB, 0x61000000, 36);
	vm->mem[1].read_only = true;
	fix_image(&vm->mem[1].image, "rom.bin", 5000, 37);
	fix_standby(vm, 20);
	expect_clean();
	assert_true(standby_place_vm(&sys, &fix_board, 1, pa));
	assert_int_equal(pa[0], 0xbf000000);
	assert_int_equal(pa[1], 0); /* shared, never copied */
	assert_int_equal(standby_split_pages(vm), 8); /* the 16 MiB of RAM alone */

	build_blob(buf);
	assert_null(blob_check(buf, blob_size(2), "test-board"));
	assert_int_equal(bv->mem_read_only, 1u << 1);
	assert_int_equal(bv->standby.mem_pa[1], 0);
	assert_int_equal(bv->images[bv->nr_images - 1].kind, KEEL_IMAGE_DATA);
	assert_int_equal(bv->images[bv->nr_images - 1].dst_ipa, 0x48000000);
	assert_int_equal(bv->images[bv->nr_images - 1].size, 5000);
	assert_int_equal(bv->images[bv->nr_images - 1].src_pa, lays[1].mem_src[1]);
	assert_int_not_equal(lays[1].mem_src[1], 0);

	layout = output_layout(&sys, lays, &fix_board, blob_size(2));
	assert_non_null(strstr(layout, "  standby shares read-only IPA 0x48000000-0x481fffff (2 MiB): no copy, never "
				       "copied\n"));
	assert_non_null(strstr(layout, "  standby cost 16 MiB of guest RAM for the copy; stage 2: 8 level-3"));
	assert_non_null(strstr(layout, "(2 MiB), read-only\n"));
	free(layout);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_standby_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_two_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_standby_read_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
