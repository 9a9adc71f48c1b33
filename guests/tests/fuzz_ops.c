/*
 * Operation generators shared by the guest fuzzers (guests/tests/fuzz.c,
 * fuzz_smp.c, issue 12): one xorshift64* stream per vCPU, so each vCPU of a
 * VM replays its own sequence from its seed whatever the others do, and the
 * four generic surfaces: SMCCC calls, MMIO of the vGIC and vUART windows
 * (and of the extra windows of guests/tests/fuzz_dev.c: watchdog, virtio,
 * channels), unmapped IPAs and trapped system registers, each access under
 * the exception catcher and counted in the calling vCPU's struct fuzz_stats.
 * Keel's standby calls go to fuzz_dev.c, which checks their answers.
 * A fuzzer with several vCPUs never makes a random PSCI CPU_ON (it would
 * start a sibling at a random address): it drives PSCI itself.
 */
#include <stdarg.h>

#include <guest/exception.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/smccc.h>
#include <guest/sysreg.h>

#include "fuzz_ops.h"

#define IPA_BITS 39
#define PAGE_SIZE 0x1000ull
#define UART_SIZE 0x1000ull
#define GICD_SIZE 0x10000ull
#define GICR_FRAMES 4ull /* frames past this VM's vCPUs do not exist */
#define WINDOW_OVERRUN 0x2000ull /* each device window is fuzzed a little past its end */
#define SCRATCH_BYTES (2 * KEEL_CONSOLE_WRITE_MAX)

struct fuzz_stats fuzz_stats[PLAT_MAX_CPUS];
static uint64_t rng_state[PLAT_MAX_CPUS];
static uint64_t ram_base = PLAT_RAM_BASE, ram_size = 0x1000000;
static unsigned int nr_vcpus = 1;
/* The only guest RAM a console write may print: harmless text, so no FAIL/panic line can come of it. */
static char scratch[SCRATCH_BYTES];

