/*
 * A small virtio-mmio (version 2) driver for bare-metal test guests (virtio
 * 1.2 spec, 4.2 MMIO transport, 2.7 split virtqueues, 5.1 net, 5.3 console).
 * Devices are found in the device tree Keel passes (compatible "virtio,mmio"),
 * each gets two split virtqueues of VIRTQ_SIZE entries in static guest RAM,
 * and descriptor i of a queue always points at that queue's buffer i, so a
 * head index names its buffer. Everything is polled; the SPI's pending state
 * can be read from the distributor for tests that check it is raised.
 *
 * The ring layouts and register offsets are public so that hostile tests can
 * write malformed descriptors themselves and publish them with virtq_publish().
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MMIO registers (spec 4.2.2); offsets below 0x100 take 32-bit accesses only. */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_CONSOLE 3u

/* Device status (spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VIRTIO_STATUS_DRIVER 0x02u
#define VIRTIO_STATUS_DRIVER_OK 0x04u
#define VIRTIO_STATUS_FEATURES_OK 0x08u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* InterruptStatus bits (spec 4.2.2). */
#define VIRTIO_INT_USED 0x1u
#define VIRTIO_INT_CONFIG 0x2u

/* Feature bits (spec 6, 5.1.3). */
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* Descriptor flags (spec 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u

#define VIRTQ_SIZE 32u        /* entries per queue; Keel offers up to 256 */
#define VIRTQ_BUF_SIZE 2048u  /* one buffer per descriptor: a whole frame and its header */
#define VIRTIO_NUM_QUEUES 2u  /* net and console: 0 receive, 1 transmit */
#define VIRTIO_RX 0u
#define VIRTIO_TX 1u
#define VIRTIO_MAX_DEVS 4u    /* devices one guest can drive */

/* The 12-byte header before every frame once VERSION_1 is accepted (spec 5.1.6). */
#define VIRTIO_NET_HDR_SIZE 12u
#define VIRTIO_NET_MAX_FRAME 1514u /* Ethernet header and 1500 bytes of payload */

/* Split-ring layouts (spec 2.7.5, 2.7.6, 2.7.8), little-endian like the CPU. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[VIRTQ_SIZE];
	uint16_t used_event; /* with EVENT_IDX: interrupt me when used idx passes this */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[VIRTQ_SIZE];
	uint16_t avail_event; /* with EVENT_IDX: notify me when avail idx passes this */
};

/* One queue: the rings, one indirect table and one buffer per descriptor, and the driver's indices. */
struct virtq {
	struct virtq_desc desc[VIRTQ_SIZE] __attribute__((aligned(16)));
	struct virtq_avail avail __attribute__((aligned(16)));
	struct virtq_used used __attribute__((aligned(16)));
	struct virtq_desc indirect[VIRTQ_SIZE][2] __attribute__((aligned(16)));
	uint8_t buf[VIRTQ_SIZE][VIRTQ_BUF_SIZE] __attribute__((aligned(16)));
	uint16_t avail_idx;  /* next avail ring index to fill */
	uint16_t kicked_idx; /* avail_idx at the last notify decision */
	uint16_t last_used;  /* next used ring index to read */
	uint32_t busy;       /* bit i: buffer i is with the device (transmit queues) */
	uint32_t sent;       /* buffers transmitted so far; odd ones go through indirect tables */
	int32_t rx_slot;     /* console receive: the buffer being read, or -1 */
	uint32_t rx_len, rx_off;
};

struct virtio_dev {
	uintptr_t base;     /* the 4 KiB register window */
	uint32_t device_id; /* VIRTIO_ID_* as the DeviceID register says */
	uint32_t intid;     /* its SPI's INTID from the tree, 0 if none was given */
	uint64_t features;  /* negotiated */
	struct virtq *q[VIRTIO_NUM_QUEUES];
	char node[32];      /* device-tree node name, for messages */
};

/*
 * Finds the nth (from 0) "virtio,mmio" node of the tree whose DeviceID
 * register reads device_id, checks the magic value and version 2, and fills
 * dev (queues assigned, nothing written to the device). False if none.
 */
bool virtio_find(uint32_t device_id, unsigned int nth, struct virtio_dev *dev);
/* Register access; off below 0x100 is read and written 32 bits at a time. */
uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off);
void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t val);
/* Config space byte at off (from 0x100), read with a one-byte access. */
uint8_t virtio_config8(const struct virtio_dev *dev, uint32_t off);
/* Writes 0 to Status and waits (up to 1 s) until it reads 0; false if it never does. */
bool virtio_reset(struct virtio_dev *dev);
/*
 * Resets and brings the device up (spec 3.1.1): accepts VERSION_1 and those
 * of want the device offers, sets up both queues at their static rings and
 * sets DRIVER_OK. False, with a message, if any step is refused.
 */
bool virtio_init(struct virtio_dev *dev, uint64_t want);
/* Reads InterruptStatus and acknowledges the bits it shows; returns them. */
uint32_t virtio_irq_take(struct virtio_dev *dev);
/* Whether the device's SPI is pending at the distributor (GICD_ISPENDR). */
bool virtio_spi_pending(const struct virtio_dev *dev);

/* Makes descriptor head available on queue qi (no notify). */
void virtq_publish(struct virtio_dev *dev, uint32_t qi, uint16_t head);
/* Notifies queue qi if the device asked to be (EVENT_IDX) or always without it. */
void virtq_kick(struct virtio_dev *dev, uint32_t qi);
/* Takes the next used element of queue qi, if any: its id and written length. */
bool virtq_pop_used(struct virtio_dev *dev, uint32_t qi, uint32_t *id, uint32_t *len);
/* Points descriptor i of queue qi at buffer i (len bytes, device-writable or not) and publishes it. */
void virtq_post_buf(struct virtio_dev *dev, uint32_t qi, uint16_t i, uint32_t len, bool writable);
/* Posts every buffer of queue qi as a device-writable receive buffer and notifies. */
void virtq_fill_rx(struct virtio_dev *dev, uint32_t qi);
/* Whether queue qi has used elements not yet popped. */
bool virtq_has_used(struct virtio_dev *dev, uint32_t qi);

/* Net (spec 5.1): init also reads the MAC and posts every receive buffer. */
bool virtio_net_init(struct virtio_dev *dev, uint8_t mac[6]);
/*
 * Queues one frame (14..1514 bytes, header added here; lengths outside
 * that are sent as given, for tests). False if every transmit buffer is
 * still with the device. Odd frames go through an indirect table when
 * INDIRECT_DESC was negotiated.
 */
bool virtio_net_send(struct virtio_dev *dev, const void *frame, size_t len);
/* Copies one received frame (header stripped) into frame; its length, or -1 if none is waiting. */
int virtio_net_recv(struct virtio_dev *dev, void *frame, size_t cap);
/* Transmit buffers still with the device (after reclaiming the used ones). */
uint32_t virtio_tx_pending(struct virtio_dev *dev);

/* Console (spec 5.3), one port: init posts every receive buffer. */
bool virtio_console_init(struct virtio_dev *dev);
/* Queues as much of buf as free transmit buffers hold; returns bytes taken (0 when full). */
size_t virtio_console_send(struct virtio_dev *dev, const void *buf, size_t len);
/* Sends all of buf and waits until the device has used it; false after ms without progress. */
bool virtio_console_write(struct virtio_dev *dev, const void *buf, size_t len, uint32_t ms);
/* Copies up to cap received bytes into buf; returns how many (0 if none). */
size_t virtio_console_read(struct virtio_dev *dev, void *buf, size_t cap);

#endif
