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
 *    which this VM does not have) and the vUART, each window overrun a little;
 *    and of the windows guests/tests/fuzz_dev.c checks the answers of: the
 *    SP805 watchdog (kept from ever resetting the VM), virtio-mmio transports
 *    and channels (read-write and read-only), found in the guest tree.
 *  - Keel's standby calls with boundary arguments, each answer checked: the
 *    exact refusals without a standby; with one (keel-test,standby, as in
 *    configs/tests/fuzz-standby.dts), the refusals and up to keel-test,faults
 *    real injected faults, each failed over to a checkpoint (10 ms apart)
 *    while the fuzzing goes on; the fuzzer notices each failover (its memory,
 *    stream included, went back) and reseeds from Keel's count of them.
 *  - Reads and writes of random pages of the 39-bit IPA space outside RAM and
 *    devices: each must abort.
 *  - Trapped system registers: ICC_SGI1R_EL1 and friends with random targets,
 *    the PMU and the debug registers Keel emulates.
 *
 * Every access runs under the exception catcher (guests/lib/exception.c), so
 * the aborts and UNDEFs Keel injects are counted, not fatal. Writes may switch
 * off this VM's interrupts and UART, so the fuzzer never depends on an
 * interrupt and prints progress only through KEEL_HC_CONSOLE_WRITE; the
 * report library's lines (PL011) come at the end. The generators are shared
 * with the SMP fuzzer (guests/tests/fuzz_ops.c).
 *
 * /chosen: keel-test,seed (u32 or u64), keel-test,ops (u32), keel-test,standby
 * and keel-test,faults (u32), keel-test,chan-rw and keel-test,chan-ro (IPAs).
 * Markers: "fuzz: seed 0x...", "fuzz: done: N calls, M mmio (A aborts caught), ...".
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/sysreg.h>

#include "fuzz_ops.h"

#define DEFAULT_OPS 600000u
#define PROGRESS_STEPS 8u
#define STANDBY_POLL 256u /* operations between two looks at Keel's failover count */
#define CANARY_WORDS (16 * 1024)

static uint32_t canary[CANARY_WORDS];
static struct fuzz_stats *const st = &fuzz_stats[0];

static void fuzz_one(void)
{
	uint64_t r = fuzz_rnd_below(100);

	if (r < 45)
		fuzz_call();
	else if (r < 90)
		fuzz_mmio();
	else if (r < 95)
		fuzz_unmapped();
	else
		fuzz_sysreg();
}

static void setup(uint64_t seed, bool standby, uint32_t faults)
{
	uint64_t ram_base = PLAT_RAM_BASE, ram_size = 0x1000000;
	uint32_t i;

	fdt_memory(&ram_base, &ram_size);
	fuzz_setup(ram_base, ram_size, 1);
	fuzz_seed(seed);
	fuzz_find_windows();
	fuzz_standby_setup(standby, seed, faults);
	fuzz_standby_selftest();
	for (i = 0; i < CANARY_WORDS; i++)
		canary[i] = 0xf0220000u ^ (i * 2654435761u);
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

	fuzz_hc_print("fuzz: done: %lu calls, %lu mmio (%lu aborts caught), %lu unmapped (%lu aborts caught), "
		 "%lu sysreg (%lu undefs caught), %lu calls skipped, %lu watchdog/virtio/channel accesses, "
		 "%lu wrong answers, seed 0x%lx",
		 st->calls, st->mmio, st->mmio_aborts, st->unmapped, st->unmapped_aborts, st->sysreg,
		 st->sysreg_undefs, st->skipped, st->dev, st->wrong, seed);
	/* Ends whatever half line the fuzzer's UART writes left, before the report's PL011 lines. */
	*(volatile uint32_t *)PLAT_UART_BASE = '\n';
	report(st->calls + st->mmio + st->unmapped + st->sysreg + st->skipped == ops, "%u operations done", ops);
	report(st->unmapped_aborts == st->unmapped, "every unmapped access aborted (%lu of %lu)",
	       st->unmapped_aborts, st->unmapped);
	report(canary_bad_words() == 0, "own canary of %u bytes intact", CANARY_WORDS * 4);
	report(id.ret == KEEL_RET_SUCCESS, "VM_IDENTITY still answers (%ld)", id.ret);
	report(keel_console_write(probe, sizeof(probe) - 1) == (int64_t)sizeof(probe) - 1,
	       "console write still works");
	report(st->wrong == 0, "every watchdog, channel and standby answer was the one expected (%lu not)",
	       st->wrong);
}

