/*
 * The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2): the register
 * file every Keel virtio device shares. The device type (console, net)
 * supplies its ID, feature bits, queues and configuration space through a
 * struct virtio_type; this file does feature negotiation, queue setup, the
 * status machine, the interrupt line and breaking a device whose driver
 * gave it a malformed queue.
 *
 * Registers below 0x100 take only aligned 32-bit accesses; the
 * configuration space from 0x100 takes 1-, 2- and 4-byte ones. Anything
 * else is refused (the guest gets an abort). Writes that make no sense now
 * (queue registers of a queue past the last, changes to a ready queue,
 * feature bits while FEATURES_OK is set) are ignored, as the spec lets a
 * device do, and the driver sees the effect when it reads back.
 */
#include <keel/log.h>
#include <keel/string.h>
#include <keel/vgic.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_VENDOR 0x4c45454bu /* "KEEL" */

/* Register offsets (virtio 1.x, 4.2.2). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_LEN_LOW 0x0b0
#define REG_SHM_LEN_HIGH 0x0b4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define VIRTIO_CONFIG_MAX 64

static u64 virtio_offered(const struct virtio_dev *vd)
{
	return vd->type->features | BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX) | BIT(VIRTIO_F_INDIRECT_DESC);
}

bool virtio_live(const struct virtio_dev *vd)
{
	/* FEATURES_OK too: a driver that skipped negotiation gets no service, whatever it set. */
	return (vd->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_NEEDS_RESET |
			      VIRTIO_STATUS_FAILED)) == (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK);
}

struct virtq_env virtio_env(struct virtio_dev *vd)
{
	return (struct virtq_env){
		.gm = &vd->vdev->vm->mem,
		.event_idx = vd->driver_features & BIT(VIRTIO_F_EVENT_IDX),
		.indirect = vd->driver_features & BIT(VIRTIO_F_INDIRECT_DESC),
	};
}

struct virtq *virtio_queue(struct virtio_dev *vd, u32 q)
{
	if (q >= vd->type->nr_queues || !virtio_live(vd) || !vd->queues[q].ready)
		return NULL;
	return &vd->queues[q];
}

static void virtio_update_irq(struct virtio_dev *vd)
{
	vgic_set_level(vd->vdev->vm, NULL, vd->vdev->irq, vd->interrupt_status != 0);
}

void virtio_break(struct virtio_dev *vd, u32 q, const char *why)
{
	if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	vd->interrupt_status |= VIRTIO_INT_CONFIG;
	vd->config_generation++;
	virtio_update_irq(vd);
	vm_log(vd->vdev->vm, "virtio %s at 0x%lx: queue %u: %s; device needs a reset", vd->vdev->kind->name,
	       vd->vdev->base, q, why);
}

void virtio_interrupt(struct virtio_dev *vd, struct virtq *q)
{
	struct virtq_env env = virtio_env(vd);

	if (!virtq_should_interrupt(q, &env))
		return;
	vd->interrupt_status |= VIRTIO_INT_USED;
	virtio_update_irq(vd);
}

/* Back to the state after power-on: the driver must negotiate and set up queues again. */
static void virtio_reset_locked(struct virtio_dev *vd)
{
	bool was_started = vd->status & VIRTIO_STATUS_DRIVER_OK;

	vd->status = 0;
	vd->device_features_sel = vd->driver_features_sel = 0;
	vd->driver_features = 0;
	vd->queue_sel = 0;
	vd->interrupt_status = 0;
	memset(vd->queues, 0, sizeof(vd->queues));
	if (was_started && vd->type->stopped)
		vd->type->stopped(vd);
	virtio_update_irq(vd);
}

void virtio_dev_init(struct virtio_dev *vd, struct vdev *dev, const struct virtio_type *type)
{
	memset(vd, 0, sizeof(*vd));
	vd->lock = (struct spinlock)SPINLOCK_INIT;
	vd->type = type;
	vd->vdev = dev;
	CHECK(type->nr_queues <= VIRTIO_MAX_QUEUES && type->config_size <= VIRTIO_CONFIG_MAX);
}

void virtio_mmio_reset(struct vdev *dev)
{
	struct virtio_dev *vd = dev->state;

	spin_lock(&vd->lock);
	virtio_reset_locked(vd);
	spin_unlock(&vd->lock);
}

