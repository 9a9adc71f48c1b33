/*
 * Host tests of keelcfg's virtio devices (tools/keelcfg/virtio.c and
 * virtio_check.c): parsing the virtio node, the defaults it chooses (IPA,
 * SPI, MAC, network numbers, disk numbers), every rule, the secure-VM
 * policy, and the outputs that must agree: the blob's device records, the
 * guest tree's virtio_mmio nodes, the layout text and QEMU's disk arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>

#include "blob.h"
#include "guest_dt.h"
#include "output.h"
#include "parse.h"
#include "place.h"
#include "srcmap.h"
#include "test_keelcfg_fixture.h"
#include "validate.h"

static struct cfg_system sys;
static struct cfg_layout lays[CFG_MAX_VMS];
static struct diag d;
static struct validate_opts opts;

/* Adds device name to vm at line: kind "console" with connect = arg, or "net" with network = arg. */
static struct cfg_virtio_dev *fix_virtio(struct cfg_vm *vm, const char *name, const char *kind, const char *arg,
					 int line)
{
	struct cfg_virtio *vio = &vm->virtio;
	struct cfg_virtio_dev *v = &vio->devs[vio->nr_devs++];

	if (!vio->given) {
		vio->given = true;
		snprintf(vio->node, sizeof(vio->node), "%.64s/virtio", vm->node);
		vio->loc = fix_loc(line - 1);
	}
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->node, sizeof(v->node), "%.64s/virtio/%.64s", vm->node, name);
	v->loc = fix_loc(line);
	v->nr_defs = 1;
	v->has_device = true;
	snprintf(v->device, sizeof(v->device), "%s", kind);
	v->device_loc = fix_loc(line);
	v->kind = !strcmp(kind, "console") ? KEEL_VDEV_VIRTIO_CONSOLE : !strcmp(kind, "net") ? KEEL_VDEV_VIRTIO_NET : 0;
	if (!strcmp(kind, "net")) {
		v->has_network = true;
		snprintf(v->network, sizeof(v->network), "%s", arg);
		v->network_loc = fix_loc(line + 1);
	} else if (arg) {
		v->has_connect = true;
		snprintf(v->connect, sizeof(v->connect), "%s", arg);
		v->connect_loc = fix_loc(line + 1);
	}
	return v;
}

/*
 * The fixture's two VMs with: linux hvc0 on Keel's console (line 100), link
 * to ticker (103), eth0 on lan (106); ticker link back (110), net0 on lan (113).
 */
static void fix_virtio_system(void)
{
	fix_virtio(&sys.vms[0], "hvc0", "console", "keel-console", 100);
	fix_virtio(&sys.vms[0], "link", "console", "ticker/link", 103);
	fix_virtio(&sys.vms[0], "eth0", "net", "lan", 106);
	fix_virtio(&sys.vms[1], "link", "console", "linux/link", 110);
	fix_virtio(&sys.vms[1], "net0", "net", "lan", 113);
}

/*
 * Adds disk name to vm at line, image path on line + 1, as the probe would
 * have found it: size bytes (0: missing, to be created), its identity ino.
 */
static struct cfg_virtio_dev *fix_disk(struct cfg_vm *vm, const char *name, const char *path, u64 size, u64 ino,
				       int line)
{
	struct cfg_virtio_dev *v = fix_virtio(vm, name, "blk", NULL, line);

	v->kind = KEEL_VDEV_VIRTIO_BLK;
	v->has_image = true;
	snprintf(v->image, sizeof(v->image), "%s", path);
	v->image_loc = fix_loc(line + 1);
	v->file.probed = true;
	snprintf(v->file.abs_path, sizeof(v->file.abs_path), "/abs/%s", path);
	v->file.err = size ? 0 : ENOENT;
	v->file.regular = v->file.writable = size != 0;
	v->file.size = size;
	v->file.dev = 1;
	v->file.ino = ino;
	return v;
}

