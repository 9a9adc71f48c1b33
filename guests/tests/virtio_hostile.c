/*
 * test-virtio_hostile: a VM that abuses its two virtio devices (configs/
 * tests/virtio-hostile.dts): a console connected to Keel's console and a
 * net port on the network of the well-behaved pair (virtio_net_pair.c).
 *
 * On each device's transmit queue it writes one malformed request at a
 * time (a buffer outside its RAM, a huge length, a descriptor loop, a next
 * index past the queue, a chain longer than the queue, indirect tables that
 * loop, nest, lie outside RAM or have a length not a multiple of 16, a head
 * index past the queue, an avail index that jumps), and it sets up queues
 * with rings outside RAM or misaligned (refused at QueueReady or when the
 * queue is first used, either is safe). Keel must answer each with
 * DEVICE_NEEDS_RESET in Status, InterruptStatus bit 1 and the device's SPI
 * pending, stop, and after a reset (Status 0) and a new set-up work again:
 * the console prints a line, the net port takes a frame. Notifies of queues
 * that do not exist (ignored, or refused as above) and a storm of notifies
 * (legal, no reset) must leave the device working.
 * Between cases, and at the end until the pair's broadcast echoes (every
 * 100th frame) show it is nearly done, it sends frames Keel's switch must
 * drop (forged source MAC, oversized, undersized); the pair counts any frame
 * that is not from its partner as a failure.
 */
#include <guest/exception.h>
#include <guest/fdt.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/sysreg.h>
#include <guest/timer.h>
#include <guest/virtio.h>

#include "virtio_test.h"

#define WAIT_MS 1000u
#define STORM_NOTIFIES 20000u
#define FLOOD_MIN_MS 5000u     /* flooding at the end: at least this long, */
#define FLOOD_MAX_MS 20000u    /* at most this long (the pair may have finished before the end), */
#define PAIR_LAST_BROADCAST 900u /* and until the pair's echo of this frame went by */
#define NOTIFY_SETTLE_MS 100u
#define FLOOD_EACH 8u          /* frames of each bad kind per flood */
#define LONG_CHAIN 64u         /* indirect entries: twice the queue size */

struct hostile {
	struct virtio_dev net, con;
	uint8_t mac[6];
	uint64_t ram_base, ram_end;
	uint32_t flooded;
	uint32_t broadcasts, pair_seq; /* the pair's broadcast echoes seen, and the last one's number + 1 */
	struct virtq_desc table[LONG_CHAIN] __attribute__((aligned(16)));
	struct virtq_desc inner[2] __attribute__((aligned(16)));
	uint8_t frame[2048];
	uint8_t rx[2048];
};

static struct hostile h;

static volatile struct virtq_desc *tx_desc(struct virtio_dev *dev, uint32_t i)
{
	return &dev->q[VIRTIO_TX]->desc[i];
}

