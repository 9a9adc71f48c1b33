/*
 * Host tests of Keel's virtio-net switch (vdev/virtio_net.c) between VMs
 * built by hand (tests/unit/fake_virtio_env.c), each port driven as Linux's
 * virtio_net drives it: frames go to the port with the destination MAC on
 * the sender's network only, broadcasts to every other port of that
 * network, never across networks; a forged source MAC, a runt or a giant
 * is dropped; a port with no receive buffer drops and counts; the receiver
 * gets a 12-byte header with num_buffers = 1 and then the frame, however
 * its buffers are split; a malformed receive ring breaks only its owner.
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

#include "fake_vgic_env.h"
#include "fake_virtio_env.h"

#define HDR 12
#define ETH_MAX 1514
/* Where port p's rings and buffers are in its VM's RAM (two ports of one VM use different places). */
#define QBASE(p) (FV_RAM_IPA + 0x10000 + (p)->off)
#define RXBUF(p) (FV_RAM_IPA + 0x40000 + (p)->off) /* descriptor i's receive buffer at + 0x1000 * i */
#define RXLEN (HDR + ETH_MAX)
#define NR_RX 4
#define TXBUF(p) (FV_RAM_IPA + 0x100000 + (p)->off)
#define FEATURES (BIT(VIRTIO_F_VERSION_1) | BIT(5))

/*
 * The port's counters are private to vdev/virtio_net.c; this mirrors the
 * start of its struct virtio_net, and port_up() checks the mirror against
 * the configured network and MAC so a changed layout fails loudly.
 */
struct net_mirror {
	struct virtio_dev vd;
	u32 network;
	u8 mac[6];
	u64 nr_sent, nr_received, nr_dropped;
};

struct port {
	struct vm *vm;
	struct vdev *dev;
	struct fv_queue rx, tx;
	u32 network;
	u8 mac[6];
	u64 off;
};

enum { A, B, C, D, NR_PORTS };

static struct port ports[NR_PORTS];
static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const u8 nobody[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x77 };

static struct net_mirror *stats(struct port *p)
{
	return p->dev->state;
}

static void port_add(struct port *p, struct vm *vm, u32 network, u8 last)
{
	*p = (struct port){ .vm = vm, .network = network, .mac = { 0x02, 0, 0, 0, 0, last },
			    .off = 0x80000ull * (vm->nr_vdevs - 2) };
	p->dev = fv_add(vm, &virtio_net_kind, network, 0x02, (u32)last << 8);
}

static void port_rx_buffers(struct port *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		fv_offer(&p->rx, 0, 0, RXBUF(p) + 0x1000ull * p->rx.next_desc, RXLEN);
	fv_notify(&p->rx);
}

/* Linux's probe: features, both queues, DRIVER_OK, then receive buffers. */
static void port_up(struct port *p, u32 nr_rx)
{
	fv_negotiate(p->dev, FEATURES);
	fv_queue(&p->rx, p->dev, 0, 8, QBASE(p));
	fv_queue(&p->tx, p->dev, 1, 8, QBASE(p) + 0x10000);
	fv_start(p->dev);
	assert_int_equal(stats(p)->network, p->network);
	assert_memory_equal(stats(p)->mac, p->mac, 6);
	port_rx_buffers(p, nr_rx);
}

/*
 * Ports A, B, C on network 0 in three VMs; D on network 1 in C's VM, with
 * B's MAC (a MAC is only unique within its network). All up, NR_RX buffers.
 */
static int setup(void **state)
{
	struct vm *vm[3];

	(void)state;
	fv_reset();
	for (u32 i = 0; i < 3; i++)
		vm[i] = fv_vm(i);
	port_add(&ports[A], vm[0], 0, 0x0a);
	port_add(&ports[B], vm[1], 0, 0x0b);
	port_add(&ports[C], vm[2], 0, 0x0c);
	port_add(&ports[D], vm[2], 1, 0x0b);
	for (u32 i = 0; i < NR_PORTS; i++)
		port_up(&ports[i], NR_RX);
	return 0;
}

