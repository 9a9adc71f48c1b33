/*
 * Polled PL011 output (PL011 TRM 3.3). No initialisation: Keel's emulated
 * PL011 and QEMU's are ready to transmit at reset, and a guest must not
 * depend on more than writing UARTDR and reading UARTFR.
 */
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/uart.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

void uart_putc(char c)
{
	while (mmio_read32(PLAT_UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	mmio_write32(PLAT_UART_BASE + UART_DR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}
