/*
 * Synchronous IPC between VMs (include/keel/ipc.h, docs/ipc.md), after L4:
 * a client CALLs an endpoint and waits; a server vCPU of the endpoint's
 * owner RECVs, gets the message with the client's badge, and answers with
 * REPLY_RECV, which also waits for the next message. SEND is one-way.
 *
 * Each call is the usual pair (include/keel/hypercall.h). check() is
 * ipc_slot_check(): the flags and the caller's capability slot, from the
 * blob, no lock, no side effect. do() takes the IPC lock, looks at the
 * endpoint's queues and the peer's state, and commits; what it finds there
 * (nobody waiting: WOULD_BLOCK; the peer's VM stopping: PEER_GONE) is an
 * outcome of the exchange, decided and applied under the one lock, not a
 * failure halfway through.
 *
 * A vCPU that must wait is VCPU_IPC_BLOCKED (not runnable, like WFI but not
 * woken by interrupts). Whoever completes its exchange, on any CPU, leaves
 * the registers it is to see in vcpu->ipc.in and posts VCPU_REQ_IPC; its own
 * CPU loads them (ipc_vcpu_woken). On one CPU the exchange also hands the
 * CPU straight to the woken vCPU (exit_handoff through hc_result.next): a
 * call runs the waiting server next, and the reply runs the caller next.
 * Across CPUs the request's kick wakes the other CPU.
 *
 * Budgets: every vCPU runs on its own. The server's time is charged to the
 * server, the caller's to the caller; a handoff changes who runs, not who
 * pays (docs/ipc.md).
 */
#include <keel/arch/cpu.h>
#include <keel/hypercall.h>
#include <keel/ipc.h>
#include <keel/locking.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

/* Queues of vCPUs waiting on one endpoint, FIFO: senders (other VMs') and receivers (the owner's). */
struct ipc_endpoint {
	struct vcpu *senders;
	struct vcpu *receivers;
};

/* Place 1b, include/keel/locking.h. A ticket lock: every VM with a slot can make CPUs contend for it. */
static struct ticket_lock ipc_lock;
static struct ipc_endpoint ipc_endpoints[KEEL_MAX_VMS][KEEL_MAX_ENDPOINTS_PER_VM]; /* by owner VM index */

static void ipc_queue_add(struct vcpu **head, struct vcpu *v)
{
	v->ipc.qnext = NULL;
	while (*head)
		head = &(*head)->ipc.qnext;
	*head = v;
}

static struct vcpu *ipc_queue_pop(struct vcpu **head)
{
	struct vcpu *v = *head;

	if (v) {
		*head = v->ipc.qnext;
		v->ipc.qnext = NULL;
	}
	return v;
}

static void ipc_queue_remove(struct vcpu **head, struct vcpu *v)
{
	for (; *head; head = &(*head)->ipc.qnext)
		if (*head == v) {
			*head = v->ipc.qnext;
			v->ipc.qnext = NULL;
			return;
		}
}

s64 ipc_slot_check(const struct vcpu *vcpu, u64 x1, u32 right)
{
	const struct keel_blob_vm *cfg = vcpu->vm->cfg;
	u64 slot = x1 & KEEL_IPC_SLOT_MASK;

	if (x1 & ~(KEEL_IPC_SLOT_MASK | KEEL_IPC_NONBLOCK))
		return KEEL_RET_INVALID_PARAMETER;
	if (slot >= cfg->nr_ipc_slots)
		return KEEL_RET_NO_ENDPOINT;
	if (!(cfg->ipc_slots[slot].rights & right))
		return KEEL_RET_DENIED;
	return 0;
}

/* The slot ipc_slot_check() accepted, and its endpoint (the blob check bounded both indices). */
static const struct keel_blob_ipc_slot *ipc_slot(const struct vcpu *vcpu, u64 x1)
{
	return &vcpu->vm->cfg->ipc_slots[x1 & KEEL_IPC_SLOT_MASK];
}

static struct ipc_endpoint *ipc_endpoint_of(const struct keel_blob_ipc_slot *s)
{
	return &ipc_endpoints[s->vm][s->endpoint];
}

/* A VM that can take part: running, or not started yet (its server may still come). */
static bool ipc_vm_alive(const struct vm *vm)
{
	enum vm_state s = vm->state;

	return s == VM_RUNNING || s == VM_STOPPED;
}

/* Under ipc_lock: complete blocked vCPU v's exchange with registers m; its own CPU loads them. */
static void ipc_wake(struct vcpu *v, const struct ipc_msg *m)
{
	v->ipc.in = *m;
	v->ipc.deliver = true;
	v->ipc.wait = IPC_IDLE;
	v->ipc.server = NULL;
	vcpu_request(v, VCPU_REQ_IPC); /* takes no lock; kicks v's CPU if it is another */
}

