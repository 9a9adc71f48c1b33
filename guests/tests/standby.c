/*
 * test-standby: a bare-metal guest under standby protection that counts and
 * injects faults into itself (issue #11, test a).
 *
 * It prints "seq N" for N = 1, 2, 3, ... and keeps a checksummed data page
 * and a few pages of scratch work in RAM. Every few counts, once Keel has
 * taken two checkpoints since the last failover, it injects a fault of the
 * next kind in turn:
 *   - a bit flip in its data page: its next check finds the checksum wrong
 *     and it "panics" with PSCI SYSTEM_RESET (Keel's stop detector);
 *   - scrambled registers: it jumps to an address where nothing is (the
 *     abort detector);
 *   - a plain failure (KEEL_INJECT_FAIL);
 *   - a hang of its vCPU, when the VM has a watchdog it feeds
 *     (/chosen/keel-test,watchdog = <1>): the watchdog expires.
 * After each failover the count goes on from the checkpoint: the guest's
 * memory, registers and devices are as they were then. Its console output
 * is held until each checkpoint, so the console must show one unbroken
 * count (tests/system/check_sequence.py). It knows how many failovers
 * happened from Keel (STANDBY_STATUS), since its own memory is rolled back.
 *
 * /chosen properties: keel-test,failovers (u32, default 20): stop after that
 * many. Markers: "standby-test: PASS: N failovers", SUMMARY.
 *
 * With keel-test,doomed = <1> it instead fails ("panics") at once every time
 * it runs after its first checkpoint, as a deterministic bug would: Keel must
 * fail it over a few times, then restart it from its images, where it
 * reports (its reset count, from VM_IDENTITY, is not rolled back either).
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/platform.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define PAGE 4096u
#define WORK_PAGES 8 /* written every count: the dirty pages of each checkpoint */
#define COUNT_DELAY_US 1500
#define INJECT_EVERY 5 /* counts between two faults, once two checkpoints passed */

static uint32_t data_page[PAGE / 4] __attribute__((aligned(PAGE)));
static uint32_t work[WORK_PAGES][PAGE / 4] __attribute__((aligned(PAGE)));
static uint32_t data_sum;
static uint64_t seq;
static uint64_t failovers_seen; /* rolled back with everything else: differs from Keel's after a failover */
static uint64_t checkpoints_then; /* Keel's count when this run (since the last failover) began */

struct standby_status {
	int64_t ret;
	uint64_t checkpoints, failovers;
};

static struct standby_status standby_status(void)
{
	struct smccc_res r = keel_hc_standby_status();

	return (struct standby_status){ (int64_t)r.a0, r.a1, r.a2 };
}

static uint32_t data_checksum(void)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < PAGE / 4; i++)
		sum = (sum << 1 | sum >> 31) ^ data_page[i];
	return sum;
}

/* The VM's SP805 watchdog, if it has one (keel-test,watchdog): fed at every count. */
#define WD_LOAD 0x000
#define WD_CONTROL 0x008
#define WD_INTCLR 0x00c
#define WD_LOCK 0xc00
#define WD_UNLOCK 0x1acce551u
#define WD_INTEN_RESEN 3u
#define WD_PERIOD_MS 50 /* interrupt after one period unfed, failure after two */

static volatile uint32_t *watchdog;

static void wd_write(uint32_t reg, uint32_t value)
{
	watchdog[reg / 4] = value;
}

/* Find the watchdog@... node and start it: WDOGCLK is keelcfg's /wdog-clk. */
static bool watchdog_start(void)
{
	char name[64], path[80];
	uint64_t base;
	uint32_t rate = 0;

	for (uint32_t i = 0; fdt_child_name("/", i, name, sizeof(name)); i++) {
		if (strncmp(name, "watchdog@", 9))
			continue;
		snprintf(path, sizeof(path), "/%s", name);
		if (!fdt_read_u64_at(path, "reg", 0, &base) || !fdt_read_u32("/wdog-clk", "clock-frequency", &rate))
			return false;
		watchdog = (volatile uint32_t *)(uintptr_t)base;
		wd_write(WD_LOCK, WD_UNLOCK);
		wd_write(WD_LOAD, rate / 1000 * WD_PERIOD_MS);
		wd_write(WD_CONTROL, WD_INTEN_RESEN);
		return true;
	}
	return false;
}

