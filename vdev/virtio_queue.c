/*
 * Split virtqueues (virtio 1.x, 2.7) from the device's side, with every
 * guest-written field read once and checked before use (include/keel/
 * virtio.h lists the checks). A guest may change its rings while Keel reads
 * them: each descriptor is copied into Keel's memory first and only the copy
 * is checked and used, so what was checked is what is used.
 *
 * Ring layout: the descriptor table is num 16-byte descriptors; the
 * available ring is flags, idx, ring[num], used_event (u16 each); the used
 * ring is flags, idx, num {id, len} pairs (u32 each), avail_event.
 */
#include <keel/string.h>
#include <keel/virtio.h>

#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u
#define VRING_DESC_F_INDIRECT 4u
#define VRING_AVAIL_F_NO_INTERRUPT 1u
#define VRING_DESC_SIZE 16u

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

static u64 avail_bytes(u32 num)
{
	return 6 + 2ull * num;
}

static u64 used_bytes(u32 num)
{
	return 6 + 8ull * num;
}

static u16 load16(const void *p)
{
	return *(const volatile u16 *)p;
}

static void store16(void *p, u16 v)
{
	*(volatile u16 *)p = v;
}

const char *virtq_check_setup(const struct virtq *q)
{
	if (q->num == 0 || q->num > VIRTQ_MAX_SIZE || (q->num & (q->num - 1)))
		return "queue size not a power of two up to 256";
	if (q->desc % 16 || q->avail % 2 || q->used % 4)
		return "ring address misaligned";
	return NULL;
}

/* Look up [ipa, ipa + len) as host memory; a failure other than filling breaks the queue with what. */
static enum virtq_status vq_map(const struct virtq_env *env, u64 ipa, u64 len, u32 access, void **host,
				const char **why, const char *what)
{
	enum gm_result r = gm_access(env->gm, ipa_of(ipa), len, access, true, host);

	if (r == GM_OK)
		return VQ_OK;
	if (r == GM_RETRY)
		return VQ_RETRY;
	*why = what;
	return VQ_BROKEN;
}

/* A chain being walked: where it goes, and how many more descriptors it may have. */
struct vq_walk {
	const struct virtq_env *env;
	struct virtq_chain *c;
	u32 budget;
	const char **why;
};

static enum virtq_status vq_broken(struct vq_walk *w, const char *why)
{
	*w->why = why;
	return VQ_BROKEN;
}

static enum virtq_status vq_add_buffer(struct vq_walk *w, const struct vring_desc *d)
{
	struct virtq_chain *c = w->c;
	bool writable = d->flags & VRING_DESC_F_WRITE;
	u32 n = c->nr_out + c->nr_in;
	u64 total = (u64)(writable ? c->in_len : c->out_len) + d->len;
	enum virtq_status s;

	if (!writable && c->nr_in)
		return vq_broken(w, "a readable buffer after a writable one");
	if (d->len == 0)
		return VQ_OK; /* nothing to read or write there */
	if (n == VIRTQ_MAX_SEGS)
		return vq_broken(w, "more than 32 buffers in one chain");
	if (total > 0xffffffffull)
		return vq_broken(w, "a chain's buffers add up to more than 4 GiB");
	s = vq_map(w->env, d->addr, d->len, writable ? GM_WRITE : GM_READ, &c->seg[n].host, w->why,
		   writable ? "a writable buffer outside the VM's RAM" : "a buffer outside the VM's RAM");
	if (s != VQ_OK)
		return s;
	c->seg[n].ipa = d->addr;
	c->seg[n].len = d->len;
	if (writable) {
		c->nr_in++;
		c->in_len = (u32)total;
	} else {
		c->nr_out++;
		c->out_len = (u32)total;
	}
	return VQ_OK;
}

static enum virtq_status vq_walk_table(struct vq_walk *w, const u8 *table, u32 n, u16 first, bool nested);

/* d is an indirect descriptor of the main table: walk the table it points to. */
static enum virtq_status vq_walk_indirect(struct vq_walk *w, const struct vring_desc *d, bool nested)
{
	enum virtq_status s;
	void *table;

	if (nested)
		return vq_broken(w, "an indirect descriptor inside an indirect table");
	if (!w->env->indirect)
		return vq_broken(w, "an indirect descriptor, but INDIRECT_DESC was not negotiated");
	if (d->flags & VRING_DESC_F_NEXT)
		return vq_broken(w, "an indirect descriptor with NEXT set");
	if (d->len == 0 || d->len % VRING_DESC_SIZE)
		return vq_broken(w, "an indirect table's length is not a whole number of descriptors");
	if (d->len / VRING_DESC_SIZE > w->budget)
		return vq_broken(w, "an indirect table longer than the queue");
	s = vq_map(w->env, d->addr, d->len, GM_READ, &table, w->why, "an indirect table outside the VM's RAM");
	if (s != VQ_OK)
		return s;
	return vq_walk_table(w, table, d->len / VRING_DESC_SIZE, 0, true);
}

static enum virtq_status vq_walk_table(struct vq_walk *w, const u8 *table, u32 n, u16 first, bool nested)
{
	u32 i = first;

	for (;;) {
		struct vring_desc d;
		enum virtq_status s;

		if (i >= n)
			return vq_broken(w, "a descriptor index beyond its table");
		if (w->budget == 0)
			return vq_broken(w, "a chain longer than the queue (a loop?)");
		w->budget--;
		memcpy(&d, table + (u64)i * VRING_DESC_SIZE, sizeof(d)); /* once: the guest may change it */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return vq_walk_indirect(w, &d, nested);
		s = vq_add_buffer(w, &d);
		if (s != VQ_OK)
			return s;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VQ_OK;
		i = d.next;
	}
}