/* xorshift64* (Vigna 2016): small, fast, and a seed replays exactly. */
uint64_t fuzz_rnd(void)
{
	uint64_t *s = &rng_state[cpu_id() % PLAT_MAX_CPUS];

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

uint64_t fuzz_rnd_below(uint64_t n)
{
	return fuzz_rnd() % n;
}

/* Progress through Keel's console call, which no MMIO write of ours can switch off. */
void fuzz_hc_print(const char *fmt, ...)
{
	char line[KEEL_CONSOLE_WRITE_MAX];
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
	switch (fuzz_rnd_below(10)) {
	case 0: return ram_base;
	case 1: return ram_base + ram_size - 1 - fuzz_rnd_below(16);
	case 2: return ram_base + ram_size + fuzz_rnd_below(PAGE_SIZE);
	case 3: return ram_base - 1 - fuzz_rnd_below(PAGE_SIZE);
	case 4: return (uintptr_t)scratch + fuzz_rnd_below(SCRATCH_BYTES);
	case 5: return ram_base + fuzz_rnd_below(ram_size);
	case 6: return fuzz_rnd() & ((1ull << IPA_BITS) - 1);
	case 7: return (1ull << IPA_BITS) - fuzz_rnd_below(16);
	case 8: return ~0ull - fuzz_rnd_below(PAGE_SIZE);
	default: return fuzz_rnd();
	}
}

/* One argument: boundary values, lengths around Keel's limits, addresses, noise. */
uint64_t fuzz_rnd_arg(void)
{
	static const uint64_t edges[] = {
		0, 1, ~0ull, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 1ull << 32,
		KEEL_CONSOLE_WRITE_MAX, KEEL_CONSOLE_WRITE_MAX + 1, 1ull << 63,
		KEEL_RT_REPORT_WORST_MAX_NS, KEEL_RT_REPORT_WORST_MAX_NS + 1, KEEL_IPC_NONBLOCK,
		KEEL_IPC_NONBLOCK | 1, KEEL_IPC_NONBLOCK | 0xffffffffull, 2ull << 32,
	};

	switch (fuzz_rnd_below(4)) {
	case 0: return edges[fuzz_rnd_below(sizeof(edges) / sizeof(edges[0]))];
	case 1: return rnd_addr();
	case 2: return fuzz_rnd_below(0x200);
	default: return fuzz_rnd();
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

	switch (fuzz_rnd_below(8)) {
	case 0: case 1: case 2:
		fid = KEEL_HC((uint32_t)fuzz_rnd_below(0x10));
		if (fuzz_rnd_below(8) == 0)
			fid &= ~SMCCC_64BIT; /* an SMC32 form Keel must refuse */
		return fid;
	case 3: case 4:
		return known[fuzz_rnd_below(sizeof(known) / sizeof(known[0]))];
	case 5:
		return (uint32_t)fuzz_rnd();
	default:
		fid = (uint32_t)(fuzz_rnd_below(SMCCC_OWNER_MASK + 1) << SMCCC_OWNER_SHIFT);
		fid |= (uint32_t)fuzz_rnd() & (SMCCC_FAST_CALL | SMCCC_64BIT);
		fid |= (uint32_t)(fuzz_rnd_below(4) ? fuzz_rnd_below(0x100) : fuzz_rnd() & SMCCC_FN_MASK);
		if (fuzz_rnd_below(8) == 0)
			fid |= (uint32_t)fuzz_rnd() & SMCCC_MBZ_MASK;
		return fid;
	}
}

/*
 * The PSCI calls that would stop, suspend, reset or switch off this VM: never
 * made at random. With several vCPUs, neither is CPU_ON (a sibling started at
 * a random address runs garbage): the SMP fuzzer makes those calls itself.
 */
static bool fid_stops_vm(uint32_t fid)
{
	switch (fid & SMCCC_FN_MASK) {
	case 0x01: case 0x02: case 0x08: case 0x09: case 0x0b: case 0x0c: case 0x0e: case 0x12:
		return SMCCC_OWNER(fid) == SMCCC_OWNER_STANDARD;
	case 0x03:
		return SMCCC_OWNER(fid) == SMCCC_OWNER_STANDARD && nr_vcpus > 1;
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

void fuzz_call(void)
{
	struct fuzz_stats *st = &fuzz_stats[cpu_id() % PLAT_MAX_CPUS];
	uint64_t a[7];
	uint32_t fid = rnd_fid();
	unsigned int i;

	if (fid_stops_vm(fid)) {
		st->skipped++;
		return;
	}
	a[0] = fid;
	if (fuzz_rnd_below(16) == 0)
		a[0] |= fuzz_rnd() << 32; /* SMCCC: w0 only, the upper half is ignored */
	for (i = 1; i < 7; i++)
		a[i] = fuzz_rnd_arg();
	a[1] = console_safe_ipa(fid, a[1]);
	if (fuzz_is_standby_fid(fid)) {
		fuzz_standby_call((uint32_t)a[0]); /* boundary arguments, and the answer checked */
		st->calls++;
		return;
	}
	if (fuzz_rnd_below(4) == 0)
		FUZZ_CALL("smc #0", a);
	else
		FUZZ_CALL("hvc #0", a);
	st->calls++;
}

/* One access of width bytes (16: an LDP/STP pair) at addr under the catcher; true if it aborted. */
bool fuzz_access_caught(uintptr_t addr, unsigned int width, bool write, uint64_t v)
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

	return widths[fuzz_rnd_below(sizeof(widths) / sizeof(widths[0]))];
}

uint64_t fuzz_rnd_value(void)
{
	switch (fuzz_rnd_below(4)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 1ull << fuzz_rnd_below(64);
	default: return fuzz_rnd();
	}
}

/*
 * An address in a window of size bytes at base for an access of width bytes:
 * mostly inside and naturally aligned (where the registers are), sometimes at
 * any byte (an unaligned device access aborts), sometimes a little past the end.
 */
static uint64_t rnd_in_window(uint64_t base, uint64_t size, unsigned int width)
{
	uint64_t off = fuzz_rnd_below(fuzz_rnd_below(8) ? size : size + WINDOW_OVERRUN);

	return base + (fuzz_rnd_below(4) ? off & ~(uint64_t)(width - 1) : off);
}

void fuzz_mmio(void)
{
	struct fuzz_stats *st = &fuzz_stats[cpu_id() % PLAT_MAX_CPUS];
	unsigned int width = rnd_width();
	uint64_t addr;

	if (fuzz_rnd_below(5) == 0 && fuzz_nr_windows()) {
		fuzz_window_op(cpu_id() == 0); /* counted there: each access's answer is checked */
		return;
	}
	switch (fuzz_rnd_below(4)) {
	case 0: addr = rnd_in_window(PLAT_GICD_BASE, GICD_SIZE, width); break;
	case 1: /* this VM's frames */
		addr = rnd_in_window(PLAT_GICR_BASE, nr_vcpus * PLAT_GICR_STRIDE, width);
		break;
	case 2: addr = rnd_in_window(PLAT_GICR_BASE, GICR_FRAMES * PLAT_GICR_STRIDE, width); break;
	default: addr = rnd_in_window(PLAT_UART_BASE, UART_SIZE, width); break;
	}
	st->mmio++;
	if (fuzz_access_caught(addr, width, fuzz_rnd_below(2), fuzz_rnd_value()))
		st->mmio_aborts++;
}

/* A page this VM has neither RAM nor a device at (the devices and their overruns kept clear). */
static bool ipa_is_mapped(uint64_t ipa)
{
	if (ipa >= ram_base && ipa - ram_base < ram_size + PAGE_SIZE)
		return true;
	if (fuzz_in_window(ipa))
		return true;
	return ipa >= PLAT_GICD_BASE && ipa < PLAT_UART_BASE + UART_SIZE + WINDOW_OVERRUN;
}

void fuzz_unmapped(void)
{
	struct fuzz_stats *st = &fuzz_stats[cpu_id() % PLAT_MAX_CPUS];
	uint64_t ipa;

	do {
		switch (fuzz_rnd_below(4)) {
		case 0: /* near RAM's edges */
			ipa = fuzz_rnd_below(2) ? ram_base + ram_size + PAGE_SIZE * (1 + fuzz_rnd_below(64))
					   : ram_base - PAGE_SIZE * (1 + fuzz_rnd_below(64));
			break;
		case 1: /* below RAM: flash, the other GIC frames, virtio-mmio, PCIe windows */
			ipa = fuzz_rnd_below(ram_base);
			break;
		default:
			ipa = fuzz_rnd_below(1ull << IPA_BITS);
			break;
		}
	} while (ipa_is_mapped(ipa));
	ipa = (ipa & ~(PAGE_SIZE - 1)) | (fuzz_rnd_below(PAGE_SIZE) & ~7ull);
	st->unmapped++;
	if (fuzz_access_caught(ipa, fuzz_rnd_below(2) ? 4 : 8, fuzz_rnd_below(2), fuzz_rnd_value()))
		st->unmapped_aborts++;
}

/* MDSCR_EL1 bits that would take debug exceptions in this guest: software step, kernel debug. */
#define MDSCR_UNSAFE ((1ull << 0) | (1ull << 13))

/* One trapped register access by index: even reads, odd writes of v. */
void fuzz_sysreg_access(unsigned int idx, uint64_t v)
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



void fuzz_sysreg(void)
{
	struct fuzz_stats *st = &fuzz_stats[cpu_id() % PLAT_MAX_CPUS];
	unsigned int idx = (unsigned int)fuzz_rnd_below(FUZZ_SYSREG_CASES);
	uint64_t v = fuzz_rnd_value();
	bool undef;

	exc_catch_begin();
	fuzz_sysreg_access(idx, v);
	undef = exc_catch_end(NULL, NULL);
	st->sysreg++;
	st->sysreg_undefs += undef;
}

void fuzz_setup(uint64_t ram_ipa, uint64_t ram_bytes, unsigned int vcpus)
{
	ram_base = ram_ipa;
	ram_size = ram_bytes;
	nr_vcpus = vcpus;
	for (uint32_t i = 0; i < SCRATCH_BYTES; i++)
		scratch[i] = "~fuzz-console-bytes~"[i % 20];
}

void fuzz_set_mapped_hole(uint64_t ipa, uint64_t size)
{
	fuzz_add_window(ipa, size, FUZZ_WIN_MEM_RW);
}

void fuzz_seed(uint64_t seed)
{
	rng_state[cpu_id() % PLAT_MAX_CPUS] = seed ? seed : FUZZ_DEFAULT_SEED;
}