static void desc_set(volatile struct virtq_desc *d, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static uint64_t tx_buf(struct virtio_dev *dev)
{
	return (uintptr_t)dev->q[VIRTIO_TX]->buf[0];
}

/* Descriptor 0 of the transmit queue made (addr, len, flags), published and notified. */
static void send_desc0(struct virtio_dev *dev, uint64_t addr, uint32_t len, uint16_t flags)
{
	desc_set(tx_desc(dev, 0), addr, len, flags, 0);
	virtq_publish(dev, VIRTIO_TX, 0);
	virtq_kick(dev, VIRTIO_TX);
}

static void bad_addr_outside(struct virtio_dev *dev) { send_desc0(dev, h.ram_end, 64, 0); }
static void bad_addr_straddle(struct virtio_dev *dev) { send_desc0(dev, h.ram_end - 32, 64, 0); }
static void bad_addr_zero(struct virtio_dev *dev) { send_desc0(dev, 0, 64, 0); }
static void bad_len_huge(struct virtio_dev *dev) { send_desc0(dev, tx_buf(dev), 0xffffffffu, 0); }

static void bad_loop(struct virtio_dev *dev)
{
	desc_set(tx_desc(dev, 1), tx_buf(dev), 16, VIRTQ_DESC_F_NEXT, 0);
	desc_set(tx_desc(dev, 0), tx_buf(dev), 16, VIRTQ_DESC_F_NEXT, 1);
	virtq_publish(dev, VIRTIO_TX, 0);
	virtq_kick(dev, VIRTIO_TX);
}

static void bad_next_range(struct virtio_dev *dev)
{
	desc_set(tx_desc(dev, 0), tx_buf(dev), 16, VIRTQ_DESC_F_NEXT, VIRTQ_SIZE + 5);
	virtq_publish(dev, VIRTIO_TX, 0);
	virtq_kick(dev, VIRTIO_TX);
}

/* A linear indirect chain of LONG_CHAIN entries: no loop, but longer than the queue. */
static void bad_long_chain(struct virtio_dev *dev)
{
	for (uint16_t i = 0; i < LONG_CHAIN; i++)
		desc_set(&h.table[i], tx_buf(dev), 1, i + 1u < LONG_CHAIN ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	send_desc0(dev, (uintptr_t)h.table, sizeof(h.table), VIRTQ_DESC_F_INDIRECT);
}

static void bad_indirect_self(struct virtio_dev *dev)
{
	desc_set(&h.table[0], tx_buf(dev), 16, VIRTQ_DESC_F_NEXT, 1);
	desc_set(&h.table[1], tx_buf(dev), 16, VIRTQ_DESC_F_NEXT, 0);
	send_desc0(dev, (uintptr_t)h.table, 2 * sizeof(h.table[0]), VIRTQ_DESC_F_INDIRECT);
}

static void bad_indirect_nested(struct virtio_dev *dev)
{
	desc_set(&h.inner[0], tx_buf(dev), 16, 0, 0);
	desc_set(&h.table[0], (uintptr_t)h.inner, sizeof(h.inner[0]), VIRTQ_DESC_F_INDIRECT, 0);
	send_desc0(dev, (uintptr_t)h.table, sizeof(h.table[0]), VIRTQ_DESC_F_INDIRECT);
}

static void bad_indirect_outside(struct virtio_dev *dev)
{
	send_desc0(dev, h.ram_end - 16, 2 * sizeof(struct virtq_desc), VIRTQ_DESC_F_INDIRECT);
}

static void bad_indirect_len(struct virtio_dev *dev)
{
	desc_set(&h.table[0], tx_buf(dev), 16, 0, 0);
	desc_set(&h.table[1], tx_buf(dev), 16, 0, 0);
	send_desc0(dev, (uintptr_t)h.table, 24, VIRTQ_DESC_F_INDIRECT);
}

static void bad_head(struct virtio_dev *dev)
{
	desc_set(tx_desc(dev, 0), tx_buf(dev), 16, 0, 0);
	virtq_publish(dev, VIRTIO_TX, VIRTQ_SIZE + 3);
	virtq_kick(dev, VIRTIO_TX);
}

static void bad_avail_jump(struct virtio_dev *dev)
{
	struct virtq *q = dev->q[VIRTIO_TX];

	for (uint16_t i = 0; i < VIRTQ_SIZE; i++) {
		desc_set(tx_desc(dev, i), tx_buf(dev), 16, 0, 0);
		((volatile struct virtq_avail *)&q->avail)->ring[i] = i;
	}
	q->avail_idx += VIRTQ_SIZE + 100;
	dsb(sy);
	((volatile struct virtq_avail *)&q->avail)->idx = q->avail_idx;
	virtq_kick(dev, VIRTIO_TX);
}

struct bad_case {
	const char *name;
	void (*make)(struct virtio_dev *dev);
};

static const struct bad_case desc_cases[] = {
	{ "buffer past the end of RAM", bad_addr_outside },
	{ "buffer straddling the end of RAM", bad_addr_straddle },
	{ "buffer at address 0", bad_addr_zero },
	{ "length 0xffffffff", bad_len_huge },
	{ "descriptor loop", bad_loop },
	{ "next index past the queue", bad_next_range },
	{ "indirect chain longer than the queue", bad_long_chain },
	{ "indirect table looping on itself", bad_indirect_self },
	{ "indirect inside indirect", bad_indirect_nested },
	{ "indirect table outside RAM", bad_indirect_outside },
	{ "indirect length not a multiple of 16", bad_indirect_len },
	{ "head index past the queue", bad_head },
	{ "avail index jumping past the queue size", bad_avail_jump },
};

/*
 * Ring placements Keel must refuse: misaligned ones when QueueReady is set,
 * ones outside RAM then or at the latest when the queue is used (the
 * transmit queue, with one buffer published, notified after DRIVER_OK).
 */
struct ring_case {
	const char *name;
	uint32_t misalign[3];  /* added to the desc, avail and used ring addresses */
	bool outside[3];       /* that ring placed just past the end of RAM instead */
};

static const struct ring_case ring_cases[] = {
	{ "descriptor ring outside RAM", { 0, 0, 0 }, { true, false, false } },
	{ "avail ring outside RAM", { 0, 0, 0 }, { false, true, false } },
	{ "used ring outside RAM", { 0, 0, 0 }, { false, false, true } },
	{ "descriptor ring misaligned (8)", { 8, 0, 0 }, { false, false, false } },
	{ "avail ring misaligned (1)", { 0, 1, 0 }, { false, false, false } },
	{ "used ring misaligned (2)", { 0, 0, 2 }, { false, false, false } },
};

/* Queue register pair at low_off set to addr. */
static void queue_addr(struct virtio_dev *dev, uint32_t low_off, uint64_t addr)
{
	virtio_write32(dev, low_off, (uint32_t)addr);
	virtio_write32(dev, low_off + 4, (uint32_t)(addr >> 32));
}

/*
 * Resets dev, negotiates VERSION_1 only, readies the transmit queue at the
 * case's rings with one buffer published, sets DRIVER_OK and notifies.
 * Returns whether NEEDS_RESET was already set right after QueueReady.
 */
static bool bad_rings(struct virtio_dev *dev, const struct ring_case *c)
{
	struct virtq *q = dev->q[VIRTIO_TX];
	uint64_t ring[3] = { (uintptr_t)q->desc, (uintptr_t)&q->avail, (uintptr_t)&q->used };
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	bool early;

	for (int i = 0; i < 3; i++)
		ring[i] = c->outside[i] ? h.ram_end : ring[i] + c->misalign[i];
	virtio_reset(dev);
	memset(&q->avail, 0, sizeof(q->avail));
	memset(&q->used, 0, sizeof(q->used));
	/* What a console prints if the device uses this buffer before refusing the rings. */
	memcpy(q->buf[0], "(ring probe)...\n", 16);
	desc_set(tx_desc(dev, 0), tx_buf(dev), 16, 0, 0);
	q->avail.ring[0] = 0;
	q->avail.idx = 1;
	virtio_write32(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(VIRTIO_F_VERSION_1 >> 32));
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	virtio_write32(dev, VIRTIO_MMIO_STATUS, st);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_TX);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NUM, VIRTQ_SIZE);
	queue_addr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, ring[0]);
	queue_addr(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, ring[1]);
	queue_addr(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, ring[2]);
	dsb(sy);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	early = virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
	virtio_write32(dev, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_TX);
	return early;
}

