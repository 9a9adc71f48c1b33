/*
 * A single-producer single-consumer byte ring in memory two VMs share (a
 * channel, docs/ipc.md), for bare-metal guests. One side only writes, the
 * other only reads; neither ever waits inside these functions (pair them
 * with the channel's doorbell, or poll).
 *
 * Memory-ordering rules (the ring is correct on any Arm memory model, with
 * both sides' caches coherent, as a channel's Normal write-back memory is):
 * - Only the producer writes `head`, only the consumer writes `tail`.
 * - The producer writes the bytes, then publishes them with a release store
 *   of `head`; the consumer reads `head` with an acquire load before it
 *   reads the bytes. So a consumer never sees a byte before it is written.
 * - The consumer reads the bytes, then frees them with a release store of
 *   `tail`; the producer reads `tail` with an acquire load before it
 *   overwrites them. So a producer never overwrites a byte still unread.
 * - head and tail count bytes ever written and read (mod 2^32); the fill is
 *   head - tail, never more than the size, which is a power of two.
 * - head and tail sit in cache lines of their own, apart from the data.
 * A malicious peer can only make the ring's contents wrong (it owns half of
 * the protocol): each side keeps its own copy of the size (struct ring_end),
 * and never reads or writes outside the ring, whatever `head`, `tail` or
 * `size` in shared memory say.
 */
#ifndef GUEST_RING_H
#define GUEST_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
	uint32_t head; /* bytes ever written: the producer's */
	uint32_t size; /* data bytes, a power of two; set once by ring_init */
	uint8_t pad0[56];
	uint32_t tail; /* bytes ever read: the consumer's */
	uint8_t pad1[60];
	uint8_t data[]; /* size bytes */
};

/* One side's view of a ring: where it is, and the size as this side checked it. */
struct ring_end {
	struct ring *r;
	uint32_t size;
};

/* Lay out a ring over mem_size bytes of shared memory (the producer, once). False if too small. */
int ring_init(struct ring_end *end, void *mem, size_t mem_size);
/* Join the ring the other side laid out at mem. False if its size does not fit in mem_size. */
int ring_attach(struct ring_end *end, void *mem, size_t mem_size);
/* Producer: copy up to len bytes in; returns how many fitted. */
size_t ring_write(struct ring_end *end, const void *buf, size_t len);
/* Consumer: copy up to len bytes out; returns how many there were. */
size_t ring_read(struct ring_end *end, void *buf, size_t len);

#endif
