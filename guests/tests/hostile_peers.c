/*
 * test-hostile_peers: the server (VM 0) and the well-behaved client (VM 1) of
 * the ipc-hostile system test (configs/tests/ipc-hostile.dts), one image told
 * apart by VM index. Both share physical CPU 1 with the hostile VM
 * (guests/tests/hostile_ipc.c), whose random calls also reach the server's
 * endpoint, and with the real-time executive. The server answers everyone
 * and counts by badge; the client keeps calling and checks every reply: its
 * own badge as the server saw it, the words, and the server's count of the
 * client's calls, which would be off if a hostile message were ever taken for
 * the client's or one of the client's were lost. The client goes on until
 * the hostile VM has said it is done, so its round trips span the whole
 * attack, then says goodbye; the server reports.
 */
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/timer.h>

#include "hostile_proto.h"

#define CLIENT_MIN_ROUND_TRIPS 100
#define WAIT_MS 60000

struct server_counts {
	uint64_t client_calls, hostile_msgs, hostile_done, unknown, bad_ops, errors;
	bool bye;
};

/* One message into the reply words r. */
static void serve(int64_t kind, const struct keel_ipc_msg *m, struct server_counts *c, uint64_t r[5])
{
	r[0] = m->badge;
	for (int i = 1; i < 4; i++)
		r[i] = m->w[i] ^ HECHO_MAGIC;
	r[4] = 0;
	if (kind < 0) {
		c->errors++;
	} else if (m->badge == HBADGE_CLIENT) {
		if (m->w[0] == HOP_ECHO && kind == KEEL_IPC_KIND_CALL)
			r[4] = c->hostile_done << 32 | ++c->client_calls;
		else if (m->w[0] == HOP_BYE && kind == KEEL_IPC_KIND_SEND)
			c->bye = true;
		else
			c->bad_ops++;
	} else if (m->badge == HBADGE_HOSTILE) {
		c->hostile_msgs++;
		c->hostile_done += m->w[0] == HOP_HOSTILE_DONE && kind == KEEL_IPC_KIND_SEND;
	} else {
		c->unknown++;
	}
}

static void server(void)
{
	struct server_counts c = { 0 };
	struct keel_ipc_msg m = { 0 };
	uint64_t r[5];
	int64_t kind = keel_ipc(KEEL_HC_IPC_RECV, HSERVER_SLOT_SVC, 0, NULL, &m);

	for (;;) {
		serve(kind, &m, &c, r);
		if (c.bye)
			break;
		kind = keel_ipc(KEEL_HC_IPC_REPLY_RECV, HSERVER_SLOT_SVC, 0, r, &m);
	}
	report(c.unknown == 0 && c.bad_ops == 0 && c.errors == 0,
	       "server: %lu client calls and %lu hostile messages served; %lu unknown badges, %lu bad client "
	       "operations, %lu errors",
	       c.client_calls, c.hostile_msgs, c.unknown, c.bad_ops, c.errors);
	report(c.hostile_done == 1, "server: the hostile VM said it was done (%lu times)", c.hostile_done);
}

/* One checked round trip; *done gets whether the server has heard the hostile VM finish. */
static bool client_echo(uint64_t i, uint64_t *done, int64_t *ret)
{
	uint64_t w[5] = { HOP_ECHO, i * 0x9e3779b97f4a7c15ull, ~i, i << 7 | 5, 0 };
	struct keel_ipc_msg m = { 0 };

	*ret = keel_ipc(KEEL_HC_IPC_CALL, HCLIENT_SLOT_SVC, 0, w, &m);
	*done = m.w[4] >> 32;
	return *ret == 0 && m.badge == 0 && m.w[0] == HBADGE_CLIENT && m.w[1] == (w[1] ^ HECHO_MAGIC) &&
	       m.w[2] == (w[2] ^ HECHO_MAGIC) && m.w[3] == (w[3] ^ HECHO_MAGIC) && (uint32_t)m.w[4] == i + 1;
}

static void client(void)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS), t0 = timer_now(), worst = 0, i, done = 0;
	uint64_t during = 0, bad = 0;
	int64_t ret = 0;

	for (i = 0; timer_now() < end; i++) {
		uint64_t t = timer_now();

		bad += !client_echo(i, &done, &ret);
		t = timer_now() - t;
		worst = t > worst ? t : worst;
		during += done < 1;
		if (done == 1 && i + 1 >= CLIENT_MIN_ROUND_TRIPS)
			break;
	}
	report(bad == 0 && done == 1,
	       "client: %lu round trips, %lu of them while the hostile VM was calling; payload, badge and the "
	       "server's count right in all but %lu (last x0 %ld)",
	       i + 1, during, bad, ret);
	report(during > 0, "client: served while the hostile VM was calling");
	printf("hostile-peers: client: %lu ms in all, worst round trip %lu us\n",
	       (timer_now() - t0) * 1000 / timer_freq(), worst * 1000000 / timer_freq());
	report(keel_ipc(KEEL_HC_IPC_SEND, HCLIENT_SLOT_SVC, 0, (uint64_t[5]){ HOP_BYE }, NULL) == 0,
	       "client: bye sent");
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();

	if (id.vm == 0)
		server();
	else
		client();
	report_summary();
}
