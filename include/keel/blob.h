/*
 * Checking the configuration blob at boot (core/blob.c). keelcfg checks a
 * system's meaning on the host; Keel checks that the blob it is handed is
 * whole (magic, version, size, platform, CRC) and that every count and index
 * in it is within Keel's own limits, so that nothing in it can make Keel
 * index past an array, divide by zero or trip a CHECK. A blob that fails is
 * refused, never used.
 */
#ifndef KEEL_BLOB_H
#define KEEL_BLOB_H

#include <abi/keel/config_blob.h>
#include <keel/platform.h>
#include <keel/types.h>

/*
 * Check the blob at src and copy it to dst (dst_size bytes: room for
 * KEEL_MAX_VMS VM records). The header is checked before the copy, the CRC
 * and the contents on the copy, so what is checked is what Keel uses.
 * plat is this Keel's board: its name, CPUs, guest RAM, boot modules and
 * devices, which every physical address in the blob must fall in. Returns NULL
 * if the blob is good, else msg (msg_size bytes) holding the reason, naming
 * the field ("vms[1].nr_vcpus 9: above 4"). Pure apart from dst and msg.
 */
const char *blob_verify(const void *src, void *dst, u32 dst_size, const struct platform_desc *plat, char *msg,
			u32 msg_size);

/* Only the contents of a whole, checksummed blob, as blob_verify() does last. */
const char *blob_verify_contents(const struct keel_blob *b, const struct platform_desc *plat, char *msg, u32 msg_size);

#endif
