/*
 * Host tests of the EL2 event trace (core/trace.c): the record layout the
 * dump shows byte for byte (what tools/keeltrace reads), one ring per CPU,
 * the ring keeping the newest records when it wraps, nothing recorded while
 * off, each dump starting where the last one ended, and a dump that reads a
 * ring while its owner overwrites it (another CPU, played here from inside
 * the console sink) dropping exactly the records it could have torn. The
 * dump is read back from the console lines it printed, as the tool does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/guest.h>
#include <keel/console.h>
#include <keel/crc32.h>
#include <keel/log.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

#define MAX_LINES 8192
#define MAX_RECS (8 * TRACE_RING_RECORDS)

struct vm vms[KEEL_MAX_VMS];
u32 nr_vms;

static u32 cpu_now; /* arch_cpu_index() */
static u64 clock_now; /* arch_counter(): advances by 1 per read */
static u64 esr_now;
static char *lines[MAX_LINES];
static u32 nr_lines;
/*
 * A CPU that goes on recording while the dump prints: after `at` lines,
 * `count` records on cpu `cpu`, through the trace point (checked) or
 * straight into the ring.
 */
static struct {
	u32 at, cpu, count;
	bool checked, done;
} writer;

u32 arch_cpu_index(void)
{
	return cpu_now;
}

u64 arch_counter(void)
{
	return ++clock_now;
}

u64 arch_counter_freq(void)
{
	return 62500000;
}

void arch_exit_syndrome(struct exit_syndrome *s)
{
	*s = (struct exit_syndrome){ .esr = esr_now, .far = 1, .hpfar = 2 };
}

static void record_n(u32 cpu, u32 n, u64 first_seq);
static void record_n_unchecked(u32 cpu, u32 n, u64 first_seq);

void console_keel_line(const char *text, u32 len)
{
	assert_true(nr_lines < MAX_LINES);
	assert_true(len < CONSOLE_LINE_MAX);
	lines[nr_lines] = strndup(text, len);
	nr_lines++;
	if (writer.count && !writer.done && nr_lines == writer.at) {
		u32 saved = cpu_now;

		writer.done = true;
		if (writer.checked)
			record_n(writer.cpu, writer.count, 1000000);
		else
			record_n_unchecked(writer.cpu, writer.count, 1000000);
		cpu_now = saved;
	}
}

void klog(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_keel_line(buf, (u32)n);
}

/* What the dump showed, parsed as tools/keeltrace does. */
struct parsed {
	u32 cpu[MAX_RECS];
	struct trace_record rec[MAX_RECS];
	u32 n;
	u64 end_count; /* from "trace: end N records", ~0 if none */
	u64 lost[8];
	bool header;
};
static struct parsed got;

static u8 hexval(char c)
{
	return (u8)(c <= '9' ? c - '0' : c - 'a' + 10);
}

static void parse_data_line(const char *l)
{
	u32 cpu, crc;
	const char *hex, *space;
	u8 bytes[3 * sizeof(struct trace_record)];
	size_t nbytes;

	assert_int_equal(sscanf(l, "trace: c%u ", &cpu), 1);
	hex = strchr(l + 7, ' ') + 1;
	space = strchr(hex, ' ');
	assert_non_null(space);
	nbytes = (size_t)(space - hex) / 2;
	assert_int_equal(nbytes % sizeof(struct trace_record), 0);
	assert_true(nbytes <= sizeof(bytes));
	for (size_t i = 0; i < nbytes; i++)
		bytes[i] = (u8)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	assert_int_equal(sscanf(space + 1, "%x", &crc), 1);
	assert_int_equal(crc, crc32(bytes, nbytes));
	for (size_t i = 0; i < nbytes / sizeof(struct trace_record); i++) {
		assert_true(got.n < MAX_RECS);
		got.cpu[got.n] = cpu;
		memcpy(&got.rec[got.n++], bytes + i * sizeof(struct trace_record), sizeof(struct trace_record));
	}
}

