/*
 * test-virtio_console: two VMs (configs/tests/virtio-console.dts), one image,
 * each with two virtio consoles in this order: the first connected to Keel's
 * console, the second to the other VM's. Each writes a few lines to Keel's
 * console through the first (they must appear under its name, whole, one
 * longer than a transmit buffer), then streams STREAM_BYTES and a CRC-32
 * trailer through the second while reading the other's stream: Keel must
 * hold bytes back while the reader has no buffer posted and lose none, so
 * every byte and the CRC must match.
 */
#include <guest/print.h>
#include <guest/report.h>
#include <guest/string.h>
#include <guest/timer.h>
#include <guest/virtio.h>

#include "virtio_test.h"

#define STREAM_BYTES 0x10000u
#define TRAILER 4u
#define STALL_MS 20000u
#define WRITE_MS 5000u
#define LINES 3u
#define LONG_REPEAT 250u /* "0123456789" times: 2,500 bytes, more than one buffer */

struct stream {
	uint32_t sent, received, wrong, chunks;
	uint32_t crc_out, crc_in;
	uint8_t trailer_out[TRAILER], trailer_in[TRAILER];
	uint8_t chunk[1600];
};

static struct virtio_dev hvc, link;
static struct stream st;
static char long_line[64 + LONG_REPEAT * 10];

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 131u + (i >> 8) * 7u + 1u);
}

static bool hvc_lines(void)
{
	char line[96];
	bool ok = true;
	int n;

	for (uint32_t i = 1; i <= LINES; i++) {
		n = snprintf(line, sizeof(line), "virtio-console: line %u of %u via virtio\n", i, LINES);
		ok &= virtio_console_write(&hvc, line, (size_t)n, WRITE_MS);
	}
	n = snprintf(long_line, sizeof(long_line), "virtio-console: long ");
	for (uint32_t i = 0; i < LONG_REPEAT; i++)
		n += snprintf(long_line + n, sizeof(long_line) - (size_t)n, "0123456789");
	n += snprintf(long_line + n, sizeof(long_line) - (size_t)n, " END\n");
	return ok && virtio_console_write(&hvc, long_line, (size_t)n, WRITE_MS);
}

/* Queues the next piece of the outgoing stream (pattern, then the trailer) in chunks of varying size. */
static bool stream_send(void)
{
	uint32_t total = STREAM_BYTES + TRAILER, want, n;

	if (st.sent >= total)
		return false;
	want = 1 + (st.chunks * 389u) % (uint32_t)sizeof(st.chunk);
	if (want > total - st.sent)
		want = total - st.sent;
	for (uint32_t j = 0; j < want; j++) {
		uint32_t i = st.sent + j;

		st.chunk[j] = i < STREAM_BYTES ? pattern(i) : st.trailer_out[i - STREAM_BYTES];
	}
	n = (uint32_t)virtio_console_send(&link, st.chunk, want);
	st.sent += n;
	st.chunks += n != 0;
	return n != 0;
}

/* Takes what has arrived of the other's stream and checks it; whether anything came. */
static bool stream_recv(void)
{
	uint8_t buf[256];
	size_t n = virtio_console_read(&link, buf, sizeof(buf));

	for (size_t j = 0; j < n; j++, st.received++) {
		if (st.received < STREAM_BYTES) {
			st.wrong += buf[j] != pattern(st.received);
			st.crc_in = vt_crc32(st.crc_in, &buf[j], 1);
		} else if (st.received < STREAM_BYTES + TRAILER) {
			st.trailer_in[st.received - STREAM_BYTES] = buf[j];
		} else {
			st.wrong++; /* more than the other side sent */
		}
	}
	return n != 0;
}

static void stream_both_ways(void)
{
	uint64_t t0 = timer_now(), last = t0;
	bool ok;

	for (uint32_t i = 0; i < STREAM_BYTES; i++) {
		uint8_t b = pattern(i);

		st.crc_out = vt_crc32(st.crc_out, &b, 1);
	}
	vt_put32(st.trailer_out, st.crc_out);
	while (st.sent < STREAM_BYTES + TRAILER || st.received < STREAM_BYTES + TRAILER || virtio_tx_pending(&link)) {
		bool moved = stream_send();

		moved |= stream_recv();
		if (moved)
			last = timer_now();
		else if (timer_now() - last > timer_ms_to_ticks(STALL_MS))
			break;
	}
	report(st.sent == STREAM_BYTES + TRAILER && virtio_tx_pending(&link) == 0,
	       "virtio-console: link: sent %u bytes and the trailer in %u chunks", st.sent, st.chunks);
	ok = st.received == STREAM_BYTES + TRAILER && st.wrong == 0 && vt_get32(st.trailer_in) == st.crc_in;
	report(ok, "virtio-console: link: received %u bytes, %u wrong, crc32 0x%08x (trailer says 0x%08x) in %lu ms",
	       st.received, st.wrong, st.crc_in, vt_get32(st.trailer_in), (timer_now() - t0) / timer_ms_to_ticks(1));
}

void guest_main(void)
{
	char line[96];
	int n;

	if (!report(virtio_find(VIRTIO_ID_CONSOLE, 0, &hvc) && virtio_console_init(&hvc),
		    "virtio-console: first console (to Keel's console) set up: %s", hvc.node) ||
	    !report(virtio_find(VIRTIO_ID_CONSOLE, 1, &link) && virtio_console_init(&link),
		    "virtio-console: second console (the link) set up: %s", link.node))
		report_summary();
	report(hvc_lines(), "virtio-console: %u lines and a 2,500-byte line written to Keel's console", LINES);
	stream_both_ways();
	n = snprintf(line, sizeof(line), "virtio-console: link: %u bytes each way, crc32 0x%08x\n", st.received - TRAILER,
		     st.crc_in);
	virtio_console_write(&hvc, line, (size_t)n, WRITE_MS);
	report_summary();
}
