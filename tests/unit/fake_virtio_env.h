/*
 * What the virtio device tests share (tests/unit/fake_virtio_env.c): VMs
 * in vms[] built by hand with a vCPU, a vGIC, and RAM backed by a host
 * buffer of exactly its size behind a real struct guest_mem; virtio device
 * instances added as vdev_add() does at boot; and a driver that does what
 * Linux's virtio_mmio and virtio_ring do, through the device's MMIO
 * handlers and rings it builds in the VM's RAM.
 */
#ifndef KEEL_TEST_FAKE_VIRTIO_ENV_H
#define KEEL_TEST_FAKE_VIRTIO_ENV_H

#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define FV_RAM_IPA 0x40000000ull
#define FV_RAM_BYTES (2 * MiB)
#define FV_SLOW_IPA 0x80000000ull /* a second RAM region, not yet filled when a test starts */
#define FV_SLOW_BYTES (2 * MiB)
#define FV_DEV_IPA 0x0a000000ull /* the first virtio device; the next at + 0x1000 */
#define FV_DEV_IRQ 48 /* an SPI; the next device gets 49 */
#define FV_NR_SPIS 64

/* Register offsets and descriptor flags, as a driver knows them. */
#define FV_MAGIC 0x000
#define FV_VERSION 0x004
#define FV_DEVICE_ID 0x008
#define FV_VENDOR_ID 0x00c
#define FV_DEVICE_FEATURES 0x010
#define FV_DEVICE_FEATURES_SEL 0x014
#define FV_DRIVER_FEATURES 0x020
#define FV_DRIVER_FEATURES_SEL 0x024
#define FV_QUEUE_SEL 0x030
#define FV_QUEUE_NUM_MAX 0x034
#define FV_QUEUE_NUM 0x038
#define FV_QUEUE_READY 0x044
#define FV_QUEUE_NOTIFY 0x050
#define FV_INTERRUPT_STATUS 0x060
#define FV_INTERRUPT_ACK 0x064
#define FV_STATUS 0x070
#define FV_QUEUE_DESC_LOW 0x080
#define FV_QUEUE_DESC_HIGH 0x084
#define FV_QUEUE_DRIVER_LOW 0x090
#define FV_QUEUE_DRIVER_HIGH 0x094
#define FV_QUEUE_DEVICE_LOW 0x0a0
#define FV_QUEUE_DEVICE_HIGH 0x0a4
#define FV_CONFIG_GENERATION 0x0fc
#define FV_CONFIG 0x100

#define FV_F_NEXT 1
#define FV_F_WRITE 2

/* Forget every VM and device (pools, logs, the vGIC fakes); call first in each test's setup. */
void fv_reset(void);
/*
 * Build vms[index] (vms[0..index - 1] first, in order): 1 vCPU, a vGIC, and
 * RAM: FV_RAM_IPA filled and zero, FV_SLOW_IPA not filled yet.
 */
struct vm *fv_vm(u32 index);
/* Add a virtio device of kind with args to vm (at FV_DEV_IPA + 0x1000 * n, SPI FV_DEV_IRQ + n). */
struct vdev *fv_add(struct vm *vm, const struct vdev_kind *kind, u32 a0, u32 a1, u32 a2);
/* The host bytes of vm's RAM at ipa (the driver's view of its memory). */
u8 *fv_ram(struct vm *vm, u64 ipa);
/* Is dev's interrupt line high at the vGIC? */
bool fv_line(struct vdev *dev);

/* Register access as a driver makes it: 32-bit, must be accepted. */
u32 fv_r(struct vdev *dev, u64 off);
void fv_w(struct vdev *dev, u64 off, u32 value);

/* One queue as the driver keeps it: rings in RAM at base (desc, then avail, then used, 4 KiB apart). */
struct fv_queue {
	struct vdev *dev;
	u32 index, num;
	u64 desc, avail, used;
	u16 avail_idx; /* the driver's next available index */
	u16 used_seen; /* used entries the driver has taken */
	u16 next_desc; /* descriptors are handed out round robin */
};

/* Linux's probe up to FEATURES_OK with feature bits (checked accepted), then DRIVER_OK is fv_start's. */
void fv_negotiate(struct vdev *dev, u64 features);
/* Set up queue index with num entries, rings at base; QueueReady 1. */
void fv_queue(struct fv_queue *q, struct vdev *dev, u32 index, u32 num, u64 base);
void fv_start(struct vdev *dev);
/* Put a chain of one readable buffer (len bytes at ipa; 0: none) and one writable buffer (wlen at wipa; 0: none). */
void fv_offer(struct fv_queue *q, u64 ipa, u32 len, u64 wipa, u32 wlen);
/* One buffer of a chain fv_offer_chain makes. */
struct fv_buf {
	u64 ipa;
	u32 len;
	bool write;
};

/* Put a chain of n buffers (descriptors from q->next_desc on, linked by NEXT) into the available ring. */
void fv_offer_chain(struct fv_queue *q, const struct fv_buf *bufs, u32 n);
/* Notify the queue (the write must be accepted). */
void fv_notify(struct fv_queue *q);
/* Take the next used element: true and its id and len, or false if none. */
bool fv_take_used(struct fv_queue *q, u32 *id, u32 *len);

#endif