static void parse_dump(void)
{
	memset(&got, 0, sizeof(got));
	got.end_count = ~0ull;
	for (u32 i = 0; i < nr_lines; i++) {
		const char *l = lines[i];
		unsigned long long a, b;
		u32 c;

		if (!strncmp(l, "trace: begin ", 13))
			got.header = true;
		else if (!strncmp(l, "trace: c", 8) && l[8] >= '0' && l[8] <= '9')
			parse_data_line(l);
		else if (sscanf(l, "trace: cpu %u: %llu records shown, %llu lost", &c, &a, &b) == 3)
			got.lost[c] = b;
		else if (sscanf(l, "trace: end %llu records", &a) == 1)
			got.end_count = a;
	}
}

static void clear_lines(void)
{
	for (u32 i = 0; i < nr_lines; i++)
		free(lines[i]);
	nr_lines = 0;
}

static struct vcpu *vcpu_of(u32 vm, u32 index)
{
	return &vms[vm].vcpus[index];
}

/* n records on cpu, TRACE_IPC_SEND with arg0 = arg1 = a sequence number (a torn copy would mix two). */
static void record_n(u32 cpu, u32 n, u64 first_seq)
{
	cpu_now = cpu;
	for (u32 i = 0; i < n; i++)
		trace_vcpu(TRACE_IPC_SEND, vcpu_of(1, 0), 7, first_seq + i, first_seq + i);
}

/* The same straight through trace_record(): a CPU that saw the trace on before a dump paused it. */
static void record_n_unchecked(u32 cpu, u32 n, u64 first_seq)
{
	cpu_now = cpu;
	for (u32 i = 0; i < n; i++)
		trace_record(TRACE_IPC_SEND, vcpu_of(1, 0), 7, first_seq + i, first_seq + i);
}

static int setup(void **state)
{
	(void)state;
	nr_vms = 2;
	for (u32 v = 0; v < nr_vms; v++) {
		vms[v].index = v;
		vms[v].nr_vcpus = 2;
		snprintf(vms[v].name, sizeof(vms[v].name), "vm%u", v);
		for (u32 i = 0; i < 2; i++) {
			vms[v].vcpus[i].vm = &vms[v];
			vms[v].vcpus[i].index = i;
		}
	}
	cpu_now = 0;
	writer.count = 0;
	writer.done = false;
	trace_set(false);
	trace_dump(); /* forget what earlier tests left */
	clear_lines();
	trace_set(true);
	clear_lines();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clear_lines();
	return 0;
}

/* The dump's bytes are the struct's: time, event, vm, vcpu, sub, two arguments, little-endian. */
static void test_record_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct trace_record), 32);
	assert_int_equal(offsetof(struct trace_record, time), 0);
	assert_int_equal(offsetof(struct trace_record, event), 8);
	assert_int_equal(offsetof(struct trace_record, vm), 10);
	assert_int_equal(offsetof(struct trace_record, vcpu), 11);
	assert_int_equal(offsetof(struct trace_record, sub), 12);
	assert_int_equal(offsetof(struct trace_record, arg), 16);

	clock_now = 0x1122334455667700ull;
	trace_vcpu(TRACE_VIRQ, vcpu_of(1, 1), 27, 0xa0a0a0a0b0b0b0b0ull, 3);
	trace_dump();
	parse_dump();
	assert_true(got.header);
	/* The TRACE_ON record trace_set made, then this one. */
	assert_int_equal(got.n, 2);
	assert_int_equal(got.rec[0].event, TRACE_ON);
	assert_int_equal(got.rec[0].vm, TRACE_NO_VM);
	assert_int_equal(got.rec[1].time, 0x1122334455667701ull);
	assert_int_equal(got.rec[1].event, TRACE_VIRQ);
	assert_int_equal(got.rec[1].vm, 1);
	assert_int_equal(got.rec[1].vcpu, 1);
	assert_int_equal(got.rec[1].sub, 27);
	assert_int_equal(got.rec[1].arg[0], 0xa0a0a0a0b0b0b0b0ull);
	assert_int_equal(got.rec[1].arg[1], 3);
	assert_int_equal(got.end_count, 2);
}

/* The header names the events in enum order: the tool maps numbers to names from it. */
static void test_header_names_events_and_vms(void **state)
{
	const char *events = NULL;
	bool vm1 = false;

	(void)state;
	trace_dump();
	for (u32 i = 0; i < nr_lines; i++) {
		if (!strncmp(lines[i], "trace: begin v1 freq 62500000 cpus 4 events ", 44))
			events = lines[i] + 44;
		vm1 |= !strcmp(lines[i], "trace: vm 1 vm1 2");
	}
	assert_non_null(events);
	assert_true(vm1);
	assert_string_equal(events, "none,exit,virq,in,out,budget-exhausted,budget-replenished,ipc-call,ipc-send,"
				    "ipc-reply,checkpoint-start,checkpoint-end,vm-stop,trace-on");
}

