/*
 * test-stream: the channel-stream system test (configs/tests/channel-stream.dts).
 * One image for two VMs told apart by VM index, on two physical CPUs. The
 * producer (VM 0) pushes STREAM_BYTES of a pseudo-random stream through the
 * guest ring library (guest/ring.h) laid over the shared channel, in pieces
 * of irregular size so the ring wraps at every offset, then a trailer with
 * its byte count and the CRC-32 of everything it wrote. The consumer (VM 1)
 * reads in pieces of other irregular sizes, keeps its own running CRC-32 and
 * count, and checks both against the trailer: a byte lost, duplicated or
 * reordered anywhere changes the count or the CRC (or leaves the consumer
 * waiting, which times out), so the test fails.
 *
 * Doorbells, only where a side sleeps: each side polls the ring while it
 * makes progress, and only when it finds nothing to do (the consumer an
 * empty ring, the producer a full one) does it raise its "waiting" flag in
 * the channel, look once more, and sleep in WFI until its doorbell SPI. The
 * other side rings only when it sees that flag after moving head or tail.
 * The flag and the ring index are a store-then-load pair on each side, so
 * both sides put a full barrier (DMB ISH) between them; then at least one of
 * them sees the other's store and no wake-up is lost.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/ring.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CH_IPA 0x50000000ul
#define CH_RING_BYTES 0x11000u   /* 64 KiB of data and the ring's header */
#define CH_FLAGS_OFF 0x11000u    /* the two waiting flags, a cache line each */
#define STREAM_BYTES (100ull << 20)
#define CHUNK_WORDS 512u         /* the producer generates 4 KiB at a time */
#define TRAILER_MAGIC 0x4b53544du /* "KSTM" */
#define DOORBELL_PRODUCER 40u    /* raised in the producer when the consumer rings */
#define DOORBELL_CONSUMER 41u
#define WAIT_MS 10000            /* nothing moved for this long: the test fails */

#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_IROUTER 0x6000

struct stream_flags {
	volatile uint32_t consumer_waiting; /* written by the consumer only */
	uint8_t pad0[60];
	volatile uint32_t producer_waiting; /* written by the producer only */
	uint8_t pad1[60];
};

struct trailer {
	uint32_t magic, crc;
	uint64_t bytes;
};

static struct ring_end ring;
static struct stream_flags *const flags = (struct stream_flags *)(CH_IPA + CH_FLAGS_OFF);
static volatile uint32_t doorbells_taken;
static uint64_t doorbells_rung, sleeps;
static uint64_t rng_state = 0x853c49e6748fea9bull;

/* xorshift64*: the piece sizes of both sides. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* splitmix64 of the word index: the stream's content. */
static uint64_t stream_word(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ull + 0x1234567ull;

	z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ z >> 27) * 0x94d049bb133111ebull;
	return z ^ z >> 31;
}

/* CRC-32 (IEEE 802.3, the CRC32X/CRC32B instructions, FEAT_CRC32) of len bytes, continued from crc. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len && ((uintptr_t)p & 7)) {
		__asm__("crc32b %w0, %w0, %w1" : "+r"(crc) : "r"((uint32_t)*p++));
		len--;
	}
	for (; len >= 8; len -= 8, p += 8)
		__asm__("crc32x %w0, %w0, %x1" : "+r"(crc) : "r"(*(const uint64_t *)p));
	while (len--)
		__asm__("crc32b %w0, %w0, %w1" : "+r"(crc) : "r"((uint32_t)*p++));
	return crc;
}

static void on_doorbell(uint32_t intid)
{
	(void)intid;
	doorbells_taken++;
}

static void on_timer(uint32_t intid)
{
	(void)intid;
	timer_stop(); /* the wait's timeout: wait_for_peer() looks at the time */
}

/* Our doorbell SPI, Group 1, routed to this vCPU (vCPU 0: affinity 0) and enabled; the timer too. */
static void doorbell_setup(uint32_t intid)
{
	uintptr_t d = PLAT_GICD_BASE;
	uint32_t bit = 1u << intid % 32;

	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(intid, on_doorbell);
	gic_set_handler(PLAT_VTIMER_INTID, on_timer);
	gic_enable_private(PLAT_VTIMER_INTID, GIC_DEFAULT_PRIO);
	mmio_write32(d + GICD_IGROUPR + 4 * (intid / 32), mmio_read32(d + GICD_IGROUPR + 4 * (intid / 32)) | bit);
	mmio_write64(d + GICD_IROUTER + 8 * intid, 0);
	mmio_write32(d + GICD_ISENABLER + 4 * (intid / 32), bit);
}

/*
 * Nothing to do: raise our flag, look again with try() (after a full barrier:
 * our flag store before the peer's index load), and sleep until the peer's
 * doorbell or the timeout. Returns try()'s result; 0 after WAIT_MS of nothing.
 */
static size_t wait_for_peer(volatile uint32_t *my_flag, size_t (*try)(void *arg), void *arg)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);
	size_t n;

	for (;;) {
		*my_flag = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		n = try(arg);
		if (n || timer_now() >= end)
			break;
		timer_arm_at(end);
		sleeps++;
		irq_wait(); /* IRQs masked: the doorbell cannot slip in between try() and WFI */
		timer_stop();
	}
	*my_flag = 0;
	return n;
}

