/*
 * test-hostile_ipc: the hostile client of the ipc-hostile system test
 * (configs/tests/ipc-hostile.dts). Its one vCPU shares physical CPU 1 with
 * the IPC server, the well-behaved client and the admitted real-time
 * executive, and makes random calls, HOSTILE_CALLS at least and for
 * HOSTILE_MS at least: IPC_CALL, IPC_SEND,
 * IPC_RECV, IPC_REPLY_RECV and DOORBELL, with random slots (its three, and
 * ones it does not hold), random flags (NONBLOCK, unknown bits) and random
 * words. Each result is checked twice: it must be a code docs/ipc.md
 * documents, and it must be what a model of this VM's grants
 * (hostile_proto.h) predicts for that call. A call that could wait forever
 * (receiving on its own endpoint, which nobody calls, or sending where
 * nobody receives) is made non-blocking; calls and sends to the server may
 * block, and the server's replies must carry this VM's badge, never another.
 * Counts per code are printed, and the seed, to replay a failure.
 */
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/timer.h>

#include "hostile_proto.h"

#define HOSTILE_CALLS 100000u
#define HOSTILE_MS 1000 /* and at least this long, so the executive lives through a long attack */

/* Outcomes, as bits of a set: success, and each documented error code by its value. */
enum outcome { OUT_OK, OUT_INVALID, OUT_DENIED, OUT_NO_ENDPOINT, OUT_WOULD_BLOCK, OUT_PEER_GONE, OUT_OTHER,
	       NR_OUTCOMES };
static const char *const outcome_name[NR_OUTCOMES] = { "ok", "INVALID_PARAMETER", "DENIED", "NO_ENDPOINT",
						       "WOULD_BLOCK", "PEER_GONE", "undocumented" };

#define RIGHT_CALL 1u
#define RIGHT_SEND 2u
#define RIGHT_RECV 4u
static const uint32_t slot_rights[HOSTILE_NR_SLOTS] = { RIGHT_CALL | RIGHT_SEND, RIGHT_SEND, RIGHT_RECV };

static const uint32_t fids[] = { KEEL_HC_IPC_CALL, KEEL_HC_IPC_SEND, KEEL_HC_IPC_RECV, KEEL_HC_IPC_REPLY_RECV,
				 KEEL_HC_DOORBELL };

struct hostile_stats {
	uint64_t count[NR_OUTCOMES];
	uint64_t unexpected, bad_replies;
	int64_t first_bad_ret;
	uint32_t first_bad_fid;
	uint64_t first_bad_x1;
};


static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static enum outcome outcome_of(int64_t ret)
{
	if (ret >= 0)
		return OUT_OK;
	switch (ret) {
	case KEEL_RET_INVALID_PARAMETER: return OUT_INVALID;
	case KEEL_RET_DENIED: return OUT_DENIED;
	case KEEL_RET_NO_ENDPOINT: return OUT_NO_ENDPOINT;
	case KEEL_RET_WOULD_BLOCK: return OUT_WOULD_BLOCK;
	case KEEL_RET_PEER_GONE: return OUT_PEER_GONE;
	default: return OUT_OTHER;
	}
}

static uint32_t right_of(uint32_t fid)
{
	if (fid == KEEL_HC_IPC_CALL)
		return RIGHT_CALL;
	return fid == KEEL_HC_IPC_SEND ? RIGHT_SEND : RIGHT_RECV;
}

/*
 * What docs/ipc.md says this call can return, as a set of outcomes. The
 * server never stops while we run, so PEER_GONE is never expected.
 */
static uint32_t expected(uint32_t fid, uint64_t x1)
{
	uint64_t slot = x1 & KEEL_IPC_SLOT_MASK;

	if (fid == KEEL_HC_DOORBELL) /* x1 = a channel; we are a member of one */
		return x1 == 0 ? 1u << OUT_OK : 1u << OUT_NO_ENDPOINT;
	if (x1 & ~(KEEL_IPC_SLOT_MASK | KEEL_IPC_NONBLOCK))
		return 1u << OUT_INVALID;
	if (slot >= HOSTILE_NR_SLOTS)
		return 1u << OUT_NO_ENDPOINT;
	if (!(slot_rights[slot] & right_of(fid)))
		return 1u << OUT_DENIED;
	if (slot != HOSTILE_SLOT_SVC) /* nobody at the other end: made non-blocking */
		return 1u << OUT_WOULD_BLOCK;
	return 1u << OUT_OK | (x1 & KEEL_IPC_NONBLOCK ? 1u << OUT_WOULD_BLOCK : 0);
}

