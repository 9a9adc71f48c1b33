/*
 * The emulated PL011 (vdev/vuart_pl011.c) through its MMIO handlers, as a
 * guest driver sees it: reset values, ID registers, FR flags, the receive
 * FIFO, the interrupt line (seen by a fake vgic_set_level), line-buffered
 * output (seen by a fake console_write_line) and refused accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vm.h>
#include <keel/vuart.h>

#include "fake_console_fakes.h"

#define IPA 0x09000000ull
#define IRQ 33

#define DR 0x000
#define RSR 0x004
#define FR 0x018
#define ILPR 0x020
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048

#define FR_RXFE 0x10
#define FR_RXFF 0x40
#define FR_TXFE 0x80
#define INT_RX 0x10
#define INT_TX 0x20
#define CR_LBE 0x80

static struct vm vm;
static struct vdev *dev;
static struct vuart *uart;

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "linux");
	fake_vgic_reset();
	fake_sink_reset();
	vuart_pl011_kind.pool->nr_used = 0;
	dev = vdev_add(&vm, &vuart_pl011_kind,
		       &(struct keel_blob_vdev){ .kind = KEEL_VDEV_PL011, .ipa = IPA, .size = 0x1000, .irq = IRQ });
	uart = dev->state;
	return 0;
}

static u64 rd_w(u64 offset, u32 width)
{
	u64 v = 0xdeadbeef;

	assert_true(dev->kind->read(dev, NULL, offset, width, &v));
	return v;
}

static void wr_w(u64 offset, u64 value, u32 width)
{
	assert_true(dev->kind->write(dev, NULL, offset, width, value));
}

static u64 rd(u64 offset)
{
	return rd_w(offset, 4);
}

static void wr(u64 offset, u64 value)
{
	wr_w(offset, value, 4);
}

static void put_str(const char *s)
{
	for (; *s; s++)
		wr(DR, (u8)*s);
}

static void test_registers_device(void **state)
{
	(void)state;
	assert_int_equal(vm.nr_vdevs, 1);
	assert_int_equal(dev->base, IPA);
	assert_int_equal(dev->size, 0x1000);
	assert_ptr_equal(dev->state, uart);
	assert_string_equal(dev->kind->name, "pl011");
	assert_ptr_equal(uart->vm, &vm);
	assert_int_equal(uart->irq, IRQ);
}

static void test_reset_values(void **state)
{
	(void)state;
	assert_int_equal(rd(CR), 0x300);
	assert_int_equal(rd(IFLS), 0x12);
	assert_int_equal(rd(IMSC), 0);
	assert_int_equal(rd(LCR_H), 0);
	assert_int_equal(rd(IBRD), 0);
	assert_int_equal(rd(FBRD), 0);
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	assert_int_equal(rd(RIS), INT_TX); /* transmitter enabled, FIFO empty */
	assert_int_equal(rd(MIS), 0);
	assert_int_equal(rd(RSR), 0);
	assert_int_equal(rd(ILPR), 0);
	assert_int_equal(rd(DMACR), 0);
	assert_int_equal(rd(ICR), 0);
	assert_int_equal(rd(DR), 0); /* empty FIFO */
	assert_false(fake_vgic_level[IRQ]);
}

static void test_id_registers(void **state)
{
	static const u8 id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(0xfe0 + 4 * i), id[i]);
	/* Read-only: a write is accepted and ignored. */
	wr(0xfe0, 0x55);
	assert_int_equal(rd(0xfe0), 0x11);
	/* Linux's AMBA bus reads them as 32-bit words, but narrower reads work too. */
	assert_int_equal(rd_w(0xff0, 1), 0x0d);
	assert_int_equal(rd_w(0xffc, 2), 0xb1);
}