/* After moving our index: ring the peer if it sleeps (a full barrier first: index store, flag load). */
static void kick_peer(volatile uint32_t *peer_flag)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (*peer_flag) {
		keel_hc_doorbell(0);
		doorbells_rung++;
	}
}

struct piece {
	const uint8_t *in;
	uint8_t *out;
	size_t len;
};

static size_t try_write(void *arg)
{
	struct piece *p = arg;

	return ring_write(&ring, p->in, p->len);
}

static size_t try_read(void *arg)
{
	struct piece *p = arg;

	return ring_read(&ring, p->out, p->len);
}

/* Producer: all of buf into the ring, in pieces of 1..2048 bytes; false on a timeout. */
static bool produce(const uint8_t *buf, size_t len)
{
	while (len) {
		struct piece p = { .in = buf, .len = 1 + rng_next() % 2048 };
		size_t n;

		if (p.len > len)
			p.len = len;
		n = try_write(&p);
		if (!n)
			n = wait_for_peer(&flags->producer_waiting, try_write, &p);
		if (!n)
			return false;
		kick_peer(&flags->consumer_waiting);
		buf += n;
		len -= n;
	}
	return true;
}

static void producer(void)
{
	static uint64_t chunk[CHUNK_WORDS];
	struct trailer tr = { .magic = TRAILER_MAGIC };
	uint64_t word = 0, sent = 0, t0;
	uint32_t crc = ~0u;
	bool ok = true;

	doorbell_setup(DOORBELL_PRODUCER);
	irq_disable();
	report(ring_init(&ring, (void *)CH_IPA, CH_RING_BYTES), "producer: ring laid over the channel (%u data bytes)",
	       ring.size);
	t0 = timer_now();
	while (ok && sent < STREAM_BYTES) {
		for (uint32_t i = 0; i < CHUNK_WORDS; i++)
			chunk[i] = stream_word(word++);
		crc = crc32_update(crc, (const uint8_t *)chunk, sizeof(chunk));
		ok = produce((const uint8_t *)chunk, sizeof(chunk));
		sent += ok ? sizeof(chunk) : 0;
	}
	tr.crc = ~crc;
	tr.bytes = sent;
	ok = ok && produce((const uint8_t *)&tr, sizeof(tr));
	report(ok, "producer: sent %lu MiB and the trailer, crc32 0x%08x, in %lu ms", sent >> 20, tr.crc,
	       (timer_now() - t0) * 1000 / timer_freq());
	printf("stream: producer: %lu doorbells rung, %lu sleeps, %u doorbells taken\n", doorbells_rung, sleeps,
	       doorbells_taken);
}

/* Consumer: exactly len bytes out of the ring into buf, in pieces of 1..4096; false on a timeout. */
static bool consume(uint8_t *buf, size_t len)
{
	while (len) {
		struct piece p = { .out = buf, .len = 1 + rng_next() % 4096 };
		size_t n;

		if (p.len > len)
			p.len = len;
		n = try_read(&p);
		if (!n)
			n = wait_for_peer(&flags->consumer_waiting, try_read, &p);
		if (!n)
			return false;
		kick_peer(&flags->producer_waiting);
		buf += n;
		len -= n;
	}
	return true;
}

static void consumer(void)
{
	static uint8_t buf[8192] __attribute__((aligned(8)));
	struct trailer tr = { 0 };
	uint64_t got = 0, end = timer_now() + timer_ms_to_ticks(WAIT_MS), t0 = 0, ticks, extra;
	uint32_t crc = ~0u;
	bool ok = true;

	rng_state ^= 0x5deece66dull; /* piece sizes of our own */
	doorbell_setup(DOORBELL_CONSUMER);
	irq_disable();
	while (!ring_attach(&ring, (void *)CH_IPA, CH_RING_BYTES) && timer_now() < end)
		;
	report(ring.r != NULL, "consumer: attached to the producer's ring");
	while (ok && got < STREAM_BYTES) {
		size_t want = STREAM_BYTES - got < sizeof(buf) ? STREAM_BYTES - got : sizeof(buf);

		ok = consume(buf, want);
		if (got == 0)
			t0 = timer_now();
		crc = crc32_update(crc, buf, want);
		got += ok ? want : 0;
	}
	ok = ok && consume((uint8_t *)&tr, sizeof(tr));
	ticks = timer_now() - t0;
	extra = ring_read(&ring, buf, sizeof(buf));
	report(ok && tr.magic == TRAILER_MAGIC && tr.bytes == got && tr.crc == ~crc && extra == 0,
	       "consumer: %lu MiB received, crc32 0x%08x, producer's trailer says %lu bytes crc32 0x%08x "
	       "(magic 0x%x), %lu bytes after it",
	       got >> 20, ~crc, tr.bytes, tr.crc, tr.magic, extra);
	printf("stream: consumer: %lu MiB in %lu ms: %lu MB/s; %lu doorbells rung, %lu sleeps, %u doorbells taken\n",
	       got >> 20, ticks * 1000 / timer_freq(), ticks ? got * timer_freq() / ticks / 1000000 : 0,
	       doorbells_rung, sleeps, doorbells_taken);
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();

	if (id.vm == 0)
		producer();
	else
		consumer();
	printf("stream: done\n");
	report_summary();
}
