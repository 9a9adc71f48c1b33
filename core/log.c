/*
 * Keel's own messages (klog), messages about a VM (vm_log) and panic().
 * Each formats into a buffer on the stack and hands the finished line to
 * console_write_line(), so a message is one atomic line on the console.
 * Lines longer than LOG_LINE_MAX are cut. vm_log is rate-limited per VM: a
 * guest that provokes a message in a loop gets LOG_VM_BURST lines, then one
 * "further messages suppressed" line, then silence until a second has passed
 * since the burst began.
 *
 * Lock: log_lock protects the rate-limit counters only and is never held
 * while printing.
 */
#include <keel/arch/cpu.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#define LOG_LINE_MAX 256
#define LOG_VM_BURST 20

struct vm_log_limit {
	u64 window_start; /* counter value when the current one-second window began */
	u32 count; /* lines in the window, LOG_VM_BURST + 1 once the note is out */
};

static struct spinlock log_lock = SPINLOCK_INIT; /* a leaf: include/keel/locking.h */
static struct vm_log_limit vm_log_limits[KEEL_MAX_VMS]; /* by vm->index, under log_lock */
static bool panicking[PLAT_MAX_CPUS]; /* by CPU index, each written by its own CPU */

/* Emit buf[0..n) (n as vformat returned it) as one "[keel]" line. */
static void log_emit(const char *buf, int n)
{
	u32 len = n < 0 ? 0 : (u32)MIN(n, LOG_LINE_MAX - 1);

	/* The console ends the line; a message's own trailing newlines would double it. */
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	console_write_line("keel", buf, len);
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

static enum log_verdict vm_log_allow(const struct vm *vm)
{
	struct vm_log_limit *l;
	u64 now = arch_counter(), freq = arch_counter_freq();
	enum log_verdict v;

	if (vm->index >= KEEL_MAX_VMS)
		return LOG_PRINT;
	l = &vm_log_limits[vm->index];
	spin_lock(&log_lock);
	if (now - l->window_start >= freq) {
		l->window_start = now;
		l->count = 0;
	}
	if (l->count < LOG_VM_BURST)
		v = LOG_PRINT;
	else if (l->count == LOG_VM_BURST)
		v = LOG_NOTE_SUPPRESSED;
	else
		v = LOG_DROP;
	if (v != LOG_DROP)
		l->count++;
	spin_unlock(&log_lock);
	return v;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	va_list ap;
	int n;

	switch (vm_log_allow(vm)) {
	case LOG_DROP:
		return;
	case LOG_NOTE_SUPPRESSED:
		n = format(buf, sizeof(buf), "vm %s: further messages suppressed", vm->name);
		log_emit(buf, n);
		return;
	case LOG_PRINT:
		break;
	}
	n = format(buf, sizeof(buf), "vm %s: ", vm->name);
	if (n < 0 || n >= LOG_LINE_MAX)
		n = 0;
	va_start(ap, fmt);
	n += vformat(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	log_emit(buf, n);
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
	log_emit(buf, n);
	arch_panic_dump();
	arch_halt();
}