/* Build a frame of len bytes (header excluded) from src to dst in p's transmit buffer; send it. */
static void send(struct port *p, const u8 *dst, const u8 *src, u32 len, u8 seed)
{
	u8 *b = fv_ram(p->vm, TXBUF(p));

	memset(b, 0, HDR);
	for (u32 i = 0; i < len; i++)
		b[HDR + i] = (u8)(seed + i * 3);
	if (len >= 12) {
		memcpy(b + HDR, dst, 6);
		memcpy(b + HDR + 6, src, 6);
	}
	fv_offer(&p->tx, TXBUF(p), HDR + len, 0, 0);
	fv_notify(&p->tx);
}

/* The sender's transmit chain always comes back, with nothing written. */
static void expect_tx_done(struct port *p)
{
	u32 id, len;

	assert_true(fv_take_used(&p->tx, &id, &len));
	assert_int_equal(len, 0);
	assert_false(fv_take_used(&p->tx, &id, &len));
}

/* p received exactly the frame send() built from (len, seed): header, then the frame. */
static void expect_frame(struct port *p, u32 len, u8 seed)
{
	static const u8 hdr[HDR] = { [10] = 1 }; /* num_buffers = 1, everything else 0 */
	u32 id, got;
	const u8 *b;

	if (!fv_take_used(&p->rx, &id, &got))
		fail_msg("port %ld received nothing", (long)(p - ports));
	assert_int_equal(got, HDR + len);
	b = fv_ram(p->vm, RXBUF(p) + 0x1000ull * id); /* descriptor i holds buffer i */
	assert_memory_equal(b, hdr, HDR);
	for (u32 i = 12; i < len; i++)
		if (b[HDR + i] != (u8)(seed + i * 3))
			fail_msg("byte %u of the frame is 0x%x", i, b[HDR + i]);
	assert_true(fv_line(p->dev));
}

static void expect_nothing(struct port *p)
{
	u32 id, len;

	if (fv_take_used(&p->rx, &id, &len))
		fail_msg("port %ld received a frame of %u bytes", (long)(p - ports), len);
}

/* Unicast reaches the port with that MAC on the sender's network, and no other. */
static void test_unicast(void **state)
{
	(void)state;
	send(&ports[A], ports[B].mac, ports[A].mac, 100, 1);
	expect_tx_done(&ports[A]);
	expect_frame(&ports[B], 100, 1);
	expect_nothing(&ports[A]);
	expect_nothing(&ports[C]);
	expect_nothing(&ports[D]); /* B's MAC, another network */
	assert_int_equal(stats(&ports[A])->nr_sent, 1);
	assert_int_equal(stats(&ports[B])->nr_received, 1);
	assert_false(fv_line(ports[C].dev));
	/* And back, and to a MAC nobody has. */
	send(&ports[B], ports[A].mac, ports[B].mac, ETH_MAX, 2);
	expect_frame(&ports[A], ETH_MAX, 2);
	send(&ports[C], nobody, ports[C].mac, 60, 3);
	expect_tx_done(&ports[C]);
	for (u32 i = 0; i < NR_PORTS; i++)
		expect_nothing(&ports[i]);
}

/* Broadcast and multicast go to every other port of the network, none of another. */
static void test_flood(void **state)
{
	(void)state;
	send(&ports[A], bcast, ports[A].mac, 64, 4);
	expect_frame(&ports[B], 64, 4);
	expect_frame(&ports[C], 64, 4);
	expect_nothing(&ports[A]);
	expect_nothing(&ports[D]);
	send(&ports[C], mcast, ports[C].mac, 300, 5);
	expect_frame(&ports[A], 300, 5);
	expect_frame(&ports[B], 300, 5);
	expect_nothing(&ports[C]);
	expect_nothing(&ports[D]);
	send(&ports[D], bcast, ports[D].mac, 64, 6); /* alone on network 1 */
	expect_tx_done(&ports[D]);
	for (u32 i = 0; i < NR_PORTS; i++)
		expect_nothing(&ports[i]);
}

