/*
 * test-ipc_client: both clients of the IPC system test (configs/tests/ipc.dts),
 * told apart by VM index. "near" (VM 1) shares CPU 0 with the server's vCPU 0:
 * its calls take the same-CPU fast path. "far" (VM 2) is on CPU 1: its calls
 * to the same endpoint cross CPUs. Both check payload and badge on every round
 * trip and time 1,000 of them (under -icount shift=0 one nanosecond is one
 * instruction). near provokes every refusal, then asks the server to reset
 * while its own call is in flight and far's is held unanswered: both must get
 * PEER_GONE, and both must be served again after the server's restart.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/timer.h>

#include "ipc_proto.h"

#define ROUND_TRIPS 1000
#define WAIT_MS 60000

static const char *who;
static uint64_t my_badge;

/*
 * Idle for ms in WFI, IRQs masked: the armed virtual timer's pending interrupt
 * wakes the vCPU. Not a busy wait, so the server sharing this CPU runs at once
 * when far's calls wake it (all vCPUs here are background, in round robin).
 */
static void sleep_ms(uint64_t ms)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(ms);

	timer_arm_at(end);
	while (timer_now() < end)
		__asm__ volatile("wfi");
	timer_stop();
}

/* One OP_ECHO call on slot; true if the reply is right. *ret gets x0. */
static bool echo(uint64_t i, uint64_t want_resets, int64_t *ret)
{
	uint64_t w[5] = { OP_ECHO, i, i * 7 + 3, ~i, 0 };
	struct keel_ipc_msg m;

	*ret = keel_ipc(KEEL_HC_IPC_CALL, CLIENT_SLOT_SVC, 0, w, &m);
	return *ret == 0 && m.badge == 0 && m.w[0] == my_badge && m.w[1] == (w[1] ^ ECHO_MAGIC) &&
	       m.w[2] == (w[2] ^ ECHO_MAGIC) && m.w[3] == (w[3] ^ ECHO_MAGIC) && m.w[4] == want_resets;
}

/* ROUND_TRIPS echoes, each checked; prints the cost of one. */
static void round_trips(const char *bench)
{
	uint64_t bad = 0, t0 = timer_now(), ns;
	int64_t ret = 0;

	for (uint64_t i = 0; i < ROUND_TRIPS; i++)
		bad += !echo(i, 0, &ret);
	ns = (timer_now() - t0) * 1000000000ull / timer_freq() / ROUND_TRIPS;
	report(bad == 0, "%s: %u round trips, payload and badge 0x%lx right (%lu wrong, last x0 %ld)", who,
	       ROUND_TRIPS, my_badge, bad, ret);
	printf("KHV %s ns %lu per call+reply (instructions under -icount shift=0)\n", bench, ns);
}

/* Every refusal near can provoke; none may block or fault. */
static void near_errors(void)
{
	report(keel_ipc(KEEL_HC_IPC_CALL, 7, 0, NULL, NULL) == KEEL_RET_NO_ENDPOINT, "near: CALL on slot 7: NO_ENDPOINT");
	report(keel_hc_ipc_call(4, 0, 0, 0, 0, 0).a0 == KEEL_RET_NO_ENDPOINT,
	       "near: the generated stub, CALL on slot 4: NO_ENDPOINT");
	report(keel_ipc(KEEL_HC_IPC_RECV, CLIENT_SLOT_SVC, 0, NULL, NULL) == KEEL_RET_DENIED,
	       "near: RECV on a granted endpoint: DENIED");
	report(keel_ipc(KEEL_HC_IPC_CALL, NEAR_SLOT_IDLE, 0, NULL, NULL) == KEEL_RET_DENIED,
	       "near: CALL on a send-only grant: DENIED");
	report(keel_ipc(KEEL_HC_IPC_CALL, CLIENT_SLOT_SVC, 1ull << 40, NULL, NULL) == KEEL_RET_INVALID_PARAMETER,
	       "near: unknown flag: INVALID_PARAMETER");
	report(keel_ipc(KEEL_HC_IPC_SEND, NEAR_SLOT_IDLE, KEEL_IPC_NONBLOCK, NULL, NULL) == KEEL_RET_WOULD_BLOCK,
	       "near: non-blocking SEND with no receiver: WOULD_BLOCK");
}

/* Until the server answers again after its reset: PEER_GONE while it restarts, then served. */
static void served_again(void)
{
	uint64_t deadline = timer_now() + timer_ms_to_ticks(WAIT_MS);
	int64_t ret = KEEL_RET_PEER_GONE;
	bool ok = false;

	while (ret == KEEL_RET_PEER_GONE && timer_now() < deadline) {
		ok = echo(42, 1, &ret);
		if (ret == KEEL_RET_PEER_GONE)
			keel_yield();
	}
	report(ok, "%s: served again after the server's reset (x0 %ld)", who, ret);
	report(keel_ipc(KEEL_HC_IPC_SEND, CLIENT_SLOT_SVC, 0, (uint64_t[5]){ OP_BYE }, NULL) == 0, "%s: bye sent",
	       who);
}

static void near_main(void)
{
	uint64_t deadline = timer_now() + timer_ms_to_ticks(WAIT_MS), query[5] = { OP_QUERY };
	struct keel_ipc_msg m = { 0 };
	int64_t ret;

	near_errors();
	gic_init_dist();
	gic_init_cpu();
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	do { /* far's round trips first, alone; then far waits, parked in the server */
		sleep_ms(2);
		ret = keel_ipc(KEEL_HC_IPC_CALL, CLIENT_SLOT_SVC, 0, query, &m);
	} while (ret == 0 && !m.w[1] && timer_now() < deadline);
	report(ret == 0 && m.w[0] == BADGE_NEAR && m.w[1] == 1, "near: far is done and parked");
	round_trips("ipc_call_reply_same_cpu");
	ret = keel_ipc(KEEL_HC_IPC_CALL, CLIENT_SLOT_SVC, 0, (uint64_t[5]){ OP_RESET }, NULL);
	report(ret == KEEL_RET_PEER_GONE, "near: the server reset during my call: PEER_GONE (x0 %ld)", ret);
	served_again();
}

static void far_main(void)
{
	int64_t ret;

	round_trips("ipc_call_reply_cross_cpu");
	report(keel_ipc(KEEL_HC_IPC_SEND, CLIENT_SLOT_SVC, 0, (uint64_t[5]){ OP_FAR_DONE }, NULL) == 0,
	       "far: one-way SEND delivered");
	ret = keel_ipc(KEEL_HC_IPC_CALL, FAR_SLOT_PARK, 0, (uint64_t[5]){ OP_PARK }, NULL);
	report(ret == KEEL_RET_PEER_GONE, "far: waiting for a reply on another CPU, woken with PEER_GONE (x0 %ld)",
	       ret);
	served_again();
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();

	who = id.vm == 1 ? "near" : "far";
	my_badge = id.vm == 1 ? BADGE_NEAR : BADGE_FAR;
	printf("ipc-client: %s starting\n", who);
	if (id.vm == 1)
		near_main();
	else
		far_main();
	printf("ipc-client: %s done\n", who);
	report_summary();
}
