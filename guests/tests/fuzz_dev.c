/*
 * The guest fuzzers' surfaces added with later features (issue 12): the
 * VM's own device and channel windows beyond the vGIC and vUART, and Keel's
 * standby calls. Unlike the generic surfaces these have answers the fuzzer
 * can predict exactly, so each one is checked and a wrong one counted
 * (fuzz_stats.wrong) and printed:
 *
 *  - the SP805 watchdog (vdev/sp805.c): every width and alignment at every
 *    offset, registers, lock, integration-test and ID registers and holes.
 *    A 32-bit aligned access of a register must not abort, anything else
 *    must; the ID registers read the TRM's bytes. The watchdog must never
 *    reset the VM mid-campaign, so before each random access the writer
 *    puts it into a known state (unlocked, stopped, WdogLoad 0xffffffff, no
 *    interrupt, then maybe counting and maybe locked): from there no single
 *    write can lead to a reset (that needs a short count and RESEN at once),
 *    while a short count with INTEN alone raises its interrupt. With
 *    several vCPUs only vCPU 0 writes the count; the others read and lock.
 *  - virtio-mmio transports: any access, but a write to a queue address
 *    register is pointed into a scratch area, as the device writes rings
 *    where they point (anywhere else in RAM would be the fuzzer's own code).
 *  - channels: aligned accesses of a read-write one never abort; of a
 *    read-only one reads never abort and writes always do.
 *  - STANDBY_STATUS, STANDBY_INTEND_STOP, STANDBY_INJECT with unknown kinds,
 *    huge page numbers, out-of-range arguments. Without a standby each must
 *    be refused with its exact code. With one (fault injection on), the
 *    refusals are checked, bit flips go where nothing reads, and a few real
 *    faults (FAIL, and HANG with the watchdog armed) are injected, only
 *    after the fuzzer noticed any earlier failover (STANDBY_STATUS counts
 *    them in Keel, not rolled back): it then reseeds its stream from the
 *    count, so it does not replay the fault it was put back before.
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/string.h>
#include <guest/sysreg.h>

#include "fuzz_ops.h"

#define MAX_WINDOWS 8u
#define WINDOW_OVERRUN 0x2000ull /* as fuzz_ops.c: each window is fuzzed a little past its end */
#define PAGE 0x1000ull
#define WRONG_LINES_MAX 8u

/* SP805 (ARM DDI 0270), as include/keel/sp805.h numbers it. */
#define WD_LOAD 0x000
#define WD_CONTROL 0x008
#define WD_INTCLR 0x00c
#define WD_LOCK 0xc00
#define WD_ITCR 0xf00
#define WD_ITOP 0xf04
#define WD_ID_FIRST 0xfe0
#define WD_INTEN 1u
#define WD_RESEN 2u
#define WD_KEY 0x1acce551u
#define WD_HANG_PERIOD_MS 30u /* armed before an injected hang: the failover comes two periods later */

/* virtio-mmio (virtio 1.2, 4.2.2): QueueDescLow .. QueueDeviceHigh. */
#define VIRTIO_QUEUE_ADDR_FIRST 0x080
#define VIRTIO_QUEUE_ADDR_END 0x0a8
#define VIRTIO_SCRATCH (64 * 1024)

struct window {
	uint64_t base, size;
	enum fuzz_win kind;
};

static struct window windows[MAX_WINDOWS];
static unsigned int nr_windows;
static uint64_t wd_rate = 1000000;
static uint8_t virtio_scratch[VIRTIO_SCRATCH] __attribute__((aligned(4096)));
static uint8_t flip_page[PAGE] __attribute__((aligned(4096))); /* where injected bit flips go */
static volatile uint32_t wrong_lines;

/* Standby: whether the VM has one, the real faults left, and what the fuzzer last knew of Keel's counts. */
static bool sb_on;
static uint64_t sb_seed, sb_faults_max, sb_seen_failovers, sb_checkpoints_then;

static struct fuzz_stats *my_stats(void)
{
	return &fuzz_stats[cpu_id() % PLAT_MAX_CPUS];
}