static int setup(void **state)
{
	(void)state;
	fix_system(&sys);
	fix_virtio_system();
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

/* A channel joining linux and ticker with the doorbells given (0: none). */
static void fix_channel(u64 ipa, u32 bell_linux, u32 bell_ticker)
{
	struct cfg_channel *ch = &sys.ipc.channels[sys.ipc.nr_channels++];

	memset(ch, 0, sizeof(*ch));
	snprintf(ch->name, sizeof(ch->name), "data");
	snprintf(ch->node, sizeof(ch->node), "/channels/data");
	ch->loc = fix_loc(120);
	ch->nr_defs = 1;
	ch->has_reg = ch->has_phys = true;
	ch->ipa = ipa;
	ch->size = 0x10000;
	ch->pa = 0x64000000;
	ch->nr_members = ch->nr_access = 2;
	snprintf(ch->members[0], 64, "linux");
	snprintf(ch->members[1], 64, "ticker");
	ch->writable[0] = ch->writable[1] = true;
	ch->nr_doorbells = bell_linux || bell_ticker ? 2 : 0;
	ch->doorbells[0] = bell_linux;
	ch->doorbells[1] = bell_ticker;
}

/* The fixture is valid, and the defaults are QEMU virt's places, in order, per VM. */
static void test_virtio_defaults(void **state)
{
	struct virtio_place p[CFG_MAX_VIRTIO];

	(void)state;
	run();
	if (d.nr_msgs)
		dump();
	assert_int_equal(d.nr_msgs, 0);
	virtio_place_vm(&sys, &fix_board, 0, p);
	assert_int_equal(p[0].ipa, 0x0a000000);
	assert_int_equal(p[1].ipa, 0x0a001000);
	assert_int_equal(p[2].ipa, 0x0a002000);
	assert_int_equal(p[0].irq, 48);
	assert_int_equal(p[2].irq, 50);
	assert_int_equal(p[0].peer_vm, -1);
	assert_int_equal(p[1].peer_vm, 1);
	assert_int_equal(p[1].peer_dev, 0);
	assert_int_equal(p[2].network, 0);
	assert_memory_equal(p[2].mac, ((u8[]){ 0x02, 0x4b, 0x45, 0, 2, 0 }), 6);
	virtio_place_vm(&sys, &fix_board, 1, p);
	assert_int_equal(p[0].ipa, 0x0a000000); /* each VM has its own IPA space */
	assert_int_equal(p[1].irq, 49);
	assert_memory_equal(p[1].mac, ((u8[]){ 0x02, 0x4b, 0x45, 1, 1, 0 }), 6);

	/* What the VM already uses is skipped: RAM at 0x0a000000, a channel page, a doorbell, a passthrough IRQ. */
	fix_mem(&sys.vms[1], 0x0a000000, 0x1000, 0x70000000, 36);
	fix_channel(0x0a001000, 0, 48);
	snprintf(sys.vms[1].pass[0].name, CFG_NAME_LEN, "gpio"); /* IRQ 39: below 48, no effect */
	sys.vms[1].nr_pass = 1;
	sys.vms[1].virtio.devs[1].has_irq = true;
	sys.vms[1].virtio.devs[1].irq = 49; /* given: the default of device 0 must avoid it too */
	virtio_place_vm(&sys, &fix_board, 1, p);
	assert_int_equal(p[0].ipa, 0x0a011000); /* after RAM and the 64 KiB channel */
	assert_int_equal(p[1].ipa, 0x0a012000);
	assert_int_equal(p[0].irq, 50);
	assert_int_equal(p[1].irq, 49);
	run();
	assert_int_equal(d.nr_errors, 0);

	/* Network numbers: in order of first appearance. */
	fix_virtio(&sys.vms[1], "wan0", "net", "wan", 116);
	fix_virtio(&sys.vms[0], "wan0", "net", "wan", 108);
	assert_int_equal(virtio_network(&sys, "lan"), 0);
	assert_int_equal(virtio_network(&sys, "wan"), 1);
	assert_int_equal(virtio_network(&sys, "none"), -1);
}

static void test_virtio_kind_errors(void **state)
{
	struct cfg_virtio_dev *v = &sys.vms[0].virtio.devs[0];

	(void)state;
	snprintf(v->device, sizeof(v->device), "gpu");
	v->kind = 0;
	expect_one("node /vms/linux/virtio/hvc0: unknown device \"gpu\" (\"console\", \"net\" or \"blk\")", 100);
	setup(NULL);
	sys.vms[0].virtio.devs[0].has_device = false;
	expect_one("missing property 'device'", 100);
	setup(NULL);
	sys.vms[0].virtio.devs[0].has_connect = false;
	expect_one("missing property 'connect'", 100);
	setup(NULL);
	sys.vms[1].virtio.devs[1].has_network = false;
	expect_one("node /vms/ticker/virtio/net0: missing property 'network'", 113);
	setup(NULL);
	v = &sys.vms[0].virtio.devs[0];
	v->has_network = true;
	v->network_loc = fix_loc(102);
	expect_one("property 'network' is for a net device", 102);
	setup(NULL);
	v = &sys.vms[0].virtio.devs[2];
	v->has_connect = true;
	v->connect_loc = fix_loc(108);
	expect_one("property 'connect' is for a console device", 108);
	setup(NULL);
	snprintf(sys.vms[0].virtio.devs[0].name, CFG_NAME_LEN, "Hvc0");
	expect_one("invalid device name 'Hvc0'", 100);
}

static void test_virtio_connect_errors(void **state)
{
	static const struct {
		const char *connect, *text;
	} cases[] = {
		{ "ticker", "must be \"keel-console\" or \"VM/DEVICE\"" },
		{ "nobody/link", "no such VM, or no virtio device of that name" },
		{ "ticker/nothing", "no such VM, or no virtio device of that name" },
		{ "ticker/net0", "that device is not a console" },
		{ "linux/hvc0", "a console link joins two VMs, not one to itself" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(NULL);
		/* ticker/link is left naming linux/link: only linux's side is wrong... */
		snprintf(sys.vms[0].virtio.devs[1].connect, 128, "%s", cases[i].connect);
		/* ...so ticker's side is pointed at Keel's console to keep one error. */
		snprintf(sys.vms[1].virtio.devs[0].connect, 128, "keel-console");
		expect_one(cases[i].text, 104);
	}
	/* A peer that does not name this console back. */
	setup(NULL);
	fix_virtio(&sys.vms[0], "other", "console", "keel-console", 107);
	snprintf(sys.vms[1].virtio.devs[0].connect, 128, "linux/other");
	run();
	assert_int_equal(d.nr_errors, 3); /* linux/link, linux/other (a second keel-console), ticker/link */
	assert_true(diag_find(&d, "test.dts:104: node /vms/linux/virtio/link: connect = \"ticker/link\": that console "
				  "does not connect back (it needs connect = \"linux/link\"; test.dts:110)") >= 0);
	assert_true(diag_find(&d, "test.dts:108: node /vms/linux/virtio/other: a second console on keel-console (the "
				  "first is 'hvc0', test.dts:100)") >= 0);
	assert_true(diag_find(&d, "test.dts:111: node /vms/ticker/virtio/link: connect = \"linux/other\": that console "
				  "does not connect back") >= 0);
}

static void test_virtio_counts(void **state)
{
	(void)state;
	fix_virtio(&sys.vms[0], "hvc1", "console", "keel-console", 120);
	snprintf(sys.vms[0].virtio.devs[3].connect, 128, "ticker/c3");
	fix_virtio(&sys.vms[1], "c3", "console", "linux/hvc1", 130);
	run();
	assert_int_equal(d.nr_errors, 0); /* 4 in linux: fine */
	fix_virtio(&sys.vms[0], "hvc2", "console", "ticker/c4", 123);
	fix_virtio(&sys.vms[1], "c4", "console", "linux/hvc2", 133);
	fix_virtio(&sys.vms[0], "eth1", "net", "lan", 126);
	expect_one("node /vms/linux/virtio: 6 virtio devices: at most 5 per VM", 99);
	/* Five consoles in ticker (5 devices: within the total). */
	setup(NULL);
	sys.vms[1].virtio.nr_devs = 0;
	for (int i = 0; i < 5; i++) {
		char name[16], peer[24];

		snprintf(name, sizeof(name), "c%d", i);
		snprintf(peer, sizeof(peer), i ? "linux/c%d" : "linux/link", i);
		fix_virtio(&sys.vms[1], name, "console", peer, 140 + 3 * i);
	}
	snprintf(sys.vms[0].virtio.devs[1].connect, 128, "ticker/c0");
	for (int i = 1; i < 5; i++)
		snprintf(sys.vms[1].virtio.devs[i].connect, 128, "keel-console");
	run();
	assert_true(diag_find(&d, "test.dts:152: node /vms/ticker/virtio/c4: a fifth console device in vm 'ticker': "
				  "at most 4 of each kind per VM") >= 0);
}

static void test_virtio_place_errors(void **state)
{
	struct cfg_virtio_dev *v = &sys.vms[0].virtio.devs[2];

	(void)state;
	v->has_reg = true;
	v->ipa = 0x0a000800;
	v->reg_loc = fix_loc(107);
	expect_one("reg 0xa000800: not 4 KiB aligned", 107);
	v->ipa = 0x40100000;
	expect_one("reg 0x40100000+0x1000 overlaps RAM /vms/linux/memory@40000000", 107);
	v->ipa = CFG_VUART_IPA;
	expect_one("overlaps the virtual UART", 107);
	v->ipa = 0x70000000;
	fix_channel(0x70000000, 0, 0);
	expect_one("overlaps channel 'data'", 107);
	sys.ipc.nr_channels = 0;
	v->ipa = 0x0c000000;
	sys.vms[0].virtio.devs[1].has_reg = true;
	sys.vms[0].virtio.devs[1].ipa = 0x0c000000;
	sys.vms[0].virtio.devs[1].reg_loc = fix_loc(105);
	expect_one("reg 0xc000000: also the page of virtio device 'link' (test.dts:105)", 107);

	setup(NULL);
	v = &sys.vms[0].virtio.devs[2];
	v->has_irq = true;
	v->irq_loc = fix_loc(107);
	v->irq = 96;
	expect_one("interrupts = <96>: not an SPI of the VM (32..95)", 107);
	v->irq = 27;
	expect_one("interrupts = <27>: not an SPI", 107);
	v->irq = 33;
	expect_one("interrupts = <33>: already used by the virtual UART", 107);
	v->irq = 34;
	snprintf(sys.vms[0].pass[0].name, CFG_NAME_LEN, "rtc");
	sys.vms[0].nr_pass = 1;
	expect_one("interrupts = <34>: already used by passthrough device 'rtc'", 107);
	v->irq = 40;
	fix_channel(0x70000000, 40, 41);
	expect_one("interrupts = <40>: already used by the doorbell of channel 'data'", 107);
	v->irq = 60;
	sys.vms[0].virtio.devs[0].has_irq = true;
	sys.vms[0].virtio.devs[0].irq = 60;
	sys.vms[0].virtio.devs[0].irq_loc = fix_loc(101);
	expect_one("interrupts = <60>: also the SPI of virtio device 'hvc0' (test.dts:101)", 107);

	/* No default left: every page of the window is RAM (net0 has its own page). */
	setup(NULL);
	sys.vms[1].virtio.devs[1].has_reg = true;
	sys.vms[1].virtio.devs[1].ipa = 0x0c000000;
	fix_mem(&sys.vms[1], CFG_VIRTIO_IPA_BASE, CFG_VIRTIO_IPA_LIMIT - CFG_VIRTIO_IPA_BASE, 0x70000000, 36);
	expect_one("node /vms/ticker/virtio/link: no free 4 KiB page for it in 0xa000000-0xa1fffff of vm 'ticker'",
		   110);
}

static void test_virtio_mac_and_networks(void **state)
{
	struct cfg_virtio_dev *v = &sys.vms[0].virtio.devs[2];

	(void)state;
	v->has_mac = true;
	v->mac_loc = fix_loc(107);
	memcpy(v->mac, (u8[]){ 0x03, 0, 0, 0, 0, 1 }, 6);
	expect_one("mac 03:...: a multicast address", 107);
	memset(v->mac, 0, 6);
	expect_one("mac 00:00:00:00:00:00 is not an address", 107);
	memcpy(v->mac, (u8[]){ 0x02, 0x4b, 0x45, 1, 1, 0 }, 6); /* ticker/net0's default */
	expect_one("test.dts:113: node /vms/ticker/virtio/net0: MAC 02:4b:45:01:01:00 is also that of "
		   "/vms/linux/virtio/eth0 (test.dts:106)", 113);

	/* One port alone on its network: a warning, not an error. */
	setup(NULL);
	snprintf(sys.vms[1].virtio.devs[1].network, 64, "lan2");
	run();
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(d.nr_warnings, 2);
	assert_true(diag_find(&d, "test.dts:107: node /vms/linux/virtio/eth0: warning: network 'lan' has only this port") >= 0);

	/* A ninth network: two VMs with four ports each, and one more. */
	setup(NULL);
	for (u32 v2 = 0; v2 < 2; v2++) {
		sys.vms[v2].virtio.nr_devs = 0;
		for (int i = 0; i < 4; i++) {
			char name[16], net[16];

			snprintf(name, sizeof(name), "n%d", i);
			snprintf(net, sizeof(net), "net%u", v2 * 4 + (u32)i);
			fix_virtio(&sys.vms[v2], name, "net", net, 150 + 20 * (int)v2 + 3 * i);
		}
	}
	struct cfg_vm *third = fix_vm(&sys, "third", 1, 3, 190);
	fix_mem(third, 0x40000000, 16 * MiB, 0x61000000, 195);
	fix_image(&third->kernel, "t.bin", 4 * KiB, 193);
	fix_virtio(third, "n0", "net", "net8", 197);
	run();
	assert_int_equal(d.nr_errors, 1);
	assert_true(diag_find(&d, "test.dts:198: node /vms/third/virtio/n0: network 'net8' is the 9th: a system has "
				  "at most 8") >= 0);
}

static void test_virtio_secure(void **state)
{
	struct cfg_vm *linux_vm = &sys.vms[0];

	(void)state;
	linux_vm->secure = true;
	linux_vm->secure_loc = fix_loc(12);
	run();
	assert_int_equal(d.nr_errors, 2);
	assert_true(diag_find(&d, "test.dts:104: node /vms/linux/virtio/link: secure vm 'linux' does not accept vm "
				  "'ticker', which this console is linked to (it has no accept-clients") >= 0);
	assert_true(diag_find(&d, "test.dts:107: node /vms/linux/virtio/eth0: secure vm 'linux' does not accept vm "
				  "'ticker', which shares this network") >= 0);
	/* Accepting ticker makes both fine; Keel's console is no VM and needs no acceptance. */
	linux_vm->nr_accept = 1;
	snprintf(linux_vm->accept[0], 64, "ticker");
	linux_vm->accept_loc = fix_loc(13);
	run();
	assert_int_equal(d.nr_errors, 0);
}

/* A tree with one VM whose virtio node holds what is given. */
static void *virtio_source(bool bad)
{
	static char buf[4096];
	fdt32_t reg[2] = { 0, cpu_to_fdt32(0x0c000000) }, irq = cpu_to_fdt32(70), size = cpu_to_fdt32(64);

	fdt_create(buf, sizeof(buf));
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	fdt_begin_node(buf, "vms");
	fdt_begin_node(buf, "t");
	fdt_begin_node(buf, "virtio");
	if (bad)
		fdt_property_u32(buf, "count", 1);
	fdt_begin_node(buf, "eth0");
	fdt_property_string(buf, "device", "net");
	fdt_property_string(buf, "network", "lan");
	fdt_property(buf, "mac", "\x02\x00\x00\x00\x00\x01", bad ? 5 : 6);
	fdt_property(buf, "reg", reg, bad ? 4 : 8);
	fdt_property(buf, "interrupts", &irq, 4);
	if (bad)
		fdt_property_string(buf, "queue", "x");
	fdt_end_node(buf);
	fdt_begin_node(buf, "hvc0");
	fdt_property_string(buf, "device", "console");
	fdt_property_string(buf, "connect", "keel-console");
	fdt_end_node(buf);
	fdt_begin_node(buf, "disk0");
	fdt_property_string(buf, "device", "blk");
	fdt_property_string(buf, "image", "build/disks/a.img");
	fdt_property(buf, "size-mib", &size, bad ? 2 : 4);
	fdt_property(buf, "read-only", "x", bad ? 1 : 0);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);
	return buf;
}

/* Disks are numbered over the system, VMs in order then devices in order, whatever else is between. */
static void test_virtio_disk_numbers(void **state)
{
	struct virtio_place p[CFG_MAX_VIRTIO];
	struct cfg_virtio_dev *v;

	(void)state;
	fix_disk(&sys.vms[1], "root", "t.img", 64 * MiB, 2, 120);
	fix_disk(&sys.vms[0], "data", "l.img", 8 * MiB, 3, 130);
	v = fix_disk(&sys.vms[1], "scratch", "s.img", 0, 4, 123); /* missing: created from size-mib */
	v->has_size_mib = true;
	v->size_mib = 16;
	run();
	if (d.nr_msgs)
		dump();
	assert_int_equal(d.nr_msgs, 0);
	assert_int_equal(virtio_nr_disks(&sys), 3);
	assert_int_equal(virtio_disk_number(&sys, 0, 3), 0); /* linux/data */
	assert_int_equal(virtio_disk_number(&sys, 1, 2), 1); /* ticker/root */
	assert_int_equal(virtio_disk_number(&sys, 1, 3), 2); /* ticker/scratch */
	assert_int_equal(virtio_disk_number(&sys, 1, 1), -1); /* a net port */
	assert_int_equal(virtio_disk_number(&sys, 1, 4), -1); /* no such device */
	virtio_place_vm(&sys, &fix_board, 1, p);
	assert_int_equal(p[0].disk, -1);
	assert_int_equal(p[2].disk, 1);
	assert_int_equal(p[3].disk, 2);
	assert_int_equal(p[2].ipa, 0x0a002000); /* the same IPA and SPI defaults as any virtio device */
	assert_int_equal(p[3].irq, 51);
}

/* Each rule of a disk alone: one error, at the line of what is wrong. */
static void test_virtio_disk_errors(void **state)
{
	struct cfg_virtio_dev *v;

	(void)state;
	v = fix_disk(&sys.vms[0], "d", "d.img", 0, 5, 130);
	expect_one("node /vms/linux/virtio/d: image 'd.img' does not exist: give size-mib = <N>", 131);
	v->has_size_mib = true;
	v->size_loc = fix_loc(132);
	expect_one("size-mib = <0>: a disk has at least 1 MiB", 132);
	v->size_mib = 4;
	run();
	assert_int_equal(d.nr_errors, 0); /* missing, with a size: created after the checks */
	v->file.err = v->file.size = 0;
	v->file.regular = v->file.writable = true;
	v->file.size = 8 * MiB;
	expect_one("size-mib = <4>, but image 'd.img' exists and is 8388608 bytes: keelcfg never resizes a disk", 132);
	v->has_size_mib = false;
	v->file.size = 8 * MiB + 100;
	expect_one("image 'd.img' is 8388708 bytes: a disk is a whole number (not 0) of 512-byte sectors", 131);
	v->file.size = 0;
	expect_one("image 'd.img' is 0 bytes", 131);
	v->file.size = 512;
	v->file.writable = false;
	expect_one("image 'd.img' is not writable: make it so, or mark the disk read-only", 131);
	v->read_only = true;
	run();
	assert_int_equal(d.nr_errors, 0);
	v->file.regular = false;
	expect_one("image 'd.img' is not a regular file", 131);
	v->file.regular = true;
	v->file.err = EACCES;
	expect_one("cannot use image 'd.img': Permission denied", 131);
	v->file.err = 0;
	snprintf(v->file.abs_path, sizeof(v->file.abs_path), "/abs/a,b.img");
	expect_one("its path /abs/a,b.img has a comma or a control character", 131);
	snprintf(v->file.abs_path, sizeof(v->file.abs_path), "/abs/a\nb.img");
	expect_one("has a comma or a control character", 131);
	snprintf(v->file.abs_path, sizeof(v->file.abs_path), "/abs/disks");
	snprintf(v->image, sizeof(v->image), "disks/");
	v->file.err = ENOENT; /* would be created as a file named "disks" */
	v->has_size_mib = true;
	v->size_mib = 1;
	expect_one("image 'disks/' names a directory", 131);

	/* Properties of other kinds, both ways. */
	setup(NULL);
	v = fix_disk(&sys.vms[0], "d", "d.img", MiB, 5, 130);
	v->has_network = true;
	v->network_loc = fix_loc(133);
	expect_one("property 'network' is for a net device, and this is a blk", 133);
	setup(NULL);
	v = &sys.vms[0].virtio.devs[0];
	v->read_only = true;
	v->read_only_loc = fix_loc(101);
	expect_one("node /vms/linux/virtio/hvc0: property 'read-only' is for a blk device, and this is a console", 101);
	setup(NULL);
	v = fix_disk(&sys.vms[0], "d", "d.img", MiB, 5, 130);
	v->has_image = false;
	expect_one("node /vms/linux/virtio/d: missing property 'image'", 130);
}

/* One file, two disks: by identity when it exists, by absolute path when it is yet to be created. */
static void test_virtio_disk_shared(void **state)
{
	(void)state;
	fix_disk(&sys.vms[0], "d", "d.img", MiB, 7, 130);
	fix_disk(&sys.vms[1], "e", "./d.img", MiB, 7, 140);
	expect_one("test.dts:141: node /vms/ticker/virtio/e: image './d.img' is also the image of "
		   "/vms/linux/virtio/d (test.dts:131): a disk belongs to one device of one VM", 141);
	sys.vms[1].virtio.devs[2].file.ino = 8;
	run();
	assert_int_equal(d.nr_errors, 0);

	setup(NULL);
	fix_disk(&sys.vms[0], "d", "new.img", 0, 0, 130)->has_size_mib = true;
	fix_disk(&sys.vms[0], "e", "new.img", 0, 0, 133)->has_size_mib = true;
	sys.vms[0].virtio.devs[3].size_mib = sys.vms[0].virtio.devs[4].size_mib = 1;
	expect_one("node /vms/linux/virtio/e: image 'new.img' is also the image of /vms/linux/virtio/d", 134);
}

/* At most 4 disks per VM (Keel's pool) and 8 in the system (the board's disks Keel drives). */
static void test_virtio_disk_counts(void **state)
{
	char name[16], path[32];
	struct cfg_vm *third;

	(void)state;
	sys.vms[0].virtio.nr_devs = sys.vms[1].virtio.nr_devs = 0;
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(path, sizeof(path), "%d.img", i);
		fix_disk(&sys.vms[0], name, path, MiB, (u64)i + 1, 150 + 3 * i);
	}
	expect_one("test.dts:162: node /vms/linux/virtio/d4: a fifth blk device in vm 'linux'", 162);
	sys.vms[0].virtio.nr_devs = 4;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(path, sizeof(path), "t%d.img", i);
		fix_disk(&sys.vms[1], name, path, MiB, (u64)i + 11, 170 + 3 * i);
	}
	run();
	assert_int_equal(d.nr_errors, 0); /* 8 disks */
	third = fix_vm(&sys, "third", 1, 3, 190);
	fix_mem(third, 0x40000000, 16 * MiB, 0x61000000, 195);
	fix_image(&third->kernel, "t.bin", 4 * KiB, 193);
	fix_disk(third, "d0", "x.img", MiB, 30, 197);
	expect_one("node /vms/third/virtio/d0: a ninth disk: a system has at most 8", 197);
}