/* Takes what arrived: the pair's broadcast echoes (source ...:02) tell how far it has got. */
static void drain_rx(void)
{
	int n;

	while ((n = virtio_net_recv(&h.net, h.rx, sizeof(h.rx))) >= 0) {
		if (n >= 22 && h.rx[0] == 0xff && h.rx[11] == VT_PAIR_MAC_B && h.rx[12] == VT_ETHERTYPE >> 8) {
			h.broadcasts++;
			h.pair_seq = vt_get32(h.rx + 18) + 1; /* after the 14-byte header and the 4-byte magic */
		}
	}
}

/* Frames Keel's switch must drop, FLOOD_EACH of each kind; returns how many were not taken. */
static uint32_t flood_once(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *f = h.frame;
	uint32_t missed = 0;
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);

	drain_rx();
	memset(f, 0x5a, sizeof(h.frame));
	for (uint32_t i = 0; i < FLOOD_EACH; i++) {
		/* A forged source: the pair's initiator, to its responder and to everyone. */
		memcpy(f, i % 2 ? bcast : h.mac, 6);
		f[5] = i % 2 ? 0xff : VT_PAIR_MAC_B;
		memcpy(f + 6, h.mac, 6);
		f[11] = VT_PAIR_MAC_A;
		f[12] = VT_ETHERTYPE >> 8;
		f[13] = VT_ETHERTYPE & 0xff;
		missed += !virtio_net_send(&h.net, f, 60 + i * 100);
		/* Our own source, but too long or too short (1515, 2000, 13, 0 bytes). */
		memcpy(f, bcast, 6);
		memcpy(f + 6, h.mac, 6);
		missed += !virtio_net_send(&h.net, f, i % 2 ? 1515 : 2000);
		missed += !virtio_net_send(&h.net, f, i % 2 ? 13 : 0);
		h.flooded += 3;
		while (virtio_tx_pending(&h.net) > VIRTQ_SIZE / 2 && timer_now() < end)
			; /* a port that stopped taking frames shows as frames not taken */
	}
	return missed;
}

