/*
 * test-fuzz_smp: the concurrency campaign of issue 12. One VM with two vCPUs,
 * on physical CPUs 0 and 1, fuzzes Keel from both at once, each from its own
 * seeded stream (guests/tests/fuzz_ops.c), so that races between the CPUs
 * are exercised and not only single-CPU sequences:
 *
 *  - the generic surfaces of the single-vCPU fuzzer (random SMCCC calls,
 *    vGIC/vUART MMIO, unmapped IPAs, trapped system registers);
 *  - the distributor and both redistributors on purpose: enable, pending and
 *    active set/clear, priorities, and one SPI whose GICD_IROUTER both vCPUs
 *    flip between them while each sets it pending, plus windows with IRQs
 *    unmasked in which whatever is pending is taken and acknowledged
 *    (guests/tests/fuzz_smp_gic.c);
 *  - SGI storms to the sibling, to itself, to both, to vCPUs that do not
 *    exist and by broadcast;
 *  - PSCI: CPU_ON of the sibling with good and bad entry points and any
 *    context ID (which must arrive in x0 as given), CPU_ON of a running vCPU,
 *    AFFINITY_INFO, and CPU_OFF of itself, the sibling bringing it back;
 *    every answer is checked against what PSCI and Keel's checks allow;
 *  - Keel's calls: console writes of bad buffers, YIELD, IPC on the slot it
 *    holds to the peer VM's endpoint and on slots it does not hold,
 *    DOORBELL on its channel and on channels it is not a member of, the
 *    standby calls with boundary arguments (this VM has no standby: each
 *    must be refused with its exact code, guests/tests/fuzz_dev.c);
 *  - its SP805 watchdog and its channel among the MMIO windows (fuzz_dev.c):
 *    vCPU 0 writes the watchdog from a known state, vCPU 1 reads and locks
 *    it at the same time, so no interleaving can arm a reset;
 *  - at a seeded operation of a seeded vCPU, PSCI SYSTEM_RESET of the whole
 *    VM while the other vCPU is busy. The VM comes back, reads how many times
 *    it was reset (VM_IDENTITY) and goes on with the next run's seeds; run
 *    keel-test,resets is the last and ends without a reset.
 *
 * The same image is the peer (keel-test,peer = 1): an IPC server the fuzzer
 * holds a call/send slot to, serving every message until the fuzzer's last
 * run says goodbye. The sentinel VM (guests/tests/sentinel.c) shares the two
 * CPUs and checks its canary and ticks.
 *
 * /chosen: keel-test,seed (u32), keel-test,ops (u32, per vCPU and run),
 * keel-test,resets (u32). Markers: "fuzz-smp: seed 0x..., run R of N",
 * "fuzz-smp: run R: vcpu V resets the VM", "fuzz-smp: done: ...".
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include "fuzz_ops.h"
#include "fuzz_smp.h"

#define NR_CPUS FUZZ_SMP_CPUS
#define DEFAULT_OPS 50000u
#define DEFAULT_RESETS 2u
#define CANARY_WORDS (16 * 1024)
#define CHANNEL_IPA 0x50000000ull /* configs/tests/fuzz-smp.dts */
#define CHANNEL_SIZE 0x1000ull
#define PEER_SLOT 0u   /* the fuzzer's call/send slot to the peer's endpoint; the peer receives on its 0 */
#define FUZZ_BADGE 0x66u
#define BYE_MAGIC 0x66757a7a2d627965ull /* "fuzz-bye": no random word hits it */
#define WAIT_POLLS 20000000u /* a vCPU lost for this long is reported, not waited for */
#define BAD_LINES_MAX 8u
#define POLL_PAUSE 500u

/* One vCPU's state, in memory so that it survives the vCPU's CPU_OFF and CPU_ON. */
struct vstate {
	volatile uint64_t ops_done;
	volatile uint64_t ctx_expect; /* the context ID the sibling passed to the CPU_ON that starts us */
	volatile uint64_t on_at;      /* when that CPU_ON was made (counter ticks) */
	uint64_t start_worst, start_sum; /* from a CPU_ON of this vCPU until it arrived: longest, total */
	volatile uint32_t started, done;
	struct smp_stats s;
};

