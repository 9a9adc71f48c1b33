/*
 * Guest device-tree generation. The tree mirrors what QEMU's virt machine
 * gives a guest (hw/arm/virt.c), limited to what Keel emulates or passes
 * through, so an unmodified arm64 kernel boots on it. Bindings followed:
 * arm,gic-v3 (interrupt-controller/arm,gic-v3.yaml), arm,armv8-timer,
 * arm,psci-1.0, arm,pl011 and arm,primecell, virtio,mmio
 * (virtio/mmio.yaml), and /chosen from the devicetree specification 3.6
 * and Linux's rng-seed.
 */
#include <libfdt.h>
#include <string.h>

#include "guest_dt.h"
#include "validate.h"

#define GUEST_DT_PHANDLE_GIC 1
#define GUEST_DT_PHANDLE_CLK 2
#define GUEST_DT_APB_HZ 24000000
#define GUEST_DT_IRQ_SPI 0 /* first cell of a GICv3 interrupt specifier */
#define GUEST_DT_IRQ_PPI 1
#define GUEST_DT_IRQ_LEVEL_HIGH 4

/* How a passed-through board device is described to the guest. */
struct guest_dt_binding {
	const char *device; /* name in platform.devices[] */
	const char *node; /* node name without unit address */
	const char *compatible; /* NUL-separated list */
	size_t compatible_len;
	bool gpio_controller;
};

#define GUEST_DT_COMPAT(s) s, sizeof(s)

static const struct guest_dt_binding guest_dt_bindings[] = {
	{ "rtc", "pl031", GUEST_DT_COMPAT("arm,pl031\0arm,primecell"), false },
	{ "gpio", "pl061", GUEST_DT_COMPAT("arm,pl061\0arm,primecell"), true },
};

/* A sequential-write session; the first error sticks and later calls do nothing. */
struct guest_dt {
	void *fdt;
	int err;
};

static const struct guest_dt_binding *guest_dt_binding(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(guest_dt_bindings); i++)
		if (!strcmp(guest_dt_bindings[i].device, name))
			return &guest_dt_bindings[i];
	return NULL;
}

bool guest_dt_device_known(const char *name)
{
	return guest_dt_binding(name) != NULL;
}

static void dt_begin(struct guest_dt *g, const char *fmt, u64 unit)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, (unsigned long long)unit);
	if (!g->err)
		g->err = fdt_begin_node(g->fdt, name);
}

static void dt_end(struct guest_dt *g)
{
	if (!g->err)
		g->err = fdt_end_node(g->fdt);
}

static void dt_prop(struct guest_dt *g, const char *name, const void *val, size_t len)
{
	if (!g->err)
		g->err = fdt_property(g->fdt, name, val, (int)len);
}

static void dt_string(struct guest_dt *g, const char *name, const char *val)
{
	dt_prop(g, name, val, strlen(val) + 1);
}

static void dt_u32(struct guest_dt *g, const char *name, u32 val)
{
	if (!g->err)
		g->err = fdt_property_u32(g->fdt, name, val);
}

static void dt_u64(struct guest_dt *g, const char *name, u64 val)
{
	if (!g->err)
		g->err = fdt_property_u64(g->fdt, name, val);
}

static void dt_cells(struct guest_dt *g, const char *name, const u32 *cells, size_t n)
{
	fdt32_t be[16];

	for (size_t i = 0; i < n && i < ARRAY_SIZE(be); i++)
		be[i] = cpu_to_fdt32(cells[i]);
	dt_prop(g, name, be, MIN(n, ARRAY_SIZE(be)) * sizeof(be[0]));
}

/* reg with 2 address and 2 size cells, up to two ranges. */
static void dt_reg(struct guest_dt *g, u64 base0, u64 size0, u64 base1, u64 size1, int n)
{
	u32 cells[8] = {
		(u32)(base0 >> 32), (u32)base0, (u32)(size0 >> 32), (u32)size0,
		(u32)(base1 >> 32), (u32)base1, (u32)(size1 >> 32), (u32)size1,
	};

	dt_cells(g, "reg", cells, (size_t)n * 4);
}

static void dt_spi(struct guest_dt *g, u32 intid)
{
	u32 cells[3] = { GUEST_DT_IRQ_SPI, intid - 32, GUEST_DT_IRQ_LEVEL_HIGH };

	dt_cells(g, "interrupts", cells, 3);
}

static void guest_dt_cpus(struct guest_dt *g, const struct cfg_vm *vm)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";

	dt_begin(g, "psci", 0);
	dt_prop(g, "compatible", psci_compat, sizeof(psci_compat));
	dt_string(g, "method", "hvc"); /* Keel answers PSCI calls from EL1 */
	dt_end(g);

	dt_begin(g, "cpus", 0);
	dt_u32(g, "#address-cells", 1);
	dt_u32(g, "#size-cells", 0);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		dt_begin(g, "cpu@%llx", i);
		dt_string(g, "device_type", "cpu");
		dt_string(g, "compatible", "arm,cortex-a57");
		dt_u32(g, "reg", i); /* vMPIDR Aff0, as Keel numbers the vCPUs */
		dt_string(g, "enable-method", "psci");
		dt_end(g);
	}
	dt_end(g);
}

