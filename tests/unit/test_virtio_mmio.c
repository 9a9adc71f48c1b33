/*
 * Host tests of the virtio-mmio transport (vdev/virtio_mmio.c) through a
 * virtio-net device instance of a hand-built VM (tests/unit/
 * fake_virtio_env.c), driven through its MMIO handlers as Linux's
 * virtio_mmio driver drives it, and then as a careless or hostile one:
 * identification, feature negotiation, queue setup, refused accesses, a
 * bad queue breaking the device (NEEDS_RESET, a configuration interrupt,
 * the line high at the vGIC), reset, notifies of queues that do not exist,
 * and save/restore, which must take back every state Keel saves and refuse
 * states it could not have saved.
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

#include "fake_gm.h"
#include "fake_vgic_env.h"
#include "fake_virtio_env.h"

#define MAC_ARG1 0x33221102u /* 02:11:22:33:44:55 */
#define MAC_ARG2 0x5544u
#define NET_F_MAC BIT(5)
#define GOOD_FEATURES (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX) | BIT(VIRTIO_F_INDIRECT_DESC) | NET_F_MAC)
#define QBASE (FV_RAM_IPA + 0x10000) /* queue 0's rings; queue 1's at + 0x10000 */
#define STATUS_UP (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)

static struct vm *vm;
static struct vdev *net;
static struct fv_queue rxq, txq;
static u8 saved[2][1024] __attribute__((aligned(8)));

static int setup(void **state)
{
	(void)state;
	fv_reset();
	vm = fv_vm(0);
	net = fv_add(vm, &virtio_net_kind, 0, MAC_ARG1, MAC_ARG2);
	return 0;
}

static bool rd(u64 off, u32 width, u64 *v)
{
	return net->kind->read(net, &vm->vcpus[0], off, width, v);
}

static bool wr(u64 off, u32 width, u64 v)
{
	return net->kind->write(net, &vm->vcpus[0], off, width, v);
}

static void bring_up(void)
{
	fv_negotiate(net, GOOD_FEATURES);
	fv_queue(&rxq, net, 0, 8, QBASE);
	fv_queue(&txq, net, 1, 8, QBASE + 0x10000);
	fv_start(net);
}

static struct virtio_saved *save_now(u32 slot)
{
	assert_int_equal(net->kind->save(net, saved[slot]), sizeof(struct virtio_saved));
	return (struct virtio_saved *)saved[slot];
}

/* Send one frame from the port's own MAC (to nobody): the transmit queue uses one chain. */
static void transmit_one(void)
{
	u8 *p = fv_ram(vm, FV_RAM_IPA + 0x100000);

	memset(p, 0, 12 + 60);
	memcpy(p + 12, "\x02\x99\x99\x99\x99\x99\x02\x11\x22\x33\x44\x55", 12);
	fv_offer(&txq, FV_RAM_IPA + 0x100000, 12 + 60, 0, 0);
	fv_notify(&txq);
}

/* Magic, version, IDs and the configuration space (the MAC) at every width it takes. */
static void test_identity_and_config(void **state)
{
	static const u8 mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct vdev *con;
	u64 v;

	(void)state;
	assert_int_equal(fv_r(net, FV_MAGIC), 0x74726976);
	assert_int_equal(fv_r(net, FV_VERSION), 2);
	assert_int_equal(fv_r(net, FV_DEVICE_ID), 1);
	assert_int_not_equal(fv_r(net, FV_VENDOR_ID), 0);
	for (u32 i = 0; i < 6; i++) {
		assert_true(rd(FV_CONFIG + i, 1, &v));
		assert_int_equal(v, mac[i]);
	}
	assert_true(rd(FV_CONFIG + 4, 2, &v));
	assert_int_equal(v, 0x5544);
	assert_true(rd(FV_CONFIG, 4, &v));
	assert_int_equal(v, 0x33221102);
	assert_true(rd(FV_CONFIG + 0x40, 4, &v)); /* past the end: reads as zero */
	assert_int_equal(v, 0);
	assert_false(rd(FV_CONFIG + 1, 2, &v));
	assert_false(rd(FV_CONFIG + 2, 4, &v));
	assert_false(rd(FV_CONFIG, 8, &v));
	assert_false(rd(FV_CONFIG, 3, &v));
	assert_true(wr(FV_CONFIG, 1, 0xff)); /* read-only: ignored */
	assert_true(rd(FV_CONFIG, 1, &v));
	assert_int_equal(v, 0x02);
	assert_false(wr(FV_CONFIG, 8, 0));
	con = fv_add(vm, &virtio_console_kind, KEEL_VIRTIO_CONSOLE_TO_KEEL, 0, 0);
	assert_int_equal(fv_r(con, FV_DEVICE_ID), 3);
	assert_int_equal(fv_r(con, FV_VERSION), 2);
}

