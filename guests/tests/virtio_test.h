/*
 * What the virtio system tests (virtio_net_pair.c, virtio_hostile.c,
 * virtio_console.c) share: a bitwise CRC-32, byte-wise little-endian
 * stores and loads (the MMU is off, so no unaligned words), and the pair's
 * MAC rule: the network's well-behaved ports are 02:00:00:00:00:01 and :02.
 */
#ifndef VIRTIO_TEST_H
#define VIRTIO_TEST_H

#include <stdint.h>

#define VT_PAIR_MAC_A 0x01u /* last MAC byte of the pair's initiator */
#define VT_PAIR_MAC_B 0x02u /* and of its responder */
#define VT_ETHERTYPE 0x88b5u /* IEEE local experimental */

/* CRC-32 (IEEE 802.3, reflected), continued from crc (start with 0). */
static inline uint32_t vt_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
	}
	return ~crc;
}

static inline void vt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t vt_get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
