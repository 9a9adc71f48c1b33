/*
 * bench-ipc-server: the passive side of the IPC and channel benchmark
 * (configs/bench/ipc.dts, docs/benchmarks-hv.md). Its vCPU 1 shares CPU 0
 * with the client and serves near-ep forever: the same-CPU call and send.
 * Its vCPU 0, alone on CPU 1, first serves far-ep (the cross-CPU call)
 * until the client sends OP_STOP, then sleeps in WFI waiting for its
 * doorbell: on each one its handler notes the counter for the client to
 * read (doorbell latency), and the vCPU does what the control block says
 * (ring back, read a stream from the ring, or power the VM off) and rings
 * the client back. Nothing here is timed except by the client.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/ring.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include "proto.h"

#define NEAR_VCPU 1u

static struct bench_ctl *const ctl = (struct bench_ctl *)CH_IPA;
static volatile uint32_t bells; /* doorbells taken by vCPU 0's handler */
static uint8_t stream_buf[STREAM_MAX];

/*
 * Serves slot until a one-way OP_STOP arrives (never, for near-ep): a call
 * gets {w0 + 1, badge}, any other send is taken and dropped.
 */
static void serve(uint32_t slot)
{
	struct keel_ipc_msg m;
	int64_t kind = keel_ipc(KEEL_HC_IPC_RECV, slot, 0, NULL, &m);

	for (;;) {
		if (kind == KEEL_IPC_KIND_CALL) {
			uint64_t r[KEEL_IPC_NR_WORDS] = { m.w[0] + 1, m.badge };

			kind = keel_ipc(KEEL_HC_IPC_REPLY_RECV, slot, 0, r, &m);
			continue;
		}
		if (kind == KEEL_IPC_KIND_SEND && m.w[0] == OP_STOP)
			return;
		if (kind < 0)
			printf("bench-ipc-server: slot %u: error %ld\n", slot, kind);
		kind = keel_ipc(KEEL_HC_IPC_RECV, slot, 0, NULL, &m);
	}
}

static void near_main(unsigned int cpu)
{
	(void)cpu;
	serve(SLOT_NEAR);
}

static void on_bell(uint32_t intid)
{
	(void)intid;
	ctl->t_handler = timer_now();
	bells++;
}

/* CMD_STREAM: reads the stream into memory, notes when it is all in, then checks it (untimed). */
static void consume(void)
{
	uint32_t len = ctl->stream_bytes, got = 0;
	struct ring_end end;

	if (len > STREAM_MAX || !ring_attach(&end, (uint8_t *)CH_IPA + CH_RING_OFFSET, CH_SIZE - CH_RING_OFFSET)) {
		ctl->t_done = 0;
		return;
	}
	while (got < len) {
		size_t n = ring_read(&end, stream_buf + got, len - got);

		got += (uint32_t)n;
		if (n == 0)
			__asm__ volatile("yield"); /* under -icount: let the producer's CPU run */
	}
	ctl->t_done = timer_now();
	ctl->sum = bench_sum(stream_buf, len);
}

/* vCPU 0 after OP_STOP: one answer per doorbell, IRQs masked between them. */
static void bell_loop(void)
{
	irq_disable();
	for (;;) {
		uint32_t seq = bells;

		dsb(sy);
		keel_hc_doorbell(CH_NR); /* the first one says: ready */
		while (bells == seq)
			irq_wait();
		if (ctl->cmd == CMD_STREAM)
			consume();
		else if (ctl->cmd == CMD_EXIT)
			psci_system_off();
	}
}

void guest_main(void)
{
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(BELL_SERVER, on_bell);
	bench_spi_enable(BELL_SERVER, GIC_DEFAULT_PRIO);
	if (smp_start_cpu(NEAR_VCPU, near_main) != PSCI_RET_SUCCESS)
		printf("bench-ipc-server: vCPU %u did not start\n", NEAR_VCPU);
	serve(SLOT_FAR);
	bell_loop();
}