static void test_register_readback(void **state)
{
	(void)state;
	wr(IBRD, 0x12345678);
	assert_int_equal(rd(IBRD), 0x5678);
	wr(FBRD, 0xff);
	assert_int_equal(rd(FBRD), 0x3f);
	wr(LCR_H, 0x170);
	assert_int_equal(rd(LCR_H), 0x70);
	wr(IFLS, 0xffff);
	assert_int_equal(rd(IFLS), 0x3f);
	wr(CR, 0xffff);
	assert_int_equal(rd(CR), 0xff87); /* reserved bits 6:3 stay 0 */
	wr(IMSC, 0xffffffff);
	assert_int_equal(rd(IMSC), 0x7ff);
	/* 16-bit accesses, as Linux's readw/writew do. */
	wr_w(CR, 0x0301, 2);
	assert_int_equal(rd_w(CR, 2), 0x0301);
	/* Registers with no state accept writes. */
	wr(RSR, 0xf);
	wr(ILPR, 0xff);
	wr(DMACR, 0x7);
	wr(FR, 0);
	wr(RIS, 0xff);
	wr(MIS, 0xff);
	assert_int_equal(rd(DMACR), 0);
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
}

static void test_rx_fifo_order_and_overflow(void **state)
{
	(void)state;
	for (int i = 0; i < VUART_RX_FIFO + 8; i++) {
		vuart_receive(uart, (u8)('A' + i));
		if (i == 0)
			assert_int_equal(rd(FR), FR_TXFE);
	}
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFF);
	/* The first VUART_RX_FIFO bytes in order; the rest were dropped. */
	for (int i = 0; i < VUART_RX_FIFO; i++) {
		assert_int_equal(rd(DR), (u8)('A' + i));
		if (i == 0)
			assert_int_equal(rd(FR), FR_TXFE);
	}
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	assert_int_equal(rd(DR), 0);

	/* Wrap around the ring: interleave pushes and pops. */
	for (int i = 0; i < 3 * VUART_RX_FIFO; i++) {
		vuart_receive(uart, (u8)i);
		vuart_receive(uart, (u8)(i + 100));
		assert_int_equal(rd_w(DR, 1), (u8)i);
		assert_int_equal(rd_w(DR, 2), (u8)(i + 100));
	}
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
}

static u8 saved_state[sizeof(struct vuart) + 64]; /* at least the kind's save_size */

static void save(void)
{
	assert_true(vuart_pl011_kind.save_size <= sizeof(saved_state));
	assert_int_equal(dev->kind->save(dev, saved_state), vuart_pl011_kind.save_size);
}

static void restore(void)
{
	assert_true(dev->kind->restore(dev, saved_state, vuart_pl011_kind.save_size));
}

/* Input commit: a restore gives back what was received after its save, behind the saved FIFO. */
static void test_restore_replays_input_since_save(void **state)
{
	(void)state;
	vuart_receive(uart, 'a'); /* before the checkpoint, still unread */
	save();
	assert_int_equal(rd(DR), 'a');
	vuart_receive(uart, 'b');
	vuart_receive(uart, 'c');
	assert_int_equal(rd(DR), 'b'); /* the failed run read one of them */
	restore();
	assert_int_equal(rd(DR), 'a');
	assert_int_equal(rd(DR), 'b');
	assert_int_equal(rd(DR), 'c');
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	/* A second failover to the same checkpoint gives the same input again, and later input after it. */
	vuart_receive(uart, 'd');
	restore();
	for (const char *p = "abcd"; *p; p++)
		assert_int_equal(rd(DR), (u8)*p);
	assert_int_equal(rd(DR), 0);
}

/* More than the replay ring keeps since the save: the newest come back, the loss is logged. */
static void test_restore_replay_bounded(void **state)
{
	u32 extra = 10;

	(void)state;
	save();
	for (u32 i = 0; i < VUART_REPLAY + extra; i++) {
		vuart_receive(uart, (u8)i);
		assert_int_equal(rd(DR), (u8)i); /* read as it came, so the FIFO never fills */
	}
	fake_sink_reset();
	restore();
	for (u32 i = extra; i < VUART_REPLAY + extra; i++)
		assert_int_equal(rd(DR), (u8)i);
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	assert_non_null(strstr(fake_sink_last_log(), "10 bytes typed since the checkpoint"));
}

