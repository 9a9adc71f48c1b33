/*
 * test-watchdog: the VM's SP805 watchdog (vdev/sp805.c) resets it when it is
 * no longer fed. The device is found in the guest tree (watchdog@..., its
 * wdog_clk rate and SPI). Which run this is comes from VM_IDENTITY (x3, the
 * VM's reset count):
 *
 *  - Run 0 checks the PrimeCell IDs and the lock, loads about 200 ms,
 *    enables INTEN | RESEN and feeds it (WdogIntClr) for at least 1 s,
 *    checking that the interrupt never rises and the count never gets low.
 *    It stops feeding at a counter value that is a multiple of 4 s, so that
 *    run 1 can tell when that was without any memory surviving the reset,
 *    watches the interrupt rise (RIS and the SPI pending at the vGIC) one
 *    period later, and spins: Keel must reset the VM one period after that.
 *  - Run 1 works out from its boot time how long the expiry took (the
 *    counter keeps running across a VM reset), checks it is two periods
 *    plus a little, and reports.
 *
 * Markers: "watchdog: run 0: fed for N ms, no interrupt, stopping",
 * "watchdog: interrupt N ms after the last feed",
 * "watchdog: PASS: reset N ms after the last feed".
 */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/timer.h>

#define WD_LOAD 0x000
#define WD_VALUE 0x004
#define WD_CONTROL 0x008
#define WD_INTCLR 0x00c
#define WD_RIS 0x010
#define WD_MIS 0x014
#define WD_LOCK 0xc00
#define WD_INTEN 1u
#define WD_RESEN 2u
#define WD_UNLOCK 0x1acce551u

#define GICD_BASE 0x08000000ul
#define GICD_ISPENDR 0x200

#define PERIOD_MS 200u /* WdogLoad: one count down to 0 */
#define FEED_MS 1000u /* at least this long */
#define FEED_EVERY_MS 50u
#define GRID_S 4u /* run 0 stops feeding on a multiple of this many seconds of the counter */
#define SLACK_MS 600u /* the reset may come this much after the second zero (TCG, a loaded host) */

struct wd {
	uintptr_t base;
	uint32_t irq; /* INTID */
	uint32_t rate; /* WDOGCLK Hz */
};

/* The watchdog@... node of the tree, its SPI, and the rate of its first clock (wdog_clk). */
static bool wd_find(struct wd *w)
{
	char name[64], path[80], clk[80];
	const uint8_t *irqs, *clocks;
	uint64_t base;
	uint32_t len, ph;

	for (uint32_t i = 0; fdt_child_name("/", i, name, sizeof(name)); i++) {
		if (strncmp(name, "watchdog@", 9))
			continue;
		snprintf(path, sizeof(path), "/%s", name);
		irqs = fdt_getprop(path, "interrupts", &len);
		clocks = fdt_getprop(path, "clocks", &len);
		if (!fdt_read_u64_at(path, "reg", 0, &base) || !irqs || !clocks)
			return false;
		w->base = (uintptr_t)base;
		w->irq = fdt_be32(irqs + 4) + 32;
		ph = fdt_be32(clocks);
		/* keelcfg's WDOGCLK node; the phandle is checked, not assumed. */
		snprintf(clk, sizeof(clk), "/wdog-clk");
		return fdt_read_u32(clk, "phandle", &len) && len == ph && fdt_read_u32(clk, "clock-frequency", &w->rate);
	}
	return false;
}

static uint32_t rd(const struct wd *w, uint32_t off)
{
	return mmio_read32(w->base + off);
}

static void wr(const struct wd *w, uint32_t off, uint32_t v)
{
	mmio_write32(w->base + off, v);
}

static uint64_t ms_since(uint64_t t)
{
	return (timer_now() - t) * 1000 / timer_freq();
}

static bool spi_pending(uint32_t intid)
{
	return (mmio_read32(GICD_BASE + GICD_ISPENDR + intid / 32 * 4) >> (intid % 32)) & 1;
}