/* Waits until Status shows NEEDS_RESET; false after WAIT_MS. */
static bool wait_needs_reset(struct virtio_dev *dev)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);

	while (!(virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET)) {
		if (timer_now() > end)
			return false;
	}
	return true;
}

static bool dev_setup(struct virtio_dev *dev)
{
	uint8_t mac[6];

	return dev == &h.net ? virtio_net_init(dev, mac) : virtio_console_init(dev);
}

/* Does dev work? The console prints a line saying so; the net port's frame (dropped: forged) is taken. */
static bool dev_works(struct virtio_dev *dev, const char *after)
{
	char line[128];
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);
	int n;

	if (dev == &h.con) {
		n = snprintf(line, sizeof(line), "virtio-hostile: console works again after %s\n", after);
		return virtio_console_write(dev, line, (size_t)n, WAIT_MS);
	}
	memset(h.frame, 0, 64);
	memcpy(h.frame + 6, h.mac, 6);
	h.frame[11] ^= 0x80; /* not our source: dropped, but the buffer must be used */
	if (!virtio_net_send(dev, h.frame, 64))
		return false;
	while (virtio_tx_pending(dev)) {
		if (timer_now() > end)
			return false;
	}
	return true;
}

/* Checks Keel's answer to a malformed queue, then resets, sets up and tries dev again. */
static void expect_refused(struct virtio_dev *dev, const char *what, const char *name)
{
	bool stopped = wait_needs_reset(dev);
	uint32_t isr = virtio_read32(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
	bool spi = virtio_spi_pending(dev);

	report(stopped && (isr & VIRTIO_INT_CONFIG) && spi,
	       "virtio-hostile: %s: %s: NEEDS_RESET %s, InterruptStatus 0x%x, SPI %s", what, name,
	       stopped ? "set" : "NOT set", isr, spi ? "pending" : "NOT pending");
	virtio_reset(dev);
	spi = virtio_spi_pending(dev);
	isr = virtio_read32(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
	report(!spi && isr == 0 && dev_setup(dev) && dev_works(dev, name),
	       "virtio-hostile: %s: works again after a reset (%s)", what, name);
}

static void hostile_device(struct virtio_dev *dev, const char *what)
{
	for (uint32_t i = 0; i < sizeof(desc_cases) / sizeof(desc_cases[0]); i++) {
		desc_cases[i].make(dev);
		expect_refused(dev, what, desc_cases[i].name);
		flood_once();
	}
	for (uint32_t i = 0; i < sizeof(ring_cases) / sizeof(ring_cases[0]); i++) {
		bool early = bad_rings(dev, &ring_cases[i]);

		report_info("virtio-hostile: %s: %s: %s", what, ring_cases[i].name,
			    early ? "refused at QueueReady" : "not refused at QueueReady");
		expect_refused(dev, what, ring_cases[i].name);
		flood_once();
	}
}

/*
 * Notifies of queues that do not exist: Keel may ignore them or treat the
 * device as broken (then with the interrupt, and a reset must revive it);
 * either way the device must work afterwards. A storm of notifies of real
 * queues with nothing new in them is legal: no reset may be needed.
 */
static void hostile_notify(struct virtio_dev *dev, const char *what)
{
	const char *name = "notifies of queues 2, 0xffff and 0xffffffff";
	uint64_t t0, end;

	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NUM_QUEUES);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffff);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffffu);
	end = timer_now() + timer_ms_to_ticks(NOTIFY_SETTLE_MS);
	while (timer_now() < end && !(virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET))
		;
	if (virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) {
		report_info("virtio-hostile: %s: %s: the device asks for a reset", what, name);
		expect_refused(dev, what, name);
	} else {
		report(dev_works(dev, name), "virtio-hostile: %s: works after %s, no reset needed", what, name);
	}
	t0 = timer_now();
	for (uint32_t i = 0; i < STORM_NOTIFIES; i++)
		virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, i % 2);
	report_info("virtio-hostile: %s: %u notifies in %lu ms", what, STORM_NOTIFIES,
		    (timer_now() - t0) / timer_ms_to_ticks(1));
	report(!(virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) && dev_works(dev, "a storm of notifies"),
	       "virtio-hostile: %s: works after %u notifies, no reset needed", what, STORM_NOTIFIES);
}

