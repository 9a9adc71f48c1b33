/*
 * The EL2 event trace (include/keel/trace.h): the per-CPU rings, the record
 * path behind the inline trace points, and the dump.
 *
 * Each physical CPU writes only its own ring, with interrupts masked, so a
 * ring needs no lock. Another CPU reads it only to dump it, while its owner
 * may go on writing, like a seqlock reader: a record is copied, then the
 * owner's `claimed` count is read again, and a copy whose slot the owner may
 * have started to overwrite meanwhile is thrown away and counted as lost.
 * The owner makes `claimed` visible before it touches a slot (a store
 * barrier) and `head` after it finished one (a release).
 *
 * The dump goes to the console as hex text, a few records per line
 * ("[keel] trace: c<cpu> <hex> <CRC-32 of those bytes>"), between lines
 * that name the events and the VMs and a line with the count of records
 * shown, so tools/keeltrace can tell a whole dump from a cut or garbled one. Why the console and
 * not semihosting: docs/trace.md. Each dump starts where the previous one
 * ended, so a log with several dumps holds each record at most once.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/console.h>
#include <keel/crc32.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

#define TRACE_PER_LINE 3u /* records per console line: "trace: cN " + 3 x 64 hex digits + CRC < CONSOLE_LINE_MAX */
#define TRACE_LINE_MAX 224u

/*
 * One CPU's ring. The record of count n (counting from 0 since boot) is in
 * rec[n % TRACE_RING_RECORDS]. head and claimed are written by the owner
 * only, start by the dumper (and by trace_set).
 */
struct trace_ring {
	u64 claimed; /* the owner may be writing the record of count claimed - 1 */
	u64 head; /* records complete: counts below head */
	u64 start; /* the next dump begins at this count */
	u64 lost; /* records the dumps could not show (overwritten first), since boot */
};

u32 trace_enabled;
static bool trace_dump_on_stop; /* set at boot by the configuration's `trace;` */
static struct trace_ring trace_rings[PLAT_MAX_CPUS];
/* Not cleared at boot: a record is read only below its ring's head. */
static struct trace_record trace_buf[PLAT_MAX_CPUS][TRACE_RING_RECORDS]
	__attribute__((aligned(64), section(".noinit.trace")));
static u32 trace_dump_asks; /* dumps asked for and not yet done: only the first asker dumps */

/* The dump's names of enum trace_event, in order (tools/keeltrace reads them from the dump). */
static const char *const trace_event_names[TRACE_NR_EVENTS] = {
	[TRACE_NONE] = "none",
	[TRACE_EXIT] = "exit",
	[TRACE_VIRQ] = "virq",
	[TRACE_SWITCH_IN] = "in",
	[TRACE_SWITCH_OUT] = "out",
	[TRACE_BUDGET_EXHAUSTED] = "budget-exhausted",
	[TRACE_BUDGET_REPLENISHED] = "budget-replenished",
	[TRACE_IPC_CALL] = "ipc-call",
	[TRACE_IPC_SEND] = "ipc-send",
	[TRACE_IPC_REPLY] = "ipc-reply",
	[TRACE_CHECKPOINT_START] = "checkpoint-start",
	[TRACE_CHECKPOINT_END] = "checkpoint-end",
	[TRACE_VM_STOP] = "vm-stop",
	[TRACE_ON] = "trace-on",
};

static void trace_put(u32 event, u32 vm, u32 vcpu, u32 sub, u64 arg0, u64 arg1)
{
	struct trace_ring *ring = &trace_rings[arch_cpu_index()];
	u64 n = ring->head;
	struct trace_record *r = &trace_buf[ring - trace_rings][n % TRACE_RING_RECORDS];

	__atomic_store_n(&ring->claimed, n + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE); /* a dumper that sees the slot change sees the claim */
	r->time = arch_counter();
	r->event = (u16)event;
	r->vm = (u8)vm;
	r->vcpu = (u8)vcpu;
	r->sub = sub;
	r->arg[0] = arg0;
	r->arg[1] = arg1;
	__atomic_store_n(&ring->head, n + 1, __ATOMIC_RELEASE);
}

void trace_record(u32 event, const struct vcpu *vcpu, u32 sub, u64 arg0, u64 arg1)
{
	if (vcpu)
		trace_put(event, vcpu->vm->index, vcpu->index, sub, arg0, arg1);
	else
		trace_put(event, TRACE_NO_VM, TRACE_NO_VCPU, sub, arg0, arg1);
}