/* Registers below the configuration space take aligned 32-bit accesses only. */
static void test_bad_widths_refused(void **state)
{
	static const u64 regs[] = { FV_MAGIC, FV_STATUS, FV_QUEUE_NUM_MAX, FV_INTERRUPT_STATUS, FV_CONFIG_GENERATION };
	static const u32 widths[] = { 1, 2, 8, 0, 3, 16 };
	u64 v;

	(void)state;
	for (u32 r = 0; r < ARRAY_SIZE(regs); r++) {
		for (u32 w = 0; w < ARRAY_SIZE(widths); w++) {
			assert_false(rd(regs[r], widths[w], &v));
			assert_false(wr(regs[r], widths[w], VIRTIO_STATUS_ACKNOWLEDGE));
		}
		for (u32 off = 1; off < 4; off++) {
			assert_false(rd(regs[r] + off, 4, &v));
			assert_false(wr(regs[r] + off, 4, VIRTIO_STATUS_ACKNOWLEDGE));
		}
	}
	assert_int_equal(fv_r(net, FV_STATUS), 0); /* none of the refused writes landed */
	assert_false(wr(FV_STATUS, 2, VIRTIO_STATUS_ACKNOWLEDGE));
	assert_int_equal(fv_r(net, FV_STATUS), 0);
	fv_w(net, 0x0c0, 0x12345678); /* no register: ignored */
	assert_int_equal(fv_r(net, 0x0c0), 0);
}

