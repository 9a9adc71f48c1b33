/*
 * What the two guests of bench-ipc share (server.c, client.c,
 * configs/bench/ipc.dts): message words, capability slots, doorbell INTIDs,
 * and the layout of the channel, whose first page holds a control block and
 * whose rest holds the ring the throughput metric streams through.
 */
#ifndef BENCH_IPC_PROTO_H
#define BENCH_IPC_PROTO_H

#include <stdint.h>

#include <guest/mmio.h>
#include <guest/platform.h>

/* Word 0 of a message; the server answers a call with {w0 + 1, badge}. */
#define OP_ECHO 1 /* call: the measured round trip */
#define OP_NOP 2  /* send: the measured one-way message */
#define OP_STOP 3 /* send on far-ep: the server's vCPU 0 stops receiving and waits for doorbells */

/* Slots in each VM's table, in the order of the endpoints in the configuration. */
#define SLOT_NEAR 0 /* served by the server's vCPU 1, on CPU 0 with the client */
#define SLOT_FAR 1  /* served by the server's vCPU 0, on CPU 1 */
#define BADGE_NEAR 0x11u
#define BADGE_FAR 0x22u

/* The channel: doorbells = <40 41> in member order (client, server). */
#define CH_IPA 0x50000000ul
#define CH_SIZE 0x40000ul
#define CH_RING_OFFSET 0x1000ul /* the ring after the control page: 128 KiB of data */
#define CH_NR 0                 /* the channel's number for DOORBELL, in both VMs */
#define BELL_CLIENT 40u         /* raised in the client when the server rings */
#define BELL_SERVER 41u

/* What the server's vCPU 0 does when its doorbell rings, after noting the time. */
#define CMD_PING 1   /* ring back at once */
#define CMD_STREAM 2 /* read stream_bytes from the ring, note t_done, ring back */
#define CMD_EXIT 3   /* power the server VM off */

#define STREAM_MAX (256u * 1024u) /* bytes per throughput sample */

/* The control page at CH_IPA: each field written by one side only. */
struct bench_ctl {
	volatile uint32_t cmd;          /* client */
	volatile uint32_t stream_bytes; /* client: bytes the next CMD_STREAM carries */
	volatile uint64_t t_handler;    /* server: CNTVCT on entry to its doorbell handler */
	volatile uint64_t t_done;       /* server: CNTVCT once the last streamed byte was read */
	volatile uint64_t sum;          /* server: checksum of the bytes of the last stream */
};

/* Distributor registers for an SPI (GICv3 spec 12.9). */
#define GICD_IGROUPR 0x0080u
#define GICD_ISENABLER 0x0100u
#define GICD_IPRIORITYR 0x0400u
#define GICD_IROUTER 0x6000u

/* Routes SPI intid to vCPU 0 (Aff0 0) in Group 1 at priority prio and enables it. */
static inline void bench_spi_enable(uint32_t intid, uint8_t prio)
{
	uintptr_t d = PLAT_GICD_BASE, preg = d + GICD_IPRIORITYR + (intid & ~3u);
	uint32_t bit = 1u << (intid % 32), shift = (intid & 3u) * 8;

	mmio_write32(preg, (mmio_read32(preg) & ~(0xffu << shift)) | ((uint32_t)prio << shift));
	mmio_write32(d + GICD_IGROUPR + 4 * (intid / 32), mmio_read32(d + GICD_IGROUPR + 4 * (intid / 32)) | bit);
	mmio_write64(d + GICD_IROUTER + 8 * intid, 0);
	mmio_write32(d + GICD_ISENABLER + 4 * (intid / 32), bit);
}

/* The checksum both sides compute over a stream (not timed). */
static inline uint64_t bench_sum(const uint8_t *p, uint32_t n)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

#endif
