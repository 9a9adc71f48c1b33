/*
 * Host tests of synchronous IPC (core/ipc.c) through the real SMCCC decode
 * and call table: every refusal of the slot check (flags, missing slot,
 * wrong right), would-block both ways, a call/reply round trip on one CPU
 * (handoff to the server, handoff back, payload and badge in x0..x6) and
 * across CPUs (a request, no handoff), a caller queued before the server
 * receives, one-way sends, and PEER_GONE: server VM reset with a caller
 * awaiting its reply and another queued, calls into a stopped VM, a client
 * reset while its call is being served, and a server abandoning a call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/exit.h>
#include <keel/hypercall.h>
#include <keel/ipc.h>

#include "fake_calls_env.h"

#define BADGE_CALL 0x77
#define BADGE_SEND 0x78
#define SLOT_CALL 0 /* client's slots */
#define SLOT_SEND 1
#define SLOT_OWN 0 /* server's slot: its endpoint */

static struct keel_blob_vm scfg, ccfg;
static struct vm *const server_vm = &vms[0], *const client_vm = &vms[1];
static struct cpu cpu0 = { .index = 0 };
static struct vcpu *server, *client, *client_far; /* client_far: pinned to CPU 1 */

static int setup(void **state)
{
	(void)state;
	server_vm->state = client_vm->state = VM_POWERED_OFF;
	ipc_vm_stopping(server_vm); /* empties the endpoint queues the last test left */
	ipc_vm_stopping(client_vm);
	fake_vm_reset(server_vm, &scfg, 1);
	fake_vm_reset(client_vm, &ccfg, 2);
	server_vm->index = 0;
	client_vm->index = 1;
	scfg.nr_endpoints = 1;
	scfg.nr_ipc_slots = 1;
	scfg.ipc_slots[0] = (struct keel_blob_ipc_slot){ 0, 0, KEEL_IPC_RIGHT_RECV, 0, 0 };
	ccfg.nr_ipc_slots = 2;
	ccfg.ipc_slots[SLOT_CALL] = (struct keel_blob_ipc_slot){ 0, 0, KEEL_IPC_RIGHT_CALL, 0, BADGE_CALL };
	ccfg.ipc_slots[SLOT_SEND] = (struct keel_blob_ipc_slot){ 0, 0, KEEL_IPC_RIGHT_SEND, 0, BADGE_SEND };
	server = &server_vm->vcpus[0];
	client = &client_vm->vcpus[0];
	client_far = &client_vm->vcpus[1];
	client_far->state = VCPU_RUNNABLE;
	client_far->pcpu = 1;
	(void)exit_handoff_take(&cpu0);
	return 0;
}

/* vCPU v makes IPC call fid on x1 with words base, base+1, ... in x2..x6, on its own CPU; returns x0. */
static s64 ipc(struct vcpu *v, u32 fid, u64 x1, u64 base)
{
	fake.cpu_index = v->pcpu;
	v->regs.x[0] = fid;
	v->regs.x[1] = x1;
	for (u32 i = 0; i < 5; i++)
		v->regs.x[2 + i] = base + i;
	smccc_dispatch(v);
	return (s64)v->regs.x[0];
}

/* Its own CPU acting on VCPU_REQ_IPC, as sched.c does: the request must be there. */
static void wake(struct vcpu *v)
{
	assert_true(v->requests & VCPU_REQ_IPC);
	v->requests &= ~VCPU_REQ_IPC;
	assert_true(ipc_vcpu_woken(v));
	assert_int_equal(v->state, VCPU_RUNNABLE);
}

static void assert_msg(const struct vcpu *v, u64 x0, u64 badge, u64 base)
{
	assert_int_equal(v->regs.x[0], x0);
	assert_int_equal(v->regs.x[1], badge);
	for (u32 i = 0; i < 5; i++)
		assert_int_equal(v->regs.x[2 + i], base + i);
}