static void guest_dt_irq_and_timer(struct guest_dt *g, const struct cfg_vm *vm)
{
	/* Secure phys, non-secure phys, virtual, hyp timer PPIs: INTID 29, 30, 27, 26. */
	static const u32 timer_irqs[12] = {
		GUEST_DT_IRQ_PPI, 13, GUEST_DT_IRQ_LEVEL_HIGH, GUEST_DT_IRQ_PPI, 14, GUEST_DT_IRQ_LEVEL_HIGH,
		GUEST_DT_IRQ_PPI, 11, GUEST_DT_IRQ_LEVEL_HIGH, GUEST_DT_IRQ_PPI, 10, GUEST_DT_IRQ_LEVEL_HIGH,
	};

	dt_begin(g, "intc@%llx", CFG_GICD_IPA);
	dt_string(g, "compatible", "arm,gic-v3");
	dt_u32(g, "#interrupt-cells", 3);
	dt_prop(g, "interrupt-controller", NULL, 0);
	dt_u32(g, "#address-cells", 2);
	dt_u32(g, "#size-cells", 2);
	dt_prop(g, "ranges", NULL, 0);
	dt_reg(g, CFG_GICD_IPA, CFG_GICD_SIZE, CFG_GICR_IPA, vm->nr_vcpus * CFG_GICR_STRIDE, 2);
	dt_u32(g, "phandle", GUEST_DT_PHANDLE_GIC);
	dt_end(g);

	dt_begin(g, "timer", 0);
	dt_string(g, "compatible", "arm,armv8-timer");
	dt_cells(g, "interrupts", timer_irqs, ARRAY_SIZE(timer_irqs));
	dt_end(g);

	dt_begin(g, "apb-pclk", 0);
	dt_string(g, "compatible", "fixed-clock");
	dt_u32(g, "#clock-cells", 0);
	dt_u32(g, "clock-frequency", GUEST_DT_APB_HZ);
	dt_string(g, "clock-output-names", "clk24mhz");
	dt_u32(g, "phandle", GUEST_DT_PHANDLE_CLK);
	dt_end(g);
}

static void guest_dt_devices(struct guest_dt *g, const struct cfg_vm *vm,
			     const struct platform_desc *plat)
{
	static const char pl011_compat[] = "arm,pl011\0arm,primecell";
	static const char pl011_clocks[] = "uartclk\0apb_pclk";
	static const u32 two_clks[2] = { GUEST_DT_PHANDLE_CLK, GUEST_DT_PHANDLE_CLK };

	dt_begin(g, "pl011@%llx", CFG_VUART_IPA);
	dt_prop(g, "compatible", pl011_compat, sizeof(pl011_compat));
	dt_reg(g, CFG_VUART_IPA, CFG_VUART_SIZE, 0, 0, 1);
	dt_spi(g, CFG_VUART_INTID);
	dt_cells(g, "clocks", two_clks, 2);
	dt_prop(g, "clock-names", pl011_clocks, sizeof(pl011_clocks));
	dt_end(g);

	for (u32 i = 0; i < vm->nr_pass; i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);
		const struct guest_dt_binding *b = guest_dt_binding(dev->name);
		char fmt[32];

		snprintf(fmt, sizeof(fmt), "%s@%%llx", b->node);
		dt_begin(g, fmt, dev->mmio.base);
		dt_prop(g, "compatible", b->compatible, b->compatible_len);
		dt_reg(g, dev->mmio.base, dev->mmio.size, 0, 0, 1);
		if (dev->irq)
			dt_spi(g, dev->irq);
		dt_u32(g, "clocks", GUEST_DT_PHANDLE_CLK);
		dt_string(g, "clock-names", "apb_pclk");
		if (b->gpio_controller) {
			dt_prop(g, "gpio-controller", NULL, 0);
			dt_u32(g, "#gpio-cells", 2);
		}
		dt_end(g);
	}

	dt_begin(g, "hypervisor", 0);
	dt_string(g, "compatible", "keel,hypervisor");
	dt_end(g);
}

/*
 * One virtio_mmio@IPA node per virtio device, where the blob puts it
 * (virtio_place_vm), as QEMU virt describes its own: a 0x200-byte register
 * block, a level-high SPI, and dma-coherent, since Keel reads the rings
 * through the cache like the guest writes them.
 */
static void guest_dt_virtio(struct guest_dt *g, const struct cfg_system *sys, const struct cfg_vm *vm,
			    const struct platform_desc *plat)
{
	struct virtio_place place[CFG_MAX_VIRTIO];
	u32 idx = (u32)(vm - sys->vms), n = MIN(virtio_nr(sys, idx), (u32)CFG_VIRTIO_MAX_PER_VM);

	virtio_place_vm(sys, plat, idx, place);
	for (u32 i = 0; i < n; i++) {
		dt_begin(g, "virtio_mmio@%llx", place[i].ipa);
		dt_string(g, "compatible", "virtio,mmio");
		dt_reg(g, place[i].ipa, CFG_VIRTIO_DT_SIZE, 0, 0, 1);
		dt_spi(g, place[i].irq);
		dt_prop(g, "dma-coherent", NULL, 0);
		dt_end(g);
	}
}