/* No VM speaks for another: a frame with someone else's source MAC goes nowhere. */
static void test_forged_source_dropped(void **state)
{
	const u8 *forged[][2] = { { ports[C].mac, ports[B].mac }, { bcast, bcast }, { bcast, nobody } };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(forged); i++) {
		u32 before = fake_vgic_log_count;

		send(&ports[A], forged[i][0], forged[i][1], 100, 7);
		expect_tx_done(&ports[A]); /* the sender gets its buffer back */
		for (u32 p = 0; p < NR_PORTS; p++)
			expect_nothing(&ports[p]);
		assert_int_equal(fake_vgic_log_count, before + 1);
	}
	assert_int_equal(stats(&ports[A])->nr_sent, 0);
	assert_int_equal(stats(&ports[A])->nr_dropped, 3);
	assert_int_equal(fv_r(ports[A].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0); /* dropped, not broken */
}

/* Runts and giants are dropped; 14 and 1514 bytes are the limits. */
static void test_frame_sizes(void **state)
{
	static const u32 bad[] = { 0, 1, 11, 13, ETH_MAX + 1, 4096, 60000 };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		u8 *b = fv_ram(ports[A].vm, TXBUF(&ports[A]));

		memset(b, 0, HDR + 14);
		memcpy(b + HDR, bcast, 6);
		memcpy(b + HDR + 6, ports[A].mac, 6);
		fv_offer(&ports[A].tx, TXBUF(&ports[A]), HDR + bad[i], 0, 0);
		fv_notify(&ports[A].tx);
		expect_tx_done(&ports[A]);
		expect_nothing(&ports[B]);
	}
	fv_offer(&ports[A].tx, TXBUF(&ports[A]), 5, 0, 0); /* shorter than the header */
	fv_notify(&ports[A].tx);
	expect_tx_done(&ports[A]);
	expect_nothing(&ports[B]);
	assert_int_equal(stats(&ports[A])->nr_dropped, ARRAY_SIZE(bad) + 1);
	send(&ports[A], ports[B].mac, ports[A].mac, 14, 8);
	expect_frame(&ports[B], 14, 8);
	send(&ports[A], ports[B].mac, ports[A].mac, ETH_MAX, 9);
	expect_frame(&ports[B], ETH_MAX, 9);
}

/* A port without receive buffers drops what comes, counts it, and gets the next frame once it has one. */
static void test_no_receive_buffer(void **state)
{
	(void)state;
	for (u32 i = 0; i < NR_RX; i++) {
		send(&ports[A], ports[B].mac, ports[A].mac, 60, (u8)i);
		expect_tx_done(&ports[A]);
		expect_frame(&ports[B], 60, (u8)i);
	}
	send(&ports[A], ports[B].mac, ports[A].mac, 60, 10);
	expect_tx_done(&ports[A]);
	expect_nothing(&ports[B]);
	assert_int_equal(stats(&ports[B])->nr_dropped, 1);
	assert_int_equal(stats(&ports[B])->nr_received, NR_RX);
	assert_int_equal(stats(&ports[A])->nr_sent, NR_RX + 1); /* sent: the switch took it */
	port_rx_buffers(&ports[B], 1);
	send(&ports[A], ports[B].mac, ports[A].mac, 61, 11);
	expect_frame(&ports[B], 61, 11);
	/* A buffer too small for the frame is given back empty and the frame counted as dropped. */
	fv_offer(&ports[B].rx, 0, 0, RXBUF(&ports[B]), HDR + 59);
	send(&ports[A], ports[B].mac, ports[A].mac, 60, 12);
	{
		u32 id, len;

		assert_true(fv_take_used(&ports[B].rx, &id, &len));
		assert_int_equal(len, 0);
	}
	assert_int_equal(stats(&ports[B])->nr_dropped, 2);
	/* A port whose driver has not started (or was reset) drops too. */
	fv_w(ports[C].dev, FV_STATUS, 0);
	send(&ports[A], ports[C].mac, ports[A].mac, 60, 13);
	expect_nothing(&ports[C]);
	assert_int_equal(stats(&ports[C])->nr_dropped, 1);
}

