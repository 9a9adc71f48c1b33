/*
 * test-hostile: a VM that tries to reach what it must not. For each address
 * in /chosen/keel-test,probe it writes and then reads a word and checks that
 * each access ended in a synchronous data abort (ESR_EL1.EC 0x25) injected by
 * Keel, rather than succeeding or stopping the machine. Then it checks that
 * its own RAM still works and that Keel refuses a bad hypercall ID and a
 * console write from a bad IPA with an error instead of crashing.
 *
 * /chosen: keel-test,probe = <hi lo hi lo ...>, 64-bit IPAs as pairs of cells.
 * Without it, a default list of addresses no VM should have mapped is used.
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/sysreg.h>

#define PROBE_PROP "keel-test,probe"
#define PROBE_VALUE 0xbadc0ffeu
#define SCRATCH_WORDS 1024

static uint32_t scratch[SCRATCH_WORDS];

/* Outside any VM's map on Keel: flash, the GICv2 CPU interface frame, virtio-mmio. */
static const uint64_t default_probes[] = { 0x00000000, 0x08010000, 0x0a000000 };

static void probe(uint64_t addr)
{
	uint64_t esr = 0;
	bool aborted;

	aborted = exc_probe_write32(addr, PROBE_VALUE, &esr);
	report(aborted && ESR_EC(esr) == ESR_EC_DABT_CUR, "write to 0x%lx aborted (ESR 0x%lx)",
	       addr, esr);
	esr = 0;
	aborted = exc_probe_read32(addr, &esr);
	report(aborted && ESR_EC(esr) == ESR_EC_DABT_CUR, "read from 0x%lx aborted (ESR 0x%lx)",
	       addr, esr);
}

static unsigned int probe_all(void)
{
	unsigned int i, n = 0;
	uint64_t addr;

	for (i = 0; fdt_read_u64_at("/chosen", PROBE_PROP, i, &addr); i++, n++)
		probe(addr);
	if (n)
		return n;
	report_info("no /chosen/%s: probing the default addresses", PROBE_PROP);
	for (i = 0; i < sizeof(default_probes) / sizeof(default_probes[0]); i++, n++)
		probe(default_probes[i]);
	return n;
}

static void check_own_ram(void)
{
	volatile uint32_t *s = scratch;
	uint32_t i, bad = 0;

	for (i = 0; i < SCRATCH_WORDS; i++)
		s[i] = i * 0x9e3779b9u;
	for (i = 0; i < SCRATCH_WORDS; i++)
		bad += s[i] != i * 0x9e3779b9u;
	report(bad == 0, "own RAM at %p still reads back what was written", (void *)scratch);
}

static void check_hypercalls(void)
{
	uint64_t ram_base, ram_size, bad_ipa = 0x0a000000;
	int64_t ret;

	ret = keel_call(KEEL_HC(0xfff));
	report(ret == KEEL_RET_NOT_SUPPORTED, "unknown hypercall 0x%x returns -1 (got %ld)",
	       KEEL_HC(0xfff), ret);
	ret = keel_console_write_ipa(bad_ipa, 16);
	report(ret < 0, "console write from unmapped IPA 0x%lx fails (got %ld)", bad_ipa, ret);
	if (fdt_memory(&ram_base, &ram_size)) {
		/* A buffer that starts in RAM and runs past its end. */
		bad_ipa = ram_base + ram_size - 8;
		ret = keel_console_write_ipa(bad_ipa, 64);
		report(ret < 0, "console write running off the end of RAM (0x%lx) fails (got %ld)",
		       bad_ipa, ret);
	}
}

void guest_main(void)
{
	report_info("hostile: probed %u addresses", probe_all());
	check_own_ram();
	check_hypercalls();
	report_summary();
}
