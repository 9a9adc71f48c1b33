/*
 * The physical console (core/console.c): every VM's output, Keel's own
 * lines, and the keyboard multiplexer in front of the physical UART.
 *
 * A VM's output is buffered per VM (CONSOLE_RING_SIZE bytes, dropped and
 * counted beyond that), made harmless on the way in (control characters and
 * escape sequences become visible text such as "^[" or "\x9b", so no VM can
 * move the cursor or forge another line's prefix), and printed a line at a
 * time with the VM's name in front, VMs taking turns. Keel's own lines are
 * not buffered: they wait at most for the one line being printed, and a
 * panic's line does not wait for it at all.
 *
 * The VM-facing functions take the VM's name as the emulated UART and the
 * CONSOLE_WRITE hypercall pass it (vm->name); a name that is no VM's is
 * printed at once like Keel's own lines. (include/keel/vuart.h declares the
 * same four functions for its callers.)
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/types.h>

#define CONSOLE_RING_SIZE 2048 /* per VM: output waiting for its turn on the UART */
#define CONSOLE_LINE_MAX 256 /* a longer line goes out in pieces of this many bytes */

/*
 * Add text and an end of line to the VM's output and return once that line
 * is on the UART (printing other VMs' waiting lines in turn meanwhile).
 * Safe from any CPU; may be called with the VM's vuart.lock held.
 */
void console_write_line(const char *vm_name, const char *text, u32 len);
/*
 * Add text without ending the line (a prompt, a long line's first part) and
 * print it now; the VM's next output continues that console line if no one
 * else printed in between, else it starts a new prefixed line and the
 * interrupted one ends with the continuation mark "\".
 */
void console_write_partial(const char *vm_name, const char *text, u32 len);
/* Print "[keel] text" at once, waiting only for the line being printed. */
void console_keel_line(const char *text, u32 len);
/*
 * panic(): print "[keel] text" without buffering. If another CPU holds the
 * output lock and does not let go within a bounded wait, print anyway.
 */
void console_panic_line(const char *text, u32 len);

/* Feed a byte read from the physical UART to the multiplexer. */
/*
 * Output commit for standby VMs (core/standby.c): once held, VM v's output
 * is printed only up to the last commit; commit releases (and prints, on
 * this CPU) everything written so far; discard throws away what came after
 * the last commit and returns how many bytes that was. held_bytes: how much
 * waits (a racy read, for deciding on an early checkpoint).
 */
void console_hold_output(u32 v);
void console_commit_output(u32 v);
u32 console_discard_output(u32 v);
u32 console_held_bytes(u32 v);

void console_input(u8 byte);
/* The physical UART's receive interrupt fired: feed every waiting byte to console_input(). */
void console_poll(void);

#endif