/*
 * /keel-tasks: the task set the configuration declared, in the same shape,
 * for a real-time guest to run (deadline-us always present).
 */
static void guest_dt_tasks(struct guest_dt *g, const struct cfg_vm *vm)
{
	if (!vm->tasks.given)
		return;
	dt_begin(g, "keel-tasks", 0);
	dt_string(g, "scheduler", vm->tasks.scheduler);
	for (u32 i = 0; i < vm->tasks.nr_tasks; i++) {
		const struct cfg_task *t = &vm->tasks.tasks[i];

		if (!g->err)
			g->err = fdt_begin_node(g->fdt, t->name);
		dt_u32(g, "period-us", t->period_us.v);
		dt_u32(g, "wcet-us", t->wcet_us.v);
		dt_u32(g, "deadline-us", t->deadline_us.given ? t->deadline_us.v : t->period_us.v);
		dt_end(g);
	}
	dt_end(g);
}

static void guest_dt_chosen(struct guest_dt *g, const struct cfg_system *sys,
			    const struct cfg_vm *vm, const struct cfg_layout *lay,
			    const u8 seed[GUEST_DT_SEED_LEN])
{
	char stdout_path[32];
	int prop;

	snprintf(stdout_path, sizeof(stdout_path), "/pl011@%llx", CFG_VUART_IPA);
	dt_begin(g, "chosen", 0);
	if (vm->has_bootargs)
		dt_string(g, "bootargs", vm->bootargs);
	dt_string(g, "stdout-path", stdout_path);
	if (vm->initrd.given) {
		dt_u64(g, "linux,initrd-start", lay->initrd_ipa);
		dt_u64(g, "linux,initrd-end", lay->initrd_ipa + vm->initrd.file_size);
	}
	dt_prop(g, "rng-seed", seed, GUEST_DT_SEED_LEN);
	if (vm->guest_props >= 0 && sys->fdt) {
		fdt_for_each_property_offset(prop, sys->fdt, vm->guest_props) {
			const char *name;
			int len;
			const void *val = fdt_getprop_by_offset(sys->fdt, prop, &name, &len);

			dt_prop(g, name, val, (size_t)len);
		}
	}
	dt_end(g);
}

/*
 * A RAM region: a memory node, or for a read-only one a ROM, which an OS
 * must not take for RAM (it would write there): Linux's memory-mapped ROM
 * binding ("mtd-rom", Documentation/devicetree/bindings/mtd/mtd-physmap.yaml).
 */
static void guest_dt_memory(struct guest_dt *g, const struct cfg_mem *m)
{
	if (m->read_only) {
		dt_begin(g, "rom@%llx", m->ipa);
		dt_string(g, "compatible", "mtd-rom");
		dt_u32(g, "bank-width", 4);
	} else {
		dt_begin(g, "memory@%llx", m->ipa);
		dt_string(g, "device_type", "memory");
	}
	dt_reg(g, m->ipa, m->size, 0, 0, 1);
	dt_end(g);
}

int guest_dt_build(const struct cfg_system *sys, const struct cfg_vm *vm,
		   const struct cfg_layout *lay, const struct platform_desc *plat,
		   const u8 seed[GUEST_DT_SEED_LEN], void *buf, size_t cap, struct diag *d)
{
	static const char root_compat[] = "linux,dummy-virt";
	struct guest_dt g = { buf, fdt_create(buf, (int)cap) };
	char model[CFG_NAME_LEN + 16];

	if (!g.err)
		g.err = fdt_finish_reservemap(buf);
	dt_begin(&g, "", 0);
	dt_u32(&g, "#address-cells", 2);
	dt_u32(&g, "#size-cells", 2);
	dt_string(&g, "compatible", root_compat);
	snprintf(model, sizeof(model), "Keel VM %s", vm->name);
	dt_string(&g, "model", model);
	dt_u32(&g, "interrupt-parent", GUEST_DT_PHANDLE_GIC);

	guest_dt_cpus(&g, vm);
	for (u32 i = 0; i < vm->nr_mem; i++)
		guest_dt_memory(&g, &vm->mem[i]);
	guest_dt_irq_and_timer(&g, vm);
	guest_dt_devices(&g, vm, plat);
	guest_dt_virtio(&g, sys, vm, plat);
	if (!g.err) /* watchdog.c: its SP805 and WDOGCLK */
		g.err = watchdog_guest_dt(g.fdt, sys, plat, (u32)(vm - sys->vms), GUEST_DT_PHANDLE_CLK);
	guest_dt_tasks(&g, vm);
	guest_dt_chosen(&g, sys, vm, lay, seed);
	dt_end(&g);
	if (!g.err)
		g.err = fdt_finish(buf);
	if (g.err) {
		diag_error(d, &vm->loc, vm->node, "cannot build the guest device tree: %s",
			   fdt_strerror(g.err));
		return -1;
	}
	return (int)fdt_totalsize(buf);
}
