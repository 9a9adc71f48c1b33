/*
 * virtio-mmio version 2 for bare-metal test guests (virtio 1.2: 4.2 the MMIO
 * transport, 2.7 split virtqueues, 3.1 device initialisation). A device is
 * found in the tree by compatible "virtio,mmio", gets two static queues
 * (receive 0, transmit 1), and buffer i of a queue is always described by
 * descriptor i, so a used element's id names its buffer and no free list is
 * needed. The MMU is off: every access is a Device access, aligned, and in
 * program order, so the barriers below are only for the compiler and for the
 * other side of the ring (a DSB before a notify, spec 2.7.13).
 */
#include <guest/fdt.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/string.h>
#include <guest/sysreg.h>
#include <guest/timer.h>
#include <guest/virtio.h>

#define VIRTIO_RESET_WAIT_MS 1000
#define GICD_ISPENDR(n) (PLAT_GICD_BASE + 0x200u + 4u * (n))
#define DT_IRQ_SPI 0u
#define DT_SPI_BASE 32u

/* Two queues per device, one slot per virtio node of the tree, in tree order. */
static struct virtq queues[VIRTIO_MAX_DEVS][VIRTIO_NUM_QUEUES] __attribute__((aligned(4096)));

uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off)
{
	return mmio_read32(dev->base + off);
}

void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t val)
{
	mmio_write32(dev->base + off, val);
}

uint8_t virtio_config8(const struct virtio_dev *dev, uint32_t off)
{
	return *(volatile uint8_t *)(dev->base + VIRTIO_MMIO_CONFIG + off);
}

/* Does the string list prop (len bytes) contain s? */
static bool strlist_has(const char *prop, uint32_t len, const char *s)
{
	size_t n = strlen(s);

	for (uint32_t at = 0; at < len;) {
		size_t l = strlen(prop + at);

		if (l == n && memcmp(prop + at, s, n) == 0)
			return true;
		at += (uint32_t)l + 1;
	}
	return false;
}

/* Fills dev from the tree node at path if it is a virtio-mmio v2 window; false if not. */
static bool virtio_from_node(const char *path, struct virtio_dev *dev)
{
	uint32_t len;
	const char *compat = fdt_getprop(path, "compatible", &len);
	const uint8_t *irq;
	uint64_t base;

	if (!compat || len == 0 || compat[len - 1] != '\0' || !strlist_has(compat, len, "virtio,mmio"))
		return false;
	if (!fdt_read_u64_at(path, "reg", 0, &base))
		return false;
	memset(dev, 0, sizeof(*dev));
	dev->base = (uintptr_t)base;
	irq = fdt_getprop(path, "interrupts", &len);
	if (irq && len == 12 && fdt_be32(irq) == DT_IRQ_SPI)
		dev->intid = fdt_be32(irq + 4) + DT_SPI_BASE;
	if (virtio_read32(dev, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE ||
	    virtio_read32(dev, VIRTIO_MMIO_VERSION) != 2) {
		printf("virtio: %s: not a virtio-mmio version 2 device\n", path);
		return false;
	}
	dev->device_id = virtio_read32(dev, VIRTIO_MMIO_DEVICE_ID);
	return true;
}

bool virtio_find(uint32_t device_id, unsigned int nth, struct virtio_dev *dev)
{
	char name[64], path[sizeof(name) + 1];
	unsigned int slot = 0;

	for (uint32_t i = 0; fdt_child_name("/", i, name, sizeof(name)); i++) {
		snprintf(path, sizeof(path), "/%s", name);
		if (!virtio_from_node(path, dev) || dev->device_id == 0)
			continue; /* not a device, or a transport with nothing behind it (spec 4.2.2) */
		if (slot >= VIRTIO_MAX_DEVS)
			return false;
		if (dev->device_id == device_id && nth-- == 0) {
			dev->q[VIRTIO_RX] = &queues[slot][VIRTIO_RX];
			dev->q[VIRTIO_TX] = &queues[slot][VIRTIO_TX];
			snprintf(dev->node, sizeof(dev->node), "%s", name);
			return true;
		}
		slot++;
	}
	return false;
}

bool virtio_reset(struct virtio_dev *dev)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(VIRTIO_RESET_WAIT_MS);

	virtio_write32(dev, VIRTIO_MMIO_STATUS, 0);
	/* Spec 4.2.3.1: the reset is done when Status reads 0. */
	while (virtio_read32(dev, VIRTIO_MMIO_STATUS) != 0) {
		if (timer_now() > end) {
			printf("virtio: %s: Status not 0 after reset\n", dev->node);
			return false;
		}
	}
	return true;
}

