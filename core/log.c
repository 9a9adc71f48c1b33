/*
 * Keel's own messages (klog), messages about a VM (vm_log and
 * vm_log_lifecycle) and panic(). Each formats into a buffer on the stack and
 * hands the finished line to the console (console_keel_line, or
 * console_panic_line, which does not wait), so a message is one atomic line.
 * Lines longer than LOG_LINE_MAX are cut.
 *
 * vm_log is rate-limited per VM: a guest that provokes a message in a loop
 * gets LOG_VM_BURST lines, then one "further messages suppressed" line, then
 * silence until a second has passed since the burst began; the first line
 * after that says how many were suppressed. vm_log_lifecycle (start, reset,
 * power off, stop) is never limited and is not counted, so a guest cannot
 * hide its own reset or power-off by first provoking a burst of aborts; it
 * also reports the suppressed count so far, so the record stays complete.
 *
 * Lock: log_lock protects the rate-limit counters only and is never held
 * while printing.
 */
#include <keel/arch/cpu.h>
#include <keel/console.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/vm.h>

#define LOG_LINE_MAX 256
#define LOG_VM_BURST 20

struct vm_log_limit {
	u64 window_start; /* counter value when the current one-second window began */
	u32 count; /* lines in the window, LOG_VM_BURST + 1 once the note is out */
	u32 suppressed; /* lines dropped and not yet reported */
};

static struct spinlock log_lock = SPINLOCK_INIT; /* a leaf: include/keel/locking.h */
static struct vm_log_limit vm_log_limits[KEEL_MAX_VMS]; /* by vm->index, under log_lock */
static bool panicking[PLAT_MAX_CPUS]; /* by CPU index, each written by its own CPU */

/* The length of buf[0..n) (n as vformat returned it) as a line: bounded, no trailing newlines. */
static u32 log_line_len(const char *buf, int n)
{
	u32 len = n < 0 ? 0 : (u32)MIN(n, LOG_LINE_MAX - 1);

	/* The console ends the line; a message's own trailing newlines would double it. */
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	return len;
}

static void log_emit(const char *buf, int n)
{
	console_keel_line(buf, log_line_len(buf, n));
}

void klog(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_emit(buf, n);
}

enum log_verdict { LOG_PRINT, LOG_NOTE_SUPPRESSED, LOG_DROP };

/* Count one vm_log line against the VM's budget; *ended is the suppressed count to report first. */
static enum log_verdict vm_log_allow(const struct vm *vm, u32 *ended)
{
	struct vm_log_limit *l;
	u64 now = arch_counter(), freq = arch_counter_freq();
	enum log_verdict v;

	*ended = 0;
	if (vm->index >= KEEL_MAX_VMS)
		return LOG_PRINT;
	l = &vm_log_limits[vm->index];
	spin_lock(&log_lock);
	if (now - l->window_start >= freq) {
		l->window_start = now;
		l->count = 0;
		*ended = l->suppressed;
		l->suppressed = 0;
	}
	if (l->count < LOG_VM_BURST)
		v = LOG_PRINT;
	else if (l->count == LOG_VM_BURST)
		v = LOG_NOTE_SUPPRESSED;
	else
		v = LOG_DROP;
	if (v != LOG_DROP)
		l->count++;
	else
		l->suppressed++;
	spin_unlock(&log_lock);
	return v;
}

/* The suppressed count not yet reported, now reported (lifecycle lines); 0 if none. */
static u32 vm_log_take_suppressed(const struct vm *vm)
{
	u32 n;

	if (vm->index >= KEEL_MAX_VMS)
		return 0;
	spin_lock(&log_lock);
	n = vm_log_limits[vm->index].suppressed;
	vm_log_limits[vm->index].suppressed = 0;
	spin_unlock(&log_lock);
	return n;
}

static void vm_log_note_suppressed(const struct vm *vm, u32 n)
{
	char buf[LOG_LINE_MAX];

	log_emit(buf, format(buf, sizeof(buf), "vm %s: %u messages were suppressed", vm->name, n));
}

/* Print "vm NAME: " and the message. */
static void vm_log_print(const struct vm *vm, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	int n;

	n = format(buf, sizeof(buf), "vm %s: ", vm->name);
	if (n < 0 || n >= LOG_LINE_MAX)
		n = 0;
	n += vformat(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	log_emit(buf, n);
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	u32 ended;

	switch (vm_log_allow(vm, &ended)) {
	case LOG_DROP:
		return;
	case LOG_NOTE_SUPPRESSED:
		log_emit(buf, format(buf, sizeof(buf), "vm %s: further messages suppressed", vm->name));
		return;
	case LOG_PRINT:
		break;
	}
	if (ended)
		vm_log_note_suppressed(vm, ended);
	va_start(ap, fmt);
	vm_log_print(vm, fmt, ap);
	va_end(ap);
}

void vm_log_lifecycle(struct vm *vm, const char *fmt, ...)
{
	u32 suppressed = vm_log_take_suppressed(vm);
	va_list ap;

	if (suppressed)
		vm_log_note_suppressed(vm, suppressed);
	va_start(ap, fmt);
	vm_log_print(vm, fmt, ap);
	va_end(ap);
}

/* The canary the compiler checks on return (-fstack-protector); set in arch/aarch64/head.S. */
u64 __stack_chk_guard;
void __stack_chk_fail(void) __attribute__((noreturn));

void __stack_chk_fail(void)
{
	panic("stack canary overwritten in a function called from %p", __builtin_return_address(0));
}

void panic(const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	u32 cpu = arch_cpu_index();
	va_list ap;
	int n;

	/* A panic while panicking (say, in arch_panic_dump) would loop: just stop. */
	if (cpu < PLAT_MAX_CPUS) {
		if (panicking[cpu])
			arch_halt();
		panicking[cpu] = true;
	}
	n = format(buf, sizeof(buf), "PANIC on CPU %u: ", cpu);
	va_start(ap, fmt);
	n += vformat(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	console_panic_line(buf, log_line_len(buf, n));
	arch_panic_dump();
	arch_halt();
}
