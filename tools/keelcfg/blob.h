/*
 * The configuration blob (include/abi/keel/config_blob.h): building it from
 * a validated, placed model, and checking a blob's header the way Keel does
 * at boot, so the tests can prove that what keelcfg writes Keel will accept.
 */
#ifndef KEELCFG_BLOB_H
#define KEELCFG_BLOB_H

#include "model.h"

/* Bytes of a blob describing nr_vms VMs. */
size_t blob_size(u32 nr_vms);

/*
 * Writes the blob for sys into buf, which holds blob_size(sys->nr_vms)
 * bytes; lays[i] is the placed layout of sys->vms[i]. sys must have passed
 * validate_system() and both placement steps: this cannot fail. The
 * checksum is computed last, over the whole blob with the field zero.
 */
void blob_build(const struct cfg_system *sys, const struct cfg_layout *lays,
		const struct platform_desc *plat, void *buf);

/*
 * Checks a blob of len bytes as Keel does: magic, version, total_size equal
 * to len and to the header plus nr_vms records, nr_vms within bounds, CRC
 * and, if platform is not NULL, the platform name. Returns NULL if it is
 * good, else a short reason.
 */
const char *blob_check(const void *buf, size_t len, const char *platform);

#endif
