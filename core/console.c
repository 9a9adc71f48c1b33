/*
 * The physical console, shared by every VM and by Keel itself.
 *
 * Output is whole lines: console_write_line() prints "[name] text" under one
 * lock, so lines from different CPUs never mix. Input is multiplexed: each
 * byte read from the UART goes to the receive FIFO of the VM that has the
 * focus (VM 0 at boot). Ctrl-A starts an escape, and the next byte says what
 * to do with it:
 *
 *     Ctrl-A 0..9      input now goes to that VM
 *     Ctrl-A ?         list the VMs and these keys
 *     Ctrl-A s         per-vCPU scheduling statistics
 *     Ctrl-A Ctrl-A    send one Ctrl-A to the focused VM
 *
 * (scripts/run-qemu.sh moves QEMU's own -nographic escape to Ctrl-] so that
 * Ctrl-A reaches Keel.)
 *
 * Lock order: console_in_lock, then the focused VM's vuart.lock, then the
 * vGIC lock. console_out_lock is a leaf: only pl011_putc runs under it. If
 * the CPU holding it faults and panics, panic's own line goes out without
 * the lock instead of deadlocking (the owner field tells).
 */
#include <keel/arch/cpu.h>
#include <keel/drivers/pl011.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#define CTRL_A 0x01
#define CONSOLE_POLL_MAX 256 /* bytes drained per interrupt, so one CPU is not kept forever */
#define NO_OWNER 0xffffffffu

static struct spinlock console_out_lock = SPINLOCK_INIT;
static volatile u32 console_out_owner = NO_OWNER; /* CPU holding console_out_lock */
static const char *open_line_owner; /* VM whose line is printed but not ended; under console_out_lock */

static struct spinlock console_in_lock = SPINLOCK_INIT;
static u32 console_focus; /* index into vms[]; under console_in_lock */
static bool console_escape; /* the last byte was a lone Ctrl-A; under console_in_lock */

/* One byte to the terminal, which wants "\r\n" to end a line. */
static void console_putc(char c)
{
	if (c == '\n')
		pl011_putc('\r');
	pl011_putc((u8)c);
}

/*
 * Print text for vm_name. A line left open (a shell prompt, printed when its
 * VM went idle) is continued without a new prefix if the same VM writes
 * next, and closed with a newline if anyone else does.
 */
static void console_emit(const char *vm_name, const char *text, u32 len, bool end_line)
{
	u32 cpu = arch_cpu_index();
	bool nested = console_out_owner == cpu; /* only this CPU writes its own index */

	if (!nested) {
		spin_lock(&console_out_lock);
		console_out_owner = cpu;
	}
	if (open_line_owner && open_line_owner != vm_name) {
		console_putc('\n');
		open_line_owner = NULL;
	}
	if (open_line_owner != vm_name) {
		console_putc('[');
		for (const char *p = vm_name; *p != '\0'; p++)
			console_putc(*p);
		console_putc(']');
		console_putc(' ');
	}
	for (u32 i = 0; i < len; i++)
		console_putc(text[i]);
	if (end_line) {
		console_putc('\n');
		open_line_owner = NULL;
	} else {
		open_line_owner = vm_name;
	}
	if (!nested) {
		console_out_owner = NO_OWNER;
		spin_unlock(&console_out_lock);
	}
}

void console_write_line(const char *vm_name, const char *text, u32 len)
{
	console_emit(vm_name, text, len, true);
}

void console_write_partial(const char *vm_name, const char *text, u32 len)
{
	console_emit(vm_name, text, len, false);
}

/* Called with console_in_lock held. */
static void console_deliver(u8 byte)
{
	struct vuart *u;

	if (console_focus >= nr_vms)
		return;
	u = vm_vuart(&vms[console_focus]);
	if (u)
		vuart_receive(u, byte);
}

static void console_help(void)
{
	klog("console: Ctrl-A N: input to VM N; Ctrl-A s: scheduling statistics; "
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
