/*
 * test-rom: a bare-metal guest with a read-only memory region (a ROM, the
 * `read-only` memory node of configs/tests/standby-rom.dts), under standby
 * protection with checkpoints every 20 ms.
 *
 * The ROM's content is a file made at build time (guests/test-rom.mk):
 * keel-test,rom-bytes bytes of 32-bit words, word i = i * 2654435761, then
 * zeroes to the region's end. The guest finds the ROM in its tree (a
 * "mtd-rom" node), checks every word of it, and checks that
 *   - a write to it aborts (Keel injects the data abort a ROM would give)
 *     and changes nothing;
 *   - Keel refuses to flip a bit in it (STANDBY_INJECT: its checked accessor
 *     does not write where the guest cannot);
 *   - after each of keel-test,failovers failovers (plain failures and
 *     scrambled registers, injected in turn once two checkpoints passed
 *     since the last one) it is intact and still aborts a write;
 *   - after a reset of the VM (declared, so not a failure) it is its
 *     image's content again.
 * Meanwhile it writes a few pages of RAM, which the checkpoints copy; Keel's
 * statistics line at the end must show 0 pages copied for the ROM.
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/string.h>

#define PAGE 4096u
#define WORK_PAGES 4
#define PATTERN_MUL 2654435761u

static uint32_t work[WORK_PAGES][PAGE / 4] __attribute__((aligned(PAGE)));
static uint64_t failovers_seen; /* rolled back with everything else: differs from Keel's after a failover */
static uint64_t checkpoints_then; /* Keel's count when this run (since the last failover) began */

static uint64_t rom_base, rom_size;
static uint32_t rom_bytes;

/* Words of the ROM that are not what its image and the zeroes after it make; 0 when intact. */
static uint64_t rom_wrong_words(void)
{
	const volatile uint32_t *rom = (const volatile uint32_t *)(uintptr_t)rom_base;
	uint64_t wrong = 0;

	for (uint64_t i = 0; i < rom_size / 4; i++) {
		uint32_t want = 0;

		if (i * 4 + 4 <= rom_bytes)
			want = (uint32_t)i * PATTERN_MUL;
		else if (i * 4 < rom_bytes) /* the image's last, partial word */
			want = (uint32_t)i * PATTERN_MUL & (0xffffffffu >> (8 * (4 - rom_bytes % 4)));
		wrong += rom[i] != want;
	}
	return wrong;
}

/* A write to the ROM's page `page` aborts and leaves the word as it was. */
static bool rom_write_aborts(uint64_t page)
{
	uintptr_t addr = (uintptr_t)(rom_base + page * PAGE + 8);
	uint32_t before = *(volatile uint32_t *)addr;
	uint64_t esr = 0;
	bool aborted = exc_probe_write32(addr, ~before, &esr);

	return aborted && *(volatile uint32_t *)addr == before;
}

static bool rom_find(void)
{
	uint64_t ram_base = 0, ram_size = 0;

	return fdt_read_u64_at("/rom", "reg", 0, &rom_base) && fdt_read_u64_at("/rom", "reg", 1, &rom_size) &&
	       fdt_read_u32("/chosen", "keel-test,rom-bytes", &rom_bytes) && fdt_memory(&ram_base, &ram_size) &&
	       rom_bytes <= rom_size && rom_size % PAGE == 0;
}

/* STANDBY_INJECT counts pages across the VM's regions in order: RAM first, then the ROM. */
static uint64_t rom_first_page_index(void)
{
	uint64_t ram_base = 0, ram_size = 0;

	fdt_memory(&ram_base, &ram_size);
	return ram_size / PAGE;
}

/* Counts failovers until Keel's count reaches wanted, injecting one fault per two checkpoints. */
static uint64_t run_failovers(uint32_t wanted)
{
	static const uint64_t kinds[] = { KEEL_INJECT_FAIL, KEEL_INJECT_CORRUPT_REG };
	struct smccc_res st = keel_hc_standby_status();

	checkpoints_then = st.a1; /* two checkpoints after these checks before the first fault */
	for (uint64_t n = 0;; n++) {
		st = keel_hc_standby_status();
		if (st.a2 != failovers_seen) {
			failovers_seen = st.a2;
			checkpoints_then = st.a1;
			report(rom_wrong_words() == 0 && rom_write_aborts(failovers_seen % (rom_size / PAGE)),
			       "rom: intact after failover #%lu, a write still aborts", failovers_seen);
		}
		if (st.a2 >= wanted)
			return st.a2;
		work[n % WORK_PAGES][n % (PAGE / 4)] += (uint32_t)n; /* RAM the checkpoints copy */
		if (st.a1 >= checkpoints_then + 2)
			keel_hc_standby_inject(kinds[st.a2 % 2], n);
	}
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	uint32_t wanted = 4;
	int64_t ret;

	if (!report(rom_find(), "rom: found in the tree at IPA 0x%lx, %lu KiB, image %u bytes", rom_base, rom_size / 1024,
		    rom_bytes))
		report_summary();
	if (id.resets > 0) {
		report(rom_wrong_words() == 0, "rom: its image's content again after the VM's reset");
		keel_hc_standby_intend_stop();
		report_summary();
	}
	fdt_read_u32("/chosen", "keel-test,failovers", &wanted);
	report(rom_wrong_words() == 0, "rom: every word is its image's, then zeroes");
	report(rom_write_aborts(0) && rom_write_aborts(rom_size / PAGE - 1), "rom: a write aborts and changes nothing");
	ret = (int64_t)keel_hc_standby_inject(KEEL_INJECT_BITFLIP, rom_first_page_index() + 1).a0;
	report(ret == KEEL_RET_INVALID_PARAMETER, "rom: Keel refuses to flip a bit in it (%ld)", ret);
	report(rom_wrong_words() == 0, "rom: still intact");
	report(run_failovers(wanted) >= wanted, "rom: %u failovers, intact after each", wanted);
	keel_hc_standby_intend_stop(); /* the reset is meant, not a failure */
	psci_system_reset();
}
