/*
 * virtio-net (virtio 1.x, 5.1) ports on Keel's virtual switch: queue 0
 * receives, queue 1 transmits, the MAC comes from the configuration
 * (VIRTIO_NET_F_MAC) and no offloads are offered, so every frame is a
 * 12-byte header and a plain Ethernet frame of at most 1514 bytes.
 *
 * The switch has no buffers of its own. A transmitted frame is checked
 * (its size, and its source MAC against the port's: no VM can speak for
 * another), copied once into a per-CPU frame buffer, returned to the sender
 * and then copied into the first receive buffer of each port it is for
 * (by destination MAC; broadcast and multicast to every other port) on the
 * same network. A port without a free receive buffer drops the frame, as a
 * switch does when its queue is full. All of it runs on the sender's CPU,
 * in the sender's time, holding one port's lock at a time.
 */
#include <keel/arch/cpu.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define NET_RXQ 0
#define NET_TXQ 1
#define NET_HDR_LEN 12 /* struct virtio_net_hdr_v1 */
#define NET_HDR_NUM_BUFFERS 10 /* offset of num_buffers in it */
#define ETH_HLEN 14
#define ETH_FRAME_MAX 1514
#define VIRTIO_NET_F_MAC 5
#define NET_MAX_PER_VM 4

struct virtio_net {
	struct virtio_dev vd; /* must stay first: the transport's handlers see this */
	u32 network;
	u8 mac[6];
	u64 nr_sent, nr_received, nr_dropped;
};

/* Every port of the system, registered at boot: the switch's table. */
static struct virtio_net *net_ports[KEEL_MAX_VMS * NET_MAX_PER_VM];
static u32 nr_net_ports;
/* Where a frame waits between its sender's queue and its receivers': one per CPU. */
static u8 net_frames[KEEL_MAX_CPUS][ETH_FRAME_MAX];

static void net_config(struct virtio_dev *vd, u8 *out)
{
	struct virtio_net *p = (struct virtio_net *)vd;

	memcpy(out, p->mac, 6);
	out[6] = out[7] = 0; /* status: only meaningful with VIRTIO_NET_F_STATUS, not offered */
}

/* Copy a frame into port p's next receive buffer (p locked); drop it if there is none. */
static void net_receive(struct virtio_net *p, const u8 *frame, u32 len)
{
	struct virtq *q = virtio_queue(&p->vd, NET_RXQ);
	struct virtq_env env = virtio_env(&p->vd);
	u8 hdr[NET_HDR_LEN] = { 0 };
	struct virtq_chain c;
	const char *why;
	enum virtq_status s;
	u32 written = 0;

	s = q ? virtq_pop(q, &env, &c, &why) : VQ_EMPTY;
	if (s == VQ_BROKEN)
		virtio_break(&p->vd, NET_RXQ, why);
	if (s != VQ_OK) {
		p->nr_dropped++;
		return;
	}
	hdr[NET_HDR_NUM_BUFFERS] = 1;
	if (c.in_len >= NET_HDR_LEN + len) {
		virtq_chain_write(&c, env.gm, 0, hdr, NET_HDR_LEN);
		written = NET_HDR_LEN + virtq_chain_write(&c, env.gm, NET_HDR_LEN, frame, len);
		p->nr_received++;
	} else {
		p->nr_dropped++; /* a buffer too small for it: returned empty, which the driver counts as an error */
	}
	if (!virtq_push(q, &env, c.head, written, &why)) {
		virtio_break(&p->vd, NET_RXQ, why);
		return;
	}
	virtio_interrupt(&p->vd, q);
}

/* The sender's CPU, no lock held: hand the frame to every port it is for. */
static void net_forward(const struct virtio_net *from, const u8 *frame, u32 len)
{
	bool flood = frame[0] & 1; /* broadcast or multicast */

	for (u32 i = 0; i < nr_net_ports; i++) {
		struct virtio_net *p = net_ports[i];

		if (p == from || p->network != from->network || (!flood && memcmp(frame, p->mac, 6)))
			continue;
		spin_lock(&p->vd.lock);
		net_receive(p, frame, len);
		spin_unlock(&p->vd.lock);
	}
}

/* A frame the port may send: a sane size and its own source MAC. */
static bool net_frame_ok(struct virtio_net *p, const struct virtq_chain *c, u8 *frame)
{
	u32 len = c->out_len - NET_HDR_LEN;

	if (c->out_len < NET_HDR_LEN + ETH_HLEN || len > ETH_FRAME_MAX) {
		vm_log(p->vd.vdev->vm, "virtio-net at 0x%lx: a frame of %u bytes; dropped", p->vd.vdev->base,
		       c->out_len < NET_HDR_LEN ? 0 : len);
		return false;
	}
	virtq_chain_read(c, NET_HDR_LEN, frame, len);
	if (memcmp(frame + 6, p->mac, 6)) {
		vm_log(p->vd.vdev->vm, "virtio-net at 0x%lx: a frame with another source MAC; dropped",
		       p->vd.vdev->base);
		return false;
	}
	return true;
}

