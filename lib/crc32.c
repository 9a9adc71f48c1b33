/*
 * CRC-32 (IEEE 802.3), four bits at a time. A nibble table of 16 constants
 * keeps the code tiny and needs no initialisation, so it is correct on the
 * first call on any CPU without a lock; the blob it checks is a few KiB, so
 * the speed of a full 256-entry table is not worth the 1 KiB or the
 * first-use race of computing it.
 */
#include <keel/crc32.h>

/* crc32_nibble[i]: i shifted through the reflected polynomial four times. */
static const u32 crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

u32 crc32(const void *data, size_t len)
{
	const u8 *p = data;
	u32 crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		/* Low nibble first: the reflected CRC consumes bits LSB first. */
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
	}
	return crc ^ 0xffffffffu;
}