static void test_off_records_nothing(void **state)
{
	(void)state;
	trace_set(false);
	record_n(0, 10, 1);
	trace_exit(vcpu_of(0, 0), EXIT_IRQ);
	trace_vm(TRACE_VM_STOP, &vms[0], 0, 0);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 1); /* only the TRACE_ON from setup */
	assert_int_equal(got.rec[0].event, TRACE_ON);
}

/* Switching on again starts an empty trace: what was recorded before is not dumped. */
static void test_on_starts_empty(void **state)
{
	(void)state;
	record_n(0, 5, 1);
	trace_set(false);
	trace_set(true);
	record_n(0, 2, 100);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 3);
	assert_int_equal(got.rec[0].event, TRACE_ON);
	assert_int_equal(got.rec[1].arg[0], 100);
	assert_int_equal(got.rec[2].arg[0], 101);
}

/* Each CPU writes its own ring: records come back under their CPU, in order, none mixed up. */
static void test_per_cpu_rings(void **state)
{
	u32 on[4] = { 0 };

	(void)state;
	record_n(2, 5, 200);
	record_n(1, 3, 100);
	record_n(2, 2, 205);
	trace_dump();
	parse_dump();
	for (u32 i = 0; i < got.n; i++) {
		if (got.rec[i].event != TRACE_IPC_SEND)
			continue;
		assert_int_equal(got.rec[i].arg[0], (got.cpu[i] == 1 ? 100 : 200) + on[got.cpu[i]]);
		on[got.cpu[i]]++;
	}
	assert_int_equal(on[0], 0);
	assert_int_equal(on[1], 3);
	assert_int_equal(on[2], 7);
	assert_int_equal(on[3], 0);
}

/* A full ring overwrites its oldest: the dump shows the newest TRACE_RING_RECORDS and says how many were lost. */
static void test_wrap_keeps_newest(void **state)
{
	u32 extra = 37;

	(void)state;
	record_n(3, TRACE_RING_RECORDS + extra, 1);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, TRACE_RING_RECORDS + 1); /* cpu 0's TRACE_ON too */
	assert_int_equal(got.lost[3], extra);
	for (u32 i = 0, k = 0; i < got.n; i++)
		if (got.cpu[i] == 3)
			assert_int_equal(got.rec[i].arg[0], 1 + extra + k++);
	assert_int_equal(got.end_count, TRACE_RING_RECORDS + 1);
}

/* A dump starts where the last one ended: a log with several dumps holds each record once. */
static void test_dumps_continue(void **state)
{
	(void)state;
	record_n(1, 4, 10);
	trace_dump();
	clear_lines();
	record_n(1, 2, 20);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 2);
	assert_int_equal(got.rec[0].arg[0], 20);
	assert_int_equal(got.rec[1].arg[0], 21);
	clear_lines();
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 0);
	assert_int_equal(got.end_count, 0);
}

/*
 * The owner of ring 1 writes half a ring's worth while the dump is partway
 * through it, straight into the ring as a CPU that passed its trace point
 * just before the dump paused the trace could: every record shown must be
 * whole (arg0 == arg1), in order, each once, and shown + lost must account
 * for every record written.
 */
static void test_dump_while_owner_writes(void **state)
{
	u64 last = 0, shown = 0;

	(void)state;
	record_n(1, TRACE_RING_RECORDS, 1);
	writer = (typeof(writer)){ .at = 100, .cpu = 1, .count = TRACE_RING_RECORDS / 2 };
	trace_dump();
	assert_true(writer.done);
	parse_dump();
	for (u32 i = 0; i < got.n; i++) {
		if (got.cpu[i] != 1)
			continue;
		assert_int_equal(got.rec[i].arg[0], got.rec[i].arg[1]);
		assert_true(got.rec[i].arg[0] > last);
		/* What the dump began with is older than anything the writer added meanwhile. */
		assert_true(got.rec[i].arg[0] <= TRACE_RING_RECORDS);
		last = got.rec[i].arg[0];
		shown++;
	}
	assert_true(got.lost[1] > 0);
	assert_int_equal(shown + got.lost[1], TRACE_RING_RECORDS);
	/* The records written during the dump come in the next one, all of them. */
	clear_lines();
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, TRACE_RING_RECORDS / 2);
	assert_int_equal(got.rec[0].arg[0], 1000000);
}