void trace_record_exit(const struct vcpu *vcpu, u32 reason)
{
	struct exit_syndrome s = { 0 };

	if (reason == EXIT_SYNC || reason == EXIT_HANDLED) /* EXIT_HANDLED: a trap the fast path handled */
		arch_exit_syndrome(&s);
	trace_put(TRACE_EXIT, vcpu->vm->index, vcpu->index, reason, s.esr, vcpu->regs.pc);
}

void trace_record_vm(u32 event, const struct vm *vm, u64 arg0, u64 arg1)
{
	trace_put(event, vm->index, TRACE_NO_VCPU, 0, arg0, arg1);
}

void trace_record_switch_out(const struct vcpu *vcpu, u64 ran)
{
	const struct sched_entity *e = &vcpu->sched;

	trace_put(TRACE_SWITCH_OUT, vcpu->vm->index, vcpu->index, 0, ran, 0);
	if (e->budget && e->remaining && ran >= e->remaining) /* sched_charge()'s test */
		trace_put(TRACE_BUDGET_EXHAUSTED, vcpu->vm->index, vcpu->index, 0, e->budget, e->period_start);
}

void trace_record_replenishments(struct sched_entity *const *es, u32 n, u64 now)
{
	for (u32 i = 0; i < n; i++) {
		const struct sched_entity *e = es[i];
		/* Every scheduling entity Keel has is a vCPU's (struct vcpu.sched). */
		const struct vcpu *v = (const struct vcpu *)((const char *)e - __builtin_offsetof(struct vcpu, sched));

		if (e->budget && now >= e->period_start + e->period) /* sched_replenish()'s test */
			trace_put(TRACE_BUDGET_REPLENISHED, v->vm->index, v->index, 0, e->budget, e->period_start);
	}
}

