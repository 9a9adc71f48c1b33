/*
 * test-reset: checks that PSCI SYSTEM_RESET restarts this VM with fresh
 * memory. Each boot asks Keel how many resets the VM has had
 * (KEEL_HC_VM_IDENTITY x3), checks that a marker area outside the image is
 * all zero, fills it with a marker and resets, until the third boot, which
 * reports and powers off.
 *
 * Markers: "reset-test: boot #N", "reset-test: PASS after 2 resets".
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>

#define RESETS_WANTED 2
#define MARKER_BYTES 0x1000u
#define MARKER_WORD 0xfee1deadu

/* One page starting 64 KiB past the image's 64 KiB-aligned end: never loaded, never .bss. */
static volatile uint32_t *marker_area(void)
{
	return (volatile uint32_t *)ALIGN_UP((uintptr_t)__image_end + 0x10000, 0x10000);
}

static bool marker_area_zero(void)
{
	volatile uint32_t *m = marker_area();
	uint32_t i;

	for (i = 0; i < MARKER_BYTES / 4; i++) {
		if (m[i])
			return false;
	}
	return true;
}

static void marker_fill(void)
{
	volatile uint32_t *m = marker_area();
	uint32_t i;

	for (i = 0; i < MARKER_BYTES / 4; i++)
		m[i] = MARKER_WORD ^ i;
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	uint64_t ram_base, ram_size;
	uintptr_t area = (uintptr_t)marker_area();
	bool zero;

	if (!report(id.ret == KEEL_RET_SUCCESS, "VM_IDENTITY returns 0 (got %ld)", id.ret))
		report_summary(); /* without the boot count a reset would loop forever */
	printf("reset-test: boot #%lu\n", id.resets);
	if (fdt_memory(&ram_base, &ram_size) &&
	    !report(area >= ram_base && area + MARKER_BYTES <= ram_base + ram_size,
		    "marker area 0x%lx is inside RAM [0x%lx, 0x%lx)", area, ram_base,
		    ram_base + ram_size))
		report_summary();

	zero = report(marker_area_zero(), "boot #%lu: RAM at 0x%lx is zero", id.resets, area);
	if (id.resets < RESETS_WANTED) {
		marker_fill();
		printf("reset-test: marker written at 0x%lx, resetting\n", area);
		psci_system_reset();
	}
	if (zero)
		printf("reset-test: PASS after %d resets\n", RESETS_WANTED);
	report_summary();
}
