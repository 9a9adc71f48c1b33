/*
 * test-fuzz: a seeded, reproducible fuzzer of the surfaces a guest reaches
 * (issue 12, first slice). From one xorshift64* stream it does a random mix
 * of operations, so the same seed gives the same sequence:
 *
 *  - SMCCC calls: random function IDs in every owner range, fast and
 *    yielding, SMC32 and SMC64, through HVC and SMC, with boundary arguments
 *    (0, ~0, RAM edges, just outside RAM, huge lengths), Keel's own calls
 *    (console writes of bad buffers, RT_REPORT garbage, IPC on slots this VM
 *    does not have) and the PSCI and SMCCC calls Keel answers. The calls that
 *    stop, suspend, reset or switch off this VM's only vCPU are skipped (PSCI
 *    CPU_SUSPEND, CPU_OFF, SYSTEM_OFF, SYSTEM_RESET, CPU_FREEZE,
 *    CPU_DEFAULT_SUSPEND, SYSTEM_SUSPEND, SYSTEM_RESET2: owner 4, any width).
 *  - MMIO of every width (1, 2, 4, 8 bytes, and an LDP/STP pair, which has no
 *    syndrome Keel could emulate from) at random offsets, aligned or not, of
 *    the vGIC distributor, the redistributor frames (other vCPUs' included,
 *    which this VM does not have) and the vUART, each window overrun a little.
 *  - Reads and writes of random pages of the 39-bit IPA space outside RAM and
 *    devices: each must abort.
 *  - Trapped system registers: ICC_SGI1R_EL1 and friends with random targets,
 *    the PMU and the debug registers Keel emulates.
 *
 * Every access runs under the exception catcher (guests/lib/exception.c), so
 * the aborts and UNDEFs Keel injects are counted, not fatal. Writes may switch
 * off this VM's interrupts and UART, so the fuzzer never depends on an
 * interrupt and prints progress only through KEEL_HC_CONSOLE_WRITE; the
 * report library's lines (PL011) come at the end.
 *
 * /chosen: keel-test,seed (u32 or u64), keel-test,ops (u32).
 * Markers: "fuzz: seed 0x...", "fuzz: done: N calls, M mmio (A aborts caught), ...".
 */
#include <stdarg.h>

#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/sysreg.h>

#define DEFAULT_SEED 0x6b65656cull /* "keel" */
#define DEFAULT_OPS 600000u
#define PROGRESS_STEPS 8u
#define IPA_BITS 39
#define PAGE_SIZE 0x1000ull
#define UART_SIZE 0x1000ull
#define GICD_SIZE 0x10000ull
#define GICR_FRAMES 4ull /* this VM has 1 vCPU: frames 1..3 do not exist */
#define WINDOW_OVERRUN 0x2000ull /* each device window is fuzzed a little past its end */
#define CANARY_WORDS (16 * 1024)
#define SCRATCH_BYTES (2 * KEEL_CONSOLE_WRITE_MAX)

/* Counters of what was done; printed in the done line. */
struct fuzz_stats {
	uint64_t calls, skipped, mmio, mmio_aborts, unmapped, unmapped_aborts;
	uint64_t sysreg, sysreg_undefs;
};

static uint64_t rng_state;
static uint64_t ram_base = PLAT_RAM_BASE, ram_size = 0x1000000;
static struct fuzz_stats st;
static uint32_t canary[CANARY_WORDS];
/* The only guest RAM a console write may print: harmless text, so no FAIL/panic line can come of it. */
static char scratch[SCRATCH_BYTES];

