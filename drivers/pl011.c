/*
 * Driver for the physical PL011 (ARM PrimeCell UART PL011 TRM, DDI 0183).
 * Keel uses it polled for output and interrupt-driven for input: the line
 * settings stay as QEMU or the firmware programmed them, so an early
 * pl011_putc works before pl011_init and the console keeps its baud rate.
 * The base address always comes from the board file, which keeps this usable
 * from the first instruction of C to the last line of a panic.
 */
#include <keel/drivers/pl011.h>
#include <keel/mmio.h>
#include <keel/platform.h>

/* Register offsets (TRM 3.2, Table 3-1). */
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IMSC 0x038
#define UART_ICR 0x044

/* UARTFR (TRM 3.3.3). */
#define FR_RXFE BIT(4)
#define FR_TXFF BIT(5)

/* Interrupt bits shared by IMSC, RIS, MIS and ICR (TRM 3.3.10-3.3.14). */
#define INT_RX BIT(4)
#define INT_RT BIT(6) /* receive timeout: data below the FIFO trigger level */
#define INT_ALL 0x7ff

/* UARTDR (TRM 3.3.1): bits 11:8 are error flags for the byte in bits 7:0. */
#define DR_DATA 0xff

static u64 reg(u32 offset)
{
	return platform.uart_base + offset;
}

void pl011_init(void)
{
	mmio_write32(reg(UART_ICR), INT_ALL);
	mmio_write32(reg(UART_IMSC), mmio_read32(reg(UART_IMSC)) | INT_RX | INT_RT);
}

void pl011_putc(u8 c)
{
	while (mmio_read32(reg(UART_FR)) & FR_TXFF)
		;
	mmio_write32(reg(UART_DR), c);
}

int pl011_getc_nonblock(void)
{
	if (mmio_read32(reg(UART_FR)) & FR_RXFE)
		return -1;
	/* A byte with a framing or parity error is still passed on: better than silence. */
	return (int)(mmio_read32(reg(UART_DR)) & DR_DATA);
}

void pl011_irq_ack(void)
{
	mmio_write32(reg(UART_ICR), INT_RX | INT_RT);
}
