/*
 * virtio console (virtio 1.x, 5.3) with one port and no optional features:
 * queue 0 carries bytes to the guest, queue 1 from it. Linux's
 * virtio_console module makes the port /dev/hvc0.
 *
 * The port connects either to Keel's console or to the port of another VM:
 *  - Keel's console: what the guest transmits is printed under the VM's
 *    name, like its PL011's output; console input focused on the VM goes to
 *    this port once the driver runs it (else to the PL011), through a small
 *    FIFO that waits for the guest's receive buffers.
 *  - A peer port: a byte stream each way with back-pressure. Bytes move
 *    straight from the sender's transmit buffers into the receiver's
 *    receive buffers, with both ports locked (in VM index order), whenever
 *    either side offers buffers: the sender's notify or idle moves what the
 *    receiver has room for, the receiver's moves what the sender has. A
 *    transmit chain only partly delivered stays in hand until the rest fits,
 *    so nothing is lost and nothing waits in Keel but the chain's place.
 *    Each side's CPU does the copying it asked for, bounded by the buffers
 *    involved.
 */
#include <keel/console.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/virtio.h>
#include <keel/vm.h>

#define CONSOLE_RXQ 0
#define CONSOLE_TXQ 1
#define CONSOLE_RX_FIFO 64 /* console input waiting for receive buffers */
#define CONSOLE_COPY_STEP 128 /* bytes moved per step through Keel's stack */
#define CONSOLE_MAX_PER_VM 4

struct virtio_console {
	struct virtio_dev vd; /* must stay first: the transport's handlers see this */
	u32 connect; /* KEEL_VIRTIO_CONSOLE_TO_* */
	u32 peer_vm, peer_rec; /* TO_PEER: the peer's VM index and device record */
	struct virtio_console *peer; /* found at first use, after every VM exists */
	bool tx_held; /* tx is a transmit chain taken but not yet wholly delivered */
	u32 tx_off; /* bytes of it delivered */
	u32 tx_skip; /* after a restore: bytes of the next chain already delivered */
	struct virtq_chain tx;
	u32 rx_count;
	u8 rx[CONSOLE_RX_FIFO];
};

/* What save() writes after the transport's part. */
struct virtio_console_saved {
	u32 tx_skip;
	u32 rx_count;
	u8 rx[CONSOLE_RX_FIFO];
};

static struct virtio_console *console_of(struct virtio_dev *vd)
{
	return (struct virtio_console *)vd;
}

static void console_config(struct virtio_dev *vd, u8 *out)
{
	(void)vd;
	memset(out, 0, 12); /* cols, rows, max_nr_ports, emerg_wr: none offered */
}

/* Print a piece of the guest's output, a line at a time. */
static void console_print(struct virtio_console *c, const char *text, u32 len)
{
	const char *name = c->vd.vdev->vm->name;

	while (len) {
		u32 n = 0;

		while (n < len && text[n] != '\n')
			n++;
		if (n < len) {
			console_write_line(name, text, n && text[n - 1] == '\r' ? n - 1 : n);
			n++;
		} else {
			console_write_partial(name, text, n);
		}
		text += n;
		len -= n;
	}
}

/* The guest transmitted to Keel's console. False: retry (memory filling). */
static bool console_tx_to_keel(struct virtio_console *c)
{
	struct virtq *q = virtio_queue(&c->vd, CONSOLE_TXQ);
	struct virtq_env env = virtio_env(&c->vd);
	const char *why;
	u32 n;

	for (n = 0; q && n < VIRTQ_MAX_SIZE; n++) {
		enum virtq_status s = virtq_pop(q, &env, &c->tx, &why);
		char buf[CONSOLE_COPY_STEP];

		if (s == VQ_EMPTY && !virtq_arm_notify(q, &env))
			break;
		if (s == VQ_RETRY)
			return false;
		if (s == VQ_BROKEN) {
			virtio_break(&c->vd, CONSOLE_TXQ, why);
			return true;
		}
		if (s != VQ_OK)
			continue;
		for (u32 off = 0, k; (k = virtq_chain_read(&c->tx, off, buf, sizeof(buf))); off += k)
			console_print(c, buf, k);
		if (!virtq_push(q, &env, c->tx.head, 0, &why)) {
			virtio_break(&c->vd, CONSOLE_TXQ, why);
			return true; /* broken: nothing more from this queue */
		}
	}
	if (q && virtio_live(&c->vd))
		virtio_interrupt(&c->vd, q);
	/*
	 * Stopped at the bound: ask for the next notify (a stale avail_event
	 * would leave the driver's next chain unannounced), and have this one
	 * retried if more is waiting already.
	 */
	return !(n == VIRTQ_MAX_SIZE && virtq_arm_notify(q, &env));
}