static uint64_t virtio_device_features(struct virtio_dev *dev)
{
	uint64_t f;

	virtio_write32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)virtio_read32(dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	virtio_write32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | virtio_read32(dev, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void virtio_write_addr(struct virtio_dev *dev, uint32_t low_off, const void *p)
{
	virtio_write32(dev, low_off, (uint32_t)(uintptr_t)p);
	virtio_write32(dev, low_off + 4, (uint32_t)((uintptr_t)p >> 32));
}

/* Clears queue qi's rings and driver state and hands the rings to the device (spec 4.2.3.2). */
static bool virtq_setup(struct virtio_dev *dev, uint32_t qi)
{
	struct virtq *q = dev->q[qi];

	virtio_write32(dev, VIRTIO_MMIO_QUEUE_SEL, qi);
	if (virtio_read32(dev, VIRTIO_MMIO_QUEUE_READY) != 0 ||
	    virtio_read32(dev, VIRTIO_MMIO_QUEUE_NUM_MAX) < VIRTQ_SIZE) {
		printf("virtio: %s: queue %u busy or smaller than %u\n", dev->node, qi, VIRTQ_SIZE);
		return false;
	}
	memset(q->desc, 0, sizeof(q->desc));
	memset(&q->avail, 0, sizeof(q->avail));
	memset(&q->used, 0, sizeof(q->used));
	q->avail_idx = q->kicked_idx = q->last_used = 0;
	q->busy = q->sent = 0;
	q->rx_slot = -1;
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NUM, VIRTQ_SIZE);
	virtio_write_addr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, q->desc);
	virtio_write_addr(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, &q->avail);
	virtio_write_addr(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, &q->used);
	dsb(sy);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	return true;
}

bool virtio_init(struct virtio_dev *dev, uint64_t want)
{
	uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	uint64_t offered;

	if (!virtio_reset(dev))
		return false;
	virtio_write32(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_write32(dev, VIRTIO_MMIO_STATUS, status);
	offered = virtio_device_features(dev);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		printf("virtio: %s: VERSION_1 not offered (features 0x%lx)\n", dev->node, offered);
		return false;
	}
	dev->features = offered & (want | VIRTIO_F_VERSION_1);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(dev->features >> 32));
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)dev->features);
	status |= VIRTIO_STATUS_FEATURES_OK;
	virtio_write32(dev, VIRTIO_MMIO_STATUS, status);
	if (!(virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		printf("virtio: %s: features 0x%lx refused\n", dev->node, dev->features);
		return false;
	}
	for (uint32_t qi = 0; qi < VIRTIO_NUM_QUEUES; qi++) {
		if (!virtq_setup(dev, qi))
			return false;
	}
	virtio_write32(dev, VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_DRIVER_OK);
	return true;
}

uint32_t virtio_irq_take(struct virtio_dev *dev)
{
	uint32_t bits = virtio_read32(dev, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (bits)
		virtio_write32(dev, VIRTIO_MMIO_INTERRUPT_ACK, bits);
	return bits;
}

bool virtio_spi_pending(const struct virtio_dev *dev)
{
	if (dev->intid < DT_SPI_BASE)
		return false;
	return mmio_read32(GICD_ISPENDR(dev->intid / 32)) & (1u << (dev->intid % 32));
}

void virtq_publish(struct virtio_dev *dev, uint32_t qi, uint16_t head)
{
	struct virtq *q = dev->q[qi];
	volatile struct virtq_avail *avail = &q->avail;

	avail->ring[q->avail_idx % VIRTQ_SIZE] = head;
	dsb(sy); /* the descriptor and ring entry before the index that publishes them (spec 2.7.13.2) */
	avail->idx = ++q->avail_idx;
}

void virtq_kick(struct virtio_dev *dev, uint32_t qi)
{
	struct virtq *q = dev->q[qi];
	uint16_t old = q->kicked_idx, now = q->avail_idx, event;

	dsb(sy); /* the index before reading the device's event index and before the notify */
	q->kicked_idx = now;
	if (dev->features & VIRTIO_F_EVENT_IDX) {
		/* Spec 2.7.10: notify only if avail_event lies in [old, now). */
		event = ((volatile struct virtq_used *)&q->used)->avail_event;
		if ((uint16_t)(now - event - 1) >= (uint16_t)(now - old))
			return;
	}
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, qi);
}