static void test_virtio_parse(void **state)
{
	struct srcmap map = { .fallback_file = "src.dts" };
	const struct cfg_virtio *vio = &sys.vms[0].virtio;

	(void)state;
	diag_reset(&d);
	parse_system(virtio_source(false), &map, &sys, &d);
	assert_int_equal(d.nr_msgs, 0);
	assert_true(vio->given);
	assert_string_equal(vio->devs[0].node, "/vms/t/virtio/eth0");
	assert_int_equal(vio->devs[0].kind, KEEL_VDEV_VIRTIO_NET);
	assert_string_equal(vio->devs[0].network, "lan");
	assert_true(vio->devs[0].has_mac);
	assert_int_equal(vio->devs[0].mac[5], 1);
	assert_int_equal(vio->devs[0].ipa, 0x0c000000);
	assert_int_equal(vio->devs[0].irq, 70);
	assert_int_equal(vio->devs[1].kind, KEEL_VDEV_VIRTIO_CONSOLE);
	assert_string_equal(vio->devs[1].connect, "keel-console");
	assert_int_equal(vio->devs[2].kind, KEEL_VDEV_VIRTIO_BLK);
	assert_string_equal(vio->devs[2].image, "build/disks/a.img");
	assert_true(vio->devs[2].has_size_mib);
	assert_int_equal(vio->devs[2].size_mib, 64);
	assert_true(vio->devs[2].read_only);
	assert_int_equal(vio->nr_devs, 3);

	parse_system(virtio_source(true), &map, &sys, &d);
	assert_true(diag_find(&d, "node /vms/t/virtio: unknown property 'count'") >= 0);
	assert_true(diag_find(&d, "node /vms/t/virtio/eth0: property 'mac' must be 6 bytes") >= 0);
	assert_true(diag_find(&d, "node /vms/t/virtio/eth0: property 'reg' must be <ipa-hi ipa-lo>") >= 0);
	assert_true(diag_find(&d, "node /vms/t/virtio/eth0: unknown property 'queue'") >= 0);
	assert_true(diag_find(&d, "node /vms/t/virtio/disk0: property 'size-mib' must be one cell") >= 0);
	assert_true(diag_find(&d, "node /vms/t/virtio/disk0: property 'read-only' takes no value") >= 0);
	assert_int_equal(d.nr_errors, 6);
}