extern char fuzz_smp_entry[];
void fuzz_smp_started(uint64_t ctx, uint64_t cpu);

static struct vstate vs[NR_CPUS];
/* 0, or 1 + the vCPU that is switching itself off: at most one vCPU is ever off at a time. */
static volatile uint32_t off_token;
/* Set by the vCPU that is about to reset the VM: Keel refuses a CPU_ON from then on (INVALID_PARAMS). */
static volatile uint32_t resetting;
static uint64_t seed, run, run_seed, ram_base = PLAT_RAM_BASE, ram_size = 0x1000000;
static uint32_t ops = DEFAULT_OPS, resets = DEFAULT_RESETS, reset_vcpu = NR_CPUS;
static uint64_t reset_at, run_t0;
static uint32_t canary[CANARY_WORDS];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct vstate *me_state(void)
{
	return &vs[cpu_id() % NR_CPUS];
}

struct smp_stats *fuzz_smp_stats(void)
{
	return &me_state()->s;
}

/* Records an answer Keel must never give; the first few are printed with what was expected. */
static void bad(const char *what, int64_t got, int64_t want)
{
	struct vstate *v = me_state();

	if (resetting && got == PSCI_RET_INVALID_PARAMS)
		return; /* CPU_ON while the sibling resets the VM: Keel refuses it so (core/psci.c) */
	if (v->s.bad++ < BAD_LINES_MAX)
		fuzz_hc_print("FAIL: fuzz-smp: run %lu vcpu %u op %lu: %s returned %ld, expected %ld", run, cpu_id(),
			      v->ops_done, what, got, want);
}

/* A PSCI call through HVC or SMC, as SMC64 or (cut to 32 bits by Keel) SMC32 where PSCI has both. */
static int64_t psci(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	me_state()->s.psci++;
	if (fuzz_rnd_below(4) == 0)
		return (int32_t)smccc_smc(fid, a1, a2, a3).a0;
	return (int32_t)smccc_hvc(fid, a1, a2, a3).a0;
}

static uint32_t pick_width(uint32_t fid64)
{
	return fuzz_rnd_below(4) == 0 ? fid64 & ~SMCCC_64BIT : fid64;
}

/* An entry point CPU_ON must refuse with INVALID_ADDRESS: unaligned, or outside the VM's RAM. */
static uint64_t bad_entry(void)
{
	switch (fuzz_rnd_below(6)) {
	case 0: return (uintptr_t)fuzz_smp_entry + 1 + fuzz_rnd_below(3);
	case 1: return 0;
	case 2: return ram_base + ram_size + 4 * fuzz_rnd_below(1024);
	case 3: return ram_base - 4 - 4 * fuzz_rnd_below(1024);
	case 4: return PLAT_GICD_BASE;
	default: return ~3ull;
	}
}

/*
 * A target no vCPU of this VM has, for a call with function ID fid: Aff0 past
 * our two, or another affinity level; Aff3 only in the SMC64 form, as the
 * SMC32 form's 32-bit cut would leave a vCPU that exists.
 */
static uint64_t bad_target(uint32_t fid)
{
	switch (fuzz_rnd_below(4)) {
	case 0: return NR_CPUS + fuzz_rnd_below(254);
	case 1: return (1ull + fuzz_rnd_below(255)) << 8 | fuzz_rnd_below(NR_CPUS);
	case 2: return fuzz_rnd() | (1ull + fuzz_rnd_below(255)) << 16;
	default:
		if (fid & SMCCC_64BIT)
			return (1ull + fuzz_rnd_below(255)) << 32 | fuzz_rnd_below(NR_CPUS);
		return NR_CPUS;
	}
}

/*
 * CPU_ON of the sibling at our entry with a fresh context ID, which it checks
 * when it arrives: only the sibling of a vCPU writes that vCPU's ctx_expect.
 */
static int64_t cpu_on_good(unsigned int target)
{
	uint32_t fid = pick_width(PSCI_CPU_ON64);
	uint64_t ctx = fuzz_rnd();

	vs[target].ctx_expect = fid & SMCCC_64BIT ? ctx : (uint32_t)ctx;
	vs[target].on_at = timer_now();
	dsb(sy);
	return psci(fid, target, (uintptr_t)fuzz_smp_entry, ctx);
}