/* xorshift64* (Vigna 2016): small, fast, and a seed replays exactly. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* Progress through Keel's console call, which no MMIO write of ours can switch off. */
static void hc_print(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void hc_print(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	keel_console_write(line, (size_t)n);
}

/* An address of interest: RAM edges, just outside RAM, the scratch buffer, or noise. */
static uint64_t rnd_addr(void)
{
	switch (rnd_below(10)) {
	case 0: return ram_base;
	case 1: return ram_base + ram_size - 1 - rnd_below(16);
	case 2: return ram_base + ram_size + rnd_below(PAGE_SIZE);
	case 3: return ram_base - 1 - rnd_below(PAGE_SIZE);
	case 4: return (uintptr_t)scratch + rnd_below(SCRATCH_BYTES);
	case 5: return ram_base + rnd_below(ram_size);
	case 6: return rnd() & ((1ull << IPA_BITS) - 1);
	case 7: return (1ull << IPA_BITS) - rnd_below(16);
	case 8: return ~0ull - rnd_below(PAGE_SIZE);
	default: return rnd();
	}
}

/* One argument: boundary values, lengths around Keel's limits, addresses, noise. */
static uint64_t rnd_arg(void)
{
	static const uint64_t edges[] = {
		0, 1, ~0ull, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 1ull << 32,
		KEEL_CONSOLE_WRITE_MAX, KEEL_CONSOLE_WRITE_MAX + 1, 1ull << 63,
		KEEL_RT_REPORT_WORST_MAX_NS, KEEL_RT_REPORT_WORST_MAX_NS + 1, KEEL_IPC_NONBLOCK,
		KEEL_IPC_NONBLOCK | 1, KEEL_IPC_NONBLOCK | 0xffffffffull, 2ull << 32,
	};

	switch (rnd_below(4)) {
	case 0: return edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
	case 1: return rnd_addr();
	case 2: return rnd_below(0x200);
	default: return rnd();
	}
}

/* A function ID: Keel's own, the SMCCC and PSCI calls Keel answers, or any owner, fast or yielding. */
static uint32_t rnd_fid(void)
{
	static const uint32_t known[] = {
		SMCCC_VERSION, SMCCC_ARCH_FEATURES, SMCCC_ARCH_SOC_ID, SMCCC_ARCH_WORKAROUND_1,
		SMCCC_ARCH_WORKAROUND_2, SMCCC_ARCH_WORKAROUND_3, PSCI_VERSION, PSCI_CPU_ON,
		PSCI_CPU_ON64, PSCI_AFFINITY_INFO, PSCI_AFFINITY_INFO64, PSCI_MIGRATE_INFO_TYPE,
		PSCI_FEATURES,
	};
	uint32_t fid;

	switch (rnd_below(8)) {
	case 0: case 1: case 2:
		fid = KEEL_HC((uint32_t)rnd_below(0x10));
		if (rnd_below(8) == 0)
			fid &= ~SMCCC_64BIT; /* an SMC32 form Keel must refuse */
		return fid;
	case 3: case 4:
		return known[rnd_below(sizeof(known) / sizeof(known[0]))];
	case 5:
		return (uint32_t)rnd();
	default:
		fid = (uint32_t)(rnd_below(SMCCC_OWNER_MASK + 1) << SMCCC_OWNER_SHIFT);
		fid |= (uint32_t)rnd() & (SMCCC_FAST_CALL | SMCCC_64BIT);
		fid |= (uint32_t)(rnd_below(4) ? rnd_below(0x100) : rnd() & SMCCC_FN_MASK);
		if (rnd_below(8) == 0)
			fid |= (uint32_t)rnd() & SMCCC_MBZ_MASK;
		return fid;
	}
}

/* The PSCI calls that would stop, suspend, reset or switch off this VM: never made. */
static bool fid_stops_vm(uint32_t fid)
{
	switch (fid & SMCCC_FN_MASK) {
	case 0x01: case 0x02: case 0x08: case 0x09: case 0x0b: case 0x0c: case 0x0e: case 0x12:
		return SMCCC_OWNER(fid) == SMCCC_OWNER_STANDARD;
	default:
		return false;
	}
}

/* A console write may print guest RAM: keep it to the scratch text (or outside RAM). */
static uint64_t console_safe_ipa(uint32_t fid, uint64_t ipa)
{
	if ((fid & ~SMCCC_64BIT) != (KEEL_HC_CONSOLE_WRITE & ~SMCCC_64BIT))
		return ipa;
	if (ipa >= ram_base && ipa - ram_base < ram_size)
		return (uintptr_t)scratch + (ipa & (SCRATCH_BYTES / 2 - 1)); /* + KEEL_CONSOLE_WRITE_MAX fits */
	return ipa;
}

/* x0..x6 in, x0..x3 (and x4..x17) clobbered, through HVC #0 or a trapped SMC #0. */
#define FUZZ_CALL(insn, a) do { \
	register uint64_t x0 __asm__("x0") = (a)[0]; \
	register uint64_t x1 __asm__("x1") = (a)[1]; \
	register uint64_t x2 __asm__("x2") = (a)[2]; \
	register uint64_t x3 __asm__("x3") = (a)[3]; \
	register uint64_t x4 __asm__("x4") = (a)[4]; \
	register uint64_t x5 __asm__("x5") = (a)[5]; \
	register uint64_t x6 __asm__("x6") = (a)[6]; \
	__asm__ volatile(insn \
		: "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6) \
		: \
		: "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", \
		  "memory"); \
} while (0)

static void fuzz_call(void)
{
	uint64_t a[7];
	uint32_t fid = rnd_fid();
	unsigned int i;

	if (fid_stops_vm(fid)) {
		st.skipped++;
		return;
	}
	a[0] = fid;
	if (rnd_below(16) == 0)
		a[0] |= rnd() << 32; /* SMCCC: w0 only, the upper half is ignored */
	for (i = 1; i < 7; i++)
		a[i] = rnd_arg();
	a[1] = console_safe_ipa(fid, a[1]);
	if (rnd_below(4) == 0)
		FUZZ_CALL("smc #0", a);
	else
		FUZZ_CALL("hvc #0", a);
	st.calls++;
}

/* One access of width bytes (16: an LDP/STP pair) at addr under the catcher; true if it aborted. */
static bool access_caught(uintptr_t addr, unsigned int width, bool write, uint64_t v)
{
	exc_catch_begin();
	switch (width | (write ? 0x100u : 0)) {
	case 1: (void)*(volatile uint8_t *)addr; break;
	case 2: (void)*(volatile uint16_t *)addr; break;
	case 4: (void)*(volatile uint32_t *)addr; break;
	case 8: (void)*(volatile uint64_t *)addr; break;
	case 16: {
		uint64_t lo, hi;

		__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(lo), "=&r"(hi) : "r"(addr) : "memory");
		break;
	}
	case 0x101: *(volatile uint8_t *)addr = (uint8_t)v; break;
	case 0x102: *(volatile uint16_t *)addr = (uint16_t)v; break;
	case 0x104: *(volatile uint32_t *)addr = (uint32_t)v; break;
	case 0x108: *(volatile uint64_t *)addr = v; break;
	default:
		__asm__ volatile("stp %0, %1, [%2]" : : "r"(v), "r"(~v), "r"(addr) : "memory");
		break;
	}
	return exc_catch_end(NULL, NULL);
}

static unsigned int rnd_width(void)
{
	static const unsigned int widths[] = { 1, 2, 4, 4, 4, 8, 8, 16 };

	return widths[rnd_below(sizeof(widths) / sizeof(widths[0]))];
}

static uint64_t rnd_value(void)
{
	switch (rnd_below(4)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 1ull << rnd_below(64);
	default: return rnd();
	}
}

/*
 * An address in a window of size bytes at base for an access of width bytes:
 * mostly inside and naturally aligned (where the registers are), sometimes at
 * any byte (an unaligned device access aborts), sometimes a little past the end.
 */
static uint64_t rnd_in_window(uint64_t base, uint64_t size, unsigned int width)
{
	uint64_t off = rnd_below(rnd_below(8) ? size : size + WINDOW_OVERRUN);

	return base + (rnd_below(4) ? off & ~(uint64_t)(width - 1) : off);
}

static void fuzz_mmio(void)
{
	unsigned int width = rnd_width();
	uint64_t addr;

	switch (rnd_below(4)) {
	case 0: addr = rnd_in_window(PLAT_GICD_BASE, GICD_SIZE, width); break;
	case 1: addr = rnd_in_window(PLAT_GICR_BASE, PLAT_GICR_STRIDE, width); break; /* this vCPU's frames */
	case 2: addr = rnd_in_window(PLAT_GICR_BASE, GICR_FRAMES * PLAT_GICR_STRIDE, width); break;
	default: addr = rnd_in_window(PLAT_UART_BASE, UART_SIZE, width); break;
	}
	st.mmio++;
	if (access_caught(addr, width, rnd_below(2), rnd_value()))
		st.mmio_aborts++;
}

/* A page this VM has neither RAM nor a device at (the devices and their overruns kept clear). */
static bool ipa_is_mapped(uint64_t ipa)
{
	if (ipa >= ram_base && ipa - ram_base < ram_size + PAGE_SIZE)
		return true;
	return ipa >= PLAT_GICD_BASE && ipa < PLAT_UART_BASE + UART_SIZE + WINDOW_OVERRUN;
}

static void fuzz_unmapped(void)
{
	uint64_t ipa;

	do {
		switch (rnd_below(4)) {
		case 0: /* near RAM's edges */
			ipa = rnd_below(2) ? ram_base + ram_size + PAGE_SIZE * (1 + rnd_below(64))
					   : ram_base - PAGE_SIZE * (1 + rnd_below(64));
			break;
		case 1: /* below RAM: flash, the other GIC frames, virtio-mmio, PCIe windows */
			ipa = rnd_below(ram_base);
			break;
		default:
			ipa = rnd_below(1ull << IPA_BITS);
			break;
		}
	} while (ipa_is_mapped(ipa));
	ipa = (ipa & ~(PAGE_SIZE - 1)) | (rnd_below(PAGE_SIZE) & ~7ull);
	st.unmapped++;
	if (access_caught(ipa, rnd_below(2) ? 4 : 8, rnd_below(2), rnd_value()))
		st.unmapped_aborts++;
}

/* MDSCR_EL1 bits that would take debug exceptions in this guest: software step, kernel debug. */
#define MDSCR_UNSAFE ((1ull << 0) | (1ull << 13))

/* One trapped register access by index: even reads, odd writes of v. */
static void sysreg_access(unsigned int idx, uint64_t v)
{
	uint64_t r;

	switch (idx) {
	case 0: r = read_sysreg(pmcr_el0); break;
	case 1: write_sysreg(pmcr_el0, v); break;
	case 2: r = read_sysreg(pmccntr_el0); break;
	case 3: write_sysreg(pmccntr_el0, v); break;
	case 4: r = read_sysreg(pmcntenset_el0); break;
	case 5: write_sysreg(pmcntenset_el0, v); break;
	case 6: r = read_sysreg(pmcntenclr_el0); break;
	case 7: write_sysreg(pmcntenclr_el0, v); break;
	case 8: r = read_sysreg(pmovsclr_el0); break;
	case 9: write_sysreg(pmswinc_el0, v); break;
	case 10: r = read_sysreg(pmselr_el0); break;
	case 11: write_sysreg(pmselr_el0, v); break;
	case 12: r = read_sysreg(pmxevtyper_el0); break;
	case 13: write_sysreg(pmxevcntr_el0, v); break;
	case 14: r = read_sysreg(pmuserenr_el0); break;
	case 15: write_sysreg(pmintenset_el1, v); break;
	case 16: r = read_sysreg(pmceid0_el0); break;
	case 17: write_sysreg(pmevtyper0_el0, v); break;
	case 18: r = read_sysreg(pmevcntr0_el0); break;
	case 19: write_sysreg(pmccfiltr_el0, v); break;
	case 20: r = read_sysreg(mdscr_el1); break;
	case 21: write_sysreg(mdscr_el1, v & ~MDSCR_UNSAFE); break;
	case 22: r = read_sysreg(dbgbvr0_el1); break;
	case 23: write_sysreg(dbgbvr1_el1, v); break;
	case 24: r = read_sysreg(dbgbcr0_el1); break;
	case 25: write_sysreg(dbgbcr0_el1, v); break;
	case 26: r = read_sysreg(dbgwvr0_el1); break;
	case 27: write_sysreg(dbgwcr0_el1, v); break;
	case 28: r = read_sysreg(oslsr_el1); break;
	case 29: write_sysreg(oslar_el1, v); break;
	case 30: r = read_sysreg(dbgclaimset_el1); break;
	case 31: write_sysreg(dbgclaimclr_el1, v); break;
	case 32: r = read_sysreg(mdccint_el1); break;
	case 33: write_sysreg(S3_0_C12_C11_6, v); break; /* ICC_ASGI1R_EL1 */
	case 34: r = read_sysreg(S3_0_C12_C11_5); break; /* ICC_SGI1R_EL1 is write-only: a read UNDEFs */
	case 35: write_sysreg(S3_0_C12_C11_7, v); break; /* ICC_SGI0R_EL1 */
	default: write_sysreg(S3_0_C12_C11_5, v); break; /* ICC_SGI1R_EL1: random targets */
	}
	(void)r;
}

#define SYSREG_CASES 40u /* 36..39 are ICC_SGI1R_EL1 writes, the main trapped GIC register */

static void fuzz_sysreg(void)
{
	unsigned int idx = (unsigned int)rnd_below(SYSREG_CASES);
	uint64_t v = rnd_value();
	bool undef;

	exc_catch_begin();
	sysreg_access(idx, v);
	undef = exc_catch_end(NULL, NULL);
	st.sysreg++;
	st.sysreg_undefs += undef;
}

static void fuzz_one(void)
{
	uint64_t r = rnd_below(100);

	if (r < 45)
		fuzz_call();
	else if (r < 90)
		fuzz_mmio();
	else if (r < 95)
		fuzz_unmapped();
	else
		fuzz_sysreg();
}

static void setup(uint64_t seed)
{
	uint32_t i;

	fdt_memory(&ram_base, &ram_size);
	rng_state = seed ? seed : DEFAULT_SEED;
	for (i = 0; i < CANARY_WORDS; i++)
		canary[i] = 0xf0220000u ^ (i * 2654435761u);
	for (i = 0; i < SCRATCH_BYTES; i++)
		scratch[i] = "~fuzz-console-bytes~"[i % 20];
}

static uint32_t canary_bad_words(void)
{
	uint32_t i, bad = 0;

	for (i = 0; i < CANARY_WORDS; i++)
		bad += ((volatile uint32_t *)canary)[i] != (0xf0220000u ^ (i * 2654435761u));
	return bad;
}

static void finish(uint64_t seed, uint32_t ops)
{
	struct keel_identity id = keel_vm_identity();
	static const char probe[] = "fuzz: console still works";

	hc_print("fuzz: done: %lu calls, %lu mmio (%lu aborts caught), %lu unmapped (%lu aborts caught), "
		 "%lu sysreg (%lu undefs caught), %lu calls skipped, seed 0x%lx",
		 st.calls, st.mmio, st.mmio_aborts, st.unmapped, st.unmapped_aborts, st.sysreg,
		 st.sysreg_undefs, st.skipped, seed);
	/* Ends whatever half line the fuzzer's UART writes left, before the report's PL011 lines. */
	*(volatile uint32_t *)PLAT_UART_BASE = '\n';
	report(st.calls + st.mmio + st.unmapped + st.sysreg + st.skipped == ops, "%u operations done", ops);
	report(st.unmapped_aborts == st.unmapped, "every unmapped access aborted (%lu of %lu)",
	       st.unmapped_aborts, st.unmapped);
	report(canary_bad_words() == 0, "own canary of %u bytes intact", CANARY_WORDS * 4);
	report(id.ret == KEEL_RET_SUCCESS, "VM_IDENTITY still answers (%ld)", id.ret);
	report(keel_console_write(probe, sizeof(probe) - 1) == (int64_t)sizeof(probe) - 1,
	       "console write still works");
}

void guest_main(void)
{
	uint64_t seed = DEFAULT_SEED;
	uint32_t seed32, ops = DEFAULT_OPS, i;

	if (fdt_read_u32("/chosen", "keel-test,seed", &seed32))
		seed = seed32;
	else
		fdt_read_u64_at("/chosen", "keel-test,seed", 0, &seed);
	fdt_read_u32("/chosen", "keel-test,ops", &ops);
	hc_print("fuzz: seed 0x%lx, %u operations", seed, ops);
	setup(seed);
	for (i = 0; i < ops; i++) {
		if (ops >= PROGRESS_STEPS && i % (ops / PROGRESS_STEPS) == 0 && i)
			hc_print("fuzz: %u of %u operations", i, ops);
		fuzz_one();
	}
	finish(seed, ops);
	report_summary();
}
