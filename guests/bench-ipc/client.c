/*
 * bench-ipc-client: the measuring side of the IPC and channel benchmark
 * (configs/bench/ipc.dts, docs/benchmarks-hv.md), one vCPU on CPU 0. It
 * times, with the virtual counter (CNTVOFF is 0, so both VMs read the same
 * count):
 *
 *   hypercall_null      HVC KEEL_HC_NULL, the baseline of the doorbell goal
 *   ipc_call_same_cpu   IPC_CALL + the server's IPC_REPLY_RECV, server on CPU 0
 *   ipc_send            one-way IPC_SEND to the server waiting in IPC_RECV on CPU 0,
 *                       until the sender runs on (the send alone is timed)
 *   ipc_call_cross_cpu  IPC_CALL to the server's vCPU 0 waiting on CPU 1
 *   doorbell_latency    CNTVCT before DOORBELL -> CNTVCT in the server's
 *                       handler on CPU 1, where it sleeps in WFI
 *   guest_memcpy        this guest's memcpy of STREAM_MAX bytes, per KiB
 *   channel_throughput  STREAM_MAX bytes through the ring library from here
 *                       to the server on CPU 1, start to its last read, per KiB
 *
 * and prints one KHV line each (sample.h), then checks that nothing went
 * wrong (replies, badges, the stream's checksum, lost doorbells) with
 * report(), stops the server and powers off.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/ring.h>
#include <guest/smccc.h>
#include <guest/string.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include "proto.h"
#include "sample.h"

#define SAMPLES 9u          /* per metric, after one warm-up sample */
#define CALL_ITERS 1000u    /* calls or sends per sample */
#define NULL_ITERS 2000u    /* null hypercalls per sample */
#define BELL_ITERS 100u     /* doorbells per sample */
#define WATCHDOG_MS 2000u   /* an answer later than this counts as lost */
#define KIB 1024u

static struct bench_ctl *const ctl = (struct bench_ctl *)CH_IPA;
static volatile uint32_t bells; /* the server's doorbells, counted by on_bell */
static uint64_t wrong;          /* wrong replies, lost answers, bad checksums */
static bool server_deaf;        /* a doorbell went unanswered: skip the rest that needs them */
/*
 * The memcpy's source and destination, 8 pages further apart than their
 * size: at exactly 256 KiB apart, page i of each lands in the same entry of
 * QEMU's direct-mapped software TLB once it has shrunk to 64 entries, and
 * every byte copied misses it (wall clock only: 16x slower, measured).
 */
#define BUF_SKEW 0x8000u
static uint8_t bufs[2 * STREAM_MAX + BUF_SKEW];
static uint8_t *const src = bufs, *const dst = bufs + STREAM_MAX + BUF_SKEW;

static void on_bell(uint32_t intid)
{
	(void)intid;
	bells++;
}

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_stop(); /* the watchdog: it only ends a WFI */
}

/* With IRQs masked: sleeps until the server rings after seq; false (the server is deaf) after WATCHDOG_MS. */
static bool wait_bell(uint32_t seq)
{
	uint64_t deadline = timer_now() + timer_ms_to_ticks(WATCHDOG_MS);
	bool ok = true;

	timer_arm_at(deadline);
	while (bells == seq && ok) {
		irq_wait();
		ok = timer_now() < deadline;
	}
	timer_stop();
	if (bells == seq) {
		server_deaf = true;
		wrong++;
	}
	return bells != seq;
}

/* --- the timed loops: each returns ticks for n iterations ------------------ */

static uint64_t time_null(uint32_t n)
{
	uint64_t t0 = timer_now();

	for (uint32_t i = 0; i < n; i++)
		(void)smccc_hvc(KEEL_HC_NULL, 0, 0, 0);
	return timer_now() - t0;
}

/* n calls on slot, each reply checked ({w0 + 1, badge}). */
static uint64_t time_calls(uint32_t slot, uint64_t badge, uint32_t n)
{
	uint64_t t0 = timer_now(), w[KEEL_IPC_NR_WORDS] = { 0 };
	struct keel_ipc_msg m;

	for (uint32_t i = 0; i < n; i++) {
		w[0] = i;
		if (keel_ipc(KEEL_HC_IPC_CALL, slot, 0, w, &m) != 0 || m.w[0] != i + 1 || m.w[1] != badge)
			wrong++;
	}
	return timer_now() - t0;
}

static uint64_t time_near_calls(uint32_t n)
{
	return time_calls(SLOT_NEAR, BADGE_NEAR, n);
}

static uint64_t time_far_calls(uint32_t n)
{
	return time_calls(SLOT_FAR, BADGE_FAR, n);
}

/*
 * n one-way sends, each to the server's vCPU 1 waiting in IPC_RECV on this
 * CPU: KEEL_IPC_NONBLOCK makes sure it was (WOULD_BLOCK otherwise, retried).
 * Only the send is timed; a send does not hand the CPU over, so an untimed
 * yield then lets the server take the message and wait again.
 */
static uint64_t time_sends(uint32_t n)
{
	uint64_t total = 0, w[KEEL_IPC_NR_WORDS] = { OP_NOP };
	uint32_t retries = 0;

	for (uint32_t i = 0; i < n && retries <= n;) {
		uint64_t t0 = timer_now();
		int64_t ret = keel_ipc(KEEL_HC_IPC_SEND, SLOT_NEAR, KEEL_IPC_NONBLOCK, w, NULL);
		uint64_t t1 = timer_now();

		keel_yield();
		if (ret == 0) {
			total += t1 - t0;
			i++;
		} else {
			wrong += ret != KEEL_RET_WOULD_BLOCK;
			retries++;
		}
	}
	wrong += retries > n; /* the server never waited */
	return total;
}

