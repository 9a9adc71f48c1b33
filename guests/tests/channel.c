/*
 * test-channel: the notification-channel system test (configs/tests/channel.dts),
 * one image for three VMs told apart by VM index. The producer (VM 0) fills
 * the shared 64 KiB with a pattern for each of ROUNDS rounds and rings the
 * doorbell; the consumer (VM 1, read-only member) sees its doorbell SPI
 * pending (GICD_ISPENDR), clears it (GICD_ICPENDR), checks every word and
 * rings back. The consumer's write to the shared memory aborts (read-only),
 * and the outsider (VM 2, not a member) reading the same IPA aborts too.
 *
 * A doorbell rung before the peer VM has started is lost with the rest of
 * its interrupt state when its vGIC is reset at start (docs/ipc.md), and
 * the VMs start in no fixed order. So the last word of the channel names
 * the round the data belongs to, written after the data; the producer
 * rings round 1 again every RERING_MS until the first acknowledgement, and
 * the consumer acknowledges each round once, ignoring a ring whose round it
 * has already checked.
 */
#include <guest/exception.h>
#include <guest/guest.h>
#include <guest/keel.h>
#include <guest/mmio.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/timer.h>

#define CH_IPA 0x50000000ul
#define CH_WORDS (0x10000 / 8 - 1) /* data words; the last word names the round */
#define CH_ROUND CH_WORDS
#define ROUNDS 100
#define DOORBELL_PRODUCER 40u /* raised in the producer when the consumer rings */
#define DOORBELL_CONSUMER 41u
#define GICD_BASE 0x08000000ul
#define GICD_ISPENDR(n) (GICD_BASE + 0x200u + 4u * (n))
#define GICD_ICPENDR(n) (GICD_BASE + 0x280u + 4u * (n))
#define WAIT_MS 10000
#define RERING_MS 100

static uint64_t pattern(uint64_t round, uint64_t i)
{
	return round << 32 ^ i * 0x9e3779b97f4a7c15ull;
}

/* Poll our doorbell SPI until it is pending, then clear it; false after ms. */
static bool doorbell_wait_ms(uint32_t intid, uint32_t ms)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(ms);

	while (!(mmio_read32(GICD_ISPENDR(intid / 32)) & (1u << intid % 32)))
		if (timer_now() > end)
			return false;
	mmio_write32(GICD_ICPENDR(intid / 32), 1u << intid % 32);
	__asm__ volatile("dmb sy" ::: "memory"); /* the data after the doorbell */
	return true;
}

static void producer(void)
{
	volatile uint64_t *ch = (volatile uint64_t *)CH_IPA;
	uint32_t acked = 0;

	report(keel_hc_doorbell(1).a0 == KEEL_RET_NO_ENDPOINT, "producer: DOORBELL on channel 1: NO_ENDPOINT");
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		bool ok = false;

		for (uint64_t i = 0; i < CH_WORDS; i++)
			ch[i] = pattern(r, i);
		__asm__ volatile("dsb sy" ::: "memory"); /* the data before its round number */
		ch[CH_ROUND] = r;
		__asm__ volatile("dsb sy" ::: "memory"); /* the round number before the doorbell */
		for (uint32_t waited = 0; !ok && waited < WAIT_MS; waited += RERING_MS) {
			if (keel_hc_doorbell(0).a0 != 0)
				break;
			ok = doorbell_wait_ms(DOORBELL_PRODUCER, r == 1 ? RERING_MS : WAIT_MS);
			if (r > 1)
				break; /* the consumer is up: one ring per round */
		}
		if (!ok)
			break;
		acked++;
	}
	report(acked == ROUNDS, "producer: %u of %u rounds of 64 KiB acknowledged through the doorbell", acked, ROUNDS);
}

static void consumer(void)
{
	volatile uint64_t *ch = (volatile uint64_t *)CH_IPA;
	uint64_t bad = 0, esr = 0;
	uint32_t seen = 0;

	for (uint64_t r = 1; r <= ROUNDS; r++) {
		if (!doorbell_wait_ms(DOORBELL_CONSUMER, WAIT_MS))
			break;
		__asm__ volatile("dmb sy" ::: "memory");
		if (ch[CH_ROUND] < r) {
			r--; /* a repeated ring of a round already checked */
			continue;
		}
		__asm__ volatile("dmb sy" ::: "memory"); /* the round number before its data */
		for (uint64_t i = 0; i < CH_WORDS; i++)
			bad += ch[i] != pattern(r, i);
		seen++;
		if (r == 1)
			report(exc_probe_write32(CH_IPA, 0xdead, &esr), "consumer: writing the read-only channel aborts");
		keel_hc_doorbell(0);
	}
	report(seen == ROUNDS && bad == 0, "consumer: %u rounds, %lu wrong words", seen, bad);
}

void guest_main(void)
{
	struct keel_identity id = keel_vm_identity();
	uint64_t esr = 0;

	if (id.vm == 0)
		producer();
	else if (id.vm == 1)
		consumer();
	else
		report(exc_probe_read32(CH_IPA, &esr), "outsider: the channel's IPA is not mapped here (abort)");
	printf("channel: done\n");
	report_summary();
}
