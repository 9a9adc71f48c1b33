/*
 * ipcdemo: the bare-metal client of the IPC demo (configs/examples/ipc.dts).
 * It talks to the real-time executive's control service
 * (guest/rtexec_service.h) both ways Keel offers: synchronous IPC calls (GET
 * the control loop's setpoint and reading, SET a new setpoint every few
 * seconds) and the sample stream the executive writes into a ring over a shared channel. It
 * sleeps in WFI until the channel's doorbell (rung every RT_SAMPLE_BATCH
 * samples) or its once-a-second tick, drains the ring, checks each sample
 * (magic, increasing seq: a gap is a sample the executive dropped because the
 * ring was full) and prints what it got once a second.
 *
 * /chosen (from the configuration's guest-properties): ipcdemo,service-slot
 * (the IPC slot of the executive's endpoint), ipcdemo,stream-base and
 * ipcdemo,stream-size (the channel's IPA and size), ipcdemo,doorbell (this
 * VM's doorbell SPI).
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/ipc.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/ring.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#include <guest/rtexec_service.h>

#define TICK_MS 1000
#define SET_EVERY_TICKS 3
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_IROUTER 0x6000

struct demo {
	uint32_t slot, base, size, doorbell;
	struct ring_end ring;
	uint8_t part[sizeof(struct rt_sample)]; /* a sample read in pieces */
	uint32_t have;
	struct rt_sample last;
	uint64_t samples, gaps, bad, doorbells;
	uint32_t first_seq, target; /* the setpoint last asked for */
	bool reached;
};

static struct demo d;
static volatile uint32_t tick_due, bells;

static const uint32_t setpoints[] = { 50000, 80000, 35000, 65000 };

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_stop();
	tick_due = 1;
}

static void on_doorbell(uint32_t intid)
{
	(void)intid;
	bells++;
}

static bool load_config(void)
{
	return fdt_read_u32("/chosen", "ipcdemo,service-slot", &d.slot) &&
	       fdt_read_u32("/chosen", "ipcdemo,stream-base", &d.base) &&
	       fdt_read_u32("/chosen", "ipcdemo,stream-size", &d.size) &&
	       fdt_read_u32("/chosen", "ipcdemo,doorbell", &d.doorbell) && d.doorbell >= 32 && d.doorbell < 64;
}

/* The timer and the doorbell SPI (Group 1, routed to this vCPU, enabled) as interrupts. */
static void irq_setup(void)
{
	uint32_t bit = 1u << d.doorbell % 32;
	uintptr_t g = PLAT_GICD_BASE;

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_set_handler(d.doorbell, on_doorbell);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	mmio_write32(g + GICD_IGROUPR + 4 * (d.doorbell / 32), mmio_read32(g + GICD_IGROUPR + 4 * (d.doorbell / 32)) | bit);
	mmio_write64(g + GICD_IROUTER + 8 * d.doorbell, 0);
	mmio_write32(g + GICD_ISENABLER + 4 * (d.doorbell / 32), bit);
}

/* One call to the service; false (after saying why) if it failed. */
static bool service_call(uint64_t op, uint64_t arg, struct keel_ipc_msg *m)
{
	uint64_t w[5] = { op, arg };
	int64_t ret = keel_ipc(KEEL_HC_IPC_CALL, d.slot, 0, w, m);

	if (ret == 0 && m->w[0] == RT_SVC_OK)
		return true;
	printf("ipcdemo: call %lu failed: x0 %ld, status %lu\n", op, ret, ret == 0 ? m->w[0] : 0);
	return false;
}

static void get_or_set(uint64_t tick)
{
	struct keel_ipc_msg m;

	if (tick % SET_EVERY_TICKS == SET_EVERY_TICKS - 1) {
		d.target = setpoints[tick / SET_EVERY_TICKS % (sizeof(setpoints) / sizeof(setpoints[0]))];
		d.reached = false;
		if (service_call(RT_SVC_SET, d.target, &m))
			printf("ipcdemo: set setpoint %u.%03u: rtos answers setpoint %lu.%03lu, reading %lu.%03lu\n",
			       d.target / 1000, d.target % 1000, m.w[1] / 1000, m.w[1] % 1000, m.w[2] / 1000,
			       m.w[2] % 1000);
	} else if (service_call(RT_SVC_GET, 0, &m)) {
		printf("ipcdemo: get: setpoint %lu.%03lu, reading %lu.%03lu, %lu samples made, %lu deadline misses\n",
		       m.w[1] / 1000, m.w[1] % 1000, m.w[2] / 1000, m.w[2] % 1000, m.w[3], m.w[4]);
	}
}

/* One whole sample: check it and keep it. */
static void take_sample(const struct rt_sample *s)
{
	if (s->magic != RT_SAMPLE_MAGIC || (d.samples && s->seq <= d.last.seq)) {
		d.bad++;
		return;
	}
	if (d.samples)
		d.gaps += s->seq - d.last.seq - 1;
	else
		d.first_seq = s->seq;
	d.samples++;
	d.last = *s;
	if (d.target && !d.reached && s->setpoint == d.target && s->reading == d.target) {
		d.reached = true;
		printf("ipcdemo: stream: the reading reached the setpoint %u.%03u (sample %u)\n", d.target / 1000,
		       d.target % 1000, s->seq);
	}
}

static void drain_ring(void)
{
	size_t n;

	while ((n = ring_read(&d.ring, d.part + d.have, sizeof(d.part) - d.have)) > 0) {
		d.have += n;
		if (d.have == sizeof(d.part)) {
			take_sample((const struct rt_sample *)d.part);
			d.have = 0;
		}
	}
}

static void print_stream(uint64_t *since)
{
	printf("ipcdemo: stream: %lu samples (seq %u..%u), %lu gaps, %lu bad, %u doorbells; latest reading %u.%03u "
	       "at setpoint %u.%03u, task jobs %u misses %u\n",
	       d.samples - *since, d.first_seq, d.last.seq, d.gaps, d.bad, bells, d.last.reading / 1000,
	       d.last.reading % 1000, d.last.setpoint / 1000, d.last.setpoint % 1000, d.last.jobs, d.last.misses);
	*since = d.samples;
	d.first_seq = d.last.seq + 1;
}

void guest_main(void)
{
	uint64_t next, tick = 0, since = 0;

	if (!load_config()) {
		printf("ipcdemo: /chosen lacks ipcdemo,service-slot, -stream-base, -stream-size or -doorbell\n");
		return;
	}
	irq_setup();
	irq_disable();
	while (!ring_attach(&d.ring, (void *)(uintptr_t)d.base, d.size)) /* the executive lays it out */
		;
	next = timer_now();
	printf("ipcdemo: calling the control service on slot %u, reading samples at 0x%x (%u data bytes)\n", d.slot,
	       d.base, d.ring.size);
	for (;;) {
		next += timer_ms_to_ticks(TICK_MS);
		tick_due = 0;
		timer_arm_at(next);
		while (!tick_due) {
			drain_ring();
			irq_wait(); /* the doorbell or the tick */
		}
		drain_ring();
		get_or_set(tick);
		print_stream(&since);
		tick++;
	}
}
