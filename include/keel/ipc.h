/*
 * Synchronous IPC between VMs (core/ipc.c, docs/ipc.md): endpoints owned by
 * one VM each, reached by other VMs only through the capability slots the
 * configuration gave them (keel_blob_vm.ipc_slots). A vCPU that waits in IPC
 * is VCPU_IPC_BLOCKED: never runnable until another vCPU hands it a message
 * or a reply, or its peer's VM goes away.
 *
 * Ownership and locking: every field below, and every endpoint queue, is
 * guarded by the one IPC lock (place 1b in include/keel/locking.h). The
 * woken vCPU's own CPU moves a delivered message into its registers
 * (ipc_vcpu_woken, from the scheduler's request handling), so a vCPU's
 * registers are still written only by the CPU it is pinned to.
 */
#ifndef KEEL_IPC_H
#define KEEL_IPC_H

#include <keel/types.h>

struct vcpu;
struct vm;

/* What a vCPU is doing in IPC. */
enum ipc_wait {
	IPC_IDLE = 0,
	IPC_SENDING, /* queued on an endpoint with msg (a call or a send), no receiver yet */
	IPC_RECEIVING, /* queued on its own VM's endpoint, waiting for a message */
	IPC_AWAIT_REPLY, /* its call was received by `server`, which owes it a reply */
};

/* The registers x0..x6 a message puts in the receiver: kind or status, badge, five words. */
struct ipc_msg {
	u64 x[7];
};

struct ipc_vcpu {
	enum ipc_wait wait;
	bool is_call; /* IPC_SENDING: a call (else a one-way send) */
	u32 ep_vm, ep; /* IPC_SENDING, IPC_RECEIVING: the endpoint (owner VM index, number) */
	struct vcpu *qnext; /* next in that endpoint's queue */
	struct vcpu *server; /* IPC_AWAIT_REPLY: the vCPU holding the call */
	struct vcpu *reply_to; /* a server's caller, awaiting its reply; NULL if none */
	struct ipc_msg msg; /* IPC_SENDING: the message as the receiver will get it */
	struct ipc_msg in; /* for the vCPU itself, loaded by its own CPU if `deliver` */
	bool deliver;
};

/*
 * The pure half of every IPC call (the hypercalls' check()): x1's flags and
 * whether slot x1 of the caller's VM holds `right` (KEEL_IPC_RIGHT_*).
 * Returns 0, INVALID_PARAMETER, NO_ENDPOINT or DENIED; changes nothing.
 */
s64 ipc_slot_check(const struct vcpu *vcpu, u64 x1, u32 right);

/*
 * vcpu is switching itself off (PSCI CPU_OFF): it leaves every queue, and a
 * caller it held gets PEER_GONE, so no client waits on a vCPU that is off
 * and a later CPU_ON does not start it owing a reply.
 */
void ipc_vcpu_stopping(struct vcpu *vcpu);

/*
 * On the vCPU's own CPU, for a VCPU_REQ_IPC request: if a message or a
 * result was delivered to it while it was blocked, load it into x0..x6 and
 * make it runnable. Returns whether it woke.
 */
bool ipc_vcpu_woken(struct vcpu *vcpu);

/*
 * Any CPU, once vm has left VM_RUNNING (reset or power-off), with no lock
 * held: take every vCPU of vm out of IPC, and wake every vCPU of another VM
 * waiting on vm (queued on its endpoints, or awaiting a reply from it) with
 * KEEL_RET_PEER_GONE. Calls that come later see vm's state and fail the same.
 */
void ipc_vm_stopping(struct vm *vm);

/*
 * Notification channels (core/channel.c): at boot, map each of vm's
 * channels into its stage 2 as the blob says (normal memory, never
 * executable). The DOORBELL call is hc_doorbell_check/do.
 */
void channel_map_all(struct vm *vm);

#endif