/* Hand waiting console input to the guest's receive buffers. */
static void console_rx_flush(struct virtio_console *c)
{
	struct virtq *q = virtio_queue(&c->vd, CONSOLE_RXQ);
	struct virtq_env env = virtio_env(&c->vd);
	struct virtq_chain chain;
	const char *why;
	bool pushed = false;

	while (q && c->rx_count) {
		enum virtq_status s = virtq_pop(q, &env, &chain, &why);
		u32 n;

		if (s == VQ_EMPTY && !virtq_arm_notify(q, &env))
			break;
		if (s == VQ_BROKEN)
			virtio_break(&c->vd, CONSOLE_RXQ, why);
		if (s != VQ_OK)
			break;
		n = virtq_chain_write(&chain, env.gm, 0, c->rx, c->rx_count);
		memmove(c->rx, c->rx + n, c->rx_count - n);
		c->rx_count -= n;
		if (!virtq_push(q, &env, chain.head, n, &why)) {
			virtio_break(&c->vd, CONSOLE_RXQ, why);
			break;
		}
		pushed = true;
	}
	if (pushed && virtio_live(&c->vd))
		virtio_interrupt(&c->vd, q);
}

static struct virtio_console *console_peer(struct virtio_console *c)
{
	struct vdev *dev;

	if (c->peer || c->connect != KEEL_VIRTIO_CONSOLE_TO_PEER)
		return c->peer;
	/* The blob check made sure the record exists and is a console naming this one. */
	dev = vm_find_vdev(&vms[c->peer_vm], vms[c->peer_vm].cfg->vdevs[c->peer_rec].ipa);
	CHECK(dev && dev->kind == &virtio_console_kind);
	c->peer = dev->state;
	return c->peer;
}

/*
 * Move bytes from src's transmit buffers into dst's receive buffers, both
 * locked. Returns false if a queue's memory is still filling (try later).
 */
