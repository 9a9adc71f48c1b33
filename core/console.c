/*
 * The physical console, shared by every VM and by Keel itself.
 *
 * Output. What a VM writes goes first into its own ring (console_rings[],
 * CONSOLE_RING_SIZE bytes each, static), made harmless on the way in:
 * control characters (C0 except TAB and LF, a CR not followed by LF, DEL)
 * become "^X" text and bytes from 0x80 up (C1 controls, and so also UTF-8)
 * become "\xNN" text, so nothing a VM prints can move the cursor, clear the
 * line or start a line of its own: every console line starts with a prefix
 * Keel printed. What does not fit in the ring is dropped and counted, and
 * the count is reported once the ring has drained ("N bytes of console
 * output dropped"); a writer never waits for ring space.
 *
 * The CPU that wrote then prints its own VM's items, one at a time under
 * console_out_lock: a line, or a piece of at most CONSOLE_LINE_MAX bytes of
 * a longer one, until its output is out. It never prints another VM's.
 * Why there and not in an idle loop or the UART's TX interrupt: a VM pays
 * for its own output with its own vCPU's time (and so is slowed to the
 * UART's pace when it floods), the output appears before the guest goes on,
 * and nothing has to remember to drain later. The bounds: the lock is held
 * for one item (at most CONSOLE_LINE_MAX + a prefix + a mark) and is a
 * ticket lock, so a waiting CPU gets it after at most one item per other
 * CPU ahead of it: a VM that prints without end delays another VM's line
 * by at most one of its items per CPU it prints from, and never makes
 * another CPU print its output; Keel's own lines skip the rings and wait
 * only for the lock. (The vUART calls in with its VM's vuart.lock
 * held: only that VM's own vCPUs and keyboard input to it wait on that.) A line longer than CONSOLE_LINE_MAX is not cut: its pieces
 * continue one console line unless another line comes between, in which
 * case the open line ends with CONSOLE_CONT_MARK and the rest follows on a
 * new line with the same prefix.
 *
 * Input is multiplexed: each byte read from the UART goes to the receive
 * FIFO of the VM that has the focus (VM 0 at boot). Ctrl-A starts an
 * escape, and the next byte says what to do with it:
 *
 *     Ctrl-A 0..9      input now goes to that VM
 *     Ctrl-A ?         list the VMs and these keys
 *     Ctrl-A s         per-vCPU scheduling statistics, and standby statistics
 *     Ctrl-A f         the input VM fails (standby VMs: it fails over)
 *     Ctrl-A b         flip a bit in a random page of the input VM (standby VMs)
 *     Ctrl-A h         hang every vCPU of the input VM (standby VMs: its watchdog fails it over)
 *     Ctrl-A t         switch the EL2 event trace on (emptied) or off; Ctrl-A d dumps it (core/trace.c)
 *     Ctrl-A Ctrl-A    send one Ctrl-A to the focused VM
 *
 * (scripts/run-qemu.sh moves QEMU's own -nographic escape to Ctrl-] so that
 * Ctrl-A reaches Keel.) The focused VM's output is neutralised like any
 * other: a shell's colour and cursor sequences show as text.
 *
 * Lock order: console_in_lock, then the focused VM's vuart.lock, then
 * console_out_lock (or the vGIC lock), then one ring's lock. A ring's lock
 * is held only to copy bytes in or out, never across the UART. If the CPU
 * holding console_out_lock faults and panics, panic's own line goes out
 * without the lock instead of deadlocking (the owner field tells).
 */
#include <abi/keel/hypercall.h>
#include <keel/arch/cpu.h>
#include <keel/console.h>
#include <keel/drivers/pl011.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/standby.h>
#include <keel/string.h>
#include <keel/trace.h>
#include <keel/vm.h>
#include <keel/virtio.h>
#include <keel/vuart.h>

#define CTRL_A 0x01
#define CONSOLE_POLL_MAX 256 /* bytes drained per interrupt, so one CPU is not kept forever */
#define CONSOLE_CONT_MARK "\\" /* ends a VM's line that another line interrupted */
#define CONSOLE_PANIC_SPINS 100000000u /* how long a panic waits for the output lock */
#define RENDER_MAX 4 /* "\xNN" */
#define NO_OWNER 0xffffffffu
#define NO_VM 0xffffffffu

