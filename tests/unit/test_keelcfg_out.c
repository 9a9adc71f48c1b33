/*
 * Host tests of what keelcfg produces: image placement (place.c), the blob
 * and its checksum (blob.c, lib/crc32.c), the guest device tree
 * (guest_dt.c), plus the two readers every output depends on: the arm64
 * Image header probe (images.c) and the dtc line map (srcmap.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/crc32.h>
#include <libfdt.h>

#include "blob.h"
#include "guest_dt.h"
#include "images.h"
#include "place.h"
#include "s2size.h"
#include "srcmap.h"
#include "test_keelcfg_fixture.h"

/* Worst-case stage-2 tables: root + 1 GiB spans + 2 MiB spans, shared spans counted once. */
static void test_s2size(void **state)
{
	(void)state;
	/* 512 MiB at 1 GiB: 1 root, 1 level-2, 256 level-3. */
	struct s2size_range aligned = { 0x40000000, 512 * MiB };
	/* 5 MiB at 0x40100000 touches three 2 MiB spans. */
	struct s2size_range odd = { 0x40100000, 5 * MiB };
	/* Two ranges inside one 2 MiB span share its table; one crossing 1 GiB needs two level-2 tables. */
	struct s2size_range shared[] = { { 0x9000000, 0x1000 }, { 0x9010000, 0x1000 } };
	struct s2size_range cross = { 0x3ff00000, 2 * MiB };

	assert_int_equal(s2size_tables(&aligned, 1), 1 + 1 + 256);
	assert_int_equal(s2size_tables(&odd, 1), 1 + 1 + 3);
	assert_int_equal(s2size_tables(shared, 2), 1 + 1 + 1);
	assert_int_equal(s2size_tables(&cross, 1), 1 + 2 + 2);
	assert_int_equal(s2size_tables(NULL, 0), 1);
	/* Ranges beyond the IPA space or wrapping around are not counted, and never overrun. */
	struct s2size_range bad[] = { { 0xFFFFFFFFFFE00000ull, 0x1FF000 }, { 1ull << 39, 4096 }, { 0x40000000, 0 } };
	assert_int_equal(s2size_tables(bad, 3), 1);
	struct s2size_range top = { (1ull << 39) - 2 * MiB, 2 * MiB };
	assert_int_equal(s2size_tables(&top, 1), 1 + 1 + 1);
}

static struct cfg_system sys;
static struct cfg_layout lays[CFG_MAX_VMS];
static struct diag d;

static int setup(void **state)
{
	(void)state;
	fix_system(&sys);
	memset(lays, 0, sizeof(lays));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_reset(&d);
	return 0;
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(crc32("123456789", 9), 0xcbf43926);
	assert_int_equal(crc32("", 0), 0);
	assert_int_equal(crc32("a", 1), 0xe8b7be43);
}

static void test_place_linux(void **state)
{
	struct cfg_vm *vm = &sys.vms[0];

	(void)state;
	vm->kernel.text_offset = 0x80000;
	assert_true(place_vm(vm, &lays[0], &d));
	assert_int_equal(lays[0].kernel_ipa, 0x40080000);
	assert_int_equal(lays[0].entry_ipa, 0x40080000);
	assert_int_equal(lays[0].kernel_span, 24 * MiB); /* image_size, covering BSS */
	assert_int_equal(lays[0].dtb_ipa, 0x40000000 + 510 * MiB);
	/* The initrd ends at or below the tree, starts page aligned, right below it. */
	assert_int_equal(lays[0].initrd_ipa % PAGE_SIZE, 0);
	assert_true(lays[0].initrd_ipa + vm->initrd.file_size <= lays[0].dtb_ipa);
	assert_true(lays[0].dtb_ipa - lays[0].initrd_ipa < vm->initrd.file_size + PAGE_SIZE);

	/* A base that is not 2 MiB aligned moves the kernel up to the next 2 MiB. */
	vm->mem[0].ipa = 0x40100000;
	assert_true(place_vm(vm, &lays[0], &d));
	assert_int_equal(lays[0].kernel_ipa, 0x40280000);
	assert_int_equal(d.nr_msgs, 0);
}