static bool aff_valid(int64_t r)
{
	return r == PSCI_AFF_ON || r == PSCI_AFF_OFF || r == PSCI_AFF_ON_PENDING;
}

/*
 * Whether a CPU_ON of sibling o that returned r = SUCCESS was one a correct
 * Keel may give: o switched itself off after we read its count offs (it
 * counts before its CPU_OFF), so it was off when the call came.
 */
static bool went_off(unsigned int o, uint64_t offs, int64_t r)
{
	return r == PSCI_RET_SUCCESS && vs[o].s.offs != offs;
}

/*
 * Brings the sibling back if it switched itself off: waits until AFFINITY_INFO
 * says OFF, tries a few CPU_ONs that must fail, then the real one, which must
 * succeed; the sibling clears off_token when it arrives.
 */
static void rescue(unsigned int me)
{
	unsigned int o = me ^ 1u;
	uint32_t polls = 0;
	uint64_t offs;
	int64_t r;

	while (off_token == o + 1) {
		if (++polls == WAIT_POLLS)
			bad("waiting for the switched-off sibling to come back (polls)", polls, 0);
		r = psci(pick_width(PSCI_AFFINITY_INFO64), o, 0, 0);
		if (!aff_valid(r))
			bad("AFFINITY_INFO(sibling)", r, PSCI_AFF_OFF);
		if (r != PSCI_AFF_OFF) {
			for (volatile uint32_t i = 0; i < POLL_PAUSE; i++)
				; /* not a hypercall a poll: leave Keel's VM lock to the sibling's CPU */
			continue;
		}
		for (uint64_t i = fuzz_rnd_below(3); i > 0; i--) {
			r = psci(pick_width(PSCI_CPU_ON64), o, bad_entry(), fuzz_rnd());
			if (r != PSCI_RET_INVALID_ADDRESS)
				bad("CPU_ON(off sibling, bad entry)", r, PSCI_RET_INVALID_ADDRESS);
		}
		offs = vs[o].s.offs; /* before the start: it may come back and go off again at once */
		r = cpu_on_good(o);
		if (r != PSCI_RET_SUCCESS)
			bad("CPU_ON(off sibling)", r, PSCI_RET_SUCCESS);
		/* Again, with the same context: it may not have arrived yet. */
		r = psci(PSCI_CPU_ON64, o, (uintptr_t)fuzz_smp_entry, vs[o].ctx_expect);
		if (r != PSCI_RET_ON_PENDING && r != PSCI_RET_ALREADY_ON && !went_off(o, offs, r))
			bad("CPU_ON(sibling just started)", r, PSCI_RET_ALREADY_ON);
	}
}