static void test_slot_checks(void **state)
{
	(void)state;
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL | (1ull << 33), 0), KEEL_RET_INVALID_PARAMETER);
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, 2, 0), KEEL_RET_NO_ENDPOINT);
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, 0xffffffff, 0), KEEL_RET_NO_ENDPOINT);
	assert_int_equal(ipc(client, KEEL_HC_IPC_SEND, SLOT_CALL, 0), KEEL_RET_DENIED);
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_SEND, 0), KEEL_RET_DENIED);
	assert_int_equal(ipc(client, KEEL_HC_IPC_RECV, SLOT_CALL, 0), KEEL_RET_DENIED);
	assert_int_equal(ipc(server, KEEL_HC_IPC_CALL, SLOT_OWN, 0), KEEL_RET_DENIED);
	assert_int_equal(ipc(server, KEEL_HC_IPC_RECV, 1, 0), KEEL_RET_NO_ENDPOINT);
	/* A refusal changes nothing: nobody blocked, nothing queued, nothing logged twice over. */
	assert_int_equal(client->state, VCPU_RUNNABLE);
	assert_int_equal(client->ipc.wait, IPC_IDLE);
	assert_true(fake.nr_logs > 0);
}

static void test_would_block(void **state)
{
	(void)state;
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL | KEEL_IPC_NONBLOCK, 0), KEEL_RET_WOULD_BLOCK);
	assert_int_equal(ipc(client, KEEL_HC_IPC_SEND, SLOT_SEND | KEEL_IPC_NONBLOCK, 0), KEEL_RET_WOULD_BLOCK);
	assert_int_equal(ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN | KEEL_IPC_NONBLOCK, 0), KEEL_RET_WOULD_BLOCK);
	assert_int_equal(client->state, VCPU_RUNNABLE);
	assert_int_equal(server->state, VCPU_RUNNABLE);
}

/* The server waits first; the call hands CPU 0 to it, the reply hands it back. */
static void test_round_trip_same_cpu(void **state)
{
	(void)state;
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	assert_int_equal(server->state, VCPU_IPC_BLOCKED);
	assert_null(exit_handoff_take(&cpu0));

	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 100);
	assert_int_equal(client->state, VCPU_IPC_BLOCKED);
	wake(server);
	assert_ptr_equal(exit_handoff_take(&cpu0), server); /* the fast path */
	assert_msg(server, KEEL_IPC_KIND_CALL, BADGE_CALL, 100);

	ipc(server, KEEL_HC_IPC_REPLY_RECV, SLOT_OWN, 200);
	assert_int_equal(server->state, VCPU_IPC_BLOCKED); /* waiting for the next */
	wake(client);
	assert_ptr_equal(exit_handoff_take(&cpu0), client); /* and straight back */
	assert_msg(client, 0, 0, 200);
}

/* Across CPUs: the server's CPU is asked (a request, which kicks), no handoff on the caller's. */
static void test_round_trip_other_cpu(void **state)
{
	(void)state;
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	ipc(client_far, KEEL_HC_IPC_CALL, SLOT_CALL, 300);
	assert_int_equal(client_far->state, VCPU_IPC_BLOCKED);
	fake.cpu_index = 1;
	assert_null(exit_handoff_take(&(struct cpu){ .index = 1 }));
	wake(server);
	assert_msg(server, KEEL_IPC_KIND_CALL, BADGE_CALL, 300);
	ipc(server, KEEL_HC_IPC_REPLY_RECV, SLOT_OWN | KEEL_IPC_NONBLOCK, 400);
	assert_int_equal(server->regs.x[0], (u64)KEEL_RET_WOULD_BLOCK); /* replied, then nothing to receive */
	assert_int_equal(server->state, VCPU_RUNNABLE);
	wake(client_far);
	assert_msg(client_far, 0, 0, 400);
}