/* The restored FIFO is full before all of them are back: the rest are lost, and said so. */
static void test_restore_replay_fifo_full(void **state)
{
	u32 unread = 200, later = 100, room = VUART_RX_FIFO - unread;

	(void)state;
	for (u32 i = 0; i < unread; i++)
		vuart_receive(uart, 'a');
	save();
	for (u32 i = 0; i < unread; i++)
		assert_int_equal(rd(DR), 'a'); /* the failed run read them */
	for (u32 i = 0; i < later; i++)
		vuart_receive(uart, (u8)i);
	fake_sink_reset();
	restore();
	for (u32 i = 0; i < unread; i++)
		assert_int_equal(rd(DR), 'a');
	for (u32 i = 0; i < room; i++)
		assert_int_equal(rd(DR), (u8)i); /* the oldest of the later ones, in order */
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	assert_non_null(strstr(fake_sink_last_log(), "44 bytes typed since the checkpoint"));
}

static void test_rx_interrupt_line(void **state)
{
	(void)state;
	vuart_receive(uart, 'x');
	assert_int_equal(rd(RIS) & INT_RX, INT_RX);
	assert_false(fake_vgic_level[IRQ]); /* masked */
	wr(IMSC, INT_RX);
	assert_true(fake_vgic_level[IRQ]);
	assert_int_equal(rd(MIS), INT_RX);
	/* RXRIS follows the FIFO: ICR cannot clear it while data waits. */
	wr(ICR, INT_RX);
	assert_true(fake_vgic_level[IRQ]);
	vuart_receive(uart, 'y');
	assert_int_equal(rd(DR), 'x');
	assert_true(fake_vgic_level[IRQ]);
	assert_int_equal(rd(DR), 'y');
	assert_false(fake_vgic_level[IRQ]);
	assert_int_equal(rd(RIS) & INT_RX, 0);
	/* Input while unmasked raises the line at once. */
	u32 calls = fake_vgic_calls;
	vuart_receive(uart, 'z');
	assert_true(fake_vgic_level[IRQ]);
	assert_true(fake_vgic_calls > calls);
	wr(IMSC, 0);
	assert_false(fake_vgic_level[IRQ]);
}

static void test_tx_interrupt_line(void **state)
{
	(void)state;
	/* TXRIS is set out of reset, so unmasking TXIM raises the line. */
	wr(IMSC, INT_TX);
	assert_true(fake_vgic_level[IRQ]);
	wr(ICR, INT_TX);
	assert_false(fake_vgic_level[IRQ]);
	assert_int_equal(rd(RIS), 0);
	/* Every DR write drains at once and sets TXRIS again. */
	wr(DR, 'a');
	assert_true(fake_vgic_level[IRQ]);
	assert_int_equal(rd(MIS), INT_TX);
	wr(ICR, 0x7ff);
	assert_false(fake_vgic_level[IRQ]);
	/* Turning the transmitter on shows the empty FIFO too. */
	wr(CR, 0x201);
	assert_false(fake_vgic_level[IRQ]);
	wr(CR, 0x301);
	assert_true(fake_vgic_level[IRQ]);
	/* Reset lowers the line: IMSC goes back to 0. */
	vuart_reset(uart);
	assert_false(fake_vgic_level[IRQ]);
	assert_int_equal(rd(IMSC), 0);
}

static void test_line_buffering(void **state)
{
	(void)state;
	put_str("hello");
	assert_int_equal(fake_sink_count, 0);
	put_str(", world\r\n");
	assert_int_equal(fake_sink_count, 1);
	assert_string_equal(fake_sink_lines[0], "[linux] hello, world");
	put_str("\n");
	assert_int_equal(fake_sink_count, 2);
	assert_string_equal(fake_sink_lines[1], "[linux] ");
	/* 8-bit DR writes, as some early consoles do. */
	wr_w(DR, 'o', 1);
	wr_w(DR, 'k', 1);
	wr_w(DR, 0x10a, 2); /* only the low byte is data */
	assert_int_equal(fake_sink_count, 3);
	assert_string_equal(fake_sink_lines[2], "[linux] ok");
}