/* CPU_OFF of this vCPU, if the sibling is on to bring it back; returns when it is back. */
static void psci_off_self(unsigned int me)
{
	uint32_t expected = 0;
	int64_t r;

	if (!__atomic_compare_exchange_n(&off_token, &expected, me + 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	vs[me].s.offs++;
	dsb(sy);
	r = psci(PSCI_CPU_OFF, fuzz_rnd_arg(), fuzz_rnd_arg(), 0); /* never returns: fuzz_smp_started() is next */
	bad("CPU_OFF", r, 0);
	off_token = 0;
}

/* One PSCI call of a random kind, its answer checked. */
static void psci_one(unsigned int me)
{
	unsigned int o = me ^ 1u;
	uint64_t offs;
	uint32_t fid;
	int64_t r;

	switch (fuzz_rnd_below(8)) {
	case 0: /* of a running vCPU, itself (our context ID is the sibling's to set) */
		r = psci(pick_width(PSCI_CPU_ON64), me, (uintptr_t)fuzz_smp_entry, fuzz_rnd());
		if (r != PSCI_RET_ALREADY_ON)
			bad("CPU_ON(self)", r, PSCI_RET_ALREADY_ON);
		break;
	case 1: /* of the sibling: ALREADY_ON, or ON_PENDING while rescue() starts it */
		offs = vs[o].s.offs;
		if (off_token == o + 1)
			break; /* its rescue is rescue()'s, which expects SUCCESS */
		r = cpu_on_good(o);
		if (r != PSCI_RET_ALREADY_ON && r != PSCI_RET_ON_PENDING && !went_off(o, offs, r))
			bad("CPU_ON(running sibling)", r, PSCI_RET_ALREADY_ON);
		break;
	case 2: case 3:
		r = psci(pick_width(PSCI_CPU_ON64), fuzz_rnd_below(NR_CPUS), bad_entry(), fuzz_rnd_arg());
		if (r != PSCI_RET_INVALID_ADDRESS)
			bad("CPU_ON(bad entry)", r, PSCI_RET_INVALID_ADDRESS);
		break;
	case 4:
		fid = pick_width(PSCI_CPU_ON64);
		r = psci(fid, bad_target(fid), (uintptr_t)fuzz_smp_entry, fuzz_rnd());
		if (r != PSCI_RET_INVALID_PARAMS)
			bad("CPU_ON(no such vCPU)", r, PSCI_RET_INVALID_PARAMS);
		break;
	case 5:
		r = psci(pick_width(PSCI_AFFINITY_INFO64), me, 0, 0);
		if (r != PSCI_AFF_ON)
			bad("AFFINITY_INFO(self)", r, PSCI_AFF_ON);
		break;
	case 6:
		r = psci(pick_width(PSCI_AFFINITY_INFO64), o, 0, 0);
		if (!aff_valid(r))
			bad("AFFINITY_INFO(sibling)", r, PSCI_AFF_ON);
		break;
	default:
		fid = pick_width(PSCI_AFFINITY_INFO64);
		r = psci(fid, fuzz_rnd_below(2) ? bad_target(fid) : o, 1 + fuzz_rnd_below(3), 0);
		if (r != PSCI_RET_INVALID_PARAMS)
			bad("AFFINITY_INFO(bad target or level)", r, PSCI_RET_INVALID_PARAMS);
		break;
	}
}

/* Keel's own calls, on slots and channels this VM does or does not hold; each answer checked. */
static void keel_one(void)
{
	static const uint32_t ipc_fids[] = { KEEL_HC_IPC_CALL, KEEL_HC_IPC_SEND, KEEL_HC_IPC_RECV,
					     KEEL_HC_IPC_REPLY_RECV };
	uint64_t w[KEEL_IPC_NR_WORDS] = { fuzz_rnd(), fuzz_rnd_arg(), fuzz_rnd(), fuzz_rnd_arg(), fuzz_rnd() };
	uint32_t slot = fuzz_rnd_below(3) ? PEER_SLOT : (uint32_t)fuzz_rnd_below(8);
	uint32_t fid = ipc_fids[fuzz_rnd_below(4)];
	int64_t r;

	me_state()->s.keel++;
	switch (fuzz_rnd_below(7)) {
	case 0: /* outside RAM, or straddling its end: refused, nothing printed */
		r = keel_console_write_ipa(fuzz_rnd_below(2) ? ram_base + ram_size - fuzz_rnd_below(8)
							      : fuzz_rnd_arg() | 1ull << 38,
					   8 + fuzz_rnd_below(2 * KEEL_CONSOLE_WRITE_MAX));
		if (r != KEEL_RET_INVALID_PARAMETER)
			bad("CONSOLE_WRITE(outside RAM)", r, KEEL_RET_INVALID_PARAMETER);
		break;
	case 1:
		r = keel_yield();
		if (r != 0)
			bad("YIELD", r, 0);
		break;
	case 2:
		r = smccc_hvc(KEEL_HC_DOORBELL, fuzz_rnd_below(4), 0, 0).a0;
		if (r != 0 && r != KEEL_RET_NO_ENDPOINT)
			bad("DOORBELL", r, 0);
		break;
	case 3: /* STANDBY_STATUS, _INTEND_STOP or _INJECT, SMC64 or SMC32: each answer checked there */
		fid = (uint32_t)KEEL_HC_STANDBY_STATUS + (uint32_t)fuzz_rnd_below(3);
		fuzz_standby_call(fuzz_rnd_below(4) ? fid : fid & ~SMCCC_64BIT);
		break;
	default: /* the fuzzer owns no endpoint: RECV never waits, a CALL waits for the peer's reply */
		r = keel_ipc(fid, slot, fuzz_rnd_below(2) ? KEEL_IPC_NONBLOCK : 0, w, NULL);
		if (r > KEEL_IPC_KIND_CALL || r < KEEL_RET_PEER_GONE || r == KEEL_RET_NOT_SUPPORTED)
			bad("IPC", r, 0);
		break;
	}
}

/* One operation of the calling vCPU. */
static void smp_one(unsigned int me)
{
	uint64_t r = fuzz_rnd_below(1000);

	if (r == 999 && fuzz_rnd_below(2) == 0) {
		psci_off_self(me); /* rare: each round trip through OFF costs the time of ~100 other operations */
		return;
	}

	if (r < 300)
		fuzz_call();
	else if (r < 430)
		fuzz_mmio();
	else if (r < 460)
		fuzz_unmapped();
	else if (r < 490)
		fuzz_sysreg();
	else if (r < 690)
		fuzz_smp_gic_op();
	else if (r < 750)
		fuzz_smp_sgi_storm();
	else if (r < 830)
		psci_one(me);
	else if (r < 840)
		for (uint64_t n = 8 + fuzz_rnd_below(24); n > 0; n--)
			psci_one(me); /* a PSCI storm */
	else if (r < 970)
		keel_one();
	else
		fuzz_smp_irq_window();
}

/* Milliseconds since this run of the VM started. */
static uint64_t run_ms(void)
{
	return (timer_now() - run_t0) * 1000 / timer_freq();
}

static uint64_t bad_total(void)
{
	return vs[0].s.bad + vs[1].s.bad;
}

/* SYSTEM_RESET of the whole VM, the sibling busy on the other CPU; the next run starts at guest_main. */
static __attribute__((noreturn)) void reset_now(unsigned int me)
{
	fuzz_hc_print("fuzz-smp: run %lu: vcpu %u resets the VM at its operation %lu (vcpu 0 at %lu, vcpu 1 at %lu, "
		      "%lu unexpected answers, %lu ms)",
		      run, me, vs[me].ops_done, vs[0].ops_done, vs[1].ops_done, bad_total(), run_ms());
	resetting = 1;
	dsb(sy);
	psci(PSCI_SYSTEM_RESET, fuzz_rnd_arg(), fuzz_rnd_arg(), 0);
	bad("SYSTEM_RESET", 0, -1);
	for (;;)
		wfi();
}

static __attribute__((noreturn)) void finish(void);

/* The run's operations of vCPU me, where it left off; then it waits for its sibling. */
static __attribute__((noreturn)) void fuzz_loop(unsigned int me)
{
	struct vstate *v = &vs[me];

	while (v->ops_done < ops) {
		rescue(me);
		if (me == reset_vcpu && v->ops_done == reset_at)
			reset_now(me);
		v->ops_done++; /* before the operation: a CPU_OFF comes back to the next one */
		smp_one(me);
	}
	v->done = 1;
	while (!vs[0].done || !vs[1].done)
		rescue(me);
	if (me == 0)
		finish();
	psci_cpu_off();
	bad("final CPU_OFF", 0, -1);
	for (;;)
		wfi();
}

/* Where CPU_ON brings a vCPU (fuzz_smp_entry.S): the first start of vCPU 1, or a vCPU switched off. */
void fuzz_smp_started(uint64_t ctx, uint64_t cpu)
{
	struct vstate *v = &vs[cpu];

	if (ctx != v->ctx_expect)
		bad("CPU_ON's context ID (in x0)", (int64_t)ctx, (int64_t)v->ctx_expect);
	if (!v->started) {
		v->started = 1;
		fuzz_seed(mix(run_seed + cpu));
		fuzz_smp_cpu_interface_init();
	} else {
		uint64_t t = timer_now() - v->on_at;

		v->s.revived++;
		v->start_worst = t > v->start_worst ? t : v->start_worst;
		v->start_sum += t;
	}
	__atomic_store_n(&off_token, 0, __ATOMIC_SEQ_CST); /* after the check: the sibling may set ctx_expect again */
	fuzz_loop((unsigned int)cpu);
}

static uint32_t canary_bad_words(void)
{
	uint32_t i, n = 0;

	for (i = 0; i < CANARY_WORDS; i++)
		n += ((volatile uint32_t *)canary)[i] != (0xf0230000u ^ (i * 2654435761u));
	return n;
}

static void print_vcpu(unsigned int cpu)
{
	const struct fuzz_stats *f = &fuzz_stats[cpu];
	const struct smp_stats *s = &vs[cpu].s;

	fuzz_hc_print("fuzz-smp: vcpu %u: %lu operations: %lu calls (%lu skipped), %lu mmio (%lu aborts caught, %lu "
		      "watchdog/channel), %lu unmapped (%lu aborts caught), %lu sysreg (%lu undefs caught)",
		      cpu, vs[cpu].ops_done, f->calls, f->skipped, f->mmio, f->mmio_aborts, f->dev, f->unmapped,
		      f->unmapped_aborts, f->sysreg, f->sysreg_undefs);
	fuzz_hc_print("fuzz-smp: vcpu %u: %lu gic (%lu aborts caught), %lu SGIs (%lu undefs caught), %lu PSCI calls, "
		      "%lu times off and %lu back, %lu Keel calls, %lu IRQs taken (%lu spurious), %lu unexpected answers",
		      cpu, s->gic, s->gic_aborts, s->sgi, s->sgi_undefs, s->psci, s->offs, s->revived, s->keel,
		      s->irqs, s->spurious, s->bad);
	fuzz_hc_print("fuzz-smp: vcpu %u: from CPU_ON to arrival %lu us at worst, %lu us on average", cpu,
		      vs[cpu].start_worst * 1000000 / timer_freq(),
		      vs[cpu].start_sum * 1000000 / timer_freq() / (s->revived ? s->revived : 1));
}

/* vCPU 0, both vCPUs done: the sibling must go off, then the counts and the checks. */
static __attribute__((noreturn)) void finish(void)
{
	struct keel_identity id = keel_vm_identity();
	uint64_t unmapped = fuzz_stats[0].unmapped + fuzz_stats[1].unmapped;
	uint64_t caught = fuzz_stats[0].unmapped_aborts + fuzz_stats[1].unmapped_aborts;
	uint32_t polls = 0;
	int64_t aff;

	do
		aff = psci(PSCI_AFFINITY_INFO64, 1, 0, 0);
	while (aff != PSCI_AFF_OFF && ++polls < WAIT_POLLS);
	print_vcpu(0);
	print_vcpu(1);
	fuzz_hc_print("fuzz-smp: done: run %lu of %u, %lu operations on %u vCPUs, %lu unexpected answers, seed 0x%lx "
		      "(%lu ms)",
		      run, resets, vs[0].ops_done + vs[1].ops_done, NR_CPUS, bad_total(), seed, run_ms());
	*(volatile uint32_t *)PLAT_UART_BASE = '\n'; /* ends a half line the fuzzed UART may have left */
	report(id.ret == KEEL_RET_SUCCESS && id.resets == resets, "VM_IDENTITY answers, %lu resets of %u", id.resets,
	       resets);
	report(vs[0].ops_done == ops && vs[1].ops_done == ops, "both vCPUs did their %u operations", ops);
	report(aff == PSCI_AFF_OFF, "vcpu 1 is off at the end (AFFINITY_INFO %ld)", aff);
	report(bad_total() == 0, "every PSCI, IPC and console answer is one Keel may give (%lu not)", bad_total());
	report(fuzz_stats[0].wrong + fuzz_stats[1].wrong == 0,
	       "every watchdog, channel and standby answer was the one expected (%lu not)",
	       fuzz_stats[0].wrong + fuzz_stats[1].wrong);
	report(vs[0].s.revived + vs[1].s.revived == vs[0].s.offs + vs[1].s.offs,
	       "every vCPU switched off came back (%lu of %lu)", vs[0].s.revived + vs[1].s.revived,
	       vs[0].s.offs + vs[1].s.offs);
	report(caught == unmapped, "every unmapped access aborted (%lu of %lu)", caught, unmapped);
	report(canary_bad_words() == 0, "own canary of %u bytes intact", CANARY_WORDS * 4);
	report(keel_ipc(KEEL_HC_IPC_SEND, PEER_SLOT, 0, (uint64_t[KEEL_IPC_NR_WORDS]){ BYE_MAGIC }, NULL) == 0,
	       "the peer took the goodbye");
	report_summary();
}

/* The peer: serves every message on its endpoint until the fuzzer's goodbye. */
static void peer(void)
{
	uint64_t calls = 0, sends = 0, errors = 0, r[KEEL_IPC_NR_WORDS] = { 0 };
	struct keel_ipc_msg m = { 0 };
	int64_t kind = keel_ipc(KEEL_HC_IPC_RECV, 0, 0, NULL, &m);

	for (;;) {
		if (kind == KEEL_IPC_KIND_SEND && m.badge == FUZZ_BADGE && m.w[0] == BYE_MAGIC)
			break;
		calls += kind == KEEL_IPC_KIND_CALL;
		sends += kind == KEEL_IPC_KIND_SEND;
		errors += kind < 0;
		for (int i = 0; i < KEEL_IPC_NR_WORDS; i++)
			r[i] = m.w[i] ^ m.badge;
		kind = kind < 0 ? keel_ipc(KEEL_HC_IPC_RECV, 0, 0, NULL, &m)
				: keel_ipc(KEEL_HC_IPC_REPLY_RECV, 0, 0, r, &m);
	}
	report(calls + sends > 0, "peer: %lu calls and %lu sends served, %lu errors (PEER_GONE on the fuzzer's resets)",
	       calls, sends, errors);
}

static void fuzzer(void)
{
	struct keel_identity id = keel_vm_identity();
	uint32_t i;
	int64_t r;

	run = id.resets;
	run_t0 = timer_now();
	fdt_read_u32("/chosen", "keel-test,ops", &ops);
	fdt_read_u32("/chosen", "keel-test,resets", &resets);
	fdt_memory(&ram_base, &ram_size);
	run_seed = mix(seed ^ (run * 0x9e3779b97f4a7c15ull));
	if (run < resets) {
		reset_vcpu = (uint32_t)(run_seed >> 63);
		reset_at = ops / 4 + (run_seed >> 8) % (ops / 2);
	}
	fuzz_hc_print("fuzz-smp: seed 0x%lx, run %lu of %u: %u operations on each of %u vCPUs, then %s", seed, run,
		      resets, ops, NR_CPUS, run < resets ? "a reset" : "the end");
	fuzz_setup(ram_base, ram_size, NR_CPUS);
	fuzz_set_mapped_hole(CHANNEL_IPA, CHANNEL_SIZE);
	fuzz_seed(mix(run_seed));
	fuzz_find_windows(); /* the watchdog (configs/tests/fuzz-smp.dts) */
	for (i = 0; i < CANARY_WORDS; i++)
		canary[i] = 0xf0230000u ^ (i * 2654435761u);
	gic_init_dist();
	gic_init_cpu();
	exc_set_irq_handler(fuzz_smp_irq);
	vs[0].started = 1;
	off_token = 2; /* vcpu 1 counts as off until it has arrived (fuzz_smp_started) */
	vs[1].ctx_expect = run_seed;
	dsb(sy);
	r = psci_cpu_on(1, (uintptr_t)fuzz_smp_entry, run_seed);
	if (!report(r == PSCI_RET_SUCCESS, "vcpu 1 started (%ld)", r))
		report_summary();
	fuzz_loop(0);
}

void guest_main(void)
{
	uint32_t is_peer = 0, seed32 = (uint32_t)FUZZ_DEFAULT_SEED;

	fdt_read_u32("/chosen", "keel-test,peer", &is_peer);
	fdt_read_u32("/chosen", "keel-test,seed", &seed32);
	seed = seed32;
	if (is_peer)
		peer();
	else
		fuzzer();
	report_summary();
}