static bool virtio_config_read(struct virtio_dev *vd, u64 off, u32 width, u64 *value)
{
	u8 cfg[VIRTIO_CONFIG_MAX] = { 0 };

	if (width != 1 && width != 2 && width != 4)
		return false;
	if (off % width || off + width > vd->type->config_size)
		return off % width == 0 ? (*value = 0, true) : false; /* past the end reads as 0 */
	vd->type->config(vd, cfg);
	*value = 0;
	memcpy(value, cfg + off, width); /* little-endian, as Keel is */
	return true;
}

static u32 virtio_reg_read(struct virtio_dev *vd, u64 offset)
{
	struct virtq *q = vd->queue_sel < vd->type->nr_queues ? &vd->queues[vd->queue_sel] : NULL;
	u64 features = virtio_offered(vd);

	switch (offset) {
	case REG_MAGIC: return VIRTIO_MAGIC;
	case REG_VERSION: return 2;
	case REG_DEVICE_ID: return vd->type->device_id;
	case REG_VENDOR_ID: return VIRTIO_VENDOR;
	case REG_DEVICE_FEATURES: return vd->device_features_sel < 2 ? (u32)(features >> (32 * vd->device_features_sel)) : 0;
	case REG_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case REG_QUEUE_NUM: return q ? q->num : 0;
	case REG_QUEUE_READY: return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS: return vd->interrupt_status;
	case REG_STATUS: return vd->status;
	case REG_QUEUE_DESC_LOW: return q ? (u32)q->desc : 0;
	case REG_QUEUE_DESC_HIGH: return q ? (u32)(q->desc >> 32) : 0;
	case REG_QUEUE_DRIVER_LOW: return q ? (u32)q->avail : 0;
	case REG_QUEUE_DRIVER_HIGH: return q ? (u32)(q->avail >> 32) : 0;
	case REG_QUEUE_DEVICE_LOW: return q ? (u32)q->used : 0;
	case REG_QUEUE_DEVICE_HIGH: return q ? (u32)(q->used >> 32) : 0;
	case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH: return ~0u; /* no shared memory regions */
	case REG_CONFIG_GENERATION: return vd->config_generation;
	default: return 0;
	}
}

bool virtio_mmio_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value)
{
	struct virtio_dev *vd = dev->state;
	bool ok = true;

	(void)vcpu;
	if (offset < REG_CONFIG && (width != 4 || offset % 4))
		return false;
	spin_lock(&vd->lock);
	if (offset >= REG_CONFIG)
		ok = virtio_config_read(vd, offset - REG_CONFIG, width, value);
	else
		*value = virtio_reg_read(vd, offset);
	spin_unlock(&vd->lock);
	return ok;
}

static void virtio_set_u32(u64 *field, bool high, u32 value)
{
	*field = high ? (*field & 0xffffffffull) | ((u64)value << 32) : (*field & ~0xffffffffull) | value;
}

/* QueueReady 1: check the setup; a bad one breaks the device rather than running a queue Keel cannot trust. */
static void virtio_queue_ready(struct virtio_dev *vd, struct virtq *q, u32 value)
{
	const char *why;

	if (!value) {
		q->ready = false;
		return;
	}
	why = virtq_check_setup(q);
	if (why) {
		virtio_break(vd, vd->queue_sel, why);
		return;
	}
	q->last_avail = q->used_idx = q->signalled = 0;
	q->ready = true;
}

static void virtio_queue_write(struct virtio_dev *vd, u64 offset, u32 value)
{
	struct virtq *q;

	if (vd->queue_sel >= vd->type->nr_queues)
		return;
	q = &vd->queues[vd->queue_sel];
	if (offset == REG_QUEUE_READY) {
		virtio_queue_ready(vd, q, value);
		return;
	}
	if (q->ready)
		return; /* the spec forbids changing a live queue; ignore it */
	switch (offset) {
	case REG_QUEUE_NUM: q->num = value; break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH: virtio_set_u32(&q->desc, offset & 4, value); break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH: virtio_set_u32(&q->avail, offset & 4, value); break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH: virtio_set_u32(&q->used, offset & 4, value); break;
	}
}

static void virtio_status_write(struct virtio_dev *vd, u32 value)
{
	u32 old = vd->status;

	if (value == 0) {
		virtio_reset_locked(vd);
		return;
	}
	value &= ~VIRTIO_STATUS_NEEDS_RESET; /* the device's bit, not the driver's */
	if ((value & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vd->driver_features & ~virtio_offered(vd)) || !(vd->driver_features & BIT(VIRTIO_F_VERSION_1))))
		value &= ~VIRTIO_STATUS_FEATURES_OK; /* the driver reads it back and gives up */
	vd->status = value | (old & VIRTIO_STATUS_NEEDS_RESET);
	if ((value & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) && vd->type->started)
		vd->type->started(vd);
}