/* Lock order: console_in_lock early, console_out_lock last of all (include/keel/locking.h). */
/* FIFO lock: a CPU waiting to print gets the UART after at most one item per CPU ahead of it. */

/*
 * A VM's output waiting for the UART. head, tail and push count bytes ever
 * put in, so tail - head is the fill; the byte at count n is buf[n % size].
 */
struct console_ring {
	struct spinlock lock; /* for tail, push, dropped, pending_cr; and head's update */
	u32 head; /* next byte to print; moved only under console_out_lock and lock */
	u32 tail; /* where the next byte goes */
	u32 push; /* bytes before this are printed without waiting for a newline */
	u32 dropped; /* bytes of the VM's output that found the ring full, not reported yet */
	bool pending_cr; /* the VM's last byte was a CR: dropped if an LF follows, else shown */
	/*
	 * Output commit (standby VMs, core/standby.c): with held set, only bytes
	 * before commit may be printed; a checkpoint moves commit to tail, a
	 * failover throws away what lies after it.
	 */
	bool held;
	u32 commit;
	char buf[CONSOLE_RING_SIZE];
};

static struct ticket_lock console_out_lock;
static volatile u32 console_out_owner = NO_OWNER; /* CPU holding console_out_lock */
static u32 console_open_vm = NO_VM; /* VM whose console line is printed but not ended; under console_out_lock */
static struct console_ring console_rings[KEEL_MAX_VMS]; /* by vm->index */

static struct spinlock console_in_lock = SPINLOCK_INIT;
static u32 console_focus; /* index into vms[]; under console_in_lock */
static bool console_escape; /* the last byte was a lone Ctrl-A; under console_in_lock */

static void out_lock(void)
{
	ticket_lock(&console_out_lock);
	console_out_owner = arch_cpu_index();
}

static void out_unlock(void)
{
	console_out_owner = NO_OWNER;
	ticket_unlock(&console_out_lock);
}

/*
 * For a panic: take the lock only when it is free (no ticket is left behind
 * if we give up, which would stop every other CPU's output), within a
 * bounded wait. Returns whether it was taken.
 */
static bool out_trylock_bounded(void)
{
	for (u32 i = 0; i < CONSOLE_PANIC_SPINS; i++) {
		u32 s = __atomic_load_n(&console_out_lock.serving, __ATOMIC_ACQUIRE);

		if (__atomic_compare_exchange_n(&console_out_lock.next, &s, s + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			console_out_owner = arch_cpu_index();
			return true;
		}
	}
	return false;
}

/*
 * How the console shows byte c: itself if it is printable ASCII, TAB, or
 * (if newline_ok) LF; "^X" for other C0 controls and "^?" for DEL; "\xNN"
 * for 0x80 and up (C1 controls such as CSI 0x9b among them). Returns the
 * length written to out.
 */
static u32 console_render(u8 c, bool newline_ok, char out[RENDER_MAX])
{
	static const char hex[] = "0123456789abcdef";

	if ((c >= 0x20 && c < 0x7f) || c == '\t' || (c == '\n' && newline_ok)) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		out[0] = '^';
		out[1] = c == 0x7f ? '?' : (char)(c + 0x40);
		return 2;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0xf];
	return 4;
}

/* Put n bytes into the ring if they fit with reserve bytes to spare. Called with r->lock held. */
static bool ring_put(struct console_ring *r, const char *s, u32 n, u32 reserve)
{
	if (CONSOLE_RING_SIZE - (r->tail - r->head) < n + reserve)
		return false;
	for (u32 i = 0; i < n; i++)
		r->buf[(r->tail + i) % CONSOLE_RING_SIZE] = s[i];
	r->tail += n;
	return true;
}

/*
 * Render text into the ring; from the first byte that does not fit, the
 * rest is dropped and counted. A line's end has a byte kept for it, so a
 * line that lost its tail still ends. Called with r->lock held.
 */
static void ring_append(struct console_ring *r, const char *text, u32 len, bool end_line)
{
	u32 reserve = end_line ? 1 : 0, i;
	char out[RENDER_MAX];

	for (i = 0; i < len; i++) {
		u8 c = (u8)text[i];

		if (r->pending_cr && c != '\n' && !ring_put(r, "^M", 2, reserve))
			break; /* a CR that is not part of CR LF would move the cursor: shown instead */
		r->pending_cr = c == '\r';
		if (c != '\r' && !ring_put(r, out, console_render(c, true, out), reserve))
			break;
	}
	r->dropped += len - i;
	if (end_line) {
		r->pending_cr = false;
		if (!ring_put(r, "\n", 1, 0))
			r->dropped++; /* the ring was full before: the line runs into the next */
	} else {
		r->push = r->tail;
	}
}