/* A random slot: mostly ours or just past them, sometimes anything. */
static uint64_t random_slot(uint64_t r)
{
	switch (r % 8) {
	case 7: return (uint32_t)(r >> 16);
	case 6: return HOSTILE_NR_SLOTS + (r >> 8) % 8;
	default: return (r >> 8) % (HOSTILE_NR_SLOTS + 1);
	}
}

/* Random flags: none, NONBLOCK, or random bits above the slot. */
static uint64_t random_flags(uint64_t r)
{
	uint32_t k = (r >> 40) % 10;

	if (k < 5)
		return 0;
	return k < 8 ? KEEL_IPC_NONBLOCK : r & ~KEEL_IPC_SLOT_MASK;
}

/* One random call, checked; false if its result was not the one predicted. */
static bool one_call(struct hostile_stats *st, uint64_t *rng)
{
	uint64_t r = rng_next(rng), w[5];
	uint32_t fid = fids[r % (sizeof(fids) / sizeof(fids[0]))];
	uint64_t x1 = random_slot(r >> 3) | random_flags(rng_next(rng)), slot = x1 & KEEL_IPC_SLOT_MASK;
	struct keel_ipc_msg m = { 0 };
	enum outcome o;
	int64_t ret;

	for (int i = 0; i < 5; i++)
		w[i] = rng_next(rng);
	if (fid != KEEL_HC_DOORBELL && slot != HOSTILE_SLOT_SVC) /* never wait where nobody comes */
		x1 |= KEEL_IPC_NONBLOCK;
	ret = keel_ipc(fid, (uint32_t)slot, x1 & ~KEEL_IPC_SLOT_MASK, w, &m);
	o = outcome_of(ret);
	st->count[o]++;
	if (fid == KEEL_HC_IPC_CALL && o == OUT_OK &&
	    (m.badge != 0 || m.w[0] != HBADGE_HOSTILE || m.w[1] != (w[1] ^ HECHO_MAGIC)))
		st->bad_replies++;
	if (expected(fid, x1) & 1u << o)
		return true;
	if (!st->unexpected++) {
		st->first_bad_ret = ret;
		st->first_bad_fid = fid;
		st->first_bad_x1 = x1;
	}
	return false;
}

static void print_counts(const struct hostile_stats *st, uint64_t ms)
{
	uint64_t calls = 0;

	for (int o = 0; o < NR_OUTCOMES; o++)
		calls += st->count[o];
	printf("hostile-ipc: %lu calls in %lu ms:", calls, ms);
	for (int o = 0; o < NR_OUTCOMES; o++)
		printf(" %s %lu%s", outcome_name[o], st->count[o], o + 1 < NR_OUTCOMES ? "," : "\n");
	if (st->unexpected)
		printf("hostile-ipc: first unexpected: fid 0x%x x1 0x%lx -> %ld\n", st->first_bad_fid,
		       st->first_bad_x1, st->first_bad_ret);
}

void guest_main(void)
{
	static struct hostile_stats st;
	uint64_t rng = timer_now() * 0x9e3779b97f4a7c15ull + 1, t0 = timer_now(), calls = 0;
	uint64_t end = t0 + timer_ms_to_ticks(HOSTILE_MS);
	int64_t ret;

	printf("hostile-ipc: seed 0x%lx\n", rng);
	for (uint32_t n = 0; n < HOSTILE_CALLS || timer_now() < end; n++)
		one_call(&st, &rng);
	print_counts(&st, (timer_now() - t0) * 1000 / timer_freq());
	for (int o = 0; o < NR_OUTCOMES; o++)
		calls += st.count[o];
	report(calls >= HOSTILE_CALLS, "hostile: %lu random IPC calls made", calls);
	report(st.count[OUT_OTHER] == 0, "hostile: every error code is a documented one (%lu others)",
	       st.count[OUT_OTHER]);
	report(st.unexpected == 0, "hostile: every result is the one the grants predict (%lu not)", st.unexpected);
	report(st.bad_replies == 0 && st.count[OUT_OK] > 0,
	       "hostile: the server's replies carry this VM's badge and words (%lu wrong)", st.bad_replies);
	ret = keel_ipc(KEEL_HC_IPC_SEND, HOSTILE_SLOT_SVC, 0, (uint64_t[5]){ HOP_HOSTILE_DONE }, NULL);
	report(ret == 0, "hostile: told the server it is done (x0 %ld)", ret);
	report_summary();
}