static void test_place_raw(void **state)
{
	struct cfg_vm *vm = &sys.vms[1];

	(void)state;
	assert_true(place_vm(vm, &lays[1], &d));
	assert_int_equal(lays[1].kernel_ipa, 0x40000000);
	assert_int_equal(lays[1].entry_ipa, 0x40000000);
	assert_int_equal(lays[1].dtb_ipa, 0x40000000 + 14 * MiB);
	assert_int_equal(lays[1].initrd_ipa, 0);
}

static void test_place_does_not_fit(void **state)
{
	(void)state;
	sys.vms[1].kernel.file_size = 15 * MiB;
	assert_false(place_vm(&sys.vms[1], &lays[1], &d));
	assert_true(diag_find(&d, "test.dts:33: node /vms/ticker: kernel 'ticker.bin'") >= 0);
	assert_true(diag_find(&d, "does not fit in /vms/ticker/memory@40000000") >= 0);

	diag_reset(&d);
	fix_system(&sys);
	sys.vms[0].initrd.file_size = 511 * MiB;
	assert_false(place_vm(&sys.vms[0], &lays[0], &d));
	assert_true(diag_find(&d, "test.dts:15:") >= 0);
	assert_true(diag_find(&d, "initrd 'initrd.cpio.gz' (511 MiB) does not fit") >= 0);

	/* Kernel and initrd fit alone but not together. */
	diag_reset(&d);
	sys.vms[0].initrd.file_size = 490 * MiB;
	assert_false(place_vm(&sys.vms[0], &lays[0], &d));
	assert_true(diag_find(&d, "with initrd initrd.cpio.gz does not fit") >= 0);

	diag_reset(&d);
	fix_system(&sys);
	sys.vms[1].mem[0].size = 1 * MiB;
	assert_false(place_vm(&sys.vms[1], &lays[1], &d));
	assert_true(diag_find(&d, "memory region too small") >= 0);
}

static void place_all(void)
{
	for (u32 i = 0; i < sys.nr_vms; i++) {
		assert_true(place_vm(&sys.vms[i], &lays[i], &d));
		lays[i].dtb_size = 1500;
	}
}

static void test_place_modules(void **state)
{
	(void)state;
	place_all();
	assert_true(place_modules(&sys, lays, blob_size(2), &fix_board, &d));
	assert_int_equal(lays[0].kernel_src, 0x50010000); /* after the blob, 64 KiB aligned */
	assert_int_equal(lays[0].initrd_src, 0x50010000 + 20 * MiB);
	assert_int_equal(lays[0].dtb_src, ALIGN_UP(0x50010000 + 23 * MiB + 5, 64 * KiB));
	assert_int_equal(lays[1].kernel_src, lays[0].dtb_src + 64 * KiB);
	assert_int_equal(lays[1].dtb_src, lays[1].kernel_src + 64 * KiB);

	sys.vms[1].kernel.file_size = 240 * MiB; /* 20 + 3 + 240 MiB > 256 MiB */
	assert_false(place_modules(&sys, lays, blob_size(2), &fix_board, &d));
	assert_true(diag_find(&d, "test.dts:33: node /vms/ticker: boot modules do not fit: kernel "
				  "of VM 'ticker'") >= 0);
}

static void build_blob(void *buf)
{
	place_all();
	assert_true(place_modules(&sys, lays, blob_size(sys.nr_vms), &fix_board, &d));
	blob_build(&sys, lays, &fix_board, buf);
}

