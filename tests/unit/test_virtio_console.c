/*
 * Host tests of the virtio console (vdev/virtio_console.c) in hand-built
 * VMs (tests/unit/fake_virtio_env.c), driven as Linux's virtio_console
 * drives it: output to Keel's console a line at a time, input through a
 * FIFO into receive buffers, a console that breaks stopping at once, and a
 * link between two VMs' consoles carrying a byte stream with back-pressure
 * that loses and repeats nothing, across a save and restore mid-chain too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vdev.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#include "fake_console_fakes.h"
#include "fake_virtio_env.h"

#define QBASE (FV_RAM_IPA + 0x10000)
#define TXBUF (FV_RAM_IPA + 0x120000) /* transmit slot i at + 0x100 * i */
#define RXBUF (FV_RAM_IPA + 0x140000) /* receive buffer i at + 0x100 * i */

struct end {
	struct vm *vm;
	struct vdev *dev;
	struct fv_queue rx, tx;
	u32 rx_slot, tx_slot;
};

static struct end ends[2];
static u8 saved[1024] __attribute__((aligned(8)));

static int setup(void **state)
{
	(void)state;
	fv_reset();
	fake_sink_reset();
	return 0;
}

/* Features, both queues (the transmit queue's used ring at tx_used), DRIVER_OK. */
static void end_up(struct end *e, u64 tx_used)
{
	fv_negotiate(e->dev, BIT(VIRTIO_F_VERSION_1));
	fv_queue(&e->rx, e->dev, 0, 8, QBASE);
	fv_queue(&e->tx, e->dev, 1, 8, QBASE + 0x10000);
	fv_w(e->dev, FV_QUEUE_READY, 0);
	fv_w(e->dev, FV_QUEUE_DEVICE_LOW, (u32)tx_used);
	fv_w(e->dev, FV_QUEUE_READY, 1);
	e->tx.used = tx_used;
	fv_start(e->dev);
	e->rx_slot = e->tx_slot = 0;
}

static struct end *to_keel(u64 tx_used)
{
	struct end *e = &ends[0];

	e->vm = fv_vm(0);
	e->dev = fv_add(e->vm, &virtio_console_kind, KEEL_VIRTIO_CONSOLE_TO_KEEL, 0, 0);
	end_up(e, tx_used);
	return e;
}

/* Two VMs whose first consoles are linked. */
static void linked(void)
{
	for (u32 i = 0; i < 2; i++)
		ends[i].vm = fv_vm(i);
	for (u32 i = 0; i < 2; i++) {
		ends[i].dev = fv_add(ends[i].vm, &virtio_console_kind, KEEL_VIRTIO_CONSOLE_TO_PEER, 1 - i, 0);
		end_up(&ends[i], QBASE + 0x12000);
	}
}

/* Offer text as one transmit chain (not notified). */
static void put_text(struct end *e, const char *text)
{
	u64 ipa = TXBUF + 0x100ull * (e->tx_slot++ % 16);

	memcpy(fv_ram(e->vm, ipa), text, strlen(text));
	fv_offer(&e->tx, ipa, (u32)strlen(text), 0, 0);
}

/* Offer a receive buffer of len bytes (not notified). */
static void put_rx(struct end *e, u32 len)
{
	u64 ipa = RXBUF + 0x100ull * (e->rx_slot++ % 16);

	memset(fv_ram(e->vm, ipa), 0, 0x100);
	fv_offer(&e->rx, 0, 0, ipa, len);
}

/* Append everything e's receive queue returned to out (NUL-terminated); returns how many chains. */
static u32 take_rx(struct end *e, char *out, u32 size)
{
	u32 id, len, n = 0, at = (u32)strlen(out);

	while (fv_take_used(&e->rx, &id, &len)) {
		u64 ipa = 0;

		memcpy(&ipa, fv_ram(e->vm, e->rx.desc + 16ull * id), 8);
		assert_true(at + len < size);
		memcpy(out + at, fv_ram(e->vm, ipa), len);
		at += len;
		out[at] = 0;
		n++;
	}
	return n;
}

static u32 take_tx(struct end *e)
{
	u32 id, len, n = 0;

	while (fv_take_used(&e->tx, &id, &len)) {
		assert_int_equal(len, 0);
		n++;
	}
	return n;
}

/* Output is printed a line at a time under the VM's name; input reaches the receive buffers. */
static void test_to_keel(void **state)
{
	struct end *e = to_keel(QBASE + 0x18000);
	char got[64] = "";

	(void)state;
	put_text(e, "hello\r\nwor");
	put_text(e, "ld\n");
	fv_notify(&e->tx);
	assert_int_equal(fake_sink_count, 3);
	assert_string_equal(fake_sink_lines[0], "[vm0] hello");
	assert_string_equal(fake_sink_lines[1], "[vm0] wor<partial>");
	assert_string_equal(fake_sink_lines[2], "[vm0] ld");
	assert_int_equal(take_tx(e), 2);
	assert_true(fv_line(e->dev));
	/* Input waits in a FIFO until there is a receive buffer. */
	assert_true(virtio_console_input(e->vm, 'x'));
	assert_true(virtio_console_input(e->vm, 'y'));
	put_rx(e, 16);
	fv_notify(&e->rx);
	assert_int_equal(take_rx(e, got, sizeof(got)), 1);
	assert_string_equal(got, "xy");
	fv_w(e->dev, FV_STATUS, 0);
	assert_false(virtio_console_input(e->vm, 'z')); /* not running: the PL011 gets it */
}

