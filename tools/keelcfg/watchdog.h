/*
 * keelcfg's part of a VM's watchdog (docs/configuration.md, "watchdog"): an
 * Arm SP805 Keel emulates (vdev/sp805.c). The node gives only the timeout;
 * keelcfg places the device clear of everything else in the VM, as it
 * places virtio devices, and tells the guest about it in its device tree so
 * Linux's sp805_wdt driver binds and arms it with that timeout.
 *
 *   watchdog { timeout-ms = <2000>; };
 *
 * Without a standby (issue 11) an expiry resets the VM; with one, it is a
 * failure detector and the VM fails over.
 */
#ifndef KEELCFG_WATCHDOG_H
#define KEELCFG_WATCHDOG_H

/* Included by model.h after struct cfg_loc; include model.h, not this file. */
#include <abi/keel/config_blob.h>
#include <keel/types.h>
#include <stddef.h>

#define CFG_WATCHDOG_MIN_MS 100u
#define CFG_WATCHDOG_MAX_MS 600000u /* 10 minutes */
#define CFG_WATCHDOG_SIZE 0x1000ull
#define CFG_WATCHDOG_IPA_BASE 0x0a200000ull /* just above the virtio-mmio area: defaults from here up */
#define CFG_WATCHDOG_IPA_LIMIT 0x0a400000ull
#define CFG_WATCHDOG_CLK_HZ 1000000u /* WDOGCLK: 1 MHz, up to 71 minutes per count */
#define CFG_WATCHDOG_PHANDLE_CLK 3 /* its fixed clock in the guest tree (guest_dt.c has 1 and 2) */

struct cfg_system;
struct diag;
struct platform_desc;
struct srcmap;
struct cfg_vm;

/* /vms/<vm>/watchdog, as written. */
struct cfg_watchdog {
	bool given;
	char node[256];
	struct cfg_loc loc;
	bool has_timeout;
	u32 timeout_ms;
	struct cfg_loc timeout_loc;
};

/* Parses the watchdog node at offset node of fdt (path "/vms/<vm>/watchdog") into vm->watchdog. */
void watchdog_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		    struct diag *d);

/*
 * Where VM vm's watchdog goes: the first 4 KiB page from
 * CFG_WATCHDOG_IPA_BASE up that nothing of the VM uses (RAM, GIC, UART,
 * passthrough, channel, a virtio device), and the first SPI from the one
 * the virtio defaults start at up (CFG_VIRTIO_FIRST_INTID) that nothing
 * uses, virtio devices included. False if the VM has no
 * watchdog or nothing was free (*ipa or *irq 0). Pure.
 */
bool watchdog_place(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 *ipa, u32 *irq);

/* The rules: timeout given and within limits, room for one more device, a free page and SPI. */
void watchdog_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d);

/* VM vm's SP805 record into *out: returns 1, or 0 if it has no watchdog. sys passed validate_system(). */
u32 watchdog_vm_record(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		       struct keel_blob_vdev *out);

/*
 * In a guest tree being written (libfdt sequential write, inside the root
 * node): VM vm's watchdog@IPA node for Linux's sp805_wdt (arm,sp805 and
 * arm,primecell; clocks wdog_clk, a 1 MHz fixed clock added here, and
 * apb_pclk, the tree's existing APB clock; timeout-sec the timeout rounded
 * up). Returns 0 or a libfdt error; nothing if the VM has no watchdog.
 */
int watchdog_guest_dt(void *fdt, const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		      u32 apb_phandle);

/* The layout line of VM vm's watchdog into buf (cap bytes), "" if none. */
void watchdog_text_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, char *buf,
		      size_t cap);

#endif