static void ipc_wake_error(struct vcpu *v, s64 err)
{
	struct ipc_msg m = { { (u64)err } };

	ipc_wake(v, &m);
}

/* The calling vCPU's results now: x0..x3 through out (smccc.c writes them), x4..x6 here, on its own CPU. */
static void ipc_result(struct vcpu *self, struct hc_result *out, const struct ipc_msg *m)
{
	out->x0 = (s64)m->x[0];
	out->x1 = m->x[1];
	out->x2 = m->x[2];
	out->x3 = m->x[3];
	self->regs.x[4] = m->x[4];
	self->regs.x[5] = m->x[5];
	self->regs.x[6] = m->x[6];
}

/* Under ipc_lock, on its own CPU: the calling vCPU waits; x0..x6 come with its wake-up. */
static void ipc_block(struct vcpu *self, struct hc_result *out)
{
	self->state = VCPU_IPC_BLOCKED;
	out->x0 = 0;
}

/* The fast path: if `to` shares this CPU, run it right after this exit. */
static void ipc_handoff(struct vcpu *to, struct hc_result *out)
{
	if (to->pcpu == arch_cpu_index())
		out->next = to;
}

/* CALL and SEND, after the check: give the message to a waiting receiver, or queue, or refuse. */
static void ipc_send_common(struct vcpu *self, const struct hc_args *in, bool is_call, struct hc_result *out)
{
	const struct keel_blob_ipc_slot *s = ipc_slot(self, in->x[1]);
	struct ipc_endpoint *ep = ipc_endpoint_of(s);
	struct ipc_msg m = { { is_call ? KEEL_IPC_KIND_CALL : KEEL_IPC_KIND_SEND, s->badge, in->x[2], in->x[3],
			       in->x[4], in->x[5], in->x[6] } };
	struct vcpu *r;

	ticket_lock(&ipc_lock);
	if (!ipc_vm_alive(&vms[s->vm]) || !ipc_vm_alive(self->vm)) {
		out->x0 = KEEL_RET_PEER_GONE;
	} else if ((r = ipc_queue_pop(&ep->receivers))) {
		ipc_wake(r, &m);
		out->x0 = 0;
		if (is_call) {
			r->ipc.reply_to = self;
			self->ipc.wait = IPC_AWAIT_REPLY;
			self->ipc.server = r;
			ipc_block(self, out);
			ipc_handoff(r, out);
		}
	} else if (in->x[1] & KEEL_IPC_NONBLOCK) {
		out->x0 = KEEL_RET_WOULD_BLOCK;
	} else {
		self->ipc.wait = IPC_SENDING;
		self->ipc.is_call = is_call;
		self->ipc.ep_vm = s->vm;
		self->ipc.ep = s->endpoint;
		self->ipc.msg = m;
		ipc_queue_add(&ep->senders, self);
		ipc_block(self, out);
	}
	ticket_unlock(&ipc_lock);
}

/* RECV under ipc_lock: take the first queued message, or wait, or refuse. */
static void ipc_recv_locked(struct vcpu *self, u64 x1, struct hc_result *out)
{
	const struct keel_blob_ipc_slot *s = ipc_slot(self, x1);
	struct ipc_endpoint *ep = ipc_endpoint_of(s);
	struct vcpu *c;

	if (self->ipc.reply_to) {
		/* Receiving again without replying abandons the call: its caller must not wait forever. */
		ipc_wake_error(self->ipc.reply_to, KEEL_RET_PEER_GONE);
		self->ipc.reply_to = NULL;
	}
	if (!ipc_vm_alive(self->vm)) {
		out->x0 = KEEL_RET_PEER_GONE;
	} else if ((c = ipc_queue_pop(&ep->senders))) {
		ipc_result(self, out, &c->ipc.msg);
		if (c->ipc.is_call) {
			c->ipc.wait = IPC_AWAIT_REPLY;
			c->ipc.server = self;
			self->ipc.reply_to = c;
		} else {
			struct ipc_msg done = { { 0 } };

			ipc_wake(c, &done);
		}
	} else if (x1 & KEEL_IPC_NONBLOCK) {
		out->x0 = KEEL_RET_WOULD_BLOCK;
	} else {
		self->ipc.wait = IPC_RECEIVING;
		self->ipc.ep_vm = s->vm;
		self->ipc.ep = s->endpoint;
		ipc_queue_add(&ep->receivers, self);
		ipc_block(self, out);
	}
}

