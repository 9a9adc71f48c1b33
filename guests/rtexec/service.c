/*
 * The executive's optional control service (guest/rtexec_service.h): off,
 * and without a trace in the output, unless /chosen names an IPC slot in
 * rtexec,service-slot. Then the first task's jobs drive a simulated plant
 * (the reading moves 1/16 of the way to the setpoint per job) and stream
 * samples into a ring over a channel; the service answers GET and SET calls.
 * The plant also runs, without the IPC part, when only the console
 * (console.c) asks for it: both then read and set the same setpoint.
 *
 * Real-time first: the executive never waits for a client. It receives only
 * non-blocking (a blocking IPC_RECV would leave its timer interrupt pending
 * until a call came), polled from the dispatcher's idle path with IRQs
 * masked, at most RT_SVC_PER_POLL messages per poll; a call beyond that is
 * kept and answered at the next poll. A sample that does not fit in the ring
 * is dropped (the client sees a gap in seq), never waited for. So a client,
 * slow or hostile, costs the tasks at most one poll per idle entry.
 */
#include <guest/fdt.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/print.h>
#include <guest/ring.h>

#include "rtexec.h"
#include <guest/rtexec_service.h>

#define RT_SVC_PER_POLL 4
#define RT_SETPOINT_DEFAULT 20000u /* 20.000 */
#define RT_PLANT_GAIN_SHIFT 4      /* the reading moves 1/16 of the gap per job */

struct rt_service {
	uint32_t slot, channel;
	bool stream;
	struct ring_end ring;
	uint32_t setpoint, reading, seq, since_bell;
	uint64_t dropped;
	struct rt_sample pend;     /* the sample being written, if pend_left */
	uint32_t pend_off, pend_left;
	bool held;                 /* a message received but not answered yet */
	struct keel_ipc_msg held_msg;
	bool ipc;                  /* the IPC endpoint is served (rtexec,service-slot) */
};

bool rt_service_on;
static struct rt_service svc;

static bool chosen_u32(const char *prop, uint32_t *v)
{
	return fdt_read_u32("/chosen", prop, v);
}

void rt_plant_enable(void)
{
	if (rt_service_on || !rt.ntasks)
		return;
	rt_service_on = true;
	svc.setpoint = RT_SETPOINT_DEFAULT;
}

uint32_t rt_plant_setpoint(void)
{
	return svc.setpoint;
}

uint32_t rt_plant_reading(void)
{
	return svc.reading;
}

bool rt_plant_set(uint32_t setpoint, const char *who)
{
	if (setpoint > RT_SETPOINT_MAX)
		return false;
	printf("rtexec: %s: setpoint %u.%03u -> %u.%03u\n", who, svc.setpoint / 1000, svc.setpoint % 1000,
	       setpoint / 1000, setpoint % 1000);
	svc.setpoint = setpoint;
	return true;
}

void rt_service_load(void)
{
	uint32_t base, size;

	if (!chosen_u32("rtexec,service-slot", &svc.slot) || !rt.ntasks)
		return;
	rt_plant_enable();
	svc.ipc = true;
	if (chosen_u32("rtexec,stream-base", &base) && chosen_u32("rtexec,stream-size", &size)) {
		if (!chosen_u32("rtexec,stream-channel", &svc.channel))
			svc.channel = 0;
		svc.stream = ring_init(&svc.ring, (void *)(uintptr_t)base, size);
	}
	printf("rtexec: service: control of task %s on IPC slot %u, setpoint %u.%03u; samples %s", rt.task[0].name,
	       svc.slot, svc.setpoint / 1000, svc.setpoint % 1000, svc.stream ? "to a ring" : "off\n");
	if (svc.stream)
		printf(" at 0x%x (%u data bytes), doorbell of channel %u every %u\n", base, svc.ring.size,
		       svc.channel, RT_SAMPLE_BATCH);
}

/* The reply to one message (a SEND gets none, but is acted on the same way). */
static void answer(const struct keel_ipc_msg *m, uint64_t r[5])
{
	r[0] = RT_SVC_OK;
	if (m->w[0] == RT_SVC_SET && m->w[1] <= RT_SETPOINT_MAX) {
		printf("rtexec: service: setpoint %u.%03u -> %lu.%03lu (badge 0x%lx)\n", svc.setpoint / 1000,
		       svc.setpoint % 1000, m->w[1] / 1000, m->w[1] % 1000, m->badge);
		svc.setpoint = (uint32_t)m->w[1];
	} else if (m->w[0] == RT_SVC_SET) {
		r[0] = RT_SVC_BAD_VALUE;
	} else if (m->w[0] != RT_SVC_GET) {
		r[0] = RT_SVC_BAD_OP;
	}
	r[1] = svc.setpoint;
	r[2] = svc.reading;
	r[3] = svc.seq;
	r[4] = rt.task[0].st.misses;
}

void rt_service_poll(void)
{
	struct keel_ipc_msg m;
	uint64_t r[5];
	int64_t kind;

	if (!svc.ipc)
		return;
	if (svc.held) {
		m = svc.held_msg;
		svc.held = false;
	} else if (keel_ipc(KEEL_HC_IPC_RECV, svc.slot, KEEL_IPC_NONBLOCK, NULL, &m) < 0) {
		return;
	}
	for (int n = 1;; n++) {
		answer(&m, r);
		kind = keel_ipc(KEEL_HC_IPC_REPLY_RECV, svc.slot, KEEL_IPC_NONBLOCK, r, &m);
		if (kind < 0)
			return;
		if (n == RT_SVC_PER_POLL) { /* enough for this idle moment: answer it next time */
			svc.held = true;
			svc.held_msg = m;
			return;
		}
	}
}

/* Whatever is left of the pending sample into the ring; true once it is all in. */
static bool flush_pending(void)
{
	size_t n;

	if (!svc.pend_left)
		return true;
	n = ring_write(&svc.ring, (const uint8_t *)&svc.pend + svc.pend_off, svc.pend_left);
	svc.pend_off += n;
	svc.pend_left -= n;
	return !svc.pend_left;
}

void rt_service_job_done(const struct rt_task *t, uint64_t now)
{
	int64_t gap = (int64_t)svc.setpoint - svc.reading;

	if (t != &rt.task[0])
		return;
	svc.reading += (int32_t)(gap / (1 << RT_PLANT_GAIN_SHIFT)) + (gap > 0) - (gap < 0);
	svc.seq++;
	if (!svc.stream)
		return;
	if (flush_pending()) {
		svc.pend = (struct rt_sample){ .magic = RT_SAMPLE_MAGIC, .seq = svc.seq, .time_ns = rt_ticks_to_ns(now),
					       .setpoint = svc.setpoint, .reading = svc.reading,
					       .jobs = (uint32_t)t->st.jobs, .misses = (uint32_t)t->st.misses };
		svc.pend_off = 0;
		svc.pend_left = sizeof(svc.pend);
		flush_pending();
	} else {
		svc.dropped++; /* the client is behind: this one is lost, the next seq shows it */
	}
	if (++svc.since_bell >= RT_SAMPLE_BATCH) {
		svc.since_bell = 0;
		keel_hc_doorbell(svc.channel);
	}
}
