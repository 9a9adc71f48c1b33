/*
 * The rules a system description must follow before keelcfg emits a blob.
 * Keel at EL2 trusts the blob once its header checks out, so every property
 * that isolation depends on (CPUs, memory and devices each owned by one VM,
 * memory inside the board's guest RAM, nothing hiding an emulated device)
 * is enforced here. See docs/configuration.md for the list in prose.
 */
#ifndef KEELCFG_VALIDATE_H
#define KEELCFG_VALIDATE_H

#include "model.h"

struct validate_opts {
	/*
	 * --unsafe: physical memory shared between two VMs is reported as a
	 * warning instead of an error (for experiments with shared buffers),
	 * and so are failures of the schedulability analysis (schedcheck.h).
	 * Every other rule stays an error.
	 */
	bool unsafe;
};

/*
 * Checks sys, as filled by parse_system() and image_probe(), against the
 * board plat. Reports every problem found into d, each naming the node and
 * line and, where two parts of the configuration collide, both of them.
 * Pure: reads only its arguments (and the guest-properties node of sys->fdt,
 * if sys->fdt is set). Image fit is checked by place_vm(), since it depends
 * on where the images go.
 */
void validate_system(const struct cfg_system *sys, const struct platform_desc *plat,
		     const struct validate_opts *opts, struct diag *d);

/*
 * The scheduling rules (validate_sched.c): /cpus, servers, task sets.
 * Called by validate_system(); exposed for the tests.
 */
void validate_sched(const struct cfg_system *sys, const struct platform_desc *plat,
		    struct diag *d);

/* The policy of physical CPU cpu (KEEL_SCHED_*): its /cpus/cpu@N node's, else static. */
u32 validate_cpu_policy(const struct cfg_system *sys, u32 cpu);

/* "static", "fixed-priority" or "time-table". */
const char *validate_policy_name(u32 policy);

/* The /cpus/cpu@N node describing physical CPU cpu, or NULL. */
const struct cfg_cpu *validate_find_cpu(const struct cfg_system *sys, u32 cpu);

/* N of a cpu@N node (hexadecimal, as unit addresses are), or -1. */
int validate_cpu_index(const struct cfg_cpu *cpu);

/* Index of the VM named name, or -1. */
int validate_find_vm(const struct cfg_system *sys, const char *name);

/*
 * Stage-2 table pages the VM needs at worst: its RAM and passed-through
 * device regions all split into 4 KiB pages (s2size.h).
 */
u32 validate_s2_tables(const struct cfg_vm *vm, const struct platform_desc *plat);

/* The board device named name, or NULL. */
const struct plat_device *validate_find_device(const struct platform_desc *plat,
					       const char *name);

#endif