static volatile uint32_t woken;

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_stop();
	woken = 1;
}

/*
 * Sleep in WFI until the virtual timer fires: the CPU is idle meanwhile (under
 * -icount a busy loop would take virtual time from the other CPU's guests),
 * and a checkpoint may find the timer armed, its interrupt pending or active.
 */
static void sleep_us(uint64_t us)
{
	woken = 0;
	timer_arm_at(timer_now() + timer_freq() * us / 1000000);
	while (!woken)
		irq_wait();
}

/* The page index of data_page in the VM's RAM, as STANDBY_INJECT counts pages. */
static uint64_t data_page_index(void)
{
	uint64_t base = 0, size = 0;

	fdt_memory(&base, &size);
	return ((uintptr_t)data_page - base) / PAGE;
}

/* The faults in the order they are injected; the hang only with a watchdog to catch it. */
static const uint64_t fault_kinds[] = { KEEL_INJECT_BITFLIP, KEEL_INJECT_CORRUPT_REG, KEEL_INJECT_FAIL, KEEL_INJECT_HANG };

static void inject(uint64_t kind)
{
	uint64_t arg = kind == KEEL_INJECT_BITFLIP ? data_page_index() : 0;

	keel_hc_standby_inject(kind, arg);
}

static void count_once(void)
{
	seq++;
	printf("seq %lu\n", seq);
	if (data_checksum() != data_sum)
		psci_system_reset(); /* corrupted memory: what a kernel's panic does (Keel fails it over) */
	for (uint32_t p = 0; p < WORK_PAGES; p++)
		work[p][seq % (PAGE / 4)] += (uint32_t)seq;
	data_page[seq % (PAGE / 4)] ^= (uint32_t)seq; /* changed with its checksum: not a fault */
	if (watchdog)
		wd_write(WD_INTCLR, 1); /* fed: a hung vCPU stops doing this */
	data_sum = data_checksum();
	sleep_us(COUNT_DELAY_US);
}

/* The deterministic-bug case: fail from the same checkpoint until Keel restarts the VM. */
static void doomed(void)
{
	struct keel_identity id = keel_vm_identity();
	struct standby_status st;

	if (id.resets > 0) {
		st = standby_status();
		report(st.failovers >= 3, "standby-doomed: restarted from its images after %lu failovers", st.failovers);
		keel_hc_standby_intend_stop();
		report_summary();
	}
	do
		st = standby_status();
	while (st.checkpoints == 0);
	psci_system_reset(); /* after every failover the guest resumes in the loop above and fails again */
}

void guest_main(void)
{
	uint32_t wanted = 20, kinds = 3, with_watchdog = 0, doom = 0;
	struct standby_status st = standby_status();

	if (fdt_read_u32("/chosen", "keel-test,doomed", &doom) && doom)
		doomed();

	fdt_read_u32("/chosen", "keel-test,failovers", &wanted);
	if (!report(st.ret == KEEL_RET_SUCCESS, "STANDBY_STATUS answers (%ld)", st.ret))
		report_summary();
	if (fdt_read_u32("/chosen", "keel-test,watchdog", &with_watchdog) && with_watchdog) {
		if (!report(watchdog_start(), "the watchdog is there and started"))
			report_summary();
		kinds = 4;
	}
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	for (uint32_t i = 0; i < PAGE / 4; i++)
		data_page[i] = i * 2654435761u;
	data_sum = data_checksum();
	for (;;) {
		count_once();
		st = standby_status();
		if (st.failovers != failovers_seen) {
			failovers_seen = st.failovers; /* back from a failover: wait for new checkpoints */
			checkpoints_then = st.checkpoints;
		}
		if (st.failovers >= wanted)
			break;
		if (st.checkpoints >= checkpoints_then + 2 && seq % INJECT_EVERY == 0)
			inject(fault_kinds[st.failovers % kinds]);
	}
	report(true, "standby-test: %lu failovers, counted to %lu", st.failovers, seq);
	keel_hc_standby_intend_stop(); /* the power-off at the end is meant, not a failure */
	report_summary();
}