/* With a standby: checkpoints were taken, the faults failed over, the VM never restarted from its images. */
static void finish_standby(uint32_t faults)
{
	struct smccc_res s = keel_hc_standby_status();
	struct keel_identity id = keel_vm_identity();

	fuzz_hc_print("fuzz: standby: %lu checkpoints, %lu failovers", s.a1, s.a2);
	report(s.a0 == KEEL_RET_SUCCESS && s.a1 > 0, "checkpoints taken (%lu)", s.a1);
	report(faults == 0 || s.a2 > 0, "injected faults failed over (%lu)", s.a2);
	report(s.a2 <= faults, "no failover but the injected ones (%lu of at most %u)", s.a2, faults);
	report(id.resets == 0, "never restarted from its images (%lu resets)", id.resets);
}

/*
 * The end, under standby: a stop declared before a checkpoint must hold after
 * a failover back to that checkpoint, whose memory says it was declared. So:
 * declare, wait for a checkpoint, fail once; back there (Keel's failover
 * count has moved on, the memory has not), power off. Keel must take the
 * power-off as meant: a failure would fail over to the same point again and
 * again until Keel restarted the VM from its images.
 */
static void declared_stop_across_failover(void)
{
	struct smccc_res s;
	uint64_t cp, fo;

	report(keel_hc_standby_intend_stop().a0 == KEEL_RET_SUCCESS, "STANDBY_INTEND_STOP answers");
	s = keel_hc_standby_status();
	cp = s.a1;
	fo = s.a2;
	do
		s = keel_hc_standby_status(); /* a checkpoint taken here is after the declaration */
	while (s.a1 == cp);
	if (s.a2 == fo) {
		fuzz_hc_print("fuzz: stop declared before checkpoint #%lu, failing once", s.a1);
		keel_hc_standby_inject(KEEL_INJECT_FAIL, 0);
		while (keel_hc_standby_status().a2 == fo)
			; /* the failover takes this vCPU back into the loop above */
	}
	fuzz_hc_print("fuzz: back at a checkpoint after failover #%lu, powering off as declared", s.a2);
}

void guest_main(void)
{
	uint64_t seed = FUZZ_DEFAULT_SEED;
	uint32_t seed32, ops = DEFAULT_OPS, standby = 0, faults = 0, i;

	if (fdt_read_u32("/chosen", "keel-test,seed", &seed32))
		seed = seed32;
	else
		fdt_read_u64_at("/chosen", "keel-test,seed", 0, &seed);
	fdt_read_u32("/chosen", "keel-test,ops", &ops);
	fdt_read_u32("/chosen", "keel-test,standby", &standby);
	fdt_read_u32("/chosen", "keel-test,faults", &faults);
	fuzz_hc_print("fuzz: seed 0x%lx, %u operations%s", seed, ops, standby ? ", under standby" : "");
	setup(seed, standby, faults);
	for (i = 0; i < ops; i++) {
		if (ops >= PROGRESS_STEPS && i % (ops / PROGRESS_STEPS) == 0 && i)
			fuzz_hc_print("fuzz: %u of %u operations", i, ops);
		if (standby && i % STANDBY_POLL == 0)
			fuzz_standby_failovers(); /* a failover we missed: reseed (fuzz_dev.c) */
		fuzz_one();
	}
	finish(seed, ops);
	if (standby) {
		finish_standby(faults);
		declared_stop_across_failover();
	}
	report_summary();
}