static void test_blob(void **state)
{
	static u8 buf[64 * KiB];
	struct keel_blob *blob = (struct keel_blob *)buf;
	size_t size = blob_size(2);
	u32 crc;

	(void)state;
	snprintf(sys.vms[0].pass[0].name, CFG_NAME_LEN, "rtc");
	sys.vms[0].nr_pass = 1;
	sys.vms[1].autostart = false;
	build_blob(buf);
	assert_null(blob_check(buf, size, "test-board"));
	assert_int_equal(blob->header.magic, KEEL_BLOB_MAGIC);
	assert_int_equal(blob->header.version, KEEL_BLOB_VERSION);
	assert_int_equal(blob->header.total_size, size);
	assert_int_equal(blob->header.nr_vms, 2);
	assert_string_equal(blob->header.platform, "test-board");

	/* The checksum is the CRC of the blob with the field zero. */
	crc = blob->header.checksum;
	blob->header.checksum = 0;
	assert_int_equal(crc32(buf, size), crc);
	blob->header.checksum = crc;

	assert_string_equal(blob->vms[0].name, "linux");
	assert_int_equal(blob->vms[0].nr_vcpus, 2);
	assert_int_equal(blob->vms[0].pcpu[1], 1);
	assert_int_equal(blob->vms[0].flags, KEEL_VM_FLAG_AUTOSTART);
	assert_int_equal(blob->vms[1].flags, 0);
	assert_int_equal(blob->vms[0].nr_images, 3);
	assert_int_equal(blob->vms[0].images[0].kind, KEEL_IMAGE_KERNEL);
	assert_int_equal(blob->vms[0].images[0].dst_ipa, lays[0].kernel_ipa);
	assert_int_equal(blob->vms[0].images[1].kind, KEEL_IMAGE_INITRD);
	assert_int_equal(blob->vms[0].images[1].size, 3 * MiB + 5);
	assert_int_equal(blob->vms[0].images[2].kind, KEEL_IMAGE_DTB);
	assert_int_equal(blob->vms[0].images[2].src_pa, lays[0].dtb_src);
	assert_int_equal(blob->vms[0].nr_irqs, 1);
	assert_int_equal(blob->vms[0].irqs[0], 34);
	assert_int_equal(blob->vms[0].nr_mmio, 1);
	assert_int_equal(blob->vms[0].mmio[0].ipa, 0x09010000);
	assert_int_equal(blob->vms[0].nr_spis, 64);
	assert_int_equal(blob->vms[0].nr_vdevs, 3);
	assert_int_equal(blob->vms[0].vdevs[0].kind, KEEL_VDEV_GICV3_DIST);
	assert_int_equal(blob->vms[0].vdevs[0].args[0], 64);
	assert_int_equal(blob->vms[0].vdevs[2].kind, KEEL_VDEV_PL011);
	assert_int_equal(blob->vms[0].vdevs[2].irq, 33);
	assert_int_equal(blob->vms[1].vdevs[1].kind, KEEL_VDEV_GICV3_REDIST);
	assert_int_equal(blob->vms[1].vdevs[1].ipa, 0x080a0000);
	assert_int_equal(blob->vms[1].vdevs[1].size, blob->vms[1].nr_vcpus * 0x20000ull);
	assert_int_equal(blob->vms[1].mem[0].pa, 0x60000000);
	assert_int_equal(blob->vms[1].nr_images, 2);
}

static void test_blob_check_rejects(void **state)
{
	static u8 buf[64 * KiB];
	size_t size = blob_size(2);

	(void)state;
	build_blob(buf);
	assert_non_null(blob_check(buf, size - 1, NULL));
	assert_non_null(blob_check(buf, size, "other"));
	buf[size - 1] ^= 1;
	assert_string_equal(blob_check(buf, size, NULL), "bad checksum");
	buf[size - 1] ^= 1;
	buf[0] ^= 1;
	assert_non_null(blob_check(buf, size, NULL));
	buf[0] ^= 1;
	assert_null(blob_check(buf, size, NULL));
}

/* A 64-bit property value; properties are only 4-byte aligned. */
static u64 dt_u64(const void *p)
{
	fdt64_t v;

	memcpy(&v, p, sizeof(v));
	return fdt64_to_cpu(v);
}

static const void *dt_prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	return fdt_getprop(fdt, node, name, len);
}

/* A source tree holding only a guest-properties node, as parse_system() would see it. */
static void *guest_props_source(void)
{
	static char buf[1024];

	fdt_create(buf, sizeof(buf));
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	fdt_begin_node(buf, "guest-properties");
	fdt_property_string(buf, "keel,role", "primary");
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);
	return buf;
}