/*
 * The available ring's idx, checked against what Keel has taken. The used
 * ring is looked up here too, preemptibly: a guest may put it in RAM it
 * never touched, and filling that must not happen later where Keel cannot
 * stop (virtq_push, on whichever CPU delivers).
 */
static enum virtq_status vq_avail(struct virtq *q, const struct virtq_env *env, u8 **avail, u16 *pending,
				  const char **why)
{
	void *used;
	enum virtq_status s = vq_map(env, q->avail, avail_bytes(q->num), GM_READ, (void **)avail, why,
				     "the available ring outside the VM's RAM");

	if (s == VQ_OK)
		s = vq_map(env, q->used, used_bytes(q->num), GM_READ, &used, why,
			   "the used ring outside the VM's RAM");
	if (s != VQ_OK)
		return s;
	*pending = (u16)(load16(*avail + 2) - q->last_avail);
	if (*pending > q->num) {
		*why = "the available index moved by more than the queue size";
		return VQ_BROKEN;
	}
	return *pending ? VQ_OK : VQ_EMPTY;
}

enum virtq_status virtq_peek(struct virtq *q, const struct virtq_env *env, const char **why)
{
	u8 *avail;
	u16 pending;

	return vq_avail(q, env, &avail, &pending, why);
}

enum virtq_status virtq_pop(struct virtq *q, const struct virtq_env *env, struct virtq_chain *c,
			    const char **why)
{
	struct vq_walk w = { .env = env, .c = c, .budget = q->num, .why = why };
	enum virtq_status s;
	u8 *avail;
	void *table;
	u16 pending, head;

	s = vq_avail(q, env, &avail, &pending, why);
	if (s != VQ_OK)
		return s;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entry and its descriptors after the index */
	head = load16(avail + 4 + 2 * (q->last_avail & (q->num - 1)));
	if (head >= q->num) {
		*why = "an available head index beyond the queue";
		return VQ_BROKEN;
	}
	s = vq_map(env, q->desc, (u64)q->num * VRING_DESC_SIZE, GM_READ, &table, why,
		   "the descriptor table outside the VM's RAM");
	if (s != VQ_OK)
		return s;
	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	s = vq_walk_table(&w, table, q->num, head, false);
	if (s == VQ_OK)
		q->last_avail++;
	return s;
}

bool virtq_push(struct virtq *q, const struct virtq_env *env, u16 head, u32 written, const char **why)
{
	u8 *used;
	u64 slot = 4 + 8ull * (q->used_idx & (q->num - 1));
	u32 elem[2] = { head, written };

	/* Not preemptible: vq_avail filled the used ring before any chain was taken. */
	if (gm_access(env->gm, ipa_of(q->used), used_bytes(q->num), GM_WRITE, false, (void **)&used) != GM_OK) {
		*why = "the used ring outside the VM's RAM";
		return false;
	}
	memcpy(used + slot, elem, sizeof(elem));
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the entry before the index that publishes it */
	q->used_idx++;
	store16(used + 2, q->used_idx);
	gm_write_done(env->gm, ipa_of(q->used), used_bytes(q->num));
	return true;
}

bool virtq_should_interrupt(struct virtq *q, const struct virtq_env *env)
{
	u8 *avail;
	u16 old = q->signalled, now = q->used_idx, event;

	if (gm_access(env->gm, ipa_of(q->avail), avail_bytes(q->num), GM_READ, false, (void **)&avail) != GM_OK)
		return true; /* the next pop will say what is wrong */
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our used index before the driver's wishes */
	if (!env->event_idx)
		return !(load16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
	event = load16(avail + 4 + 2ull * q->num);
	q->signalled = now;
	/* Interrupt if used_event lies in (old, now]: the driver asked to hear of that entry. */
	return (u16)(now - event - 1) < (u16)(now - old);
}

bool virtq_arm_notify(struct virtq *q, const struct virtq_env *env)
{
	u8 *used, *avail;

	if (gm_access(env->gm, ipa_of(q->used), used_bytes(q->num), GM_WRITE, false, (void **)&used) != GM_OK ||
	    gm_access(env->gm, ipa_of(q->avail), avail_bytes(q->num), GM_READ, false, (void **)&avail) != GM_OK)
		return false;
	if (env->event_idx) {
		store16(used + 4 + 8ull * q->num, q->last_avail);
		gm_write_done(env->gm, ipa_of(q->used), used_bytes(q->num));
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* our wish before we look at the index again */
	return load16(avail + 2) != q->last_avail;
}

u32 virtq_chain_read(const struct virtq_chain *c, u32 off, void *dst, u32 len)
{
	u32 done = 0;

	for (u32 i = 0; i < c->nr_out && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		u32 n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = MIN(s->len - off, len - done);
		memcpy((u8 *)dst + done, (const u8 *)s->host + off, n);
		done += n;
		off = 0;
	}
	return done;
}

u32 virtq_chain_write(const struct virtq_chain *c, struct guest_mem *gm, u32 off, const void *src, u32 len)
{
	u32 done = 0;

	for (u32 i = c->nr_out; i < c->nr_out + c->nr_in && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		u32 n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = MIN(s->len - off, len - done);
		memcpy((u8 *)s->host + off, (const u8 *)src + done, n);
		gm_write_done(gm, ipa_of(s->ipa + off), n);
		done += n;
		off = 0;
	}
	return done;
}