/* Returns false when the notify must be retried (guest memory still filling). */
static bool virtio_notify(struct virtio_dev *vd, u32 q)
{
	if (q >= vd->type->nr_queues) {
		vm_log(vd->vdev->vm, "virtio %s at 0x%lx: notify of queue %u, it has %u; ignored",
		       vd->vdev->kind->name, vd->vdev->base, q, vd->type->nr_queues);
		return true;
	}
	if (!virtio_queue(vd, q))
		return true;
	return vd->type->notify(vd, q);
}

bool virtio_mmio_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value)
{
	struct virtio_dev *vd = dev->state;
	u32 v = (u32)value;
	bool done = true;

	if (offset >= REG_CONFIG)
		return width == 1 || width == 2 || width == 4; /* nothing writable there: ignored */
	if (width != 4 || offset % 4)
		return false;
	spin_lock(&vd->lock);
	switch (offset) {
	case REG_DEVICE_FEATURES_SEL: vd->device_features_sel = v; break;
	case REG_DRIVER_FEATURES_SEL: vd->driver_features_sel = v; break;
	case REG_DRIVER_FEATURES:
		if (vd->driver_features_sel < 2 && !(vd->status & VIRTIO_STATUS_FEATURES_OK))
			virtio_set_u32(&vd->driver_features, vd->driver_features_sel, v);
		break;
	case REG_QUEUE_SEL: vd->queue_sel = v; break;
	case REG_QUEUE_NOTIFY: done = virtio_notify(vd, v); break;
	case REG_INTERRUPT_ACK:
		vd->interrupt_status &= ~v;
		virtio_update_irq(vd);
		break;
	case REG_STATUS: virtio_status_write(vd, v); break;
	default: virtio_queue_write(vd, offset, v); break;
	}
	spin_unlock(&vd->lock);
	if (!done)
		vdev_retry_access(vcpu);
	return true;
}

u32 virtio_mmio_save(struct vdev *dev, void *buf)
{
	struct virtio_dev *vd = dev->state;
	u32 n;

	spin_lock(&vd->lock);
	n = virtio_save(vd, buf);
	spin_unlock(&vd->lock);
	return n;
}

bool virtio_mmio_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct virtio_dev *vd = dev->state;
	bool ok;

	if (len != sizeof(struct virtio_saved))
		return false;
	spin_lock(&vd->lock);
	ok = virtio_restore(vd, buf);
	spin_unlock(&vd->lock);
	return ok;
}

u32 virtio_save(const struct virtio_dev *vd, void *buf)
{
	struct virtio_saved s = {
		.status = vd->status,
		.device_features_sel = vd->device_features_sel,
		.driver_features_sel = vd->driver_features_sel,
		.queue_sel = vd->queue_sel,
		.interrupt_status = vd->interrupt_status,
		.config_generation = vd->config_generation,
		.driver_features = vd->driver_features,
	};

	for (u32 i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		const struct virtq *q = &vd->queues[i];

		s.queues[i] = (struct virtio_saved_queue){ q->desc, q->avail, q->used, q->num, q->ready,
							   q->last_avail, q->used_idx, q->signalled, 0 };
	}
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

bool virtio_restore(struct virtio_dev *vd, const void *buf)
{
	struct virtq queues[VIRTIO_MAX_QUEUES];
	struct virtio_saved s;

	memcpy(&s, buf, sizeof(s));
	/* Before FEATURES_OK a driver may have written any bits (they are refused then); after, only offered ones. */
	if ((s.status & VIRTIO_STATUS_FEATURES_OK) && (s.driver_features & ~virtio_offered(vd)))
		return false;
	for (u32 i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		const struct virtio_saved_queue *sq = &s.queues[i];

		queues[i] = (struct virtq){ sq->desc, sq->avail, sq->used, sq->num, sq->ready, sq->last_avail,
					    sq->used_idx, sq->signalled };
		if (sq->ready > 1 || (sq->ready && (i >= vd->type->nr_queues || virtq_check_setup(&queues[i]))))
			return false;
	}
	memcpy(vd->queues, queues, sizeof(queues));
	vd->status = s.status;
	vd->device_features_sel = s.device_features_sel;
	vd->driver_features_sel = s.driver_features_sel;
	vd->queue_sel = s.queue_sel;
	vd->interrupt_status = s.interrupt_status;
	vd->config_generation = s.config_generation;
	vd->driver_features = s.driver_features;
	virtio_update_irq(vd);
	return true;
}
