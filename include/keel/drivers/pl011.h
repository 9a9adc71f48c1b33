/*
 * The physical PL011 UART Keel owns (platform.uart_base), the console every
 * VM's output and Keel's own messages go to. Callers serialise output
 * themselves (core/console.c holds its output lock around each line or
 * bounded piece of one); input is drained by console_poll() when the UART's
 * interrupt arrives.
 */
#ifndef KEEL_DRIVERS_PL011_H
#define KEEL_DRIVERS_PL011_H

#include <keel/types.h>

/*
 * Keep the line settings the firmware or QEMU left (baud rate, format,
 * enables), clear stale interrupts and unmask the receive and receive-timeout
 * interrupts so that typed input wakes a CPU. Boot CPU, once.
 */
void pl011_init(void);
/* Send one byte, waiting while the transmit FIFO is full. Usable before pl011_init. */
void pl011_putc(u8 c);
/* The next received byte, or -1 if the receive FIFO is empty. */
int pl011_getc_nonblock(void);
/* Clear the receive and receive-timeout interrupts; call before draining. */
void pl011_irq_ack(void);

#endif
