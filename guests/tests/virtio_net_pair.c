/*
 * test-virtio_net_pair: two VMs on one virtio-net network (configs/tests/
 * virtio-hostile.dts) exchange PAIR_FRAMES frames in lock step, one image for
 * both. The port whose MAC ends in VT_PAIR_MAC_A is the initiator: it sends
 * data frame k and waits for the responder's echo of k, resending after
 * RESEND_MS (Keel's switch drops a frame when the receiver has no buffer
 * posted, e.g. before the responder has started). Frame lengths run over the
 * whole 30..1514-byte range; each carries a sequence number, a pattern and a
 * CRC-32. Every BROADCAST_EVERY-th echo goes to the broadcast address. Any frame that is not exactly what the partner would send (other
 * source MAC, wrong destination, bad CRC, a sequence from the future) counts
 * as a failure: a hostile VM on the same network sends forged, oversized and
 * undersized frames that Keel must drop before they get here.
 */
#include <guest/print.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/timer.h>
#include <guest/virtio.h>

#include "virtio_test.h"

#define PAIR_FRAMES 1000u
#define RESEND_MS 100u
#define MAX_SENDS 200u     /* per frame: 20 s of resending */
#define LINGER_MS 3000u    /* the responder answers resends this long after the last frame */
#define TOTAL_MS 240000u
#define HDR_LEN 14u        /* destination, source, ethertype */
#define BODY_LEN 12u       /* magic, seq, pattern length, kind, pad */
#define MAX_PATTERN (VIRTIO_NET_MAX_FRAME - HDR_LEN - BODY_LEN - 4u)
#define KIND_DATA 'D'
#define KIND_ECHO 'E'
#define BAD_SHOWN 5u
#define BROADCAST_EVERY 100u /* echoes of these sequence numbers go to every port */

static const uint8_t magic[4] = { 'K', 'V', 'N', 'P' };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct pair {
	struct virtio_dev dev;
	uint8_t mac[6], peer[6];
	uint32_t bad, dups;
	uint8_t frame[VIRTIO_NET_MAX_FRAME + 64];
};

static struct pair pair;

static uint32_t pattern_len(uint32_t seq, uint8_t kind)
{
	return (seq * 97u + kind) % (MAX_PATTERN + 1);
}

static uint8_t pattern_byte(uint32_t seq, uint8_t kind, uint32_t j)
{
	return (uint8_t)(seq * 31u + j * 7u + kind + (j >> 8));
}

/* Where frame kind/seq goes: the partner, or every port for some echoes (the switch's broadcast). */
static const uint8_t *frame_dst(uint8_t kind, uint32_t seq, const uint8_t *partner)
{
	return kind == KIND_ECHO && seq % BROADCAST_EVERY == 0 ? broadcast : partner;
}

/* Builds frame kind/seq to the partner in pair.frame; returns its length. */
static uint32_t frame_build(uint8_t kind, uint32_t seq)
{
	uint8_t *f = pair.frame, *body = f + HDR_LEN;
	uint32_t plen = pattern_len(seq, kind);

	memcpy(f, frame_dst(kind, seq, pair.peer), 6);
	memcpy(f + 6, pair.mac, 6);
	f[12] = VT_ETHERTYPE >> 8;
	f[13] = VT_ETHERTYPE & 0xff;
	memcpy(body, magic, 4);
	vt_put32(body + 4, seq);
	body[8] = (uint8_t)plen;
	body[9] = (uint8_t)(plen >> 8);
	body[10] = kind;
	body[11] = 0;
	for (uint32_t j = 0; j < plen; j++)
		body[BODY_LEN + j] = pattern_byte(seq, kind, j);
	vt_put32(body + BODY_LEN + plen, vt_crc32(0, body, BODY_LEN + plen));
	return HDR_LEN + BODY_LEN + plen + 4;
}

/* Sends frame kind/seq, retrying while every transmit buffer is busy; false if they stay busy. */
static bool frame_send(uint8_t kind, uint32_t seq)
{
	uint32_t len = frame_build(kind, seq);
	uint64_t end = timer_now() + timer_ms_to_ticks(RESEND_MS * 10);

	while (!virtio_net_send(&pair.dev, pair.frame, len)) {
		if (timer_now() > end)
			return false;
	}
	return true;
}

static void frame_bad(const char *why, int len)
{
	if (pair.bad++ < BAD_SHOWN)
		printf("net-pair: unexpected frame (%s), %d bytes from %02x:%02x:%02x:%02x:%02x:%02x\n", why, len,
		       pair.frame[6], pair.frame[7], pair.frame[8], pair.frame[9], pair.frame[10], pair.frame[11]);
}

/*
 * Takes one received frame, if any, and checks it is a well-formed frame of
 * kind from the partner; returns its sequence number, -1 if none was
 * waiting, -2 if it was bad (counted).
 */
