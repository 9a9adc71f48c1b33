/*
 * The emulated PL011 each VM gets (vdev/vuart_pl011.c) and the console
 * multiplexer in front of the physical UART (core/console.c).
 *
 * Output: bytes a guest writes are collected per VM and emitted line by line
 * with the VM's name in front, so interleaved guests stay readable.
 * Input: the physical UART's bytes go to the VM that has the console focus;
 * the escape Ctrl-A followed by a digit N moves the focus to VM N, Ctrl-A
 * Ctrl-A sends one Ctrl-A through (documented in the README).
 *
 * Lock: vuart.lock protects the RX FIFO and the registers; taken after the
 * VM lock and before the vGIC lock (include/keel/locking.h).
 */
#ifndef KEEL_VUART_H
#define KEEL_VUART_H

#include <keel/spinlock.h>
#include <keel/types.h>

#define VUART_RX_FIFO 256 /* deeper than a PL011: a pasted line must not be lost while the guest is busy */
#define VUART_LINE_MAX 160
#define VUART_REPLAY 256 /* input a restore can put back: keys typed within one standby interval */
#define VUART_MAX_PER_VM 2

struct vm;

struct vuart {
	struct spinlock lock;
	struct vm *vm; /* fixed at boot, as is irq */
	u32 irq; /* INTID in the VM */
	/* PL011 registers the guest programs. */
	u32 cr, lcr_h, ibrd, fbrd, ifls, imsc, ris_tx;
	/* Input waiting for the guest to read DR. */
	u8 rx[VUART_RX_FIFO];
	u32 rx_head, rx_count;
	/* Output line being collected. */
	char line[VUART_LINE_MAX];
	u32 line_len;
	/*
	 * Input commit: every byte the FIFO took, numbered (rx_seq counts them
	 * from boot; a reset does not restart it), the last VUART_REPLAY kept. Not part of the
	 * saved state: a restore puts back those that came after its save.
	 */
	u8 replay[VUART_REPLAY];
	u64 rx_seq;
};

/*
 * Put a byte into the VM's receive FIFO (dropped if full) and raise its
 * interrupt. A byte the FIFO took is also kept for a restore (input commit:
 * restoring a standby checkpoint gives the guest again what it received
 * after the checkpoint, instead of losing the keys typed since).
 */
void vuart_receive(struct vuart *u, u8 byte);
/*
 * Put the device back in its power-on state (VM reset): registers, an empty
 * receive FIFO, a lowered interrupt line. A partial output line is printed
 * first so nothing the guest wrote is lost. Does not touch the MMIO claim.
 */
void vuart_reset(struct vuart *u);

/* Emit a whole line as "[name] text" on the physical console, atomically. */
void console_write_line(const char *vm_name, const char *text, u32 len);
/* Print text without ending the line (a prompt); the same VM's next output continues it. */
void console_write_partial(const char *vm_name, const char *text, u32 len);
/* Print the guest's unfinished line now: its idle hook, so prompts show when a vCPU idles. */
void vuart_flush_partial(struct vuart *u);
/* Feed a byte read from the physical UART to the multiplexer. */
void console_input(u8 byte);
/* The physical UART's receive interrupt fired: feed every waiting byte to console_input(). */
void console_poll(void);

#endif
