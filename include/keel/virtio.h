/*
 * virtio devices served by Keel (docs/virtio.md): the virtio-mmio version 2
 * transport (vdev/virtio_mmio.c), split virtqueues read through the checked
 * guest-memory accessor (vdev/virtio_queue.c), and the device types on top
 * (vdev/virtio_console.c, vdev/virtio_net.c), each one device kind.
 *
 * Nothing a guest puts in a queue is trusted. A descriptor is read once into
 * Keel's memory and then checked: its buffer must lie in the VM's RAM, a
 * chain may not be longer than the queue (so a loop ends as an error), an
 * indirect table must be RAM, a whole number of descriptors and not nested,
 * the available index may not move by more than the queue size. Any of
 * these breaks the device: its status gets DEVICE_NEEDS_RESET, the driver
 * gets a configuration-change interrupt, one log line says why, and the
 * device does nothing more until the driver resets it. Nothing another VM
 * sees changes.
 *
 * Locking: each device has a lock (struct virtio_dev.lock, include/keel/
 * locking.h) held while its registers or queues are used; under it Keel
 * takes its VM's guest-memory lock (a leaf) and vGIC lock. The two ends of a
 * console link are locked together, in VM index order; a network port takes
 * only its own lock at a time.
 */
#ifndef KEEL_VIRTIO_H
#define KEEL_VIRTIO_H

#include <keel/guest_mem.h>
#include <keel/spinlock.h>
#include <keel/types.h>
#include <keel/vdev.h>

#define VIRTIO_MMIO_SIZE 0x1000
#define VIRTQ_MAX_SIZE 256 /* QueueNumMax of every queue */
#define VIRTQ_MAX_SEGS 32 /* buffers in one chain Keel takes; more breaks the device */
#define VIRTIO_MAX_QUEUES 2

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* Feature bits Keel's transport offers on every device (virtio 1.x, 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* InterruptStatus bits. */
#define VIRTIO_INT_USED 1u
#define VIRTIO_INT_CONFIG 2u

/* One split virtqueue as the driver set it up. */
struct virtq {
	u64 desc, avail, used; /* IPAs of the three parts */
	u32 num; /* QueueNum: entries, a power of two up to VIRTQ_MAX_SIZE */
	bool ready;
	u16 last_avail; /* the next available-ring entry Keel takes */
	u16 used_idx; /* the next used-ring entry Keel fills */
	u16 signalled; /* used_idx at the last interrupt (event index) */
};

/* One buffer of a chain: where it is in the guest, and where Keel sees it. */
struct virtq_seg {
	u64 ipa;
	void *host;
	u32 len;
};

