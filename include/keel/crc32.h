/*
 * CRC-32 as used by Ethernet, zlib and PNG (IEEE 802.3, reflected polynomial
 * 0xedb88320, initial value and final XOR 0xffffffff). Keel uses it to check
 * the configuration blob before trusting it and the host tool keelcfg uses
 * the same code to seal the blob, so the two can never disagree. The
 * implementation is freestanding: Keel links it at EL2 without a libc.
 */
#ifndef KEEL_CRC32_H
#define KEEL_CRC32_H

#include <keel/types.h>

/*
 * CRC-32 (IEEE) of len bytes at data. crc32("123456789", 9) == 0xcbf43926.
 * Pure: no state, safe to call on any CPU at any time, including before the
 * MMU is on (it touches only data and a constant table).
 */
u32 crc32(const void *data, size_t len);

#endif
