/* Fake physical PL011 for test_console: a growing transmit log and a receive queue. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <keel/drivers/pl011.h>

#include "fake_console_fakes.h"

char *fake_pl011_tx;
size_t fake_pl011_tx_len;
u32 fake_pl011_acks;
void (*fake_pl011_putc_hook)(void);
static size_t tx_cap;
static char rx_queue[256];
static size_t rx_len, rx_pos;

void fake_pl011_reset(void)
{
	free(fake_pl011_tx);
	fake_pl011_tx = NULL;
	fake_pl011_tx_len = 0;
	tx_cap = 0;
	fake_pl011_acks = 0;
	fake_pl011_putc_hook = NULL;
	rx_len = rx_pos = 0;
}

void fake_pl011_feed(const char *bytes, size_t n)
{
	memcpy(rx_queue + rx_len, bytes, n);
	rx_len += n;
}

void pl011_init(void)
{
}

/* Unsynchronised on purpose: the console lock is what keeps callers apart. */
void pl011_putc(u8 c)
{
	if (fake_pl011_tx_len + 2 > tx_cap) {
		tx_cap = tx_cap ? tx_cap * 2 : 4096;
		fake_pl011_tx = realloc(fake_pl011_tx, tx_cap);
		if (!fake_pl011_tx)
			abort();
	}
	fake_pl011_tx[fake_pl011_tx_len++] = (char)c;
	fake_pl011_tx[fake_pl011_tx_len] = '\0';
	if (fake_pl011_putc_hook)
		fake_pl011_putc_hook();
	/* Give other writer threads a chance to cut in, should the lock let them. */
	if ((fake_pl011_tx_len & 7) == 0)
		sched_yield();
}

int pl011_getc_nonblock(void)
{
	return rx_pos < rx_len ? (u8)rx_queue[rx_pos++] : -1;
}

void pl011_irq_ack(void)
{
	fake_pl011_acks++;
}