/* The trace pauses while a dump prints: trace points record nothing meanwhile, and it is on again after. */
static void test_dump_pauses_trace(void **state)
{
	(void)state;
	record_n(2, 10, 1);
	writer = (typeof(writer)){ .at = 4, .cpu = 2, .count = 50, .checked = true };
	trace_dump();
	assert_true(writer.done);
	parse_dump();
	assert_int_equal(got.n, 11);
	assert_int_equal(got.lost[2], 0);
	assert_true(trace_on());
	clear_lines();
	record_n(2, 1, 500);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 1); /* the 50 tried during the dump were not recorded */
	assert_int_equal(got.rec[0].arg[0], 500);
}

/* An exit records its reason, the syndrome of a synchronous one and the guest PC. */
static void test_exit_and_vm_records(void **state)
{
	struct vcpu *v = vcpu_of(1, 1);

	(void)state;
	v->regs.pc = 0x40001000;
	esr_now = 0x5a000000;
	trace_exit(v, EXIT_SYNC);
	trace_exit(v, EXIT_IRQ);
	trace_vm(TRACE_CHECKPOINT_END, &vms[0], 12, 34);
	v->sched.budget = 500;
	v->sched.remaining = 300;
	trace_switch_out(v, 299); /* budget left */
	trace_switch_out(v, 300); /* used up */
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 7);
	assert_int_equal(got.rec[1].event, TRACE_EXIT);
	assert_int_equal(got.rec[1].sub, EXIT_SYNC);
	assert_int_equal(got.rec[1].arg[0], 0x5a000000);
	assert_int_equal(got.rec[1].arg[1], 0x40001000);
	assert_int_equal(got.rec[2].sub, EXIT_IRQ);
	assert_int_equal(got.rec[2].arg[0], 0);
	assert_int_equal(got.rec[3].event, TRACE_CHECKPOINT_END);
	assert_int_equal(got.rec[3].vm, 0);
	assert_int_equal(got.rec[3].vcpu, TRACE_NO_VCPU);
	assert_int_equal(got.rec[3].arg[0], 12);
	assert_int_equal(got.rec[4].event, TRACE_SWITCH_OUT);
	assert_int_equal(got.rec[4].arg[0], 299);
	assert_int_equal(got.rec[5].event, TRACE_SWITCH_OUT);
	assert_int_equal(got.rec[6].event, TRACE_BUDGET_EXHAUSTED);
	assert_int_equal(got.rec[6].vm, 1);
	assert_int_equal(got.rec[6].vcpu, 1);
	assert_int_equal(got.rec[6].arg[0], 500);
}

/* A replenishment is recorded for each budgeted vCPU whose period has ended, found from its entity. */
static void test_replenishments(void **state)
{
	struct sched_entity *es[3] = { &vcpu_of(0, 0)->sched, &vcpu_of(0, 1)->sched, &vcpu_of(1, 1)->sched };

	(void)state;
	*es[0] = (struct sched_entity){ .budget = 30, .period = 100, .period_start = 0 }; /* ended at 100 */
	*es[1] = (struct sched_entity){ .budget = 30, .period = 100, .period_start = 50 }; /* ends at 150 */
	*es[2] = (struct sched_entity){ .budget = 0, .period = 0 }; /* background: no budget */
	trace_replenishments(es, 3, 120);
	trace_dump();
	parse_dump();
	assert_int_equal(got.n, 2);
	assert_int_equal(got.rec[1].event, TRACE_BUDGET_REPLENISHED);
	assert_int_equal(got.rec[1].vm, 0);
	assert_int_equal(got.rec[1].vcpu, 0);
	assert_int_equal(got.rec[1].arg[0], 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_names_events_and_vms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_records_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_starts_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_cpu_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_keeps_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dumps_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_while_owner_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_pauses_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_and_vm_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replenishments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