static void build_blob(void *buf)
{
	run();
	assert_int_equal(d.nr_errors, 0);
	for (u32 i = 0; i < sys.nr_vms; i++) {
		assert_true(place_vm(&sys.vms[i], &lays[i], &d));
		lays[i].dtb_size = 1500;
	}
	assert_true(place_modules(&sys, lays, blob_size(sys.nr_vms), &fix_board, &d));
	blob_build(&sys, lays, &fix_board, buf);
}

/* The records after the three fixed ones, args as include/abi/keel/config_blob.h says. */
static void test_virtio_blob(void **state)
{
	static u8 buf[64 * KiB];
	const struct keel_blob *blob = (const struct keel_blob *)buf;
	const struct keel_blob_vdev *r;

	(void)state;
	memcpy(sys.vms[0].virtio.devs[2].mac, (u8[]){ 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, 6);
	sys.vms[0].virtio.devs[2].has_mac = true;
	build_blob(buf);
	assert_null(blob_check(buf, blob_size(2), "test-board"));
	assert_int_equal(blob->vms[0].nr_vdevs, 6);
	assert_int_equal(blob->vms[1].nr_vdevs, 5);
	assert_int_equal(blob->vms[0].vdevs[2].kind, KEEL_VDEV_PL011);
	r = &blob->vms[0].vdevs[3];
	assert_int_equal(r->kind, KEEL_VDEV_VIRTIO_CONSOLE);
	assert_int_equal(r->ipa, 0x0a000000);
	assert_int_equal(r->size, 0x1000);
	assert_int_equal(r->irq, 48);
	assert_int_equal(r->args[0], KEEL_VIRTIO_CONSOLE_TO_KEEL);
	r = &blob->vms[0].vdevs[4]; /* linux/link -> ticker's record 3 */
	assert_int_equal(r->args[0], KEEL_VIRTIO_CONSOLE_TO_PEER);
	assert_int_equal(r->args[1], 1);
	assert_int_equal(r->args[2], 3);
	r = &blob->vms[1].vdevs[3]; /* ticker/link -> linux's record 4, naming it back */
	assert_int_equal(r->args[0], KEEL_VIRTIO_CONSOLE_TO_PEER);
	assert_int_equal(r->args[1], 0);
	assert_int_equal(r->args[2], 4);
	r = &blob->vms[0].vdevs[5];
	assert_int_equal(r->kind, KEEL_VDEV_VIRTIO_NET);
	assert_int_equal(r->ipa, 0x0a002000);
	assert_int_equal(r->irq, 50);
	assert_int_equal(r->args[0], 0);
	assert_int_equal(r->args[1], 0x33221102);
	assert_int_equal(r->args[2], 0x5544);
	assert_int_equal(r->args[3], 0);
	r = &blob->vms[1].vdevs[4];
	assert_int_equal(r->args[0], 0); /* the same network */
	assert_int_equal(r->args[1], 0x01454b02); /* 02:4b:45:01:01:00 */
	assert_int_equal(r->args[2], 0x0001);
}

/* A disk's record: kind 6, its number and flags in args, at a page and SPI like any virtio device. */
static void test_virtio_disk_blob(void **state)
{
	static u8 buf[64 * KiB];
	const struct keel_blob *blob = (const struct keel_blob *)buf;
	const struct keel_blob_vdev *r;

	(void)state;
	fix_disk(&sys.vms[1], "root", "t.img", 64 * MiB, 2, 120)->read_only = true;
	fix_disk(&sys.vms[0], "data", "l.img", 8 * MiB, 3, 130);
	build_blob(buf);
	assert_null(blob_check(buf, blob_size(2), "test-board"));
	assert_int_equal(blob->vms[0].nr_vdevs, 7);
	r = &blob->vms[0].vdevs[6];
	assert_int_equal(r->kind, KEEL_VDEV_VIRTIO_BLK);
	assert_int_equal(r->ipa, 0x0a003000);
	assert_int_equal(r->size, 0x1000);
	assert_int_equal(r->irq, 51);
	assert_int_equal(r->args[0], 0);
	assert_int_equal(r->args[1], 0);
	assert_int_equal(r->args[2], 0);
	assert_int_equal(r->args[3], 0);
	r = &blob->vms[1].vdevs[5];
	assert_int_equal(r->kind, KEEL_VDEV_VIRTIO_BLK);
	assert_int_equal(r->args[0], 1);
	assert_int_equal(r->args[1], KEEL_VIRTIO_BLK_READ_ONLY);
	assert_int_equal(r->args[2], 0);
	assert_int_equal(r->args[3], 0);
}

/* QEMU's disks in qemu-loader.args: version-2 transports once, then one drive and device per disk, in number order. */
static void test_virtio_disk_loader_args(void **state)
{
	static u8 buf[64 * KiB];
	char *args, *layout, *d0, *d1;

	(void)state;
	build_blob(buf);
	args = output_loader_args(&sys, lays, &fix_board, "/out");
	assert_null(strstr(args, "-global")); /* no disk, no change to QEMU's transports */
	assert_null(strstr(args, "-drive"));
	free(args);

	setup(NULL);
	fix_disk(&sys.vms[1], "root", "t.img", 64 * MiB, 2, 120)->read_only = true;
	fix_disk(&sys.vms[0], "data", "l.img", 8 * MiB, 3, 130);
	build_blob(buf);
	args = output_loader_args(&sys, lays, &fix_board, "/out");
	assert_non_null(strstr(args, "\n-global\nvirtio-mmio.force-legacy=false\n"));
	assert_null(strstr(strstr(args, "-global") + 1, "-global"));
	d0 = strstr(args, "\n-drive\nif=none,id=keeldisk0,file=/abs/l.img,format=raw\n"
			  "-device\nvirtio-blk-device,drive=keeldisk0\n");
	d1 = strstr(args, "\n-drive\nif=none,id=keeldisk1,file=/abs/t.img,format=raw,readonly=on\n"
			  "-device\nvirtio-blk-device,drive=keeldisk1\n");
	assert_non_null(d0);
	assert_non_null(d1);
	assert_true(strstr(args, "-global") < d0 && d0 < d1);
	free(args);

	layout = output_layout(&sys, lays, &fix_board, blob_size(2));
	assert_non_null(strstr(layout, "  virtio  data: blk, IPA 0xa003000, IRQ 51, disk 0, image l.img, 8388608 bytes\n"));
	assert_non_null(strstr(layout, "  virtio  root: blk, IPA 0xa002000, IRQ 50, disk 1, image t.img, 67108864 bytes, "
				       "read-only\n"));
	free(layout);
}

static u64 dt_cells64(const fdt32_t *c)
{
	return (u64)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

/* One virtio_mmio node per record, at its IPA with its SPI; and the layout names each device. */
static void test_virtio_guest_dt(void **state)
{
	static u8 buf[64 * KiB], tree[64 * KiB];
	const struct keel_blob_vm *bvm = &((const struct keel_blob *)buf)->vms[0];
	u8 seed[GUEST_DT_SEED_LEN] = { 0 };
	const fdt32_t *reg, *irq;
	char path[64], *layout;
	int len, node;

	(void)state;
	build_blob(buf);
	assert_true(guest_dt_build(&sys, &sys.vms[0], &lays[0], &fix_board, seed, tree, sizeof(tree), &d) > 0);
	for (u32 i = 3; i < bvm->nr_vdevs; i++) {
		snprintf(path, sizeof(path), "/virtio_mmio@%llx", (unsigned long long)bvm->vdevs[i].ipa);
		node = fdt_path_offset(tree, path);
		assert_true(node >= 0);
		assert_string_equal(fdt_getprop(tree, node, "compatible", NULL), "virtio,mmio");
		reg = fdt_getprop(tree, node, "reg", &len);
		assert_int_equal(len, 16);
		assert_int_equal(dt_cells64(reg), bvm->vdevs[i].ipa);
		assert_int_equal(dt_cells64(reg + 2), 0x200);
		irq = fdt_getprop(tree, node, "interrupts", &len);
		assert_int_equal(len, 12);
		assert_int_equal(fdt32_to_cpu(irq[0]), 0); /* SPI */
		assert_int_equal(fdt32_to_cpu(irq[1]) + 32, bvm->vdevs[i].irq);
		assert_int_equal(fdt32_to_cpu(irq[2]), 4); /* level-high */
		assert_non_null(fdt_getprop(tree, node, "dma-coherent", &len));
		assert_int_equal(len, 0);
	}
	assert_true(fdt_path_offset(tree, "/virtio_mmio@a003000") < 0);

	layout = output_layout(&sys, lays, &fix_board, blob_size(2));
	assert_non_null(strstr(layout, "  virtio  hvc0: console, IPA 0xa000000, IRQ 48, on Keel's console\n"));
	assert_non_null(strstr(layout, "  virtio  link: console, IPA 0xa001000, IRQ 49, linked to ticker/link\n"));
	assert_non_null(strstr(layout, "  virtio  eth0: net, IPA 0xa002000, IRQ 50, network lan (0), MAC "
				       "02:4b:45:00:02:00\n"));
	free(layout);

	/* A VM without virtio devices has no such node. */
	sys.vms[1].virtio.nr_devs = 0;
	assert_true(guest_dt_build(&sys, &sys.vms[1], &lays[1], &fix_board, seed, tree, sizeof(tree), &d) > 0);
	assert_true(fdt_path_offset(tree, "/virtio_mmio@a000000") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_virtio_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_kind_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_connect_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_place_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_mac_and_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_secure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_disk_loader_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtio_guest_dt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
