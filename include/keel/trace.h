/*
 * The EL2 event trace: one ring of fixed-size records per physical CPU,
 * written only by its own CPU (no lock), read by whoever dumps it. Always
 * compiled in, off until switched on (a `trace;` property at the root of the
 * configuration, or Ctrl-A t on the console). A trace point is one line in
 * the code it watches, a call of one of the inline hooks below: while the
 * trace is off it costs a load of trace_enabled and a branch predicted not
 * taken, and the record itself is made out of line (core/trace.c).
 *
 * The ring keeps the newest records: a record overwrites the oldest once the
 * ring is full, and the dump says how many were lost. A dump (on the console,
 * docs/trace.md) then shows what led up to the moment of interest (a VM's
 * stop, a key pressed, a failure), which a ring that stops when full would
 * have long thrown away. The layout of a record is what tools/keeltrace
 * reads: change both together (tests/unit/test_trace.c pins it).
 */
#ifndef KEEL_TRACE_H
#define KEEL_TRACE_H

#include <keel/types.h>

/* What a record says happened; the dump names them in this order (trace_event_names in core/trace.c). */
enum trace_event {
	TRACE_NONE = 0,
	TRACE_EXIT = 1, /* sub: enum exit_reason; arg0: ESR_EL2 of a synchronous exit, else 0; arg1: guest PC */
	TRACE_VIRQ = 2, /* sub: INTID put in a list register; arg0: the ICH_LR<n>_EL2 value; arg1: n */
	TRACE_SWITCH_IN = 3, /* the vCPU starts running; arg0: budget left (ticks, 0 if background) */
	TRACE_SWITCH_OUT = 4, /* it stops, back to the scheduler; arg0: ticks it ran */
	TRACE_BUDGET_EXHAUSTED = 5, /* arg0: its budget per period (ticks); arg1: its period's start */
	TRACE_BUDGET_REPLENISHED = 6, /* arg0: the budget restored (ticks); arg1: the ended period's start */
	TRACE_IPC_CALL = 7, /* sub: the caller's slot; arg0: x2 (the first message word) */
	TRACE_IPC_SEND = 8, /* as CALL */
	TRACE_IPC_REPLY = 9, /* a reply-and-receive by the server; sub: its slot; arg0: x2 */
	TRACE_CHECKPOINT_START = 10, /* vcpu: TRACE_NO_VCPU (a VM event) */
	TRACE_CHECKPOINT_END = 11, /* arg0: pages copied; arg1: ticks the copy took */
	TRACE_VM_STOP = 12, /* the VM powered off (every vCPU parked) */
	TRACE_ON = 13, /* the trace was switched on; vm, vcpu: none */
	TRACE_NR_EVENTS
};

#define TRACE_NO_VM 0xffu
#define TRACE_NO_VCPU 0xffu
#define TRACE_RING_RECORDS 2048u /* per physical CPU: 64 KiB each */

/* One event: 32 bytes, little-endian, as the dump shows it byte for byte. */
struct trace_record {
	u64 time; /* arch_counter() ticks (the generic timer, CNTVOFF 0: the physical count) */
	u16 event; /* enum trace_event */
	u8 vm; /* VM index, TRACE_NO_VM */
	u8 vcpu; /* vCPU index within the VM, TRACE_NO_VCPU */
	u32 sub; /* a small event-specific argument (see enum trace_event) */
	u64 arg[2];
};
_Static_assert(sizeof(struct trace_record) == 32, "struct trace_record is 32 bytes: tools/keeltrace reads it so");

struct vcpu;
struct vm;
struct sched_entity;

/*
 * Non-zero while the trace is on. Written by trace_set() (any CPU), read by
 * every trace point without ordering: a CPU that sees the change a little
 * late records a few events more or fewer, which is all "switched off" means.
 * A word read through a volatile pointer: the compiler makes that an ADRP,
 * an LDR and a CBNZ, three instructions (a bool, or an atomic load, costs
 * five: the address is not folded into the load, the byte is tested apart).
 */
extern u32 trace_enabled;