/* The device offers VERSION_1, EVENT_IDX, INDIRECT_DESC and MAC; FEATURES_OK needs VERSION_1 and nothing unknown. */
static void test_feature_negotiation(void **state)
{
	static const u64 refused[] = {
		NET_F_MAC, /* no VERSION_1: a legacy driver */
		GOOD_FEATURES | BIT(6), /* a bit not offered */
		GOOD_FEATURES | BIT(33),
		GOOD_FEATURES | BIT(63),
	};

	(void)state;
	fv_w(net, FV_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(fv_r(net, FV_DEVICE_FEATURES), (u32)GOOD_FEATURES);
	fv_w(net, FV_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(fv_r(net, FV_DEVICE_FEATURES), (u32)(GOOD_FEATURES >> 32));
	fv_w(net, FV_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(fv_r(net, FV_DEVICE_FEATURES), 0);
	fv_w(net, FV_DEVICE_FEATURES_SEL, 0xffffffff);
	assert_int_equal(fv_r(net, FV_DEVICE_FEATURES), 0);
	for (u32 i = 0; i < ARRAY_SIZE(refused); i++) {
		fv_w(net, FV_STATUS, 0);
		fv_w(net, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
		for (u32 sel = 0; sel < 2; sel++) {
			fv_w(net, FV_DRIVER_FEATURES_SEL, sel);
			fv_w(net, FV_DRIVER_FEATURES, (u32)(refused[i] >> (32 * sel)));
		}
		fv_w(net, FV_STATUS, STATUS_UP);
		assert_int_equal(fv_r(net, FV_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	}
	/* A subset is fine, and after FEATURES_OK the features stay what was checked. */
	fv_negotiate(net, BIT(VIRTIO_F_VERSION_1));
	fv_w(net, FV_DRIVER_FEATURES_SEL, 0);
	fv_w(net, FV_DRIVER_FEATURES, 0xffffffff);
	fv_w(net, FV_DRIVER_FEATURES_SEL, 2); /* no such word */
	fv_w(net, FV_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(save_now(0)->driver_features, BIT(VIRTIO_F_VERSION_1));
	/* NEEDS_RESET is the device's bit: a driver cannot set it. */
	fv_w(net, FV_STATUS, STATUS_UP | VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP);
}

/* Queue registers: read back, QueueSel past the last queue, no changes to a ready queue. */
static void test_queue_setup(void **state)
{
	(void)state;
	fv_negotiate(net, GOOD_FEATURES);
	fv_w(net, FV_QUEUE_SEL, 0);
	assert_int_equal(fv_r(net, FV_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
	fv_w(net, FV_QUEUE_DESC_HIGH, 0x12);
	fv_w(net, FV_QUEUE_DESC_LOW, 0x40001000);
	assert_int_equal(fv_r(net, FV_QUEUE_DESC_HIGH), 0x12);
	assert_int_equal(fv_r(net, FV_QUEUE_DESC_LOW), 0x40001000);
	fv_w(net, FV_QUEUE_SEL, 2); /* no such queue */
	assert_int_equal(fv_r(net, FV_QUEUE_NUM_MAX), 0);
	fv_w(net, FV_QUEUE_NUM, 8);
	fv_w(net, FV_QUEUE_READY, 1);
	assert_int_equal(fv_r(net, FV_QUEUE_NUM), 0);
	assert_int_equal(fv_r(net, FV_QUEUE_READY), 0);
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP); /* ignored, not broken */
	fv_queue(&rxq, net, 0, 8, QBASE);
	fv_queue(&txq, net, 1, 256, QBASE + 0x10000);
	fv_w(net, FV_QUEUE_SEL, 0);
	assert_int_equal(fv_r(net, FV_QUEUE_DESC_HIGH), 0);
	fv_w(net, FV_QUEUE_NUM, 16); /* ready: ignored */
	fv_w(net, FV_QUEUE_DESC_LOW, 0);
	assert_int_equal(fv_r(net, FV_QUEUE_NUM), 8);
	assert_int_equal(fv_r(net, FV_QUEUE_DESC_LOW), (u32)QBASE);
	fv_w(net, FV_QUEUE_READY, 0); /* taken back: may change again */
	fv_w(net, FV_QUEUE_NUM, 16);
	fv_w(net, FV_QUEUE_READY, 1);
	assert_int_equal(fv_r(net, FV_QUEUE_NUM), 16);
	assert_int_equal(fv_r(net, FV_QUEUE_READY), 1);
	fv_start(net);
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
	assert_false(fv_line(net));
}

/* QueueReady with a size or alignment Keel cannot use breaks the device, visibly to the driver. */
static void test_bad_queue_breaks_device(void **state)
{
	static const struct { u32 num; u32 desc_off, avail_off, used_off; } bad[] = {
		{ 3, 0, 0, 0 }, { 0, 0, 0, 0 }, { 512, 0, 0, 0 }, { 257, 0, 0, 0 },
		{ 8, 8, 0, 0 }, { 8, 0, 1, 0 }, { 8, 0, 0, 2 },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		u32 gen;

		fv_negotiate(net, GOOD_FEATURES);
		gen = fv_r(net, FV_CONFIG_GENERATION);
		fake_vgic_log_count = 0;
		fv_w(net, FV_QUEUE_SEL, 1);
		fv_w(net, FV_QUEUE_NUM, bad[i].num);
		fv_w(net, FV_QUEUE_DESC_LOW, (u32)QBASE + bad[i].desc_off);
		fv_w(net, FV_QUEUE_DRIVER_LOW, (u32)QBASE + 0x1000 + bad[i].avail_off);
		fv_w(net, FV_QUEUE_DEVICE_LOW, (u32)QBASE + 0x2000 + bad[i].used_off);
		assert_false(fv_line(net));
		fv_w(net, FV_QUEUE_READY, 1);
		assert_int_equal(fv_r(net, FV_QUEUE_READY), 0);
		assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_NEEDS_RESET);
		assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
		assert_int_not_equal(fv_r(net, FV_CONFIG_GENERATION), gen);
		assert_true(fv_line(net));
		assert_int_equal(fake_vgic_log_count, 1);
		assert_non_null(strstr(fake_vgic_last_log, "needs a reset"));
		/* The driver carries on regardless: the device stays broken, and says so once. */
		fv_w(net, FV_STATUS, STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
		fv_w(net, FV_QUEUE_READY, 1);
		assert_true(fv_r(net, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
		assert_int_equal(fake_vgic_log_count, 1);
		fv_w(net, FV_INTERRUPT_ACK, VIRTIO_INT_CONFIG);
		assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), 0);
		assert_false(fv_line(net));
		assert_true(fv_r(net, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	}
}

/* Status 0 puts everything back as at power-on and lowers the line. */
static void test_reset_by_status_zero(void **state)
{
	struct virtio_saved *s;

	(void)state;
	bring_up();
	transmit_one();
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_USED);
	assert_true(fv_line(net));
	fv_w(net, FV_STATUS, 0);
	assert_int_equal(fv_r(net, FV_STATUS), 0);
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), 0);
	assert_false(fv_line(net));
	for (u32 q = 0; q < 2; q++) {
		fv_w(net, FV_QUEUE_SEL, q);
		assert_int_equal(fv_r(net, FV_QUEUE_READY), 0);
		assert_int_equal(fv_r(net, FV_QUEUE_NUM), 0);
		assert_int_equal(fv_r(net, FV_QUEUE_DESC_LOW), 0);
		assert_int_equal(fv_r(net, FV_QUEUE_DEVICE_LOW), 0);
	}
	s = save_now(0);
	assert_int_equal(s->driver_features, 0);
	assert_int_equal(s->queues[1].last_avail, 0);
	/* A notify now does nothing; bringing it up again works from scratch. */
	fv_notify(&txq);
	bring_up();
	transmit_one();
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_USED);
}

/* The used-buffer interrupt: raised for a used chain, lowered by the ack, not raised under NO_INTERRUPT. */
static void test_used_interrupt(void **state)
{
	u32 id, len;

	(void)state;
	fv_negotiate(net, BIT(VIRTIO_F_VERSION_1) | NET_F_MAC);
	fv_queue(&rxq, net, 0, 8, QBASE);
	fv_queue(&txq, net, 1, 8, QBASE + 0x10000);
	fv_start(net);
	transmit_one();
	assert_true(fv_take_used(&txq, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_USED);
	assert_true(fv_line(net));
	fv_w(net, FV_INTERRUPT_ACK, VIRTIO_INT_CONFIG); /* not the pending one */
	assert_true(fv_line(net));
	fv_w(net, FV_INTERRUPT_ACK, VIRTIO_INT_USED);
	assert_false(fv_line(net));
	*(u16 *)fv_ram(vm, txq.avail) = 1; /* VRING_AVAIL_F_NO_INTERRUPT */
	transmit_one();
	assert_true(fv_take_used(&txq, &id, &len));
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), 0);
	assert_false(fv_line(net));
}

/* A driver that sets DRIVER_OK without ever having FEATURES_OK accepted gets no service. */
static void test_no_service_without_features_ok(void **state)
{
	u32 id, len;

	(void)state;
	fv_w(net, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fv_queue(&rxq, net, 0, 8, QBASE);
	fv_queue(&txq, net, 1, 8, QBASE + 0x10000);
	fv_w(net, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	transmit_one();
	assert_false(fv_take_used(&txq, &id, &len));
	assert_false(fv_line(net));
}

/* A malformed ring found at a notify breaks the device; it then takes nothing more. */
static void test_malformed_ring_breaks_on_notify(void **state)
{
	u32 id, len;

	(void)state;
	bring_up();
	*(u16 *)fv_ram(vm, txq.avail + 2) = 9; /* 9 new chains in a queue of 8 */
	fv_notify(&txq);
	assert_true(fv_r(net, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_CONFIG);
	assert_true(fv_line(net));
	assert_non_null(strstr(fake_vgic_last_log, "available index"));
	*(u16 *)fv_ram(vm, txq.avail + 2) = 0;
	transmit_one();
	assert_false(fv_take_used(&txq, &id, &len));
	/* Reset and set up again: it works. */
	bring_up();
	transmit_one();
	assert_true(fv_take_used(&txq, &id, &len));
}

/* A frame in RAM still being filled: the notify asks for a retry and takes nothing, until the fill is done. */
static void test_notify_retried_while_filling(void **state)
{
	u32 id, len, retries = 0;

	(void)state;
	bring_up();
	fv_offer(&txq, FV_SLOW_IPA + MiB, 12 + 60, 0, 0);
	fake_gm_irq_after = 1; /* an interrupt is pending after every fill step */
	for (;;) {
		fv_notify(&txq);
		if (!vm->vcpus[0].mmio_retry)
			break;
		vm->vcpus[0].mmio_retry = false; /* the access is retried */
		assert_false(fv_take_used(&txq, &id, &len));
		retries++;
	}
	assert_true(retries > 0);
	assert_true(fv_take_used(&txq, &id, &len)); /* (dropped: filled RAM is zero, no source MAC) */
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
}

/* Notifies of queues that do not exist or are not ready are ignored. */
static void test_notify_nonexistent_queue(void **state)
{
	static const u32 bogus[] = { 2, 3, 255, 0x10000, 0xffffffff };

	(void)state;
	bring_up();
	for (u32 i = 0; i < ARRAY_SIZE(bogus); i++) {
		fv_w(net, FV_QUEUE_NOTIFY, bogus[i]);
		assert_false(vm->vcpus[0].mmio_retry);
	}
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), 0);
	fv_w(net, FV_QUEUE_SEL, 1);
	fv_w(net, FV_QUEUE_READY, 0);
	transmit_one(); /* the queue is not ready: nothing taken */
	assert_int_equal(*(u16 *)fv_ram(vm, txq.used + 2), 0);
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
}

/* Save, reset, restore: every register and the saved bytes come back; the line follows. */
static void test_save_restore_round_trip(void **state)
{
	u32 len;

	(void)state;
	bring_up();
	transmit_one();
	transmit_one();
	len = net->kind->save(net, saved[0]);
	assert_int_equal(len, sizeof(struct virtio_saved));
	assert_int_equal(((struct virtio_saved *)saved[0])->queues[1].last_avail, 2);
	net->kind->reset(net);
	assert_false(fv_line(net));
	assert_int_equal(fv_r(net, FV_STATUS), 0);
	assert_true(net->kind->restore(net, saved[0], len));
	assert_true(fv_line(net));
	assert_int_equal(fv_r(net, FV_STATUS), STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(fv_r(net, FV_INTERRUPT_STATUS), VIRTIO_INT_USED);
	fv_w(net, FV_QUEUE_SEL, 1);
	assert_int_equal(fv_r(net, FV_QUEUE_DESC_LOW), (u32)(QBASE + 0x10000));
	assert_int_equal(net->kind->save(net, saved[1]), len);
	assert_memory_equal(saved[0], saved[1], len);
	/* And it goes on where it was: the third chain is the next one used. */
	transmit_one();
	assert_int_equal(*(u16 *)fv_ram(vm, txq.used + 2), 3);
	assert_false(net->kind->restore(net, saved[0], len - 1));
	assert_false(net->kind->restore(net, saved[0], len + 1));
}

/* States Keel could not have saved are refused, and leave the device as it was. */
static void test_restore_refuses_corrupt_state(void **state)
{
	struct virtio_saved *s = (struct virtio_saved *)saved[1];
	u32 len;

	(void)state;
	bring_up();
	transmit_one();
	len = net->kind->save(net, saved[0]);
	for (u32 c = 0; c < 6; c++) {
		memcpy(saved[1], saved[0], len);
		switch (c) {
		case 0: s->queues[0].num = 3; break;
		case 1: s->queues[1].num = 512; break;
		case 2: s->queues[1].desc |= 8; break;
		case 3: s->queues[0].ready = 2; break;
		case 4: s->driver_features |= BIT(6); break;
		case 5: s->driver_features |= BIT(40); break;
		}
		assert_false(net->kind->restore(net, saved[1], len));
		assert_int_equal(net->kind->save(net, saved[1]), len);
		assert_memory_equal(saved[0], saved[1], len);
	}
	/* A queue that is not ready may hold anything: the driver was still writing it. */
	memcpy(saved[1], saved[0], len);
	s->queues[0].ready = 0;
	s->queues[0].num = 3;
	assert_true(net->kind->restore(net, saved[1], len));
}

/* A driver in the middle of negotiating wrote bits it will be refused: Keel saves that state, and must restore it. */
static void test_restore_mid_negotiation(void **state)
{
	u32 len;

	(void)state;
	fv_w(net, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fv_w(net, FV_DRIVER_FEATURES_SEL, 0);
	fv_w(net, FV_DRIVER_FEATURES, 0xffffffff);
	len = net->kind->save(net, saved[0]);
	net->kind->reset(net);
	assert_true(net->kind->restore(net, saved[0], len));
	fv_w(net, FV_DRIVER_FEATURES_SEL, 1);
	fv_w(net, FV_DRIVER_FEATURES, 1);
	fv_w(net, FV_STATUS, STATUS_UP); /* and is refused, as before the save */
	assert_false(fv_r(net, FV_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A random register write from a careless driver: mostly plausible values. */
static void poke(void)
{
	static const u64 regs[] = { FV_DEVICE_FEATURES_SEL, FV_DRIVER_FEATURES, FV_DRIVER_FEATURES_SEL, FV_QUEUE_SEL,
				    FV_QUEUE_NUM, FV_QUEUE_READY, FV_QUEUE_NOTIFY, FV_INTERRUPT_ACK, FV_STATUS,
				    FV_QUEUE_DESC_LOW, FV_QUEUE_DRIVER_LOW, FV_QUEUE_DEVICE_LOW, FV_QUEUE_DESC_HIGH };
	static const u32 values[] = { 0, 1, 2, 3, 4, 7, 8, 15, 64, 256, (u32)GOOD_FEATURES, (u32)QBASE,
				      (u32)QBASE + 0x1000, (u32)QBASE + 0x2000, 0xffffffff };
	u64 reg = regs[rnd() % ARRAY_SIZE(regs)];
	u32 v = rnd() % 4 ? values[rnd() % ARRAY_SIZE(values)] : (u32)rnd();

	if (reg == FV_STATUS && rnd() % 2)
		v = (fv_r(net, FV_STATUS) | (1u << (rnd() % 4))) & 0xff; /* one more status bit */
	fv_w(net, reg, v);
}

/* Whatever a driver did, the state Keel saves restores, to the same bytes. */
static void test_restore_every_saved_state(void **state)
{
	(void)state;
	rng = 0x2545f4914f6cdd1dull;
	for (u32 round = 0; round < 400; round++) {
		u32 len;

		for (u32 i = 0; i < 12; i++)
			poke();
		len = net->kind->save(net, saved[0]);
		net->kind->reset(net);
		if (!net->kind->restore(net, saved[0], len))
			fail_msg("round %u: a state Keel saved was refused (status 0x%x, features 0x%llx)", round,
				 ((struct virtio_saved *)saved[0])->status,
				 (unsigned long long)((struct virtio_saved *)saved[0])->driver_features);
		assert_int_equal(net->kind->save(net, saved[1]), len);
		assert_memory_equal(saved[0], saved[1], len);
		if (round % 16 == 0)
			fv_w(net, FV_STATUS, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_identity_and_config, setup),
		cmocka_unit_test_setup(test_bad_widths_refused, setup),
		cmocka_unit_test_setup(test_feature_negotiation, setup),
		cmocka_unit_test_setup(test_queue_setup, setup),
		cmocka_unit_test_setup(test_bad_queue_breaks_device, setup),
		cmocka_unit_test_setup(test_reset_by_status_zero, setup),
		cmocka_unit_test_setup(test_used_interrupt, setup),
		cmocka_unit_test_setup(test_no_service_without_features_ok, setup),
		cmocka_unit_test_setup(test_malformed_ring_breaks_on_notify, setup),
		cmocka_unit_test_setup(test_notify_retried_while_filling, setup),
		cmocka_unit_test_setup(test_notify_nonexistent_queue, setup),
		cmocka_unit_test_setup(test_save_restore_round_trip, setup),
		cmocka_unit_test_setup(test_restore_refuses_corrupt_state, setup),
		cmocka_unit_test_setup(test_restore_mid_negotiation, setup),
		cmocka_unit_test_setup(test_restore_every_saved_state, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