/*
 * Length of the ring's next item and whether a newline (not counted) ends
 * it: a line of at most CONSOLE_LINE_MAX bytes, else a piece of that many,
 * else what was pushed; -1 if nothing is ready. Called with r->lock held.
 */
static int ring_item(const struct console_ring *r, bool *ends_line)
{
	u32 avail = (r->held ? r->commit : r->tail) - r->head, scan = MIN(avail, CONSOLE_LINE_MAX + 1);

	for (u32 i = 0; i < scan; i++) {
		if (r->buf[(r->head + i) % CONSOLE_RING_SIZE] == '\n') {
			*ends_line = true;
			return (int)i;
		}
	}
	*ends_line = false;
	if (avail >= CONSOLE_LINE_MAX)
		return CONSOLE_LINE_MAX;
	/* push stays within [head, tail] (ring_take keeps it there); checked anyway, it sizes a copy. */
	if ((s32)(r->push - r->head) > 0 && r->push - r->head <= avail)
		return (int)(r->push - r->head);
	return -1;
}

/*
 * Take VM v's next item out of its ring into text. Returns its length or
 * -1; *note is the count of dropped bytes to report now that the ring has
 * emptied, else 0. Called with console_out_lock held.
 */
static int ring_take(u32 v, char *text, bool *ends_line, u32 *note)
{
	struct console_ring *r = &console_rings[v];
	int n;

	spin_lock(&r->lock);
	n = ring_item(r, ends_line);
	for (int i = 0; i < n; i++)
		text[i] = r->buf[(r->head + (u32)i) % CONSOLE_RING_SIZE];
	if (n >= 0)
		r->head += (u32)n + (*ends_line ? 1 : 0);
	/* A push the head has passed is spent: left behind, 2^31 bytes later it would look ahead again. */
	if ((s32)(r->push - r->head) < 0)
		r->push = r->head;
	*note = 0;
	if (r->head == r->tail) {
		*note = r->dropped;
		r->dropped = 0;
	}
	spin_unlock(&r->lock);
	return n;
}

/* Has VM v a ready item from before byte count end? Called with console_out_lock held. */
static bool ring_ready_before(u32 v, u32 end)
{
	struct console_ring *r = &console_rings[v];
	bool ends_line, ready;

	spin_lock(&r->lock);
	ready = (s32)(end - r->head) > 0 && ring_item(r, &ends_line) >= 0;
	spin_unlock(&r->lock);
	return ready;
}

/* One byte to the terminal, which wants "\r\n" to end a line. */
static void out_putc(char c)
{
	if (c == '\n')
		pl011_putc('\r');
	pl011_putc((u8)c);
}

static void out_str(const char *s)
{
	for (; *s != '\0'; s++)
		out_putc(*s);
}

static void out_prefix(const char *name)
{
	out_putc('[');
	out_str(name);
	out_str("] ");
}

/* Another line must go out: end the open one, marked as going on. Called with console_out_lock held. */
static void out_close_open_line(void)
{
	if (console_open_vm == NO_VM)
		return;
	out_str(CONSOLE_CONT_MARK "\n");
	console_open_vm = NO_VM;
}

/* "[name] text" as one line, control characters shown as text. */
static void out_whole_line(const char *name, const char *text, u32 len)
{
	char out[RENDER_MAX];

	out_prefix(name);
	for (u32 i = 0; i < len; i++) {
		u32 n = console_render((u8)text[i], false, out);

		for (u32 j = 0; j < n; j++)
			out_putc(out[j]);
	}
	out_putc('\n');
}

static void out_drop_note(u32 v, u32 dropped)
{
	char buf[96];
	int n = format(buf, sizeof(buf), "vm %s: %u bytes of console output dropped", vms[v].name, dropped);

	out_close_open_line();
	out_whole_line("keel", buf, n < 0 ? 0 : MIN((u32)n, (u32)sizeof(buf) - 1));
}

/* Print one VM item (rendered already), continuing its open line if it has one. */
static void out_vm_item(u32 v, const char *text, u32 len, bool ends_line)
{
	if (console_open_vm != v) {
		out_close_open_line();
		out_prefix(vms[v].name);
	}
	for (u32 i = 0; i < len; i++)
		out_putc(text[i]);
	if (ends_line)
		out_putc('\n');
	console_open_vm = ends_line ? NO_VM : v;
}