/* The caller comes first and is queued; RECV returns its message at once, x4..x6 included. */
static void test_caller_queued(void **state)
{
	(void)state;
	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 500);
	assert_int_equal(client->state, VCPU_IPC_BLOCKED);
	assert_int_equal(client->ipc.wait, IPC_SENDING);
	assert_int_equal(ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0), KEEL_IPC_KIND_CALL);
	assert_msg(server, KEEL_IPC_KIND_CALL, BADGE_CALL, 500);
	assert_int_equal(client->ipc.wait, IPC_AWAIT_REPLY);
	assert_false(client->requests & VCPU_REQ_IPC); /* still waiting for the reply */
	ipc(server, KEEL_HC_IPC_REPLY_RECV, SLOT_OWN | KEEL_IPC_NONBLOCK, 600);
	wake(client);
	assert_msg(client, 0, 0, 600);
}

/* One-way sends: to a waiting receiver the sender goes on at once; a queued sender waits until taken. */
static void test_send(void **state)
{
	(void)state;
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	assert_int_equal(ipc(client, KEEL_HC_IPC_SEND, SLOT_SEND, 700), 0);
	assert_int_equal(client->state, VCPU_RUNNABLE);
	wake(server);
	assert_msg(server, KEEL_IPC_KIND_SEND, BADGE_SEND, 700);

	ipc(client, KEEL_HC_IPC_SEND, SLOT_SEND, 800);
	assert_int_equal(client->state, VCPU_IPC_BLOCKED);
	assert_int_equal(ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0), KEEL_IPC_KIND_SEND);
	assert_msg(server, KEEL_IPC_KIND_SEND, BADGE_SEND, 800);
	wake(client);
	assert_int_equal(client->regs.x[0], 0);
	assert_null(server->ipc.reply_to); /* nothing to reply to */
}

/* The server's VM resets: the caller it was serving and a queued caller both get PEER_GONE. */
static void test_server_reset(void **state)
{
	(void)state;
	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 0);
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0); /* takes client's call, owes a reply */
	ipc(client_far, KEEL_HC_IPC_CALL, SLOT_CALL, 0); /* queued behind */
	vm_reset(server_vm); /* the fake of vm.c's stop: state, then requests */
	ipc_vm_stopping(server_vm);
	wake(client);
	assert_int_equal(client->regs.x[0], (u64)KEEL_RET_PEER_GONE);
	wake(client_far);
	assert_int_equal(client_far->regs.x[0], (u64)KEEL_RET_PEER_GONE);
	/* While it is down, calls fail at once; once it runs again, they queue. */
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 0), KEEL_RET_PEER_GONE);
	assert_int_equal(client->state, VCPU_RUNNABLE);
	server_vm->state = VM_RUNNING;
	server->state = VCPU_RUNNABLE;
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL | KEEL_IPC_NONBLOCK, 0), KEEL_RET_WOULD_BLOCK);
	assert_null(server->ipc.reply_to);
}

/*
 * A server vCPU switches itself off (PSCI CPU_OFF) while it holds a call and
 * while it waits in RECV: its caller gets PEER_GONE, it leaves the receive
 * queue, and a later CPU_ON does not start it owing a reply.
 */
static void test_server_cpu_off(void **state)
{
	(void)state;
	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 0);
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0); /* holds client's call */
	ipc_vcpu_stopping(server);
	wake(client);
	assert_int_equal(client->regs.x[0], (u64)KEEL_RET_PEER_GONE);
	assert_null(server->ipc.reply_to);
	/* Waiting in RECV, then off: a new call must not be handed to it. */
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	assert_int_equal(server->ipc.wait, IPC_RECEIVING);
	ipc_vcpu_stopping(server);
	assert_int_equal(server->ipc.wait, IPC_IDLE);
	assert_int_equal(ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL | KEEL_IPC_NONBLOCK, 0), KEEL_RET_WOULD_BLOCK);
}