static void test_guest_dt(void **state)
{
	static u8 buf[64 * KiB];
	u8 seed[GUEST_DT_SEED_LEN];
	struct cfg_vm *vm = &sys.vms[0];
	const fdt32_t *cells;
	const void *v64;
	int len;

	(void)state;
	memset(seed, 0xa5, sizeof(seed));
	snprintf(vm->pass[0].name, CFG_NAME_LEN, "rtc");
	vm->nr_pass = 1;
	vm->has_bootargs = true;
	snprintf(vm->bootargs, sizeof(vm->bootargs), "console=ttyAMA0");
	sys.fdt = guest_props_source();
	vm->guest_props = fdt_path_offset(sys.fdt, "/guest-properties");
	place_all();
	assert_true(guest_dt_build(&sys, vm, &lays[0], &fix_board, seed, buf, sizeof(buf), &d) > 0);
	assert_int_equal(fdt_check_header(buf), 0);

	assert_string_equal(dt_prop(buf, "/", "model", NULL), "Keel VM linux");
	assert_string_equal(dt_prop(buf, "/", "compatible", NULL), "linux,dummy-virt");
	assert_true(fdt_path_offset(buf, "/cpus/cpu@1") >= 0);
	assert_true(fdt_path_offset(buf, "/cpus/cpu@2") < 0);
	assert_string_equal(dt_prop(buf, "/psci", "method", NULL), "hvc");
	cells = dt_prop(buf, "/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(fdt32_to_cpu(cells[7]), 2 * 0x20000); /* two redistributors */
	cells = dt_prop(buf, "/pl011@9000000", "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(cells[1]), 1); /* SPI 1 = INTID 33 */
	cells = dt_prop(buf, "/pl031@9010000", "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(cells[1]), 2); /* INTID 34 */
	assert_non_null(dt_prop(buf, "/memory@40000000", "reg", NULL));
	assert_non_null(dt_prop(buf, "/hypervisor", "compatible", NULL));

	assert_string_equal(dt_prop(buf, "/chosen", "bootargs", NULL), "console=ttyAMA0");
	assert_string_equal(dt_prop(buf, "/chosen", "stdout-path", NULL), "/pl011@9000000");
	assert_string_equal(dt_prop(buf, "/chosen", "keel,role", NULL), "primary");
	assert_memory_equal(dt_prop(buf, "/chosen", "rng-seed", &len), seed, sizeof(seed));
	assert_int_equal(len, GUEST_DT_SEED_LEN);
	assert_null(dt_prop(buf, "/chosen", "kaslr-seed", NULL));
	v64 = dt_prop(buf, "/chosen", "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_int_equal(dt_u64(v64), lays[0].initrd_ipa);
	v64 = dt_prop(buf, "/chosen", "linux,initrd-end", NULL);
	assert_int_equal(dt_u64(v64), lays[0].initrd_ipa + 3 * MiB + 5);

	/* Too small a buffer is reported, not overrun. */
	assert_int_equal(guest_dt_build(&sys, vm, &lays[0], &fix_board, seed, buf, 256, &d), -1);
	assert_true(diag_find(&d, "cannot build the guest device tree") >= 0);
}

static u64 dt_cells64(const fdt32_t *c)
{
	return (u64)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

/* The devices each guest's tree describes are the blob's device records, at the same places. */
static void test_guest_dt_matches_vdev_records(void **state)
{
	static u8 blob_buf[64 * KiB], tree[64 * KiB];
	const struct keel_blob_vm *bvm = &((struct keel_blob *)blob_buf)->vms[0];
	u8 seed[GUEST_DT_SEED_LEN] = { 0 };
	const fdt32_t *reg, *irq;
	char path[64];
	int len;

	(void)state;
	sys.fdt = guest_props_source();
	sys.vms[0].guest_props = fdt_path_offset(sys.fdt, "/guest-properties");
	build_blob(blob_buf);
	assert_true(guest_dt_build(&sys, &sys.vms[0], &lays[0], &fix_board, seed, tree, sizeof(tree), &d) > 0);
	assert_int_equal(bvm->nr_vdevs, 3);
	assert_int_equal(bvm->vdevs[0].kind, KEEL_VDEV_GICV3_DIST);
	assert_int_equal(bvm->vdevs[1].kind, KEEL_VDEV_GICV3_REDIST);
	assert_int_equal(bvm->vdevs[2].kind, KEEL_VDEV_PL011);
	snprintf(path, sizeof(path), "/intc@%llx", (unsigned long long)bvm->vdevs[0].ipa);
	reg = dt_prop(tree, path, "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(dt_cells64(reg), bvm->vdevs[0].ipa);
	assert_int_equal(dt_cells64(reg + 2), bvm->vdevs[0].size);
	assert_int_equal(dt_cells64(reg + 4), bvm->vdevs[1].ipa);
	assert_int_equal(dt_cells64(reg + 6), bvm->vdevs[1].size);
	snprintf(path, sizeof(path), "/pl011@%llx", (unsigned long long)bvm->vdevs[2].ipa);
	reg = dt_prop(tree, path, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(dt_cells64(reg), bvm->vdevs[2].ipa);
	assert_int_equal(dt_cells64(reg + 2), bvm->vdevs[2].size);
	irq = dt_prop(tree, path, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(irq[0]), 0); /* an SPI... */
	assert_int_equal(fdt32_to_cpu(irq[1]) + 32, bvm->vdevs[2].irq); /* ...the record's */
	assert_int_equal(bvm->vdevs[0].args[0], bvm->nr_spis);
}

static void test_image_header(void **state)
{
	struct cfg_image img = { 0 };
	u8 head[64] = { 0 };

	(void)state;
	image_parse_header(&img, head, sizeof(head));
	assert_false(img.linux_header);
	memcpy(head + 0x38, "ARM\x64", 4);
	head[8 + 2] = 0x08; /* text_offset 0x80000 */
	head[16 + 3] = 0x02; /* image_size 32 MiB */
	image_parse_header(&img, head, sizeof(head));
	assert_true(img.linux_header);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 32 * MiB);
	image_parse_header(&img, head, 40); /* a file shorter than the header is raw */
	assert_false(img.linux_header);
}

static void test_srcmap(void **state)
{
	static const char text[] =
		"/dts-v1/;\n\n"
		"/ { /* a.dts:2:3-19:3, b.dtsi:1:1-4:2 */\n"
		"\tplatform = \"qemu-virt\"; /* a.dts:3:5-3:28 */\n"
		"\tvms { /* a.dts:5:9-18:7 */\n"
		"\t\tlbl: linux { /* a.dts:6:15-17:11, a.dts:20:17-20:34 */\n"
		"\t\t\tbootargs = \"a /* b\"; /* a.dts:7:2-7:20 */\n"
		"\t\t\tno-autostart; /* b.dtsi:10:2-10:15 */\n"
		"\t\t\tmemory@40000000 { /* a.dts:11:29-14:15 */\n"
		"\t\t\t\treg = <0x00 0x40000000>; /* a.dts:12:17-12:55 */\n"
		"\t\t\t}; /* a.dts:11:29-14:15 */\n"
		"\t\t}; /* a.dts:6:15-17:11 */\n"
		"\t}; /* a.dts:5:9-18:7 */\n"
		"}; /* a.dts:2:3-19:3 */\n";
	struct srcmap map = { 0 };
	struct cfg_loc loc, second;
	int defs;

	(void)state;
	assert_int_equal(srcmap_parse(&map, text), 0);
	map.fallback_file = "x.dts";
	loc = srcmap_node(&map, "/vms/linux", &defs, &second);
	assert_string_equal(loc.file, "a.dts");
	assert_int_equal(loc.line, 6);
	assert_int_equal(defs, 2);
	assert_int_equal(second.line, 20);
	assert_int_equal(srcmap_prop(&map, "/vms/linux", "bootargs").line, 7);
	loc = srcmap_prop(&map, "/vms/linux", "no-autostart");
	assert_string_equal(loc.file, "b.dtsi");
	assert_int_equal(loc.line, 10);
	assert_int_equal(srcmap_prop(&map, "/vms/linux/memory@40000000", "reg").line, 12);
	assert_int_equal(srcmap_prop(&map, "/", "platform").line, 3);
	/* Unknown property: the node's line; unknown node: the fallback file. */
	assert_int_equal(srcmap_prop(&map, "/vms/linux", "kernel").line, 6);
	loc = srcmap_node(&map, "/vms/other", NULL, NULL);
	assert_string_equal(loc.file, "x.dts");
	assert_int_equal(loc.line, 0);
	srcmap_free(&map);
}

/* CPU records, servers and the UNSAFE flag in the blob; /keel-tasks in the guest tree. */
static void test_blob_sched(void **state)
{
	static u8 buf[64 * KiB];
	static u8 tree[64 * KiB];
	struct keel_blob *blob = (struct keel_blob *)buf;
	u8 seed[GUEST_DT_SEED_LEN] = { 0 };
	const fdt32_t *v;
	struct cfg_cpu *c;
	int node;

	(void)state;
	fix_rt_system(&sys);
	c = fix_cpu(&sys, 3, "time-table");
	c->frame_us = (struct cfg_u32){ true, 10000, fix_loc(70) };
	for (u32 i = 0; i < 2; i++) {
		struct cfg_window *w = &c->windows[c->nr_windows++];

		w->has_vm = true;
		snprintf(w->vm, sizeof(w->vm), "%s", i ? "linux" : "ticker");
		w->offset_us = (struct cfg_u32){ true, i ? 0 : 4000, fix_loc(71) };
		w->length_us = (struct cfg_u32){ true, 4000, fix_loc(72) };
	}
	sys.sched_forced = true;
	build_blob(buf);
	assert_null(blob_check(buf, blob_size(2), "test-board"));
	assert_int_equal(blob->header.flags, KEEL_BLOB_FLAG_UNSAFE);
	assert_int_equal(blob->cpus[0].policy, KEEL_SCHED_STATIC);
	assert_int_equal(blob->cpus[1].policy, KEEL_SCHED_FIXED_PRIORITY);
	assert_int_equal(blob->cpus[3].policy, KEEL_SCHED_TIME_TABLE);
	assert_int_equal(blob->cpus[3].major_frame_ns, 10000000);
	assert_int_equal(blob->cpus[3].nr_windows, 2);
	assert_int_equal(blob->cpus[3].windows[0].vm, 0); /* sorted by offset: linux first */
	assert_int_equal(blob->cpus[3].windows[1].offset_ns, 4000000);
	assert_int_equal(blob->cpus[3].windows[1].length_ns, 4000000);
	assert_int_equal(blob->cpus[3].windows[1].vm, 1);
	assert_int_equal(blob->vms[1].servers[0].budget_ns, 2000000);
	assert_int_equal(blob->vms[1].servers[0].period_ns, 5000000);
	assert_int_equal(blob->vms[1].servers[0].priority, 10);
	assert_int_equal(blob->vms[0].servers[1].budget_ns, 0); /* background */

	assert_true(guest_dt_build(&sys, &sys.vms[1], &lays[1], &fix_board, seed, tree,
				   sizeof(tree), &d) > 0);
	assert_string_equal(dt_prop(tree, "/keel-tasks", "scheduler", NULL), "rm");
	node = fdt_path_offset(tree, "/keel-tasks/ctrl");
	assert_true(node >= 0);
	v = fdt_getprop(tree, node, "deadline-us", NULL);
	assert_int_equal(fdt32_to_cpu(*v), 4500);
	v = dt_prop(tree, "/keel-tasks/log", "deadline-us", NULL);
	assert_int_equal(fdt32_to_cpu(*v), 20000); /* the period */
	v = dt_prop(tree, "/keel-tasks/log", "wcet-us", NULL);
	assert_int_equal(fdt32_to_cpu(*v), 2000);
	assert_true(fdt_path_offset(tree, "/keel-tasks/log") >= 0);
	assert_int_equal(guest_dt_build(&sys, &sys.vms[0], &lays[0], &fix_board, seed, tree,
					sizeof(tree), &d) > 0, 1);
	assert_true(fdt_path_offset(tree, "/keel-tasks") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test_setup_teardown(test_place_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_place_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_place_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_place_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_check_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_dt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_dt_matches_vdev_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_sched, setup, teardown),
		cmocka_unit_test(test_image_header),
		cmocka_unit_test(test_srcmap),
		cmocka_unit_test(test_s2size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