bool virtq_has_used(struct virtio_dev *dev, uint32_t qi)
{
	struct virtq *q = dev->q[qi];

	return ((volatile struct virtq_used *)&q->used)->idx != q->last_used;
}

bool virtq_pop_used(struct virtio_dev *dev, uint32_t qi, uint32_t *id, uint32_t *len)
{
	struct virtq *q = dev->q[qi];
	volatile struct virtq_used *used = &q->used;

	if (!virtq_has_used(dev, qi))
		return false;
	dsb(sy); /* the index before the element it covers */
	*id = used->ring[q->last_used % VIRTQ_SIZE].id;
	*len = used->ring[q->last_used % VIRTQ_SIZE].len;
	q->last_used++;
	/* With EVENT_IDX: signal me at the next used buffer (polled guests ignore it, Keel must not). */
	((volatile struct virtq_avail *)&q->avail)->used_event = q->last_used;
	return true;
}

void virtq_post_buf(struct virtio_dev *dev, uint32_t qi, uint16_t i, uint32_t len, bool writable)
{
	struct virtq *q = dev->q[qi];
	volatile struct virtq_desc *d = &q->desc[i];

	d->addr = (uintptr_t)q->buf[i];
	d->len = len;
	d->flags = writable ? VIRTQ_DESC_F_WRITE : 0;
	d->next = 0;
	virtq_publish(dev, qi, i);
}

void virtq_fill_rx(struct virtio_dev *dev, uint32_t qi)
{
	for (uint16_t i = 0; i < VIRTQ_SIZE; i++)
		virtq_post_buf(dev, qi, i, VIRTQ_BUF_SIZE, true);
	virtq_kick(dev, qi);
}

/* Marks the transmit buffers the device has used as free again. */
static void virtio_tx_reclaim(struct virtio_dev *dev)
{
	uint32_t id, len;

	while (virtq_pop_used(dev, VIRTIO_TX, &id, &len)) {
		if (id < VIRTQ_SIZE)
			dev->q[VIRTIO_TX]->busy &= ~(1u << id);
		else
			printf("virtio: %s: used id %u out of range\n", dev->node, id);
	}
}

uint32_t virtio_tx_pending(struct virtio_dev *dev)
{
	uint32_t n = 0;

	virtio_tx_reclaim(dev);
	/* Counted by hand: libgcc's popcount uses SIMD registers, which guests keep off. */
	for (uint32_t busy = dev->q[VIRTIO_TX]->busy; busy; busy &= busy - 1)
		n++;
	return n;
}

/* A free transmit buffer's index, or -1. */
static int virtio_tx_slot(struct virtio_dev *dev)
{
	uint32_t free;

	virtio_tx_reclaim(dev);
	free = ~dev->q[VIRTIO_TX]->busy;
	return free ? __builtin_ctz(free) : -1;
}

/*
 * Transmits buffer i's first len bytes: directly, or for every other buffer
 * with INDIRECT_DESC through a two-entry indirect table that splits off the
 * net header (hdr bytes; 0 for a console), so Keel's indirect path carries
 * real traffic too.
 */
static void virtio_tx_buf(struct virtio_dev *dev, uint16_t i, uint32_t len, uint32_t hdr)
{
	struct virtq *q = dev->q[VIRTIO_TX];
	volatile struct virtq_desc *t = q->indirect[i];

	q->busy |= 1u << i;
	if (!(dev->features & VIRTIO_F_INDIRECT_DESC) || q->sent++ % 2 == 0 || len <= hdr) {
		virtq_post_buf(dev, VIRTIO_TX, i, len, false);
	} else {
		t[0].addr = (uintptr_t)q->buf[i];
		t[0].len = hdr ? hdr : 1;
		t[0].flags = VIRTQ_DESC_F_NEXT;
		t[0].next = 1;
		t[1].addr = (uintptr_t)q->buf[i] + t[0].len;
		t[1].len = len - t[0].len;
		t[1].flags = 0;
		t[1].next = 0;
		q->desc[i].addr = (uintptr_t)t;
		q->desc[i].len = 2 * sizeof(struct virtq_desc);
		q->desc[i].flags = VIRTQ_DESC_F_INDIRECT;
		q->desc[i].next = 0;
		virtq_publish(dev, VIRTIO_TX, i);
	}
	virtq_kick(dev, VIRTIO_TX);
}