/*
 * Print VM v's next ready item. Returns false if it has none. Called with
 * console_out_lock held.
 */
static bool out_next_item(u32 v)
{
	char text[CONSOLE_LINE_MAX];
	u32 note;
	bool ends_line;
	int n = ring_take(v, text, &ends_line, &note);

	if (n >= 0)
		out_vm_item(v, text, (u32)n, ends_line);
	if (note)
		out_drop_note(v, note);
	return n >= 0;
}

/*
 * Print VM v's own items, one per lock hold, until its output up to byte
 * count end is out. Only v's: a CPU never prints another VM's output, so
 * the time it spends at the UART is its own VM's (a VM flooding from other
 * CPUs delays it only through the ticket lock, one item per CPU ahead).
 * Every VM's writer drains its own ring, so nothing is left behind.
 */
static void console_drain_until(u32 v, u32 end)
{
	for (;;) {
		bool more;

		out_lock();
		more = ring_ready_before(v, end) && out_next_item(v);
		out_unlock();
		if (!more)
			return;
	}
}

/* The VM a name belongs to: vm->name itself, as callers pass it, or an equal string. */
static u32 console_vm_of(const char *name)
{
	for (u32 i = 0; i < nr_vms; i++)
		if (name == vms[i].name)
			return i;
	for (u32 i = 0; i < nr_vms; i++)
		if (strcmp(name, vms[i].name) == 0)
			return i;
	return NO_VM;
}

/* A line not from a VM: printed at once, after the item being printed (or inside it, when nested). */
static void console_direct_line(const char *name, const char *text, u32 len)
{
	if (console_out_owner == arch_cpu_index()) {
		out_whole_line(name, text, len); /* this CPU faulted while printing: no lock, no state */
		return;
	}
	out_lock();
	out_close_open_line();
	out_whole_line(name, text, len);
	out_unlock();
}

static void console_vm_write(const char *vm_name, const char *text, u32 len, bool end_line)
{
	u32 v = console_vm_of(vm_name), end;
	struct console_ring *r;
	bool pressure;

	if (v == NO_VM || v >= KEEL_MAX_VMS) {
		console_direct_line(vm_name, text, len);
		return;
	}
	r = &console_rings[v];
	spin_lock(&r->lock);
	ring_append(r, text, len, end_line);
	end = r->tail;
	pressure = r->held && r->tail - r->commit > CONSOLE_RING_SIZE / 2;
	spin_unlock(&r->lock);
	if (pressure)
		standby_output_pressure(&vms[v]); /* a checkpoint releases it before the ring fills */
	if (console_out_owner == arch_cpu_index())
		return; /* nested in this CPU's own printing: the VM's next write prints it */
	console_drain_until(v, end);
}

void console_write_line(const char *vm_name, const char *text, u32 len)
{
	console_vm_write(vm_name, text, len, true);
}

void console_write_partial(const char *vm_name, const char *text, u32 len)
{
	console_vm_write(vm_name, text, len, false);
}

void console_hold_output(u32 v)
{
	struct console_ring *r = &console_rings[v];

	CHECK(v < KEEL_MAX_VMS);
	spin_lock(&r->lock);
	r->held = true;
	r->commit = r->tail;
	spin_unlock(&r->lock);
}

void console_commit_output(u32 v)
{
	struct console_ring *r = &console_rings[v];
	u32 end;

	CHECK(v < KEEL_MAX_VMS);
	spin_lock(&r->lock);
	end = r->commit = r->tail;
	spin_unlock(&r->lock);
	if (console_out_owner != arch_cpu_index())
		console_drain_until(v, end);
}

u32 console_discard_output(u32 v)
{
	struct console_ring *r = &console_rings[v];
	u32 lost;

	CHECK(v < KEEL_MAX_VMS);
	spin_lock(&r->lock);
	lost = r->tail - r->commit;
	r->tail = r->commit;
	if ((s32)(r->push - r->tail) > 0)
		r->push = r->tail;
	r->pending_cr = false;
	spin_unlock(&r->lock);
	return lost;
}

u32 console_held_bytes(u32 v)
{
	const struct console_ring *r = &console_rings[v];

	return r->held ? __atomic_load_n(&r->tail, __ATOMIC_RELAXED) - __atomic_load_n(&r->commit, __ATOMIC_RELAXED) : 0;
}

