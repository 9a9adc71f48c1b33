/*
 * test-ipc_server: the server VM of the IPC system test (configs/tests/ipc.dts).
 * vCPU 0 (CPU 0) serves near-ep: echoes with the caller's badge, counts the
 * far client's progress, and resets its own VM when asked (OP_RESET), so
 * the callers in flight see PEER_GONE. vCPU 1 (CPU 1) serves far-ep: it
 * takes one OP_PARK call and keeps it unanswered, so the far client is
 * waiting for a reply when the reset comes. After the reset vCPU 0 serves
 * until both clients said goodbye, then reports and powers off.
 */
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smp.h>

#include "ipc_proto.h"

static volatile uint32_t far_done, far_parked;

/* vCPU 1: take the far client's OP_PARK call and never answer it. */
static void parker_main(unsigned int cpu)
{
	struct keel_ipc_msg m;
	int64_t kind = keel_ipc(KEEL_HC_IPC_RECV, SERVER_SLOT_FAR, 0, NULL, &m);

	(void)cpu;
	if (kind == KEEL_IPC_KIND_CALL && m.w[0] == OP_PARK && m.badge == BADGE_FAR_PARK)
		far_parked = 1;
	for (;;)
		__asm__ volatile("wfi");
}

/* The server's own mistakes, before anyone could be waiting on idle: each an error code. */
static void server_errors(void)
{
	report(keel_ipc(KEEL_HC_IPC_CALL, SERVER_SLOT_NEAR, 0, NULL, NULL) == KEEL_RET_DENIED,
	       "server: CALL on its own endpoint is DENIED");
	report(keel_ipc(KEEL_HC_IPC_RECV, 3, 0, NULL, NULL) == KEEL_RET_NO_ENDPOINT,
	       "server: RECV on slot 3 is NO_ENDPOINT");
	report(keel_ipc(KEEL_HC_IPC_RECV, SERVER_SLOT_IDLE, KEEL_IPC_NONBLOCK, NULL, NULL) == KEEL_RET_WOULD_BLOCK,
	       "server: non-blocking RECV on an endpoint nobody calls is WOULD_BLOCK");
}

/* One message: the reply words into r. OP_RESET does not return: the VM resets instead of replying. */
static void serve(int64_t kind, const struct keel_ipc_msg *m, uint64_t resets, uint64_t r[5], uint32_t *byes)
{
	bool known = m->badge == BADGE_NEAR || m->badge == BADGE_FAR;

	for (int i = 0; i < 5; i++)
		r[i] = 0;
	if (!known || kind < 0)
		report(false, "server: message kind %ld from unknown badge 0x%lx", kind, m->badge);
	switch (m->w[0]) {
	case OP_ECHO:
		r[0] = m->badge;
		for (int i = 1; i < 4; i++)
			r[i] = m->w[i] ^ ECHO_MAGIC;
		r[4] = resets;
		break;
	case OP_FAR_DONE:
		far_done = kind == KEEL_IPC_KIND_SEND && m->badge == BADGE_FAR;
		break;
	case OP_QUERY:
		r[0] = m->badge;
		r[1] = far_done && far_parked;
		break;
	case OP_RESET:
		printf("ipc-server: resetting with badge 0x%lx's call in flight\n", m->badge);
		psci_system_reset();
	case OP_BYE:
		*byes += kind == KEEL_IPC_KIND_SEND;
		break;
	default:
		report(false, "server: unknown operation %lu", m->w[0]);
	}
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	struct keel_ipc_msg m;
	uint64_t r[5];
	uint32_t byes = 0;
	int64_t kind;

	printf("ipc-server: boot #%lu\n", id.resets);
	if (id.resets == 0) {
		server_errors();
		report(smp_start_cpu(1, parker_main) == 0, "server: vCPU 1 started");
	}
	kind = keel_ipc(KEEL_HC_IPC_RECV, SERVER_SLOT_NEAR, 0, NULL, &m);
	while (byes < 2) {
		serve(kind, &m, id.resets, r, &byes);
		if (byes == 2)
			break;
		kind = keel_ipc(KEEL_HC_IPC_REPLY_RECV, SERVER_SLOT_NEAR, 0, r, &m);
	}
	report(id.resets == 1, "server: both clients done after %lu reset(s)", id.resets);
	report_summary();
}