void trace_set(bool on)
{
	if (on && !trace_enabled) {
		/* A fresh trace: the next dump starts at what comes now. */
		for (u32 c = 0; c < PLAT_MAX_CPUS; c++)
			__atomic_store_n(&trace_rings[c].start, __atomic_load_n(&trace_rings[c].head, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELAXED);
		__atomic_store_n(&trace_enabled, 1u, __ATOMIC_RELEASE);
		trace_put(TRACE_ON, TRACE_NO_VM, TRACE_NO_VCPU, 0, 0, 0);
	} else if (!on) {
		__atomic_store_n(&trace_enabled, 0u, __ATOMIC_RELEASE);
	}
}

void trace_boot(bool on)
{
	if (!on)
		return;
	trace_dump_on_stop = true;
	trace_set(true);
	klog("trace: on from boot, %u records per CPU, dumped when a VM stops (docs/trace.md)", TRACE_RING_RECORDS);
}

static char trace_hex_digit(u32 v)
{
	return (char)(v < 10 ? '0' + v : 'a' + v - 10);
}

static u32 trace_hex(char *out, const void *data, u32 len)
{
	const u8 *b = data;

	for (u32 i = 0; i < len; i++) {
		out[2 * i] = trace_hex_digit(b[i] >> 4);
		out[2 * i + 1] = trace_hex_digit(b[i] & 0xf);
	}
	return 2 * len;
}

/*
 * Copy up to TRACE_PER_LINE records of ring c from count *next (below end)
 * into out, skipping any the owner may have overwritten meanwhile; returns
 * how many were copied and advances *next past those it looked at.
 */
static u32 trace_copy(u32 c, u64 *next, u64 end, struct trace_record *out, u64 *lost)
{
	const struct trace_ring *ring = &trace_rings[c];
	u32 got = 0;
	u64 first = *next, claimed;

	for (u64 n = first; n < end && got < TRACE_PER_LINE; n++)
		out[got++] = trace_buf[c][n % TRACE_RING_RECORDS];
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the copies before the second look at claimed */
	claimed = __atomic_load_n(&ring->claimed, __ATOMIC_RELAXED);
	*next = first + got;
	/* The slot of count n is rewritten for count n + TRACE_RING_RECORDS: valid while that was not claimed. */
	if (claimed > first + TRACE_RING_RECORDS) {
		u64 bad = MIN((u64)got, claimed - TRACE_RING_RECORDS - first);

		*lost += bad;
		for (u32 i = 0; i + bad < got; i++)
			out[i] = out[i + bad];
		got -= (u32)bad;
	}
	return got;
}

/* One CPU's records from its ring's start to end (its head when the dump began); returns how many were shown. */
static u64 trace_dump_cpu(u32 c, u64 end)
{
	struct trace_ring *ring = &trace_rings[c];
	u64 next = ring->start, lost = 0, shown = 0;
	struct trace_record recs[TRACE_PER_LINE];
	char line[TRACE_LINE_MAX];

	if (end - next > TRACE_RING_RECORDS) {
		lost = end - next - TRACE_RING_RECORDS; /* overwritten before the dump began */
		next = end - TRACE_RING_RECORDS;
	}
	while (next < end) {
		u32 got = trace_copy(c, &next, end, recs, &lost);
		u32 len;

		if (!got)
			continue;
		len = (u32)format(line, sizeof(line), "trace: c%u ", c);
		len += trace_hex(line + len, recs, got * (u32)sizeof(recs[0]));
		len += (u32)format(line + len, sizeof(line) - len, " %08x", crc32(recs, got * sizeof(recs[0])));
		console_keel_line(line, len);
		shown += got;
	}
	ring->start = MAX(ring->start, end);
	ring->lost += lost;
	if (shown || lost)
		klog("trace: cpu %u: %lu records shown, %lu lost (overwritten before they were shown)", c, shown, lost);
	return shown;
}

/* The header: what the tool needs to read the records (events by number, VMs by index, the clock). */
static void trace_dump_header(void)
{
	char line[TRACE_LINE_MAX];
	u32 len = (u32)format(line, sizeof(line), "trace: begin v1 freq %lu cpus %u events ", arch_counter_freq(),
			      platform.nr_cpus);

	for (u32 e = 0; e < TRACE_NR_EVENTS; e++)
		len += (u32)format(line + len, sizeof(line) - len, "%s%s", e ? "," : "", trace_event_names[e]);
	console_keel_line(line, MIN(len, (u32)sizeof(line) - 1));
	for (u32 i = 0; i < nr_vms; i++)
		klog("trace: vm %u %s %u", i, vms[i].name, vms[i].nr_vcpus);
}

/*
 * Every ring up to where it was when the dump began, so that all CPUs' records
 * end at one moment. The trace pauses meanwhile: a full dump takes about half
 * a second of console output under TCG, in which a busy CPU would overwrite
 * the records still to be shown. (A record begun before the pause is safe
 * too: trace_copy() drops what its writer may have touched.)
 */
static void trace_dump_once(void)
{
	u64 ends[PLAT_MAX_CPUS], shown = 0;
	u32 nr = MIN(platform.nr_cpus, (u32)PLAT_MAX_CPUS), was = __atomic_exchange_n(&trace_enabled, 0u, __ATOMIC_ACQ_REL);

	for (u32 c = 0; c < nr; c++)
		ends[c] = __atomic_load_n(&trace_rings[c].head, __ATOMIC_ACQUIRE);
	trace_dump_header();
	for (u32 c = 0; c < nr; c++)
		shown += trace_dump_cpu(c, ends[c]);
	klog("trace: end %lu records", shown);
	if (was) {
		u32 off = 0;

		/* On again, unless Ctrl-A t switched it on (emptied) meanwhile. */
		__atomic_compare_exchange_n(&trace_enabled, &off, was, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
}

/* Dump, or have the dump running on another CPU go once more; wait: until that is done too. */
static void trace_dump_or_ask(bool wait)
{
	u32 asks;

	if (__atomic_fetch_add(&trace_dump_asks, 1, __ATOMIC_ACQ_REL)) {
		while (wait && __atomic_load_n(&trace_dump_asks, __ATOMIC_ACQUIRE))
			;
		return;
	}
	do {
		asks = __atomic_load_n(&trace_dump_asks, __ATOMIC_ACQUIRE);
		trace_dump_once();
	} while (!__atomic_compare_exchange_n(&trace_dump_asks, &asks, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

void trace_dump(void)
{
	trace_dump_or_ask(false);
}

void trace_vm_stopped(const struct vm *vm)
{
	trace_vm(TRACE_VM_STOP, vm, 0, 0);
	/* Waits for a dump another CPU is making: the machine may power off right after this returns. */
	if (trace_dump_on_stop && trace_enabled)
		trace_dump_or_ask(true);
}

void trace_console_key(u8 key)
{
	if (key == 't') {
		trace_set(!trace_enabled);
		klog("trace: %s (Ctrl-A d dumps it)", trace_enabled ? "on, rings emptied" : "off");
	} else if (key == 'd') {
		trace_dump();
	}
}