/*
 * The driver notified the transmit queue (p locked). The lock is let go
 * around each delivery, so every step re-reads whether the port still runs.
 */
static bool net_transmit(struct virtio_net *p)
{
	u8 *frame = net_frames[arch_cpu_index()];
	struct virtq *q = virtio_queue(&p->vd, NET_TXQ);
	u32 n;

	for (n = 0; q && n < VIRTQ_MAX_SIZE; n++, q = virtio_queue(&p->vd, NET_TXQ)) {
		struct virtq_env env = virtio_env(&p->vd);
		struct virtq_chain c;
		const char *why;
		enum virtq_status s = virtq_pop(q, &env, &c, &why);
		bool ok;

		if (s == VQ_EMPTY && virtq_arm_notify(q, &env))
			continue;
		if (s == VQ_RETRY)
			return false;
		if (s == VQ_BROKEN)
			virtio_break(&p->vd, NET_TXQ, why);
		if (s != VQ_OK)
			break;
		ok = net_frame_ok(p, &c, frame);
		if (!virtq_push(q, &env, c.head, 0, &why)) {
			virtio_break(&p->vd, NET_TXQ, why);
			break;
		}
		virtio_interrupt(&p->vd, q);
		if (!ok) {
			p->nr_dropped++;
			continue;
		}
		p->nr_sent++;
		spin_unlock(&p->vd.lock);
		net_forward(p, frame, c.out_len - NET_HDR_LEN);
		spin_lock(&p->vd.lock);
	}
	if (n < VIRTQ_MAX_SIZE || !q)
		return true;
	/* Stopped at the bound: ask for the next notify, and have this one retried if more waits. */
	{
		struct virtq_env env = virtio_env(&p->vd);

		return !virtq_arm_notify(q, &env);
	}
}

static bool net_notify(struct virtio_dev *vd, u32 q)
{
	/* New receive buffers need nothing now: the next frame finds them. */
	return q == NET_TXQ ? net_transmit((struct virtio_net *)vd) : true;
}

static const struct virtio_type net_type = {
	.device_id = 1,
	.features = BIT(VIRTIO_NET_F_MAC),
	.nr_queues = 2,
	.config_size = 8,
	.config = net_config,
	.notify = net_notify,
};

static void net_mac_of(const struct keel_blob_vdev *rec, u8 mac[6])
{
	for (u32 i = 0; i < 4; i++)
		mac[i] = (u8)(rec->args[1] >> (8 * i));
	mac[4] = (u8)rec->args[2];
	mac[5] = (u8)(rec->args[2] >> 8);
}

static const char *net_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	u8 mac[6];

	(void)vm;
	net_mac_of(rec, mac);
	if (rec->size != VIRTIO_MMIO_SIZE)
		return "size is not 4 KiB";
	if (!rec->irq)
		return "no interrupt";
	if (rec->args[0] >= KEEL_MAX_NETWORKS)
		return "network number out of range";
	if ((mac[0] & 1) || !(rec->args[1] | (rec->args[2] & 0xffff)) || (rec->args[2] >> 16) || rec->args[3])
		return "MAC not a unicast address, or unused bits set";
	return NULL;
}

static void net_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct virtio_net *p = dev->state;
	u32 i;

	virtio_dev_init(&p->vd, dev, &net_type);
	p->network = rec->args[0];
	net_mac_of(rec, p->mac);
	p->nr_sent = p->nr_received = p->nr_dropped = 0;
	for (i = 0; i < nr_net_ports && net_ports[i] != p; i++)
		;
	if (i == nr_net_ports) {
		CHECK(nr_net_ports < ARRAY_SIZE(net_ports));
		net_ports[nr_net_ports++] = p;
	}
}

VDEV_POOL(net_pool, struct virtio_net, KEEL_MAX_VMS * NET_MAX_PER_VM);

const struct vdev_kind virtio_net_kind = {
	.id = KEEL_VDEV_VIRTIO_NET,
	.name = "virtio-net",
	.max_per_vm = NET_MAX_PER_VM,
	.min_per_vm = 0,
	.save_size = sizeof(struct virtio_saved),
	.pool = &net_pool,
	.check = net_check,
	.init = net_init,
	.reset = virtio_mmio_reset,
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.save = virtio_mmio_save,
	.restore = virtio_mmio_restore,
};