/* A chain taken from the available ring: readable buffers first, then writable ones. */
struct virtq_chain {
	u16 head;
	u16 nr_out, nr_in; /* seg[0 .. nr_out) readable, seg[nr_out .. nr_out + nr_in) writable */
	u32 out_len, in_len; /* their total lengths */
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

enum virtq_status {
	VQ_OK, /* a chain was taken */
	VQ_EMPTY, /* nothing available */
	VQ_RETRY, /* guest memory is still filling: nothing taken, try again later */
	VQ_BROKEN, /* the queue is malformed: *why says how */
};

/* What the queue functions need besides the queue: the VM's RAM and the features in use. */
struct virtq_env {
	struct guest_mem *gm;
	bool event_idx;
	bool indirect;
};

/* Checks QueueReady makes: size and alignment. NULL if fine, else what is wrong. */
const char *virtq_check_setup(const struct virtq *q);

/*
 * Take the next available chain into c, every buffer checked and its host
 * address looked up (writable buffers are marked dirty). The chain is taken
 * only on VQ_OK. On VQ_BROKEN *why says what was wrong.
 */
enum virtq_status virtq_pop(struct virtq *q, const struct virtq_env *env, struct virtq_chain *c,
			    const char **why);

/* Is a chain available? VQ_OK or VQ_EMPTY, VQ_RETRY or VQ_BROKEN as for virtq_pop. */
enum virtq_status virtq_peek(struct virtq *q, const struct virtq_env *env, const char **why);

/*
 * Give a chain back through the used ring, with the bytes written into its
 * writable buffers. False (with *why) if the used ring is not RAM.
 */
bool virtq_push(struct virtq *q, const struct virtq_env *env, u16 head, u32 written, const char **why);

/*
 * After pushing: does the driver want an interrupt (its used_event index,
 * or its NO_INTERRUPT flag)? Updates the event-index bookkeeping.
 */
bool virtq_should_interrupt(struct virtq *q, const struct virtq_env *env);

/*
 * Before waiting for the driver: ask for a notify when it adds a chain
 * (avail_event = last_avail with event index). Returns whether one was
 * added meanwhile, so the caller looks again instead of waiting.
 */
bool virtq_arm_notify(struct virtq *q, const struct virtq_env *env);

/* Copy up to len bytes from offset off of the chain's readable buffers; returns bytes copied. */
u32 virtq_chain_read(const struct virtq_chain *c, u32 off, void *dst, u32 len);
/* Copy into the writable buffers at offset off (recording the write in the dirty log); returns bytes copied. */
u32 virtq_chain_write(const struct virtq_chain *c, struct guest_mem *gm, u32 off, const void *src, u32 len);

struct virtio_dev;

/* What one device type adds to the transport. Callbacks run with the device's lock held. */
struct virtio_type {
	u32 device_id; /* virtio 1.x, 5: 1 net, 3 console */
	u64 features; /* device-specific feature bits offered (transport bits are added) */
	u32 nr_queues;
	u32 config_size;
	/* The device's configuration space, little-endian, config_size bytes. */
	void (*config)(struct virtio_dev *vd, u8 *out);
	/* The driver notified queue q (< nr_queues). Return false for "try the access again". */
	bool (*notify)(struct virtio_dev *vd, u32 q);
	/* The driver set DRIVER_OK, or reset the device (status 0, or the VM's reset). */
	void (*started)(struct virtio_dev *vd);
	void (*stopped)(struct virtio_dev *vd);
};

/* The transport state every virtio device starts with (the first member of its state). */
struct virtio_dev {
	struct spinlock lock;
	const struct virtio_type *type;
	struct vdev *vdev; /* the instance: its VM, IPA and SPI */
	u32 status;
	u32 device_features_sel, driver_features_sel;
	u64 driver_features;
	u32 queue_sel;
	u32 interrupt_status;
	u32 config_generation;
	struct virtq queues[VIRTIO_MAX_QUEUES];
};

/* The transport's part of a device's saved state (no pointers), first in every virtio kind's. */
struct virtio_saved_queue {
	u64 desc, avail, used;
	u32 num, ready;
	u16 last_avail, used_idx, signalled, pad;
};

struct virtio_saved {
	u32 status, device_features_sel, driver_features_sel, queue_sel, interrupt_status, config_generation;
	u64 driver_features;
	struct virtio_saved_queue queues[VIRTIO_MAX_QUEUES];
};

/* Under the lock: write the transport's state to buf; returns sizeof(struct virtio_saved). */
u32 virtio_save(const struct virtio_dev *vd, void *buf);
/* Under the lock: load it back (and drive the interrupt line); false if it is not a state Keel could have saved. */
bool virtio_restore(struct virtio_dev *vd, const void *buf);

/* Boot-time: set up the transport part of dev's state. */
void virtio_dev_init(struct virtio_dev *vd, struct vdev *dev, const struct virtio_type *type);
/* The device kinds' MMIO and reset handlers (dev->state is a struct virtio_dev first). */
bool virtio_mmio_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value);
bool virtio_mmio_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value);
void virtio_mmio_reset(struct vdev *dev);
/* save and restore for a kind whose whole state is the transport's (net, blk). */
u32 virtio_mmio_save(struct vdev *dev, void *buf);
bool virtio_mmio_restore(struct vdev *dev, const void *buf, u32 len);

/* Under the lock: is the driver running the device (DRIVER_OK and not broken)? */
bool virtio_live(const struct virtio_dev *vd);
/* Under the lock: the environment for queue functions. */
struct virtq_env virtio_env(struct virtio_dev *vd);
/* Under the lock: queue q if the driver made it ready and the device works. */
struct virtq *virtio_queue(struct virtio_dev *vd, u32 q);
/* Under the lock: the queue is malformed: break the device (NEEDS_RESET, config interrupt, one log line). */
void virtio_break(struct virtio_dev *vd, u32 q, const char *why);
/* Under the lock: raise the used-buffer interrupt if the queue's driver wants it. */
void virtio_interrupt(struct virtio_dev *vd, struct virtq *q);

/* Kinds. */
extern const struct vdev_kind virtio_console_kind;
extern const struct vdev_kind virtio_net_kind;
extern const struct vdev_kind virtio_blk_kind;

/* Console input for a VM: true if its virtio console to Keel's console took the byte. */
bool virtio_console_input(struct vm *vm, u8 byte);

#endif