/* One warm-up run, then SAMPLES timed ones of iters iterations. */
static void bench_loop(const char *metric, uint64_t (*timed)(uint32_t n), uint32_t iters)
{
	struct samples s = { 0 };

	(void)timed(iters);
	for (uint32_t i = 0; i < SAMPLES; i++)
		samples_add(&s, timed(iters), iters);
	samples_print(metric, &s);
}

/* --- doorbells and the channel --------------------------------------------- */

/* Rings the server with cmd and waits for its answer; returns CNTVCT just before the DOORBELL. */
static uint64_t ring(uint32_t cmd)
{
	uint32_t seq = bells;
	uint64_t t0;

	ctl->cmd = cmd;
	dsb(sy); /* the control block before the doorbell (docs/ipc.md, Channels) */
	t0 = timer_now();
	if (keel_hc_doorbell(CH_NR).a0 != 0)
		wrong++;
	(void)wait_bell(seq);
	__asm__ volatile("dmb sy" ::: "memory"); /* the server's answer after its doorbell */
	return t0;
}

static void bench_doorbell(void)
{
	struct samples s = { 0 };

	for (uint32_t i = 0; i <= SAMPLES && !server_deaf; i++) {
		uint64_t sum = 0;

		for (uint32_t k = 0; k < BELL_ITERS && !server_deaf; k++) {
			uint64_t t0 = ring(CMD_PING);

			sum += ctl->t_handler - t0;
		}
		if (i > 0 && !server_deaf) /* sample 0 warms up */
			samples_add(&s, sum, BELL_ITERS);
	}
	samples_print("doorbell_latency", &s); /* n/a if the server never answered */
}

/* Per KiB, like channel_throughput: the same bytes, copied within this VM. */
static void bench_memcpy(void)
{
	struct samples s = { 0 };

	for (uint32_t i = 0; i <= SAMPLES; i++) {
		uint64_t t0 = timer_now();

		memcpy(dst, src, STREAM_MAX);
		if (i > 0)
			samples_add(&s, timer_now() - t0, STREAM_MAX / KIB);
	}
	wrong += memcmp(dst, src, STREAM_MAX) != 0;
	samples_print("guest_memcpy", &s);
}

/*
 * One stream of n bytes: announced by doorbell, written into the ring as
 * fast as the server empties it; timed from before the doorbell to the
 * server's last read. A wrong checksum counts as wrong.
 */
static uint64_t time_stream(struct ring_end *end, uint32_t n)
{
	uint32_t seq = bells, sent = 0;
	uint64_t t0, deadline;

	ctl->stream_bytes = n;
	ctl->cmd = CMD_STREAM;
	dsb(sy);
	t0 = timer_now();
	deadline = t0 + timer_ms_to_ticks(WATCHDOG_MS);
	wrong += keel_hc_doorbell(CH_NR).a0 != 0;
	while (sent < n) {
		size_t k = ring_write(end, src + sent, n - sent);

		sent += (uint32_t)k;
		if (k == 0 && timer_now() > deadline)
			break; /* nobody empties the ring */
		if (k == 0)
			__asm__ volatile("yield"); /* under -icount: let the consumer's CPU run */
	}
	if (sent < n)
		server_deaf = true;
	if (sent < n || !wait_bell(seq) || ctl->t_done < t0 || ctl->sum != bench_sum(src, n)) {
		wrong++;
		return 0;
	}
	return ctl->t_done - t0;
}

static void bench_stream(void)
{
	struct samples s = { 0 };
	struct ring_end end;

	if (server_deaf || !ring_init(&end, (uint8_t *)CH_IPA + CH_RING_OFFSET, CH_SIZE - CH_RING_OFFSET)) {
		samples_print_na("channel_throughput");
		wrong++;
		return;
	}
	(void)time_stream(&end, STREAM_MAX);
	for (uint32_t i = 0; i < SAMPLES && !server_deaf; i++) {
		uint64_t t = time_stream(&end, STREAM_MAX);

		if (t) /* 0: this stream went wrong, counted in `wrong` */
			samples_add(&s, t, STREAM_MAX / KIB);
	}
	samples_print("channel_throughput", &s);
}

/* --- set-up ---------------------------------------------------------------- */

static void setup(void)
{
	for (uint32_t i = 0; i < STREAM_MAX; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 9));
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(BELL_CLIENT, on_bell);
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	bench_spi_enable(BELL_CLIENT, GIC_DEFAULT_PRIO);
	timer_stop();
	irq_disable(); /* interrupts are taken only inside wait_bell() */
}

void guest_main(void)
{
	uint64_t stop[KEEL_IPC_NR_WORDS] = { OP_STOP };
	uint32_t seq;

	setup();
	printf("KHV-BEGIN under Keel, counter %lu Hz\n", timer_freq());
	bench_loop("hypercall_null", time_null, NULL_ITERS);
	bench_loop("ipc_call_same_cpu", time_near_calls, CALL_ITERS);
	bench_loop("ipc_send", time_sends, CALL_ITERS);
	bench_loop("ipc_call_cross_cpu", time_far_calls, CALL_ITERS);
	seq = bells;
	wrong += keel_ipc(KEEL_HC_IPC_SEND, SLOT_FAR, 0, stop, NULL) != 0;
	(void)wait_bell(seq); /* the server's vCPU 0 is now waiting for doorbells */
	bench_doorbell();
	bench_memcpy();
	bench_stream();
	printf("KHV-END\n");
	report(wrong == 0, "bench-ipc: every reply, badge, doorbell and checksum right (%lu wrong)", wrong);
	ctl->cmd = CMD_EXIT;
	dsb(sy);
	keel_hc_doorbell(CH_NR);
	report_summary();
}
