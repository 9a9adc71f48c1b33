/* Polled output on the PL011 at PLAT_UART_BASE. */
#ifndef GUEST_UART_H
#define GUEST_UART_H

/* Writes one byte, waiting while the transmit FIFO is full. No "\n" to "\r\n". */
void uart_putc(char c);
/* Writes a NUL-terminated string. */
void uart_puts(const char *s);

#endif