#ifdef KEEL_HOST_TEST
/* Tests: put VM v's ring counters where 2^31 bytes of output would have put them. */
void console_test_ring_counters(u32 v, u32 head_and_tail, u32 push)
{
	console_rings[v].head = console_rings[v].tail = head_and_tail;
	console_rings[v].push = push;
}

/* Tests: the length of VM v's next item, as a drain would take it (-1: none). */
int console_test_ring_item(u32 v)
{
	bool ends_line;

	return ring_item(&console_rings[v], &ends_line);
}
#endif

void console_keel_line(const char *text, u32 len)
{
	console_direct_line("keel", text, len);
}

void console_panic_line(const char *text, u32 len)
{
	bool locked;

	if (console_out_owner == arch_cpu_index()) {
		out_whole_line("keel", text, len);
		return;
	}
	locked = out_trylock_bounded();
	out_close_open_line();
	out_whole_line("keel", text, len);
	if (locked)
		out_unlock();
}

/* Called with console_in_lock held. */
static void console_deliver(u8 byte)
{
	struct vuart *u;

	if (console_focus >= nr_vms)
		return;
	if (virtio_console_input(&vms[console_focus], byte))
		return; /* the VM's virtio console runs: input goes there, not to its PL011 */
	u = vm_vuart(&vms[console_focus]);
	if (u)
		vuart_receive(u, byte);
}

static void console_help(void)
{
	klog("console: Ctrl-A N: input to VM N; Ctrl-A s: scheduling and standby statistics; "
	     "Ctrl-A f / b / h: fail the input VM / flip a bit in its RAM / hang it (standby VMs); "
	     "Ctrl-A t / d: trace on or off / dump it; "
	     "Ctrl-A Ctrl-A: send Ctrl-A; Ctrl-A ?: this list");
	for (u32 i = 0; i < nr_vms; i++)
		klog("console:   %u  %s%s", i, vms[i].name, i == console_focus ? "  (input)" : "");
}

/* The byte after a Ctrl-A. Called with console_in_lock held. */
static void console_escape_key(u8 byte)
{
	if (byte == CTRL_A) {
		console_deliver(CTRL_A);
	} else if (byte >= '0' && byte <= '9') {
		u32 n = byte - '0';

		if (n < nr_vms) {
			console_focus = n;
			klog("console: input now goes to %s", vms[n].name);
		} else {
			klog("console: there is no VM %u", n);
		}
	} else if (byte == '?') {
		console_help();
	} else if (byte == 's') {
		sched_print_stats(NULL);
		standby_print_stats(NULL);
	} else if (byte == 't' || byte == 'd') {
		trace_console_key(byte); /* switch the EL2 trace on or off, dump it (docs/trace.md) */
	} else if (byte == 'f' || byte == 'b' || byte == 'h') {
		/* Fault injection for trying out standby by hand: the same faults as the STANDBY_INJECT call. */
		u32 kind = byte == 'f' ? KEEL_INJECT_FAIL : byte == 'b' ? KEEL_INJECT_BITFLIP : KEEL_INJECT_HANG;

		if (console_focus >= nr_vms || !standby_console_inject(&vms[console_focus], kind))
			klog("console: the input VM has no running standby: nothing injected");
	} else {
		klog("console: unknown key after Ctrl-A; Ctrl-A ? lists the keys");
	}
}

/* Called with console_in_lock held. */
static void console_input_locked(u8 byte)
{
	if (console_escape) {
		console_escape = false;
		console_escape_key(byte);
	} else if (byte == CTRL_A) {
		console_escape = true;
	} else {
		console_deliver(byte);
	}
}

void console_input(u8 byte)
{
	spin_lock(&console_in_lock);
	console_input_locked(byte);
	spin_unlock(&console_in_lock);
}

/*
 * Acknowledge first, then drain: a byte arriving after the last read raises
 * the interrupt again instead of waiting unseen in the FIFO.
 */
void console_poll(void)
{
	spin_lock(&console_in_lock);
	pl011_irq_ack();
	for (u32 n = 0; n < CONSOLE_POLL_MAX; n++) {
		int c = pl011_getc_nonblock();

		if (c < 0)
			break;
		console_input_locked((u8)c);
	}
	spin_unlock(&console_in_lock);
}