void fuzz_wrong(const char *what, int64_t got, int64_t want)
{
	my_stats()->wrong++;
	if (__atomic_fetch_add(&wrong_lines, 1, __ATOMIC_RELAXED) < WRONG_LINES_MAX)
		fuzz_hc_print("FAIL: fuzz: vcpu %u: %s: got %ld, expected %ld", cpu_id(), what, got, want);
}

void fuzz_add_window(uint64_t ipa, uint64_t size, enum fuzz_win kind)
{
	if (nr_windows < MAX_WINDOWS)
		windows[nr_windows++] = (struct window){ ipa, size, kind };
}

unsigned int fuzz_nr_windows(void)
{
	return nr_windows;
}

bool fuzz_in_window(uint64_t ipa)
{
	for (unsigned int i = 0; i < nr_windows; i++)
		if (ipa >= windows[i].base && ipa - windows[i].base < windows[i].size + WINDOW_OVERRUN)
			return true;
	return false;
}

/* Every child of / whose name starts with prefix: its first reg range as a window of kind. */
static void find_nodes(const char *prefix, enum fuzz_win kind, uint64_t min_size)
{
	char name[64], path[80];
	uint64_t base, size;

	for (uint32_t i = 0; fdt_child_name("/", i, name, sizeof(name)); i++) {
		if (strncmp(name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "/%s", name);
		if (fdt_read_u64_at(path, "reg", 0, &base) && fdt_read_u64_at(path, "reg", 1, &size))
			fuzz_add_window(base, size < min_size ? min_size : size, kind);
	}
}

void fuzz_find_windows(void)
{
	uint32_t ipa, rate;

	find_nodes("watchdog@", FUZZ_WIN_SP805, PAGE);
	find_nodes("virtio_mmio@", FUZZ_WIN_VIRTIO, PAGE); /* the tree says 0x200; Keel traps the page */
	if (fdt_read_u32("/wdog-clk", "clock-frequency", &rate))
		wd_rate = rate;
	if (fdt_read_u32("/chosen", "keel-test,chan-rw", &ipa))
		fuzz_add_window(ipa, PAGE, FUZZ_WIN_MEM_RW);
	if (fdt_read_u32("/chosen", "keel-test,chan-ro", &ipa))
		fuzz_add_window(ipa, PAGE, FUZZ_WIN_MEM_RO);
	for (uint32_t i = 0; i < VIRTIO_SCRATCH; i++)
		virtio_scratch[i] = (uint8_t)fuzz_rnd(); /* descriptors of noise: mostly addresses outside RAM */
}

/* One access under the catcher, its value read back: true if it aborted. */
static bool access(uint64_t addr, unsigned int width, bool write, uint64_t v, uint64_t *got)
{
	uint64_t r = 0;

	if (width == 16 || write || !got)
		return fuzz_access_caught(addr, width, write, v);
	exc_catch_begin();
	switch (width) {
	case 1: r = *(volatile uint8_t *)addr; break;
	case 2: r = *(volatile uint16_t *)addr; break;
	case 4: r = *(volatile uint32_t *)addr; break;
	default: r = *(volatile uint64_t *)addr; break;
	}
	*got = r;
	return exc_catch_end(NULL, NULL);
}

static unsigned int rnd_width(void)
{
	static const unsigned int widths[] = { 1, 2, 4, 4, 4, 4, 8, 16 };

	return widths[fuzz_rnd_below(sizeof(widths) / sizeof(widths[0]))];
}

/* An offset in a window of size bytes: mostly a register (from regs, nudged at times), else anywhere. */
static uint64_t rnd_offset(uint64_t size, const uint16_t *regs, unsigned int nr, unsigned int width)
{
	uint64_t off;

	if (nr && fuzz_rnd_below(2))
		off = regs[fuzz_rnd_below(nr)] + (fuzz_rnd_below(4) ? 0 : fuzz_rnd_below(8));
	else
		off = fuzz_rnd_below(fuzz_rnd_below(8) ? size : size + WINDOW_OVERRUN);
	return fuzz_rnd_below(4) ? off & ~(uint64_t)(width - 1) : off;
}

/* Whether an SP805 access is one the device answers: 32 bits, aligned, at a register it has. */
static bool wd_answers(uint64_t off, unsigned int width)
{
	if (width != 4 || off % 4 || off >= PAGE)
		return false;
	return off <= 0x014 || off == WD_LOCK || off == WD_ITCR || off == WD_ITOP || off >= WD_ID_FIRST;
}

static void wd_write(uint64_t base, uint32_t off, uint32_t v)
{
	if (fuzz_access_caught(base + off, 4, true, v))
		fuzz_wrong("SP805 register write aborted; offset as got", off, 0);
}

/*
 * The known state no single write can take to a reset: WdogLoad max, no
 * interrupt, RESEN clear (a write of WdogLoad restarts the count from its
 * value, a write of WdogControl with RESEN leaves it at WdogLoad).
 */
static void wd_known_state(uint64_t base)
{
	wd_write(base, WD_LOCK, WD_KEY);
	wd_write(base, WD_CONTROL, 0);
	wd_write(base, WD_LOAD, 0xffffffffu);
	wd_write(base, WD_INTCLR, 0);
	if (fuzz_rnd_below(2))
		wd_write(base, WD_CONTROL, WD_INTEN); /* never RESEN here: a write of WdogLoad would then do */
	if (fuzz_rnd_below(4) == 0)
		wd_write(base, WD_LOCK, (uint32_t)fuzz_rnd() & ~1u); /* any value but the key (it is odd) locks */
}

static uint64_t wd_value(uint64_t off)
{
	switch (fuzz_rnd_below(6)) {
	case 0: return WD_KEY;
	case 1: return fuzz_rnd_below(64); /* a count of a few microseconds */
	case 2: return off == WD_CONTROL ? fuzz_rnd_below(4) : fuzz_rnd_value();
	default: return fuzz_rnd_value();
	}
}

static void sp805_op(const struct window *w, bool writer)
{
	static const uint16_t regs[] = { 0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, WD_LOCK, WD_ITCR, WD_ITOP,
					 0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc, 0x018, 0xc04 };
	static const uint8_t id[8] = { 0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	unsigned int width = rnd_width();
	uint64_t off = rnd_offset(w->size, regs, sizeof(regs) / sizeof(regs[0]), width), got = 0;
	bool write = fuzz_rnd_below(2), aborted;
	uint64_t v = wd_value(off);

	if (writer)
		wd_known_state(w->base);
	else if (write && off == WD_LOCK)
		v = (uint32_t)fuzz_rnd() & ~1u; /* a reader only locks (the key is odd): the writer relies on it */
	else
		write = false;
	aborted = access(w->base + off, width, write, v, write ? NULL : &got);
	if (aborted == wd_answers(off, width))
		fuzz_wrong(aborted ? "SP805 access aborted; offset as got, width as expected"
				   : "SP805 access not aborted; offset as got, width as expected",
			   (int64_t)off, width);
	else if (!aborted && !write && off >= WD_ID_FIRST && got != id[(off - WD_ID_FIRST) / 4])
		fuzz_wrong("SP805 ID register", (int64_t)got, id[(off - WD_ID_FIRST) / 4]);
}

static void virtio_op(const struct window *w)
{
	static const uint16_t regs[] = { 0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030, 0x034,
					 0x038, 0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084, 0x090, 0x094,
					 0x0a0, 0x0a4, 0x0fc, 0x100, 0x108 };
	unsigned int width = rnd_width();
	uint64_t off = rnd_offset(w->size, regs, sizeof(regs) / sizeof(regs[0]), width), v = fuzz_rnd_value();

	if (off < VIRTIO_QUEUE_ADDR_END && off + (width == 16 ? 16 : width) > VIRTIO_QUEUE_ADDR_FIRST)
		v = (uintptr_t)virtio_scratch + fuzz_rnd_below(VIRTIO_SCRATCH / 2); /* the device writes there */
	(void)access(w->base + off, width, fuzz_rnd_below(2), v, NULL);
}

/* A channel: naturally aligned accesses inside it (device memory: MMU off), answers checked. */
static void memory_op(const struct window *w)
{
	unsigned int width = rnd_width();
	uint64_t off = fuzz_rnd_below(w->size) & ~(uint64_t)(width - 1), got;
	bool write = fuzz_rnd_below(2), aborted;

	aborted = access(w->base + off, width, write, fuzz_rnd_value(), write ? NULL : &got);
	if (aborted != (write && w->kind == FUZZ_WIN_MEM_RO))
		fuzz_wrong(write ? "channel write: aborted as got, offset as expected"
			         : "channel read: aborted as got, offset as expected",
			   aborted, (int64_t)off);
}

void fuzz_window_op(bool writer)
{
	const struct window *w = &windows[fuzz_rnd_below(nr_windows)];

	my_stats()->mmio++;
	my_stats()->dev++;
	switch (w->kind) {
	case FUZZ_WIN_SP805: sp805_op(w, writer); break;
	case FUZZ_WIN_VIRTIO: virtio_op(w); break;
	default: memory_op(w); break;
	}
}

/* Standby calls. */

bool fuzz_is_standby_fid(uint32_t fid)
{
	fid |= SMCCC_64BIT;
	return fid == (uint32_t)KEEL_HC_STANDBY_STATUS || fid == (uint32_t)KEEL_HC_STANDBY_INTEND_STOP ||
	       fid == (uint32_t)KEEL_HC_STANDBY_INJECT;
}

static uint64_t ram_pages(void)
{
	uint64_t base = PLAT_RAM_BASE, size = 0x1000000;

	fdt_memory(&base, &size);
	return size / PAGE;
}

static uint64_t flip_page_index(void)
{
	uint64_t base = PLAT_RAM_BASE, size = 0;

	fdt_memory(&base, &size);
	return ((uintptr_t)flip_page - base) / PAGE;
}

void fuzz_standby_setup(bool on, uint64_t seed, uint32_t faults)
{
	sb_on = on;
	sb_seed = seed;
	sb_faults_max = faults;
}

/*
 * Keel's failover count. One the fuzzer did not know of put its memory back
 * to a checkpoint, stream included: it reseeds from the count, so it does
 * not replay what came after that checkpoint (the fault that caused it).
 */
uint64_t fuzz_standby_failovers(void)
{
	struct smccc_res r = keel_hc_standby_status();

	if (r.a0 != KEEL_RET_SUCCESS) {
		fuzz_wrong("STANDBY_STATUS on a standby VM", r.a0, KEEL_RET_SUCCESS);
		return sb_seen_failovers;
	}
	if (r.a2 != sb_seen_failovers) {
		sb_seen_failovers = r.a2;
		sb_checkpoints_then = r.a1;
		fuzz_seed(sb_seed ^ (r.a2 * 0x9e3779b97f4a7c15ull));
	}
	return r.a2;
}

/* Whether a real fault may be injected now: a known failover count, budget left, 3 checkpoints since. */
static bool fault_allowed(void)
{
	uint64_t seen = sb_seen_failovers, now = fuzz_standby_failovers();
	struct smccc_res r;

	if (now != seen || now >= sb_faults_max)
		return false;
	r = keel_hc_standby_status();
	return r.a1 >= sb_checkpoints_then + 3;
}

static const struct window *sp805_window(void)
{
	for (unsigned int i = 0; i < nr_windows; i++)
		if (windows[i].kind == FUZZ_WIN_SP805)
			return &windows[i];
	return NULL;
}

/* A hang of this vCPU, the watchdog armed first (it fails the VM over), disarmed once it runs again. */
static void inject_hang(void)
{
	const struct window *w = sp805_window();
	int64_t r;

	if (!w)
		return;
	wd_write(w->base, WD_LOCK, WD_KEY);
	wd_write(w->base, WD_CONTROL, 0);
	wd_write(w->base, WD_LOAD, (uint32_t)(wd_rate / 1000 * WD_HANG_PERIOD_MS));
	wd_write(w->base, WD_INTCLR, 0);
	wd_write(w->base, WD_CONTROL, WD_INTEN | WD_RESEN);
	r = keel_hc_standby_inject(KEEL_INJECT_HANG, fuzz_rnd()).a0;
	wd_write(w->base, WD_LOCK, WD_KEY);
	wd_write(w->base, WD_CONTROL, 0);
	wd_write(w->base, WD_LOAD, 0xffffffffu);
	wd_write(w->base, WD_INTCLR, 0);
	if (r != KEEL_RET_SUCCESS)
		fuzz_wrong("STANDBY_INJECT(HANG)", r, KEEL_RET_SUCCESS);
}

/* A kind: the four Keel knows, just past them, and values only the whole 64 bits tell apart. */
static uint64_t rnd_kind(void)
{
	static const uint64_t kinds[] = { 0, 1, 2, 3, 4, 5, 0xff, 0xffffffffull, 1ull << 32, (1ull << 32) | 3,
					  ~0ull, 1ull << 63 };

	return fuzz_rnd_below(4) ? kinds[fuzz_rnd_below(sizeof(kinds) / sizeof(kinds[0]))] : fuzz_rnd();
}

/* A page number no RAM has: just past the end, far past, or at the top of 64 bits. */
static uint64_t bad_page(void)
{
	static const uint64_t far[] = { 1ull << 32, 1ull << 40, 1ull << 52, 1ull << 63, ~0ull - 1,
					~0ull >> 12, (~0ull >> 12) + 1 };

	switch (fuzz_rnd_below(3)) {
	case 0: return ram_pages() + fuzz_rnd_below(4);
	case 1: return far[fuzz_rnd_below(sizeof(far) / sizeof(far[0]))];
	default: return ram_pages() + fuzz_rnd_below(~0ull - 2 - ram_pages());
	}
}

/* An argument for a VM without a standby: anything, the random page and valid pages included. */
static uint64_t any_arg(void)
{
	switch (fuzz_rnd_below(4)) {
	case 0: return KEEL_INJECT_RANDOM;
	case 1: return fuzz_rnd_below(ram_pages());
	case 2: return bad_page();
	default: return fuzz_rnd_arg();
	}
}

/*
 * A page a bit flip may hit: flip_page, or one in the middle of RAM, far past
 * the image (under 1 MiB), the tree and the stacks: a 2 MiB chunk nothing
 * touched, which the flip fills from Keel's side between two checkpoints.
 */
static uint64_t flip_target(void)
{
	uint64_t pages = ram_pages();

	return fuzz_rnd_below(2) ? flip_page_index() : pages / 4 + fuzz_rnd_below(pages / 2);
}

/* STANDBY_INJECT on a standby VM: refusals checked, flips where nothing reads, a few real faults. */
static void inject_on_standby(uint32_t fid, uint64_t kind)
{
	uint64_t arg = fuzz_rnd_below(2) ? bad_page() : flip_target();
	int64_t want = arg < ram_pages() ? KEEL_RET_SUCCESS : KEEL_RET_INVALID_PARAMETER, r;

	if ((kind == KEEL_INJECT_HANG || kind == KEEL_INJECT_FAIL) && fuzz_rnd_below(16) == 0 && fault_allowed()) {
		if (kind == KEEL_INJECT_HANG) {
			inject_hang();
			return;
		}
		r = smccc_hvc(fid, kind, fuzz_rnd(), fuzz_rnd_arg()).a0;
		if (r != KEEL_RET_SUCCESS && r != KEEL_RET_NOT_SUPPORTED) /* NOT_SUPPORTED: a failover under way */
			fuzz_wrong("STANDBY_INJECT(FAIL)", r, KEEL_RET_SUCCESS);
		return;
	}
	if (kind != KEEL_INJECT_BITFLIP) {
		kind = KEEL_INJECT_FAIL + 1 + fuzz_rnd_below(1000); /* CORRUPT_REG needs the abort detector */
		want = KEEL_RET_INVALID_PARAMETER;
	}
	r = smccc_hvc(fid, kind, arg, fuzz_rnd_arg()).a0;
	if (r != want)
		fuzz_wrong(kind ? "STANDBY_INJECT(unknown kind)" : "STANDBY_INJECT(BITFLIP, page)", r, want);
}

static const char *standby_call_name(uint32_t fid)
{
	static const char *const names[] = { "STANDBY_STATUS", "STANDBY_INTEND_STOP", "STANDBY_INJECT",
					     "STANDBY_STATUS (SMC32)", "STANDBY_INTEND_STOP (SMC32)",
					     "STANDBY_INJECT (SMC32)" };

	return names[((fid & SMCCC_FN_MASK) - ((uint32_t)KEEL_HC_STANDBY_STATUS & SMCCC_FN_MASK)) % 3 +
		     (fid & SMCCC_64BIT ? 0 : 3)];
}

void fuzz_standby_call(uint32_t fid)
{
	uint64_t kind = rnd_kind(), arg = any_arg();
	bool smc = fuzz_rnd_below(4) == 0;
	int64_t want, r;

	if (!(fid & SMCCC_64BIT))
		want = KEEL_RET_NOT_SUPPORTED; /* Keel's calls are SMC64 only */
	else if (fid == (uint32_t)KEEL_HC_STANDBY_INJECT)
		want = sb_on ? 1 : KEEL_RET_DENIED;
	else
		want = sb_on ? KEEL_RET_SUCCESS : KEEL_RET_NOT_SUPPORTED;
	if (want == 1) {
		inject_on_standby(fid, kind);
		return;
	}
	r = smc ? smccc_smc(fid, kind, arg, fuzz_rnd_arg()).a0 : smccc_hvc(fid, kind, arg, fuzz_rnd_arg()).a0;
	if (r != want)
		fuzz_wrong(standby_call_name(fid), r, want);
}

/* Chosen bad calls and their exact codes, once at the start. */
void fuzz_standby_selftest(void)
{
	uint64_t pages = ram_pages();
	int64_t no = sb_on ? KEEL_RET_INVALID_PARAMETER : KEEL_RET_DENIED;
	int64_t ok = sb_on ? KEEL_RET_SUCCESS : KEEL_RET_NOT_SUPPORTED;

	report(keel_hc_standby_status().a0 == ok, "STANDBY_STATUS answers %ld", ok);
	report(smccc_smc(KEEL_HC_STANDBY_STATUS & ~SMCCC_64BIT, 0, 0, 0).a0 == KEEL_RET_NOT_SUPPORTED,
	       "STANDBY_STATUS as SMC32 through SMC: NOT_SUPPORTED");
	report(smccc_hvc(KEEL_HC_STANDBY_INJECT & ~SMCCC_64BIT, 0, flip_page_index(), 0).a0 == KEEL_RET_NOT_SUPPORTED,
	       "STANDBY_INJECT as SMC32: NOT_SUPPORTED");
	report(keel_hc_standby_inject(KEEL_INJECT_FAIL + 1, 0).a0 == no, "STANDBY_INJECT(kind 4) answers %ld", no);
	report(keel_hc_standby_inject(1ull << 32, 0).a0 == no, "STANDBY_INJECT(kind 1 << 32) answers %ld", no);
	report(keel_hc_standby_inject((1ull << 32) | KEEL_INJECT_BITFLIP, flip_page_index()).a0 == no,
	       "STANDBY_INJECT(kind 1 << 32 | BITFLIP) answers %ld", no);
	report(keel_hc_standby_inject(KEEL_INJECT_BITFLIP, pages).a0 == no,
	       "STANDBY_INJECT(BITFLIP, page %lu, one past RAM) answers %ld", pages, no);
	report(keel_hc_standby_inject(KEEL_INJECT_BITFLIP, ~0ull - 1).a0 == no,
	       "STANDBY_INJECT(BITFLIP, page 2^64 - 2) answers %ld", no);
	report(keel_hc_standby_inject(KEEL_INJECT_BITFLIP, (~0ull >> 12) + 1).a0 == no,
	       "STANDBY_INJECT(BITFLIP, page 2^52, at byte 2^64) answers %ld", no);
	if (!sb_on) {
		report(keel_hc_standby_intend_stop().a0 == KEEL_RET_NOT_SUPPORTED,
		       "STANDBY_INTEND_STOP without a standby: NOT_SUPPORTED");
		report(keel_hc_standby_inject(KEEL_INJECT_FAIL, 0).a0 == KEEL_RET_DENIED,
		       "STANDBY_INJECT(FAIL) without a standby: DENIED");
		report(keel_hc_standby_inject(KEEL_INJECT_BITFLIP, KEEL_INJECT_RANDOM).a0 == KEEL_RET_DENIED,
		       "STANDBY_INJECT(BITFLIP, random page) without a standby: DENIED");
	}
}