static int64_t frame_recv(uint8_t kind)
{
	int len = virtio_net_recv(&pair.dev, pair.frame, sizeof(pair.frame));
	const uint8_t *body = pair.frame + HDR_LEN;
	uint32_t seq, plen;

	if (len < 0)
		return -1;
	if (len < (int)(HDR_LEN + BODY_LEN + 4) || memcmp(pair.frame + 6, pair.peer, 6) != 0 ||
	    memcmp(body, magic, 4) != 0 || body[10] != kind)
		return frame_bad("not from my partner", len), -2;
	seq = vt_get32(body + 4);
	plen = body[8] | (uint32_t)body[9] << 8;
	if (memcmp(pair.frame, frame_dst(kind, seq, pair.mac), 6) != 0)
		return frame_bad("wrong destination", len), -2;
	if (plen != pattern_len(seq, kind) || (uint32_t)len != HDR_LEN + BODY_LEN + plen + 4 ||
	    vt_get32(body + BODY_LEN + plen) != vt_crc32(0, body, BODY_LEN + plen))
		return frame_bad("bad length or checksum", len), -2;
	for (uint32_t j = 0; j < plen; j++) {
		if (body[BODY_LEN + j] != pattern_byte(seq, kind, j))
			return frame_bad("bad pattern", len), -2;
	}
	return seq;
}

/* Sends data frame seq until its echo comes back; false after MAX_SENDS tries. */
static bool initiator_one(uint32_t seq, uint32_t *sends)
{
	for (uint32_t n = 0; n < MAX_SENDS; n++) {
		uint64_t end = timer_now() + timer_ms_to_ticks(RESEND_MS);

		if (!frame_send(KIND_DATA, seq))
			return false;
		(*sends)++;
		while (timer_now() < end) {
			int64_t got = frame_recv(KIND_ECHO);

			if (got == seq)
				return true;
			if (got >= 0 && got < seq)
				pair.dups++; /* the echo of a resend */
			else if (got > seq)
				frame_bad("echo from the future", 0);
		}
	}
	return false;
}

static void initiator(void)
{
	uint32_t seq, sends = 0;
	uint64_t t0 = timer_now();

	for (seq = 0; seq < PAIR_FRAMES; seq++) {
		if (!initiator_one(seq, &sends))
			break;
		if (seq == 0) {
			/* The echo's used buffer raised the device's level SPI; acknowledging lowers it. */
			report(virtio_spi_pending(&pair.dev), "net-pair: the used-buffer SPI %u is pending", pair.dev.intid);
			report(virtio_irq_take(&pair.dev) & VIRTIO_INT_USED, "net-pair: InterruptStatus shows a used buffer");
			report(!virtio_spi_pending(&pair.dev) || sends > 1, "net-pair: InterruptACK lowers the SPI");
		}
	}
	report(seq == PAIR_FRAMES, "net-pair: initiator: %u of %u frames echoed (%u sent, %u duplicate echoes) in %lu ms",
	       seq, PAIR_FRAMES, sends, pair.dups, (timer_now() - t0) / timer_ms_to_ticks(1));
}

static void responder(void)
{
	uint32_t expected = 0, echoes = 0;
	uint64_t quiet = timer_now(), deadline = quiet + timer_ms_to_ticks(TOTAL_MS);

	while (timer_now() < deadline) {
		int64_t got = frame_recv(KIND_DATA);

		if (got < 0) {
			if (expected == PAIR_FRAMES && timer_now() - quiet > timer_ms_to_ticks(LINGER_MS))
				break;
			continue;
		}
		quiet = timer_now();
		if (got > expected) {
			frame_bad("data from the future", 0);
			continue;
		}
		if (got == expected)
			expected++;
		if (frame_send(KIND_ECHO, (uint32_t)got))
			echoes++;
	}
	report(expected == PAIR_FRAMES, "net-pair: responder: %u of %u frames received in order, %u echoes sent",
	       expected, PAIR_FRAMES, echoes);
}

void guest_main(void)
{
	bool up = virtio_find(VIRTIO_ID_NET, 0, &pair.dev);

	if (!report(up, "net-pair: a virtio-net device in the device tree") ||
	    !report(virtio_net_init(&pair.dev, pair.mac), "net-pair: %s at 0x%lx (SPI %u) set up",
		    pair.dev.node, (unsigned long)pair.dev.base, pair.dev.intid))
		report_summary();
	memcpy(pair.peer, pair.mac, 6);
	pair.peer[5] = pair.mac[5] == VT_PAIR_MAC_A ? VT_PAIR_MAC_B : VT_PAIR_MAC_A;
	report_info("net-pair: MAC %02x:%02x:%02x:%02x:%02x:%02x, features 0x%lx, %s", pair.mac[0], pair.mac[1],
		    pair.mac[2], pair.mac[3], pair.mac[4], pair.mac[5], pair.dev.features,
		    pair.mac[5] == VT_PAIR_MAC_A ? "initiator" : "responder");
	if (pair.mac[5] == VT_PAIR_MAC_A)
		initiator();
	else
		responder();
	report(pair.bad == 0, "net-pair: %u frames not from my partner or malformed", pair.bad);
	report_summary();
}