s64 hc_ipc_call_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return ipc_slot_check(vcpu, in->x[1], KEEL_IPC_RIGHT_CALL);
}

void hc_ipc_call_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	trace_vcpu(TRACE_IPC_CALL, vcpu, (u32)in->x[1], in->x[2], 0);
	ipc_send_common(vcpu, in, true, out);
}

s64 hc_ipc_send_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return ipc_slot_check(vcpu, in->x[1], KEEL_IPC_RIGHT_SEND);
}

void hc_ipc_send_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	trace_vcpu(TRACE_IPC_SEND, vcpu, (u32)in->x[1], in->x[2], 0);
	ipc_send_common(vcpu, in, false, out);
}

s64 hc_ipc_recv_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return ipc_slot_check(vcpu, in->x[1], KEEL_IPC_RIGHT_RECV);
}

void hc_ipc_recv_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	ticket_lock(&ipc_lock);
	ipc_recv_locked(vcpu, in->x[1], out);
	ticket_unlock(&ipc_lock);
}

s64 hc_ipc_reply_recv_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return ipc_slot_check(vcpu, in->x[1], KEEL_IPC_RIGHT_RECV);
}

/* Reply to the caller still waiting (a vanished one's reply is dropped), then receive. */
void hc_ipc_reply_recv_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	struct vcpu *caller;

	ticket_lock(&ipc_lock);
	caller = vcpu->ipc.reply_to;
	if (caller) {
		struct ipc_msg reply = { { 0, 0, in->x[2], in->x[3], in->x[4], in->x[5], in->x[6] } };

		trace_vcpu(TRACE_IPC_REPLY, vcpu, (u32)in->x[1], in->x[2], (u64)caller->vm->index << 8 | caller->index);
		ipc_wake(caller, &reply);
		vcpu->ipc.reply_to = NULL;
	}
	ipc_recv_locked(vcpu, in->x[1], out);
	if (caller && vcpu->state == VCPU_IPC_BLOCKED)
		ipc_handoff(caller, out); /* the server waits again: straight back to the caller */
	ticket_unlock(&ipc_lock);
}

bool ipc_vcpu_woken(struct vcpu *vcpu)
{
	bool woke = false;

	ticket_lock(&ipc_lock);
	if (vcpu->ipc.deliver && vcpu->state == VCPU_IPC_BLOCKED) {
		for (u32 i = 0; i < ARRAY_SIZE(vcpu->ipc.in.x); i++)
			vcpu->regs.x[i] = vcpu->ipc.in.x[i];
		vcpu->state = VCPU_RUNNABLE;
		woke = true;
	}
	vcpu->ipc.deliver = false;
	ticket_unlock(&ipc_lock);
	return woke;
}

/* Under ipc_lock: forget what v was doing in IPC; whoever waits on it is told PEER_GONE. */
static void ipc_vcpu_forget(struct vcpu *v)
{
	if (v->ipc.wait == IPC_SENDING)
		ipc_queue_remove(&ipc_endpoints[v->ipc.ep_vm][v->ipc.ep].senders, v);
	if (v->ipc.wait == IPC_RECEIVING)
		ipc_queue_remove(&ipc_endpoints[v->ipc.ep_vm][v->ipc.ep].receivers, v);
	if (v->ipc.wait == IPC_AWAIT_REPLY && v->ipc.server)
		v->ipc.server->ipc.reply_to = NULL; /* its server's reply will go nowhere */
	if (v->ipc.reply_to)
		ipc_wake_error(v->ipc.reply_to, KEEL_RET_PEER_GONE);
	v->ipc = (struct ipc_vcpu){ 0 };
}

void ipc_vcpu_stopping(struct vcpu *v)
{
	ticket_lock(&ipc_lock);
	ipc_vcpu_forget(v);
	ticket_unlock(&ipc_lock);
}

void ipc_vm_stopping(struct vm *vm)
{
	struct vcpu *c;

	ticket_lock(&ipc_lock);
	for (u32 e = 0; e < KEEL_MAX_ENDPOINTS_PER_VM; e++) {
		struct ipc_endpoint *ep = &ipc_endpoints[vm->index][e];

		while ((c = ipc_queue_pop(&ep->senders)))
			ipc_wake_error(c, KEEL_RET_PEER_GONE); /* other VMs' clients */
		ep->receivers = NULL; /* vm's own vCPUs, cleared below */
	}
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		ipc_vcpu_forget(&vm->vcpus[i]);
	ticket_unlock(&ipc_lock);
}
