/*
 * A VM's SP805 watchdog in the system description (watchdog.h): parsing the
 * `watchdog` node, its rules, and the one place that decides where the
 * device is (watchdog_place), which the blob record, the guest tree and the
 * layout all use, so they cannot disagree. It is placed after the VM's
 * virtio devices (virtio_place_vm), so adding a watchdog never moves them.
 */
#include <libfdt.h>
#include <string.h>

#include "model.h"
#include "srcmap.h"

void watchdog_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		    struct diag *d)
{
	struct cfg_watchdog *w = &vm->watchdog;
	int prop, len;

	w->given = true;
	snprintf(w->node, sizeof(w->node), "%s", path);
	w->loc = srcmap_node(map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(fdt, prop, &name, &len);
		struct cfg_loc loc = srcmap_prop(map, path, name);

		if (strcmp(name, "timeout-ms")) {
			diag_error(d, &loc, path, "unknown property '%s' (a watchdog has timeout-ms)", name);
			continue;
		}
		w->timeout_loc = loc;
		if ((w->has_timeout = len == 4))
			w->timeout_ms = fdt32_to_cpu(*(const fdt32_t *)val);
		else
			diag_error(d, &loc, path, "property 'timeout-ms' must be one cell: timeout-ms = <2000>");
	}
	if (fdt_first_subnode(fdt, node) >= 0)
		diag_error(d, &w->loc, path, "a watchdog holds only properties");
}

static bool watchdog_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

static u64 watchdog_default_ipa(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
				const struct virtio_place *vp, u32 nr_virtio)
{
	char buf[CFG_NODE_LEN + 16];

	for (u64 ipa = CFG_WATCHDOG_IPA_BASE; ipa < CFG_WATCHDOG_IPA_LIMIT; ipa += CFG_WATCHDOG_SIZE) {
		bool used = virtio_ipa_user(sys, plat, vm, ipa, CFG_WATCHDOG_SIZE, buf, sizeof(buf)) != NULL;

		for (u32 i = 0; i < nr_virtio && !used; i++)
			used = watchdog_overlap(ipa, CFG_WATCHDOG_SIZE, vp[i].ipa, CFG_VIRTIO_SIZE);
		if (!used)
			return ipa;
	}
	return 0;
}

/* From QEMU's first virtio SPI to the last SPI, then the SPIs below it, as virtio.c does. */
static u32 watchdog_default_irq(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
				const struct virtio_place *vp, u32 nr_virtio)
{
	char buf[CFG_NODE_LEN + 16];

	for (u32 k = 0; k < CFG_NR_SPIS; k++) {
		u32 irq = 32 + (CFG_VIRTIO_FIRST_INTID - 32 + k) % CFG_NR_SPIS;
		bool used = virtio_irq_user(sys, plat, vm, irq, buf, sizeof(buf)) != NULL;

		for (u32 i = 0; i < nr_virtio && !used; i++)
			used = vp[i].irq == irq;
		if (!used)
			return irq;
	}
	return 0;
}

bool watchdog_place(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 *ipa, u32 *irq)
{
	struct virtio_place vp[CFG_MAX_VIRTIO];
	u32 n = virtio_nr(sys, vm);

	*ipa = 0;
	*irq = 0;
	if (!sys->vms[vm].watchdog.given)
		return false;
	virtio_place_vm(sys, plat, vm, vp);
	*ipa = watchdog_default_ipa(sys, plat, vm, vp, n);
	*irq = watchdog_default_irq(sys, plat, vm, vp, n);
	return *ipa && *irq;
}

static void watchdog_validate_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
				 struct diag *d)
{
	const struct cfg_watchdog *w = &sys->vms[vm].watchdog;
	u64 ipa;
	u32 irq;

	if (!w->has_timeout)
		diag_error(d, &w->loc, w->node, "missing property 'timeout-ms'");
	else if (w->timeout_ms < CFG_WATCHDOG_MIN_MS || w->timeout_ms > CFG_WATCHDOG_MAX_MS)
		diag_error(d, &w->timeout_loc, w->node, "timeout-ms %u: outside %u..%u", w->timeout_ms,
			   CFG_WATCHDOG_MIN_MS, CFG_WATCHDOG_MAX_MS);
	if (virtio_nr(sys, vm) >= CFG_VIRTIO_MAX_PER_VM) {
		diag_error(d, &w->loc, w->node, "no room for a watchdog: a VM has at most %u devices besides its GIC "
			   "and UART, and this one has %u virtio devices", CFG_VIRTIO_MAX_PER_VM, virtio_nr(sys, vm));
		return;
	}
	if (!watchdog_place(sys, plat, vm, &ipa, &irq))
		diag_error(d, &w->loc, w->node, "no free %s for the watchdog", ipa ? "SPI" : "page at 0xa200000..0xa3fffff");
}

