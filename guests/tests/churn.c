/*
 * test-churn: resets its own VM again and again and checks, after every
 * reset, that all of its RAM it did not load is zero: nothing of its own
 * previous run, of another VM or of Keel shows through. Two of these on two
 * CPUs at once drive the stage-2 table code of two VMs concurrently, which
 * is where a shared, unlocked page-table pool once handed one VM's table
 * page to another. One copy runs with RAM at an IPA that is not 2 MiB
 * aligned, where zero-on-touch once left parts of the last run readable.
 *
 * Each run: scan RAM outside the image, the initrd and the device tree (one
 * 64-bit word every 64 bytes, so a stale page cannot hide), fill the same
 * words with a pattern naming this VM and this run, reset. If the VM has an
 * initrd it only reads a word of each of its pages (so Keel must load all of
 * it, in this VM's time: the real-time test beside it must not notice).
 * After /chosen/keel-test,resets resets (default 1000) it reports and powers
 * off.
 *
 * Markers: "churn: PASS after N resets"; "FAIL:" lines name the first
 * non-zero word, its value and which VM and run wrote it.
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>

#define DEFAULT_RESETS 1000
#define STRIDE 64 /* bytes between checked words */
#define PATTERN_TAG 0xc4ull

static uint64_t pattern(uint64_t vm, uint64_t run, uint64_t addr)
{
	return (PATTERN_TAG << 56) | (vm << 48) | ((run & 0xffff) << 32) | (addr & 0xffffffffu);
}

/* First non-zero checked word in [lo, hi), or 0 if all are zero. */
static uintptr_t first_dirty(uintptr_t lo, uintptr_t hi)
{
	for (uintptr_t a = lo; a < hi; a += STRIDE)
		if (*(volatile uint64_t *)a)
			return a;
	return 0;
}

static void fill(uintptr_t lo, uintptr_t hi, uint64_t vm, uint64_t run)
{
	for (uintptr_t a = lo; a < hi; a += STRIDE)
		*(volatile uint64_t *)a = pattern(vm, run, a);
}

static bool check_and_fill(uintptr_t lo, uintptr_t hi, uint64_t vm, uint64_t run)
{
	uintptr_t bad = first_dirty(lo, hi);

	if (bad) {
		uint64_t v = *(volatile uint64_t *)bad;

		printf("FAIL: churn: run %lu: word at 0x%lx is 0x%lx (tag 0x%lx vm %lu run %lu), not zero\n", run,
		       bad, v, v >> 56, (v >> 48) & 0xff, (v >> 32) & 0xffff);
		return false;
	}
	fill(lo, hi, vm, run);
	return true;
}

/* Read one word of every page of the initrd; the sum only keeps the reads. */
static uint64_t touch_initrd(uintptr_t lo, uintptr_t hi)
{
	uint64_t sum = 0;

	for (uintptr_t a = ALIGN_UP(lo, 4096); a + 8 <= hi; a += 4096)
		sum += *(volatile uint64_t *)a;
	return sum;
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	uint64_t base, size, initrd = 0, initrd_end = 0;
	uint32_t resets = DEFAULT_RESETS, dtb_size = 0;
	uintptr_t lo, dtb, end;

	if (id.ret != KEEL_RET_SUCCESS || !fdt_memory(&base, &size)) {
		printf("FAIL: churn: no identity (%ld) or no memory node\n", id.ret);
		report_summary();
	}
	fdt_read_u32("/chosen", "keel-test,resets", &resets);
	if (!fdt_read_u64_at("/chosen", "linux,initrd-start", 0, &initrd) ||
	    !fdt_read_u64_at("/chosen", "linux,initrd-end", 0, &initrd_end))
		initrd = initrd_end = 0;
	dtb = (uintptr_t)fdt_base(&dtb_size);
	end = base + size;
	lo = ALIGN_UP((uintptr_t)__image_end, STRIDE);
	if (!initrd)
		initrd = initrd_end = dtb; /* an empty gap below the tree */
	if (id.resets == 0)
		printf("churn: vm %lu, RAM 0x%lx-0x%lx, image ends 0x%lx, initrd 0x%lx-0x%lx, tree 0x%lx+0x%x, %u resets\n",
		       id.vm, base, end, lo, initrd, initrd_end, dtb, dtb_size, resets);
	touch_initrd(initrd, initrd_end);
	if (!check_and_fill(lo, ALIGN_DOWN(initrd, STRIDE), id.vm, id.resets) ||
	    !check_and_fill(ALIGN_UP(initrd_end, STRIDE), ALIGN_DOWN(dtb, STRIDE), id.vm, id.resets) ||
	    !check_and_fill(ALIGN_UP(dtb + dtb_size, STRIDE), end, id.vm, id.resets))
		report_summary();
	if (id.resets % 100 == 0)
		printf("churn: run %lu clean\n", id.resets);
	if (id.resets < resets)
		psci_system_reset();
	printf("churn: PASS after %lu resets\n", id.resets);
	report(true, "every run saw only zeroes outside its images");
	report_summary();
}