static void test_long_line_is_split(void **state)
{
	char want[FAKE_SINK_LINE_MAX];

	(void)state;
	for (int i = 0; i < VUART_LINE_MAX + 5; i++)
		wr(DR, 'a' + i % 26);
	assert_int_equal(fake_sink_count, 1);
	strcpy(want, "[linux] ");
	for (int i = 0; i < VUART_LINE_MAX; i++)
		want[8 + i] = (char)('a' + i % 26);
	strcpy(want + 8 + VUART_LINE_MAX, "<partial>"); /* the line goes on */
	assert_string_equal(fake_sink_lines[0], want);
	wr(DR, '\n');
	assert_int_equal(fake_sink_count, 2);
	assert_int_equal(strlen(fake_sink_lines[1]), 8 + 5);
}

static void test_loopback_nul_dropped(void **state)
{
	(void)state;
	/* Linux's probe: loopback on, write a NUL to provoke TXRIS. */
	wr(CR, 0x301 | CR_LBE);
	wr(DR, 0);
	wr(CR, 0x301);
	put_str("x\n");
	assert_int_equal(fake_sink_count, 1);
	assert_string_equal(fake_sink_lines[0], "[linux] x");
	assert_int_equal(strlen(fake_sink_lines[0]), 9);
}

static void test_reset_flushes_partial_line(void **state)
{
	(void)state;
	put_str("partial");
	vuart_receive(uart, 'q');
	vuart_reset(uart);
	assert_int_equal(fake_sink_count, 1);
	assert_string_equal(fake_sink_lines[0], "[linux] partial");
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	vuart_reset(uart);
	assert_int_equal(fake_sink_count, 1);
}

/* A prompt (no newline) is printed when the guest idles; its rest continues it. */
static void test_idle_flushes_prompt(void **state)
{
	(void)state;
	put_str("keel-linux# ");
	assert_int_equal(fake_sink_count, 0);
	vuart_flush_partial(uart);
	assert_int_equal(fake_sink_count, 1);
	assert_string_equal(fake_sink_lines[0], "[linux] keel-linux# <partial>");
	vuart_flush_partial(uart); /* nothing new: nothing printed */
	assert_int_equal(fake_sink_count, 1);
	put_str("ls\n");
	assert_int_equal(fake_sink_count, 2);
	assert_string_equal(fake_sink_lines[1], "[linux] ls");
}

static void test_bad_accesses(void **state)
{
	static const struct {
		u64 offset;
		u32 width;
	} bad[] = {
		{ 0x019, 1 }, { 0x01a, 2 }, { 0x002, 2 }, { 0x01c, 4 }, /* inside or between registers */
		{ 0x000, 8 }, { 0x018, 3 }, { 0x018, 0 }, /* widths */
		{ 0x008, 4 }, { 0x00c, 4 }, { 0x014, 4 }, { 0x04c, 4 }, { 0x100, 4 },
		{ 0xfdc, 4 }, /* reserved and test registers */
		{ 0x1000, 4 }, { 0xffffffffffffull, 4 }, /* outside the page */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u64 v = 0;

		assert_false(dev->kind->read(dev, NULL, bad[i].offset, bad[i].width, &v));
		assert_false(dev->kind->write(dev, NULL, bad[i].offset, bad[i].width, 'x'));
	}
	/* Nothing happened: no output, registers as at reset. */
	assert_int_equal(fake_sink_count, 0);
	assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
	assert_int_equal(rd(IMSC), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_registers_device, setup),
		cmocka_unit_test_setup(test_reset_values, setup),
		cmocka_unit_test_setup(test_id_registers, setup),
		cmocka_unit_test_setup(test_register_readback, setup),
		cmocka_unit_test_setup(test_rx_fifo_order_and_overflow, setup),
		cmocka_unit_test_setup(test_rx_interrupt_line, setup),
		cmocka_unit_test_setup(test_restore_replays_input_since_save, setup),
		cmocka_unit_test_setup(test_restore_replay_bounded, setup),
		cmocka_unit_test_setup(test_restore_replay_fifo_full, setup),
		cmocka_unit_test_setup(test_tx_interrupt_line, setup),
		cmocka_unit_test_setup(test_line_buffering, setup),
		cmocka_unit_test_setup(test_long_line_is_split, setup),
		cmocka_unit_test_setup(test_loopback_nul_dropped, setup),
		cmocka_unit_test_setup(test_reset_flushes_partial_line, setup),
		cmocka_unit_test_setup(test_idle_flushes_prompt, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