/* Linux's AMBA bus: one ID byte per word at the end of the 4 KiB frame. */
static void check_ids(const struct wd *w)
{
	uint32_t pid = 0, cid = 0;

	for (uint32_t i = 0; i < 4; i++) {
		pid |= (rd(w, 0xfe0 + 4 * i) & 0xff) << (8 * i);
		cid |= (rd(w, 0xff0 + 4 * i) & 0xff) << (8 * i);
	}
	report(cid == 0xb105f00d, "PrimeCell ID 0x%x", cid);
	report((pid & 0xfffff) == 0x41805, "peripheral ID 0x%x: part 0x805, designer ARM", pid);
	wr(w, WD_LOCK, 0);
	wr(w, WD_LOAD, 12345);
	report(rd(w, WD_LOCK) == 1 && rd(w, WD_LOAD) == 0xffffffffu, "locked: WdogLoad write ignored");
	wr(w, WD_LOCK, WD_UNLOCK);
	report(rd(w, WD_LOCK) == 0, "unlocked");
}

/* Feed every FEED_EVERY_MS until at least FEED_MS passed and the counter crosses a GRID_S boundary. */
static bool feed(const struct wd *w, uint32_t load, uint64_t *stop)
{
	uint64_t grid = timer_freq() * GRID_S, t0 = timer_now(), last = t0;
	uint32_t min_value = load;

	*stop = (t0 + timer_ms_to_ticks(FEED_MS) + grid - 1) / grid * grid;
	while (timer_now() < *stop) {
		uint32_t v = rd(w, WD_VALUE);

		if (v < min_value)
			min_value = v;
		if (rd(w, WD_RIS))
			return report(false, "interrupt while being fed (value %u)", v);
		if (ms_since(last) >= FEED_EVERY_MS) {
			wr(w, WD_INTCLR, 1);
			last = timer_now();
		}
	}
	wr(w, WD_INTCLR, 1); /* the last feed, on the grid */
	*stop = timer_now();
	printf("watchdog: run 0: fed for %lu ms, no interrupt, lowest count %u of %u, stopping\n",
	       (unsigned long)((*stop - t0) * 1000 / timer_freq()), min_value, load);
	return true;
}

static void run_first(const struct wd *w)
{
	uint32_t load = (uint32_t)((uint64_t)w->rate * PERIOD_MS / 1000);
	uint64_t stop;

	check_ids(w);
	report(rd(w, WD_CONTROL) == 0 && rd(w, WD_RIS) == 0, "disabled at power-on");
	wr(w, WD_LOAD, load);
	wr(w, WD_CONTROL, WD_INTEN | WD_RESEN);
	report(rd(w, WD_VALUE) <= load && rd(w, WD_VALUE) > load / 2, "counting down from %u", load);
	if (!feed(w, load, &stop))
		report_summary();
	while (!rd(w, WD_RIS))
		;
	printf("watchdog: interrupt %lu ms after the last feed\n", (unsigned long)ms_since(stop));
	report(rd(w, WD_MIS) == 1, "WdogMIS set");
	report(spi_pending(w->irq), "SPI %u pending at the vGIC", w->irq);
	/* Spin: the next zero, with the interrupt not cleared, must reset the VM. */
	for (;;)
		if (ms_since(stop) > 2 * PERIOD_MS + 5000) {
			report(false, "no reset %lu ms after the last feed", (unsigned long)ms_since(stop));
			report_summary();
		}
}

static void run_second(const struct wd *w)
{
	uint64_t grid = timer_freq() * GRID_S, booted = timer_boot_count();
	uint64_t took = (booted % grid) * 1000 / timer_freq();

	report(rd(w, WD_CONTROL) == 0, "the watchdog is off after the reset");
	if (report(took >= 2 * PERIOD_MS && took <= 2 * PERIOD_MS + SLACK_MS,
		   "reset %lu ms after the last feed (two periods: %u ms)", (unsigned long)took, 2 * PERIOD_MS))
		printf("watchdog: PASS: reset %lu ms after the last feed\n", (unsigned long)took);
	report_summary();
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	struct wd w;

	if (!report(id.ret == KEEL_RET_SUCCESS, "VM_IDENTITY returns 0 (got %ld)", id.ret) ||
	    !report(wd_find(&w), "a watchdog in the device tree"))
		report_summary();
	printf("watchdog: run %lu, SP805 at 0x%lx, SPI %u, WDOGCLK %u Hz\n", (unsigned long)id.resets,
	       (unsigned long)w.base, w.irq, w.rate);
	if (id.resets == 0)
		run_first(&w);
	else if (report(id.resets == 1, "one reset only (%lu)", (unsigned long)id.resets))
		run_second(&w);
	report_summary();
}