#if defined(KEEL_HOST_TEST) && !defined(KEEL_TRACE_LINKED)
/* Host tests of the modules the trace watches link no trace: their trace points compile to nothing. */
static inline bool trace_on(void)
{
	return false;
}
static inline void trace_record(u32 event, const struct vcpu *vcpu, u32 sub, u64 arg0, u64 arg1)
{
	(void)event, (void)vcpu, (void)sub, (void)arg0, (void)arg1;
}
static inline void trace_record_exit(const struct vcpu *vcpu, u32 reason)
{
	(void)vcpu, (void)reason;
}
static inline void trace_record_vm(u32 event, const struct vm *vm, u64 arg0, u64 arg1)
{
	(void)event, (void)vm, (void)arg0, (void)arg1;
}
static inline void trace_record_switch_out(const struct vcpu *vcpu, u64 ran)
{
	(void)vcpu, (void)ran;
}
static inline void trace_record_replenishments(struct sched_entity *const *es, u32 n, u64 now)
{
	(void)es, (void)n, (void)now;
}
static inline void trace_vm_stopped(const struct vm *vm)
{
	(void)vm;
}
static inline void trace_console_key(u8 key)
{
	(void)key;
}
#else
static inline bool trace_on(void)
{
	return __builtin_expect(*(volatile u32 *)&trace_enabled != 0, 0);
}

/*
 * Append one record to this CPU's ring (vcpu NULL: no VM). Called only
 * through the hooks below, with the trace on, from any context on the
 * calling CPU that cannot be interrupted by another trace point (Keel runs
 * with interrupts masked).
 */
void trace_record(u32 event, const struct vcpu *vcpu, u32 sub, u64 arg0, u64 arg1);
/* TRACE_EXIT for vcpu's exit of the given reason, its syndrome read here. */
void trace_record_exit(const struct vcpu *vcpu, u32 reason);
/* A VM event (no vCPU). */
void trace_record_vm(u32 event, const struct vm *vm, u64 arg0, u64 arg1);
/*
 * TRACE_SWITCH_OUT for vcpu after it ran `ran` ticks, and TRACE_BUDGET_EXHAUSTED
 * if charging it that much will use up its budget (sched_charge()).
 */
void trace_record_switch_out(const struct vcpu *vcpu, u64 ran);
/*
 * TRACE_BUDGET_REPLENISHED for each of the n entities (struct vcpu.sched)
 * whose period has ended at now: those sched_replenish() will restore in
 * the fixed-priority decision about to be made. The budget points stay out
 * of the policy functions: a call there makes them save registers (about 30
 * instructions per VM switch) even with the trace off.
 */
void trace_record_replenishments(struct sched_entity *const *es, u32 n, u64 now);
/* The VM has stopped: record it, and dump if the configuration asked for dumps. */
void trace_vm_stopped(const struct vm *vm);
/* Console keys: 't' switches the trace on or off, 'd' dumps it. */
void trace_console_key(u8 key);
#endif

/* The trace points: one line each where the event happens. */
static inline void trace_vcpu(u32 event, const struct vcpu *vcpu, u32 sub, u64 arg0, u64 arg1)
{
	if (trace_on())
		trace_record(event, vcpu, sub, arg0, arg1);
}

static inline void trace_exit(const struct vcpu *vcpu, u32 reason)
{
	if (trace_on())
		trace_record_exit(vcpu, reason);
}

static inline void trace_vm(u32 event, const struct vm *vm, u64 arg0, u64 arg1)
{
	if (trace_on())
		trace_record_vm(event, vm, arg0, arg1);
}

static inline void trace_switch_out(const struct vcpu *vcpu, u64 ran)
{
	if (trace_on())
		trace_record_switch_out(vcpu, ran);
}

static inline void trace_replenishments(struct sched_entity *const *es, u32 n, u64 now)
{
	if (trace_on())
		trace_record_replenishments(es, n, now);
}

/*
 * Boot, on CPU 0 before any VM runs: switch the trace on if the
 * configuration asks for it (KEEL_BLOB_FLAG_TRACE); it is then dumped each
 * time a VM stops.
 */
void trace_boot(bool on);
/* Switch the trace on (its rings start empty) or off. Any CPU. */
void trace_set(bool on);
/*
 * Print every CPU's records since the last dump (or since the trace was
 * switched on) on the console, then start the next dump after them. Any
 * CPU, while the others go on recording; not reentrant (the console's
 * input lock or the VM's stop serialises callers).
 */
void trace_dump(void);

#endif