/* Header and frame split over several descriptors on both sides, as Linux may lay them out. */
static void test_split_buffers(void **state)
{
	struct port *a = &ports[A], *b = &ports[B];
	const struct fv_buf tx[3] = { { TXBUF(a), HDR, false }, { TXBUF(a) + 0x1000, 100, false },
				      { TXBUF(a) + 0x2000, 100, false } };
	const struct fv_buf rx[3] = { { RXBUF(b) + 0x3000, HDR, true }, { RXBUF(b) + 0x3100, 150, true },
				      { RXBUF(b) + 0x3800, 1400, true } };
	u8 *t = fv_ram(a->vm, TXBUF(a)), *r = fv_ram(b->vm, RXBUF(b) + 0x3000);
	u8 frame[200];
	u32 id, len;

	(void)state;
	/* B's driver starts again with only the split chain to receive into. */
	fv_w(b->dev, FV_STATUS, 0);
	memset(fv_ram(b->vm, QBASE(b)), 0, 0x3000);
	port_up(b, 0);
	fv_offer_chain(&b->rx, rx, 3);
	/* A sends the header alone, then the frame in two pieces. */
	memcpy(frame, b->mac, 6);
	memcpy(frame + 6, a->mac, 6);
	for (u32 i = 12; i < sizeof(frame); i++)
		frame[i] = (u8)i;
	memset(t, 0, HDR);
	memcpy(t + 0x1000, frame, 100);
	memcpy(t + 0x2000, frame + 100, 100);
	fv_offer_chain(&a->tx, tx, 3);
	fv_notify(&a->tx);
	expect_tx_done(a);
	assert_true(fv_take_used(&b->rx, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, HDR + sizeof(frame));
	assert_int_equal(r[10], 1);
	assert_memory_equal(r + 0x100, frame, 150);
	assert_memory_equal(r + 0x800, frame + 150, 50);
	assert_int_equal(r[0x800 + 50], 0);
}

/* A receiver's malformed ring breaks the receiver only; the sender and the others go on. */
static void test_bad_receiver_breaks_only_itself(void **state)
{
	u8 *avail_idx = fv_ram(ports[B].vm, ports[B].rx.avail + 2);

	(void)state;
	avail_idx[0] = 100; /* B's driver claims 100 buffers in a queue of 8 */
	send(&ports[A], bcast, ports[A].mac, 60, 14);
	expect_tx_done(&ports[A]);
	expect_frame(&ports[C], 60, 14);
	assert_true(fv_r(ports[B].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(fv_r(ports[B].dev, FV_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	assert_true(fv_line(ports[B].dev));
	assert_int_equal(fv_r(ports[A].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	assert_int_equal(fv_r(ports[C].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	send(&ports[A], ports[C].mac, ports[A].mac, 61, 15);
	expect_frame(&ports[C], 61, 15);
	/* B's driver resets and sets up again: it receives again. */
	memset(fv_ram(ports[B].vm, QBASE(&ports[B])), 0, 0x3000);
	port_up(&ports[B], NR_RX);
	send(&ports[A], ports[B].mac, ports[A].mac, 62, 16);
	expect_frame(&ports[B], 62, 16);
}

/* A transmit ring that is malformed breaks the sender; nothing is forwarded. */
static void test_bad_sender_breaks_itself(void **state)
{
	(void)state;
	fv_offer(&ports[A].tx, TXBUF(&ports[A]), HDR + 60, 0, 0);
	memset(fv_ram(ports[A].vm, ports[A].tx.desc + 8), 0xff, 4); /* the frame's length: 4 GiB */
	fv_notify(&ports[A].tx);
	assert_true(fv_r(ports[A].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	for (u32 p = 0; p < NR_PORTS; p++)
		expect_nothing(&ports[p]);
	assert_int_equal(fv_r(ports[B].dev, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unicast, setup),
		cmocka_unit_test_setup(test_flood, setup),
		cmocka_unit_test_setup(test_forged_source_dropped, setup),
		cmocka_unit_test_setup(test_frame_sizes, setup),
		cmocka_unit_test_setup(test_no_receive_buffer, setup),
		cmocka_unit_test_setup(test_split_buffers, setup),
		cmocka_unit_test_setup(test_bad_receiver_breaks_only_itself, setup),
		cmocka_unit_test_setup(test_bad_sender_breaks_itself, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