bool virtio_net_init(struct virtio_dev *dev, uint8_t mac[6])
{
	if (!virtio_init(dev, VIRTIO_NET_F_MAC | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC))
		return false;
	if (!(dev->features & VIRTIO_NET_F_MAC)) {
		printf("virtio: %s: no MAC offered\n", dev->node);
		return false;
	}
	for (uint32_t i = 0; i < 6; i++)
		mac[i] = virtio_config8(dev, i); /* virtio_net_config.mac (spec 5.1.4) */
	virtq_fill_rx(dev, VIRTIO_RX);
	return true;
}

bool virtio_net_send(struct virtio_dev *dev, const void *frame, size_t len)
{
	int i = virtio_tx_slot(dev);
	uint8_t *b;

	if (i < 0 || len > VIRTQ_BUF_SIZE - VIRTIO_NET_HDR_SIZE)
		return false;
	b = dev->q[VIRTIO_TX]->buf[i];
	memset(b, 0, VIRTIO_NET_HDR_SIZE); /* no offloads; num_buffers is the device's to set */
	memcpy(b + VIRTIO_NET_HDR_SIZE, frame, len);
	virtio_tx_buf(dev, (uint16_t)i, (uint32_t)(VIRTIO_NET_HDR_SIZE + len), VIRTIO_NET_HDR_SIZE);
	return true;
}

int virtio_net_recv(struct virtio_dev *dev, void *frame, size_t cap)
{
	uint32_t id, len;
	int n = -1;

	if (!virtq_pop_used(dev, VIRTIO_RX, &id, &len))
		return -1;
	if (id >= VIRTQ_SIZE) {
		printf("virtio: %s: receive id %u out of range\n", dev->node, id);
		return -1;
	}
	if (len >= VIRTIO_NET_HDR_SIZE && len <= VIRTQ_BUF_SIZE) {
		n = (int)(len - VIRTIO_NET_HDR_SIZE);
		if ((size_t)n > cap)
			n = (int)cap;
		memcpy(frame, dev->q[VIRTIO_RX]->buf[id] + VIRTIO_NET_HDR_SIZE, (size_t)n);
	} else {
		printf("virtio: %s: receive length %u out of range\n", dev->node, len);
	}
	virtq_post_buf(dev, VIRTIO_RX, (uint16_t)id, VIRTQ_BUF_SIZE, true);
	virtq_kick(dev, VIRTIO_RX);
	return n;
}

bool virtio_console_init(struct virtio_dev *dev)
{
	if (!virtio_init(dev, VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC))
		return false;
	virtq_fill_rx(dev, VIRTIO_RX);
	return true;
}

size_t virtio_console_send(struct virtio_dev *dev, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int i;

	while (done < len && (i = virtio_tx_slot(dev)) >= 0) {
		size_t n = len - done < VIRTQ_BUF_SIZE ? len - done : VIRTQ_BUF_SIZE;

		memcpy(dev->q[VIRTIO_TX]->buf[i], p + done, n);
		virtio_tx_buf(dev, (uint16_t)i, (uint32_t)n, 0);
		done += n;
	}
	return done;
}

bool virtio_console_write(struct virtio_dev *dev, const void *buf, size_t len, uint32_t ms)
{
	const uint8_t *p = buf;
	uint64_t end = timer_now() + timer_ms_to_ticks(ms);

	while (len || virtio_tx_pending(dev)) {
		size_t n = virtio_console_send(dev, p, len);

		p += n;
		len -= n;
		if (n)
			end = timer_now() + timer_ms_to_ticks(ms);
		else if (timer_now() > end)
			return false;
	}
	return true;
}

size_t virtio_console_read(struct virtio_dev *dev, void *buf, size_t cap)
{
	struct virtq *q = dev->q[VIRTIO_RX];
	uint32_t id, len;
	size_t n;

	if (q->rx_slot < 0) {
		if (!virtq_pop_used(dev, VIRTIO_RX, &id, &len))
			return 0;
		if (id >= VIRTQ_SIZE || len > VIRTQ_BUF_SIZE) {
			printf("virtio: %s: receive id %u length %u out of range\n", dev->node, id, len);
			return 0;
		}
		q->rx_slot = (int32_t)id;
		q->rx_len = len;
		q->rx_off = 0;
	}
	n = q->rx_len - q->rx_off < cap ? q->rx_len - q->rx_off : cap;
	memcpy(buf, q->buf[q->rx_slot] + q->rx_off, n);
	q->rx_off += (uint32_t)n;
	if (q->rx_off == q->rx_len) {
		virtq_post_buf(dev, VIRTIO_RX, (uint16_t)q->rx_slot, VIRTQ_BUF_SIZE, true);
		virtq_kick(dev, VIRTIO_RX);
		q->rx_slot = -1;
	}
	return n;
}