/* The client's VM resets while its call is served: the reply goes nowhere, nobody is woken. */
static void test_client_reset(void **state)
{
	(void)state;
	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 0);
	ipc(client_far, KEEL_HC_IPC_CALL, SLOT_CALL, 0);
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	vm_reset(client_vm);
	ipc_vm_stopping(client_vm);
	assert_null(server->ipc.reply_to);
	assert_int_equal(client_far->ipc.wait, IPC_IDLE); /* out of the queue */
	client->requests = 0;
	ipc(server, KEEL_HC_IPC_REPLY_RECV, SLOT_OWN | KEEL_IPC_NONBLOCK, 0);
	assert_int_equal(server->regs.x[0], (u64)KEEL_RET_WOULD_BLOCK); /* the queued call left with its VM */
	assert_false(client->requests & VCPU_REQ_IPC);
	/* A parked vCPU is never woken by a late delivery. */
	client->state = VCPU_OFF;
	client->ipc.deliver = true;
	assert_false(ipc_vcpu_woken(client));
	assert_int_equal(client->state, VCPU_OFF);
}

/* A server that receives again without replying abandons the call: the caller hears PEER_GONE. */
static void test_abandoned_call(void **state)
{
	(void)state;
	ipc(client, KEEL_HC_IPC_CALL, SLOT_CALL, 0);
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN, 0);
	ipc(server, KEEL_HC_IPC_RECV, SLOT_OWN | KEEL_IPC_NONBLOCK, 0);
	wake(client);
	assert_int_equal(client->regs.x[0], (u64)KEEL_RET_PEER_GONE);
}

/* DOORBELL: a channel the VM is not a member of is NO_ENDPOINT; else every other member's SPI, not its own. */
static void test_doorbell(void **state)
{
	(void)state;
	nr_vms = 2;
	ccfg.nr_channels = 1;
	ccfg.channels[0] = (struct keel_blob_channel){ 0x50000000, 0x63000000, 0x1000, KEEL_CHANNEL_WRITE, 7, 40, 0 };
	scfg.nr_channels = 2;
	scfg.channels[0] = (struct keel_blob_channel){ 0x50000000, 0x64000000, 0x1000, 0, 3, 44, 0 };
	scfg.channels[1] = (struct keel_blob_channel){ 0x50001000, 0x63000000, 0x1000, 0, 7, 41, 0 };
	assert_int_equal(ipc(client, KEEL_HC_DOORBELL, 1, 0), KEEL_RET_NO_ENDPOINT);
	assert_int_equal(fake.nr_injects, 0);
	assert_int_equal(ipc(client, KEEL_HC_DOORBELL, 0, 0), 0);
	assert_int_equal(fake.nr_injects, 1);
	assert_int_equal(fake.inject_vm, 0);
	assert_int_equal(fake.inject_intid, 41); /* the server's doorbell of channel 7 */
	assert_int_equal(ipc(server, KEEL_HC_DOORBELL, 0, 0), 0); /* channel 3: no other member */
	assert_int_equal(fake.nr_injects, 1);
	assert_int_equal(ipc(server, KEEL_HC_DOORBELL, 1, 0), 0);
	assert_int_equal(fake.inject_vm, 1);
	assert_int_equal(fake.inject_intid, 40);
	nr_vms = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_slot_checks, setup),
		cmocka_unit_test_setup(test_would_block, setup),
		cmocka_unit_test_setup(test_round_trip_same_cpu, setup),
		cmocka_unit_test_setup(test_round_trip_other_cpu, setup),
		cmocka_unit_test_setup(test_caller_queued, setup),
		cmocka_unit_test_setup(test_send, setup),
		cmocka_unit_test_setup(test_server_reset, setup),
		cmocka_unit_test_setup(test_server_cpu_off, setup),
		cmocka_unit_test_setup(test_client_reset, setup),
		cmocka_unit_test_setup(test_abandoned_call, setup),
		cmocka_unit_test_setup(test_doorbell, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