/* A used ring outside RAM breaks the console at the first chain: it prints nothing more. */
static void test_broken_stops_at_once(void **state)
{
	struct end *e = to_keel(FV_RAM_IPA + FV_RAM_BYTES - 8);

	(void)state;
	put_text(e, "one\n");
	put_text(e, "two\n");
	put_text(e, "three\n");
	fv_notify(&e->tx);
	assert_true(fv_r(e->dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	if (fake_sink_count > 1)
		fail_msg("a broken console printed %u lines, the last \"%s\"", fake_sink_count,
			 fake_sink_lines[fake_sink_count - 1]);
}

/* A link: bytes move when both sides have buffers, a chain only partly delivered waits for room. */
static void test_link_back_pressure(void **state)
{
	char got[64] = "";

	(void)state;
	linked();
	put_text(&ends[0], "hello world");
	put_text(&ends[0], "!");
	fv_notify(&ends[0].tx);
	assert_int_equal(take_tx(&ends[0]), 0); /* no room at the other end: nothing moved */
	put_rx(&ends[1], 4);
	fv_notify(&ends[1].rx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	assert_string_equal(got, "hell");
	assert_int_equal(take_tx(&ends[0]), 0); /* still in hand: 7 bytes to go */
	put_rx(&ends[1], 5);
	put_rx(&ends[1], 16); /* a receive buffer takes the rest of one chain at most */
	fv_notify(&ends[1].rx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 2);
	assert_string_equal(got, "hello world");
	assert_int_equal(take_tx(&ends[0]), 1);
	put_rx(&ends[1], 16);
	fv_notify(&ends[1].rx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	assert_string_equal(got, "hello world!");
	assert_int_equal(take_tx(&ends[0]), 1);
	assert_true(fv_line(ends[0].dev));
	assert_true(fv_line(ends[1].dev));
	/* And the other way, started from the sender's side. */
	put_rx(&ends[0], 32);
	fv_notify(&ends[0].rx);
	put_text(&ends[1], "pong");
	fv_notify(&ends[1].tx);
	got[0] = 0;
	assert_int_equal(take_rx(&ends[0], got, sizeof(got)), 1);
	assert_string_equal(got, "pong");
}

/* Saved with a chain half delivered: after restore the rest arrives, nothing twice. */
static void test_link_save_mid_chain(void **state)
{
	const struct vdev_kind *k = &virtio_console_kind;
	char got[64] = "";
	u32 len;

	(void)state;
	linked();
	put_text(&ends[0], "abcdefgh");
	put_rx(&ends[1], 3);
	fv_notify(&ends[1].rx);
	fv_notify(&ends[0].tx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	assert_string_equal(got, "abc");
	len = k->save(ends[0].dev, saved);
	assert_true(len > 0 && len <= k->save_size);
	k->reset(ends[0].dev);
	assert_true(k->restore(ends[0].dev, saved, len));
	put_rx(&ends[1], 32);
	fv_notify(&ends[1].rx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	assert_string_equal(got, "abcdefgh");
	assert_int_equal(take_tx(&ends[0]), 1);
}

/* One end resets mid-stream: the other's chain in hand waits, then goes to the new driver. */
static void test_link_peer_resets(void **state)
{
	char got[64] = "";

	(void)state;
	linked();
	put_text(&ends[0], "0123456789");
	put_rx(&ends[1], 4);
	fv_notify(&ends[1].rx);
	fv_notify(&ends[0].tx);
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	fv_w(ends[1].dev, FV_STATUS, 0);
	fv_notify(&ends[0].tx); /* nobody to send to: nothing happens */
	assert_int_equal(take_tx(&ends[0]), 0);
	memset(fv_ram(ends[1].vm, QBASE), 0, 0x20000);
	end_up(&ends[1], QBASE + 0x12000);
	put_rx(&ends[1], 32);
	fv_notify(&ends[1].rx);
	got[0] = 0;
	assert_int_equal(take_rx(&ends[1], got, sizeof(got)), 1);
	assert_string_equal(got, "456789");
	assert_int_equal(take_tx(&ends[0]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_to_keel, setup),
		cmocka_unit_test_setup(test_broken_stops_at_once, setup),
		cmocka_unit_test_setup(test_link_back_pressure, setup),
		cmocka_unit_test_setup(test_link_save_mid_chain, setup),
		cmocka_unit_test_setup(test_link_peer_resets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