static bool console_pump(struct virtio_console *src, struct virtio_console *dst)
{
	struct virtq *tq = virtio_queue(&src->vd, CONSOLE_TXQ), *rq = virtio_queue(&dst->vd, CONSOLE_RXQ);
	struct virtq_env tenv = virtio_env(&src->vd), renv = virtio_env(&dst->vd);
	bool sent = false, received = false, ok = true;
	u32 n;

	for (n = 0; tq && rq && n < 2 * VIRTQ_MAX_SIZE; n++) {
		struct virtq_chain rx;
		enum virtq_status s;
		const char *why;
		u32 done = 0;

		if (!src->tx_held) {
			s = virtq_pop(tq, &tenv, &src->tx, &why);
			if (s == VQ_EMPTY && virtq_arm_notify(tq, &tenv))
				continue;
			if (s == VQ_BROKEN)
				virtio_break(&src->vd, CONSOLE_TXQ, why);
			if (s != VQ_OK) {
				ok = s != VQ_RETRY;
				break;
			}
			src->tx_held = true;
			src->tx_off = MIN(src->tx_skip, src->tx.out_len);
			src->tx_skip = 0;
		}
		if (src->tx_off < src->tx.out_len) {
			s = virtq_pop(rq, &renv, &rx, &why);
			if (s == VQ_EMPTY && virtq_arm_notify(rq, &renv))
				continue;
			if (s == VQ_BROKEN)
				virtio_break(&dst->vd, CONSOLE_RXQ, why);
			if (s != VQ_OK) {
				ok = s != VQ_RETRY;
				break;
			}
			while (done < rx.in_len && src->tx_off < src->tx.out_len) {
				u8 buf[CONSOLE_COPY_STEP];
				u32 k = virtq_chain_read(&src->tx, src->tx_off, buf, MIN(sizeof(buf), rx.in_len - done));

				virtq_chain_write(&rx, renv.gm, done, buf, k);
				done += k;
				src->tx_off += k;
			}
			if (!virtq_push(rq, &renv, rx.head, done, &why))
				virtio_break(&dst->vd, CONSOLE_RXQ, why);
			received = true;
		}
		if (src->tx_off == src->tx.out_len) {
			src->tx_held = false;
			if (!virtq_push(tq, &tenv, src->tx.head, 0, &why))
				virtio_break(&src->vd, CONSOLE_TXQ, why);
			sent = true;
		}
		tq = virtio_queue(&src->vd, CONSOLE_TXQ);
		rq = virtio_queue(&dst->vd, CONSOLE_RXQ);
	}
	if (sent && tq)
		virtio_interrupt(&src->vd, tq);
	if (received && rq)
		virtio_interrupt(&dst->vd, rq);
	/*
	 * Stopped at the bound with both queues busy: ask for both sides' next
	 * notifies (a stale avail_event would leave a chain unannounced) and
	 * have this notify retried if more is waiting: it made progress.
	 */
	if (n == 2 * VIRTQ_MAX_SIZE && tq && rq)
		ok = !(virtq_arm_notify(tq, &tenv) | virtq_arm_notify(rq, &renv)) && ok;
	return ok;
}

/* c is locked; lock its peer too, keeping VM index order (releasing c for a moment if need be). */
static struct virtio_console *console_lock_peer(struct virtio_console *c)
{
	struct virtio_console *p = console_peer(c);

	if (c->vd.vdev->vm->index < p->vd.vdev->vm->index ||
	    (c->vd.vdev->vm == p->vd.vdev->vm && c < p)) {
		spin_lock(&p->vd.lock);
	} else {
		spin_unlock(&c->vd.lock);
		spin_lock(&p->vd.lock);
		spin_lock(&c->vd.lock);
	}
	return p;
}

/* c is locked: move what can move both ways over its link. */
static bool console_link(struct virtio_console *c)
{
	struct virtio_console *p = console_lock_peer(c);
	bool ok = console_pump(c, p) & console_pump(p, c);

	spin_unlock(&p->vd.lock);
	return ok;
}

static bool console_notify(struct virtio_dev *vd, u32 q)
{
	struct virtio_console *c = console_of(vd);

	if (c->connect == KEEL_VIRTIO_CONSOLE_TO_PEER)
		return console_link(c);
	if (q == CONSOLE_TXQ)
		return console_tx_to_keel(c);
	console_rx_flush(c);
	return true;
}

/* The driver stopped: a chain in hand belongs to a queue that is gone. */
static void console_stopped(struct virtio_dev *vd)
{
	struct virtio_console *c = console_of(vd);

	c->tx_held = false;
	c->tx_off = c->tx_skip = 0;
	c->rx_count = 0;
}

static const struct virtio_type console_type = {
	.device_id = 3,
	.features = 0,
	.nr_queues = 2,
	.config_size = 12,
	.config = console_config,
	.notify = console_notify,
	.stopped = console_stopped,
};

static const char *console_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	(void)vm;
	if (rec->size != VIRTIO_MMIO_SIZE)
		return "size is not 4 KiB";
	if (!rec->irq)
		return "no interrupt";
	if (rec->args[0] == KEEL_VIRTIO_CONSOLE_TO_KEEL)
		return rec->args[1] || rec->args[2] || rec->args[3] ? "unused arguments not 0" : NULL;
	if (rec->args[0] != KEEL_VIRTIO_CONSOLE_TO_PEER)
		return "args[0] is neither Keel's console nor a peer";
	if (rec->args[1] >= KEEL_MAX_VMS || rec->args[2] >= KEEL_MAX_VDEVS || rec->args[3])
		return "peer out of range";
	return NULL;
}

