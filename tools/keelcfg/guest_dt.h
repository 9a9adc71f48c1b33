/*
 * Each guest's device tree: the machine as the guest sees it (its vCPUs,
 * its memory, the emulated GICv3, timer and PL011, its passed-through
 * devices, PSCI through HVC), /chosen with the boot arguments, the initrd
 * and a random seed, and /keel-tasks with the task set it declares. Built
 * with libfdt's sequential-write API.
 */
#ifndef KEELCFG_GUEST_DT_H
#define KEELCFG_GUEST_DT_H

#include "model.h"

#define GUEST_DT_SEED_LEN 32 /* bytes of /chosen/rng-seed */

/* Whether keelcfg knows the device-tree binding of board device name. */
bool guest_dt_device_known(const char *name);

/*
 * Writes the tree of vm (laid out as lay) into buf of cap bytes, with seed
 * as /chosen/rng-seed and the properties of vm's guest-properties node (read
 * from sys->fdt) added to /chosen. vm must have passed validate_system() and
 * place_vm(). Returns the tree's size, or -1 after reporting into d (only if
 * the tree does not fit in cap bytes).
 */
int guest_dt_build(const struct cfg_system *sys, const struct cfg_vm *vm,
		   const struct cfg_layout *lay, const struct platform_desc *plat,
		   const u8 seed[GUEST_DT_SEED_LEN], void *buf, size_t cap, struct diag *d);

#endif
