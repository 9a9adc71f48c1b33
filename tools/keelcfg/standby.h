/*
 * keelcfg's part of standby VMs (docs/configuration.md, "standby"; issue 11):
 * a VM's `standby` node asks Keel to keep a second copy of the VM's RAM,
 * brought up to date at every checkpoint, and to switch the VM back to it
 * when a chosen failure detector fires. keelcfg parses the node, refuses
 * what Keel cannot checkpoint yet, places one copy per RAM region in the
 * board's guest RAM (standby_place_vm, the one place that decides, so the
 * validator, the blob and the layout agree) and fills the blob's
 * struct keel_blob_standby.
 *
 *   standby {
 *       interval-ms = <20>;                       required, 1 to 1000
 *       detectors = "stop", "abort", "watchdog";  optional, default "stop", "abort"
 *       fault-injection;                          optional: the guest may inject faults
 *       console-output = "held";                  "held" (default) or "immediate"
 *   };
 */
#ifndef KEELCFG_STANDBY_H
#define KEELCFG_STANDBY_H

/* Included by model.h after struct cfg_loc; include model.h, not this file. */
#include <abi/keel/config_blob.h>
#include <keel/types.h>
#include <stddef.h>

#define CFG_STANDBY_MIN_MS 1u
#define CFG_STANDBY_MAX_MS 1000u
#define CFG_STANDBY_DEFAULT_DETECTORS (KEEL_STANDBY_DETECT_STOP | KEEL_STANDBY_DETECT_ABORT)

struct cfg_system;
struct cfg_vm;
struct diag;
struct keel_blob_standby;
struct platform_desc;
struct srcmap;

/* /vms/<vm>/standby as written; the validator judges the values. */
struct cfg_standby {
	bool given;
	char node[256];
	struct cfg_loc loc;
	bool has_interval;
	u32 interval_ms;
	struct cfg_loc interval_loc;
	bool has_detectors;
	u32 detectors; /* KEEL_STANDBY_DETECT_*, the known ones written */
	struct cfg_loc detectors_loc;
	bool inject; /* fault-injection */
	struct cfg_loc inject_loc;
	bool has_console;
	bool console_immediate; /* console-output = "immediate" */
	struct cfg_loc console_loc;
};

/*
 * Parses the standby node at offset node of fdt (path "/vms/<vm>/standby")
 * into vm->standby; errors of shape (types, unknown or repeated names,
 * unknown properties and subnodes) into d, at the property's line.
 */
void standby_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		   struct diag *d);

/*
 * The standby rules: interval in range, and a standby VM has nothing whose
 * state Keel does not checkpoint yet (IPC, channels, virtio, passthrough);
 * every copy fits in the board's guest RAM. Pure, reads only its arguments.
 */
void standby_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d);

/*
 * Where the standby copies of VM vm go: pa[i] for its RAM region i
 * (KEEL_MAX_MEM_REGIONS entries, 0 for none). Copies are placed in VM
 * order, regions in order, each from the top of the board's guest RAM
 * down at the highest address clear of every VM's RAM, every channel, the
 * boot modules and the copies placed before it: at the region's IPA offset
 * within 2 MiB (so Keel can map the copy with 2 MiB blocks) if such a place
 * exists, else page aligned. Returns false if some region of vm found no
 * place (its pa is 0); true with all zeroes for a VM without standby. Pure.
 */
bool standby_place_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 *pa);

/* Level-3 table pages the dirty log's splitting of VM vm's RAM into 4 KiB pages needs. */
u32 standby_split_pages(const struct cfg_vm *vm);

/* VM vm's blob record (for a validated sys): zero for a VM without standby. */
void standby_blob(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		  struct keel_blob_standby *out);

/* VM vm's standby lines for layout.txt into buf (cap bytes, NUL-terminated; empty without standby). */
void standby_text_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, char *buf,
		     size_t cap);

#endif