static void console_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct virtio_console *c = dev->state;

	virtio_dev_init(&c->vd, dev, &console_type);
	c->connect = rec->args[0];
	c->peer_vm = rec->args[1];
	c->peer_rec = rec->args[2];
	c->peer = NULL;
	console_stopped(&c->vd);
}

static void console_idle(struct vdev *dev, struct vcpu *vcpu)
{
	struct virtio_console *c = dev->state;

	(void)vcpu;
	if (!virtio_live(&c->vd))
		return; /* unlocked peek: the next notify does the work anyway */
	spin_lock(&c->vd.lock);
	if (c->connect == KEEL_VIRTIO_CONSOLE_TO_PEER && virtio_live(&c->vd))
		console_link(c);
	else if (virtio_live(&c->vd))
		console_rx_flush(c);
	spin_unlock(&c->vd.lock);
}

static u32 console_save(struct vdev *dev, void *buf)
{
	struct virtio_console *c = dev->state;
	struct virtio_console_saved s = { 0 };
	u32 n;

	spin_lock(&c->vd.lock);
	n = virtio_save(&c->vd, buf);
	/* A chain in hand goes back to the ring; the bytes already delivered are skipped when it comes again. */
	if (c->tx_held)
		((struct virtio_saved *)buf)->queues[CONSOLE_TXQ].last_avail--;
	s.tx_skip = c->tx_held ? c->tx_off : c->tx_skip;
	s.rx_count = c->rx_count;
	memcpy(s.rx, c->rx, sizeof(s.rx));
	spin_unlock(&c->vd.lock);
	memcpy((u8 *)buf + n, &s, sizeof(s));
	return n + sizeof(s);
}

static bool console_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct virtio_console *c = dev->state;
	struct virtio_console_saved s;
	u32 n = sizeof(struct virtio_saved);

	if (len != n + sizeof(s))
		return false;
	memcpy(&s, (const u8 *)buf + n, sizeof(s));
	if (s.rx_count > CONSOLE_RX_FIFO)
		return false;
	spin_lock(&c->vd.lock);
	if (!virtio_restore(&c->vd, buf)) {
		spin_unlock(&c->vd.lock);
		return false;
	}
	c->tx_held = false;
	c->tx_off = 0;
	c->tx_skip = s.tx_skip;
	c->rx_count = s.rx_count;
	memcpy(c->rx, s.rx, sizeof(c->rx));
	spin_unlock(&c->vd.lock);
	return true;
}

VDEV_POOL(console_pool, struct virtio_console, KEEL_MAX_VMS * CONSOLE_MAX_PER_VM);

const struct vdev_kind virtio_console_kind = {
	.id = KEEL_VDEV_VIRTIO_CONSOLE,
	.name = "virtio-console",
	.max_per_vm = CONSOLE_MAX_PER_VM,
	.min_per_vm = 0,
	.save_size = sizeof(struct virtio_saved) + sizeof(struct virtio_console_saved),
	.pool = &console_pool,
	.check = console_check,
	.init = console_init,
	.reset = virtio_mmio_reset,
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.save = console_save,
	.restore = console_restore,
	.idle = console_idle,
};

bool virtio_console_input(struct vm *vm, u8 byte)
{
	for (u32 i = 0; i < vm->nr_vdevs; i++) {
		struct virtio_console *c = vm->vdevs[i].state;
		bool taken;

		if (vm->vdevs[i].kind != &virtio_console_kind || c->connect != KEEL_VIRTIO_CONSOLE_TO_KEEL)
			continue;
		spin_lock(&c->vd.lock);
		taken = virtio_live(&c->vd) && c->vd.queues[CONSOLE_RXQ].ready;
		if (taken && c->rx_count < CONSOLE_RX_FIFO)
			c->rx[c->rx_count++] = byte;
		if (taken)
			console_rx_flush(c);
		spin_unlock(&c->vd.lock);
		return taken;
	}
	return false;
}