void watchdog_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		if (sys->vms[v].watchdog.given)
			watchdog_validate_vm(sys, plat, v, d);
}

u32 watchdog_vm_record(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		       struct keel_blob_vdev *out)
{
	u64 ipa;
	u32 irq;

	if (!watchdog_place(sys, plat, vm, &ipa, &irq))
		return 0;
	*out = (struct keel_blob_vdev){ .kind = KEEL_VDEV_SP805, .irq = irq, .ipa = ipa, .size = CFG_WATCHDOG_SIZE,
					.args = { CFG_WATCHDOG_CLK_HZ } };
	return 1;
}

/* Sequential-write helpers that keep the first libfdt error. */
static void wd_cells(void *fdt, int *err, const char *name, const u32 *cells, u32 n)
{
	fdt32_t be[4];

	for (u32 i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	if (!*err)
		*err = fdt_property(fdt, name, be, (int)(n * sizeof(be[0])));
}

static void wd_prop(void *fdt, int *err, const char *name, const void *val, size_t len)
{
	if (!*err)
		*err = fdt_property(fdt, name, val, (int)len);
}

/* The 1 MHz WDOGCLK, a fixed clock as the tree's APB clock is (clock/fixed-clock.yaml). */
static void watchdog_dt_clock(void *fdt, int *err)
{
	static const char compat[] = "fixed-clock";
	static const char out_name[] = "wdogclk";
	u32 hz = CFG_WATCHDOG_CLK_HZ, zero = 0, ph = CFG_WATCHDOG_PHANDLE_CLK;

	if (!*err)
		*err = fdt_begin_node(fdt, "wdog-clk");
	wd_prop(fdt, err, "compatible", compat, sizeof(compat));
	wd_cells(fdt, err, "#clock-cells", &zero, 1);
	wd_cells(fdt, err, "clock-frequency", &hz, 1);
	wd_prop(fdt, err, "clock-output-names", out_name, sizeof(out_name));
	wd_cells(fdt, err, "phandle", &ph, 1);
	if (!*err)
		*err = fdt_end_node(fdt);
}

int watchdog_guest_dt(void *fdt, const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		      u32 apb_phandle)
{
	static const char compat[] = "arm,sp805\0arm,primecell";
	static const char clock_names[] = "wdog_clk\0apb_pclk";
	const struct cfg_watchdog *w = &sys->vms[vm].watchdog;
	char name[32];
	u64 ipa;
	u32 irq;
	int err = 0;

	if (!watchdog_place(sys, plat, vm, &ipa, &irq))
		return 0;
	watchdog_dt_clock(fdt, &err);
	snprintf(name, sizeof(name), "watchdog@%llx", (unsigned long long)ipa);
	if (!err)
		err = fdt_begin_node(fdt, name);
	wd_prop(fdt, &err, "compatible", compat, sizeof(compat));
	wd_cells(fdt, &err, "reg", (const u32[4]){ (u32)(ipa >> 32), (u32)ipa, 0, CFG_WATCHDOG_SIZE }, 4);
	wd_cells(fdt, &err, "interrupts", (const u32[3]){ 0, irq - 32, 4 }, 3); /* SPI, level high */
	wd_cells(fdt, &err, "clocks", (const u32[2]){ CFG_WATCHDOG_PHANDLE_CLK, apb_phandle }, 2);
	wd_prop(fdt, &err, "clock-names", clock_names, sizeof(clock_names));
	/* Linux reads it in whole seconds (watchdog_init_timeout): never shorter than configured. */
	wd_cells(fdt, &err, "timeout-sec", (const u32[1]){ (w->timeout_ms + 999) / 1000 }, 1);
	if (!err)
		err = fdt_end_node(fdt);
	return err;
}

void watchdog_text_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, char *buf,
		      size_t cap)
{
	u64 ipa;
	u32 irq;

	buf[0] = '\0';
	if (watchdog_place(sys, plat, vm, &ipa, &irq))
		snprintf(buf, cap, "  watchdog SP805 IPA 0x%llx, IRQ %u, WDOGCLK %u Hz, timeout %u ms\n",
			 (unsigned long long)ipa, irq, CFG_WATCHDOG_CLK_HZ, sys->vms[vm].watchdog.timeout_ms);
}