/* Registers take 32-bit accesses only (an abort otherwise); config space takes 1 and 2 bytes. */
static void hostile_widths(void)
{
	uintptr_t base = h.net.base;
	uint64_t esr = 0;
	uint16_t v16;
	bool caught;

	exc_catch_begin();
	(void)*(volatile uint16_t *)(base + VIRTIO_MMIO_STATUS);
	caught = exc_catch_end(&esr, NULL);
	report(caught, "virtio-hostile: a 16-bit read of Status aborts (ESR 0x%lx)", esr);
	exc_catch_begin();
	*(volatile uint8_t *)(base + VIRTIO_MMIO_STATUS) = 0;
	caught = exc_catch_end(&esr, NULL);
	report(caught && (virtio_read32(&h.net, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK),
	       "virtio-hostile: an 8-bit write of Status aborts and changes nothing (ESR 0x%lx)", esr);
	v16 = *(volatile uint16_t *)(base + VIRTIO_MMIO_CONFIG);
	report(v16 == (h.mac[0] | h.mac[1] << 8) && virtio_config8(&h.net, 5) == h.mac[5],
	       "virtio-hostile: config space reads with 1- and 2-byte accesses");
}

void guest_main(void)
{
	uint64_t size = 0, start;

	if (!report(fdt_memory(&h.ram_base, &size), "virtio-hostile: RAM 0x%lx, %lu MiB", h.ram_base, size >> 20) ||
	    !report(virtio_find(VIRTIO_ID_NET, 0, &h.net) && virtio_net_init(&h.net, h.mac),
		    "virtio-hostile: net port set up") ||
	    !report(virtio_find(VIRTIO_ID_CONSOLE, 0, &h.con) && virtio_console_init(&h.con),
		    "virtio-hostile: console set up"))
		report_summary();
	h.ram_end = h.ram_base + size;
	report(flood_once() == 0, "virtio-hostile: first flood of forged, oversized and undersized frames taken");
	hostile_widths();
	hostile_device(&h.con, "console");
	hostile_device(&h.net, "net");
	hostile_notify(&h.con, "console");
	hostile_notify(&h.net, "net");
	start = timer_now();
	while (timer_now() - start < timer_ms_to_ticks(FLOOD_MIN_MS) ||
	       (h.pair_seq <= PAIR_LAST_BROADCAST && timer_now() - start < timer_ms_to_ticks(FLOOD_MAX_MS)))
		flood_once();
	report_info("virtio-hostile: %u broadcasts of the pair seen, the last of frame %u", h.broadcasts,
		    h.pair_seq ? h.pair_seq - 1 : 0);
	report(!(virtio_read32(&h.net, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	       "virtio-hostile: %u frames to be dropped sent, the port never needed a reset for them", h.flooded);
	dev_works(&h.con, "everything");
	report_summary();
}
