/*
 * Validation of a parsed system description. Each rule is a small function
 * that walks the model and reports with the location of the offending
 * property; rules about two parts colliding (a CPU, a memory range, a device
 * given twice) report at the second one and name the first. Nothing here
 * stops at the first error: the user gets the whole list in one run.
 */
#include <libfdt.h>
#include <string.h>

#include <keel/cpu.h>
#include <keel/stage2.h>

#include "guest_dt.h"
#include "policy.h"
#include "s2size.h"
#include "validate.h"

/* An address range that guest memory must not cover in the IPA space. */
struct validate_hole {
	const char *what;
	u64 base;
	u64 size;
};

static u32 validate_nr_vms(const struct cfg_system *sys)
{
	return MIN(sys->nr_vms, (u32)CFG_MAX_VMS);
}

static bool validate_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* A region whose end wraps around cannot be compared; it is reported alone. */
static bool validate_region_sane(const struct cfg_mem *m)
{
	return m->size && m->ipa + m->size > m->ipa && m->pa + m->size > m->pa;
}

/*
 * Whether several vCPUs may be pinned to physical CPU cpu: only if a
 * scheduler shares it (a fixed-priority or time-table CPU in /cpus). A
 * static CPU runs its one vCPU without any scheduling timer.
 */
static bool validate_pcpu_shareable(const struct cfg_system *sys, u32 cpu)
{
	return validate_cpu_policy(sys, cpu) != KEEL_SCHED_STATIC;
}

const struct plat_device *validate_find_device(const struct platform_desc *plat,
					       const char *name)
{
	for (u32 i = 0; i < plat->nr_devices; i++)
		if (!strcmp(plat->devices[i].name, name))
			return &plat->devices[i];
	return NULL;
}

static void validate_root(const struct cfg_system *sys, const struct platform_desc *plat,
			  struct diag *d)
{
	if (!sys->has_compatible || !sys->compatible_ok)
		diag_error(d, &sys->root_loc, "/",
			   "%s compatible = \"keel,system-v1\" (this is not a Keel system description)",
			   sys->has_compatible ? "expected" : "missing");
	if (!sys->has_platform)
		diag_error(d, &sys->root_loc, "/", "missing property 'platform' (this board is \"%s\")",
			   plat->name);
	else if (strcmp(sys->platform, plat->name))
		diag_error(d, &sys->platform_loc, "/",
			   "platform \"%s\" does not match the board keelcfg builds for, \"%s\"",
			   sys->platform, plat->name);
	if (!sys->has_vms_node || sys->nr_vms == 0)
		diag_error(d, sys->has_vms_node ? &sys->vms_loc : &sys->root_loc,
			   sys->has_vms_node ? sys->vms_node : "/",
			   "no VMs: add a node under /vms for each VM");
	else if (sys->nr_vms > KEEL_MAX_VMS)
		diag_error(d, &sys->vms_loc, sys->vms_node, "too many VMs: %u (Keel supports %d)",
			   sys->nr_vms, KEEL_MAX_VMS);
}

static void validate_name(const struct cfg_system *sys, u32 idx, struct diag *d)
{
	const struct cfg_vm *vm = &sys->vms[idx];
	size_t len = strlen(vm->name);
	bool ok = len > 0 && len < KEEL_VM_NAME_LEN;

	for (size_t i = 0; ok && i < len; i++) {
		char ch = vm->name[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
	}
	if (!ok)
		diag_error(d, &vm->loc, vm->node,
			   "invalid VM name '%s': use 1 to %d characters from [a-z0-9_-]", vm->name,
			   KEEL_VM_NAME_LEN - 1);
	if (!strcmp(vm->name, "keel"))
		diag_error(d, &vm->loc, vm->node,
			   "VM name 'keel' is reserved: its console lines would look like Keel's own");
	if (vm->nr_defs > 1)
		diag_error(d, &vm->other_def, vm->node,
			   "VM name '%s' is used twice (first at %s:%d); dtc would merge the two",
			   vm->name, vm->loc.file, vm->loc.line);
	for (u32 j = 0; j < idx; j++)
		if (!strcmp(sys->vms[j].name, vm->name))
			diag_error(d, &vm->loc, vm->node, "VM name '%s' is used twice (first at %s:%d)",
				   vm->name, sys->vms[j].loc.file, sys->vms[j].loc.line);
}

static void validate_cpus(const struct cfg_vm *vm, const struct platform_desc *plat,
			  struct diag *d)
{
	if (!vm->has_vcpus)
		diag_error(d, &vm->loc, vm->node, "missing property 'vcpus'");
	else if (vm->nr_vcpus == 0 || vm->nr_vcpus > KEEL_MAX_VCPUS_PER_VM)
		diag_error(d, &vm->vcpus_loc, vm->node, "vcpus = <%u>: must be 1 to %d", vm->nr_vcpus,
			   KEEL_MAX_VCPUS_PER_VM);
	if (!vm->has_affinity) {
		diag_error(d, &vm->loc, vm->node,
			   "missing property 'cpu-affinity' (the physical CPU of each vCPU)");
		return;
	}
	if (vm->has_vcpus && vm->nr_affinity != vm->nr_vcpus)
		diag_error(d, &vm->affinity_loc, vm->node,
			   "cpu-affinity lists %u CPUs but vcpus = <%u>: give one per vCPU",
			   vm->nr_affinity, vm->nr_vcpus);
	for (u32 i = 0; i < MIN(vm->nr_affinity, (u32)CFG_MAX_LIST); i++)
		if (vm->affinity[i] >= plat->nr_cpus)
			diag_error(d, &vm->affinity_loc, vm->node,
				   "vCPU %u: physical CPU %u does not exist (%s has CPUs 0 to %u)", i,
				   vm->affinity[i], plat->name, plat->nr_cpus - 1);
}

/* Every pair of vCPUs, in this VM or another, pinned to the same CPU. */
static void validate_cpu_sharing(const struct cfg_system *sys, struct diag *d)
{
	for (u32 a = 0; a < validate_nr_vms(sys); a++) {
		const struct cfg_vm *va = &sys->vms[a];

		for (u32 i = 0; i < MIN(va->nr_affinity, (u32)CFG_MAX_LIST); i++) {
			for (u32 b = 0; b <= a; b++) {
				const struct cfg_vm *vb = &sys->vms[b];
				u32 end = b == a ? i : MIN(vb->nr_affinity, (u32)CFG_MAX_LIST);

				for (u32 j = 0; j < end; j++) {
					if (vb->affinity[j] != va->affinity[i] ||
					    validate_pcpu_shareable(sys, va->affinity[i]))
						continue;
					diag_error(d, &va->affinity_loc, va->node,
						   "physical CPU %u is given to vCPU %u of VM '%s' and to "
						   "vCPU %u of VM '%s' (%s:%d); a static CPU runs one vCPU "
						   "(see /cpus in docs/scheduling.md)",
						   va->affinity[i], i, va->name, j, vb->name,
						   vb->affinity_loc.file, vb->affinity_loc.line);
				}
			}
		}
	}
}

/*
 * Keel keeps at most CPU_MAX_VCPUS vCPUs on one physical CPU, shared or not,
 * and refuses a blob with more at boot (core/blob.c): refuse it here, at the
 * cpu-affinity that goes past the limit.
 */
static void validate_cpu_load(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	for (u32 cpu = 0; cpu < plat->nr_cpus; cpu++) {
		u32 on = 0;

		for (u32 a = 0; a < validate_nr_vms(sys); a++) {
			const struct cfg_vm *vm = &sys->vms[a];

			for (u32 i = 0; i < MIN(vm->nr_affinity, (u32)CFG_MAX_LIST); i++)
				if (vm->affinity[i] == cpu && ++on == CPU_MAX_VCPUS + 1)
					diag_error(d, &vm->affinity_loc, vm->node,
						   "vCPU %u makes %u vCPUs on physical CPU %u: Keel runs at most %u "
						   "on one CPU", i, on, cpu, CPU_MAX_VCPUS);
		}
	}
}

/* The IPA ranges a VM's memory must leave free: emulated and passed-through devices. */
static u32 validate_holes(const struct cfg_vm *vm, const struct platform_desc *plat,
			  struct validate_hole *holes)
{
	u32 vcpus = vm->nr_vcpus >= 1 && vm->nr_vcpus <= KEEL_MAX_VCPUS_PER_VM ? vm->nr_vcpus :
										  KEEL_MAX_VCPUS_PER_VM;
	u32 n = 0;

	holes[n++] = (struct validate_hole){ "the GIC distributor", CFG_GICD_IPA, CFG_GICD_SIZE };
	holes[n++] = (struct validate_hole){ "the GIC redistributors", CFG_GICR_IPA,
					     vcpus * CFG_GICR_STRIDE };
	holes[n++] = (struct validate_hole){ "the virtual UART", CFG_VUART_IPA, CFG_VUART_SIZE };
	for (u32 i = 0; i < MIN(vm->nr_pass, (u32)CFG_MAX_PASS); i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);

		if (dev)
			holes[n++] = (struct validate_hole){ dev->name, dev->mmio.base, dev->mmio.size };
	}
	return n;
}

static void validate_region(const struct cfg_vm *vm, const struct cfg_mem *m,
			    const struct platform_desc *plat, struct diag *d)
{
	struct validate_hole holes[3 + CFG_MAX_PASS];
	const struct plat_region *ram = &plat->guest_ram;
	u32 nr_holes;

	if (!m->size) {
		diag_error(d, &m->loc, m->node, "memory region has zero size");
		return;
	}
	if (!IS_ALIGNED(m->ipa, PAGE_SIZE) || !IS_ALIGNED(m->size, PAGE_SIZE) ||
	    !IS_ALIGNED(m->pa, PAGE_SIZE))
		diag_error(d, &m->loc, m->node,
			   "memory region not 4 KiB aligned: IPA 0x%llx, size 0x%llx, phys 0x%llx "
			   "must all be multiples of 0x1000",
			   (unsigned long long)m->ipa, (unsigned long long)m->size,
			   (unsigned long long)m->pa);
	if (!validate_region_sane(m) || m->ipa + m->size > BIT(STAGE2_IPA_BITS)) {
		diag_error(d, &m->loc, m->node, "memory region ends beyond the %d-bit IPA space",
			   STAGE2_IPA_BITS);
		return;
	}
	if (m->pa < ram->base || m->pa + m->size > ram->base + ram->size)
		diag_error(d, &m->loc, m->node,
			   "physical range 0x%llx-0x%llx is outside the guest RAM of %s "
			   "(0x%llx-0x%llx)",
			   (unsigned long long)m->pa, (unsigned long long)(m->pa + m->size - 1),
			   plat->name, (unsigned long long)ram->base,
			   (unsigned long long)(ram->base + ram->size - 1));
	nr_holes = validate_holes(vm, plat, holes);
	for (u32 i = 0; i < nr_holes; i++)
		if (validate_overlap(m->ipa, m->size, holes[i].base, holes[i].size))
			diag_error(d, &m->loc, m->node,
				   "IPA range 0x%llx-0x%llx overlaps %s at IPA 0x%llx-0x%llx",
				   (unsigned long long)m->ipa, (unsigned long long)(m->ipa + m->size - 1),
				   holes[i].what, (unsigned long long)holes[i].base,
				   (unsigned long long)(holes[i].base + holes[i].size - 1));
}

/*
 * A read-only region (`read-only;`): not the first region, where the
 * kernel, initrd and tree go and which the kernel writes; its content from
 * `image`, which fits in it; and every image of the VM within Keel's count.
 */
static void validate_read_only(const struct cfg_vm *vm, u32 i, struct diag *d)
{
	const struct cfg_mem *m = &vm->mem[i];

	if (i == 0 && (m->read_only || m->image.given)) {
		diag_error(d, m->read_only ? &m->read_only_loc : &m->image.loc, m->node,
			   "the first memory region holds the kernel, initrd and device tree: it cannot be "
			   "read-only or hold an image");
		return;
	}
	if (m->read_only && !m->image.given)
		diag_error(d, &m->read_only_loc, m->node,
			   "a read-only region needs its content: image = \"FILE\"; (loaded at its start)");
	if (m->image.given && !m->read_only)
		diag_error(d, &m->image.loc, m->node, "image is only for a read-only region: add read-only;");
	if (m->image.readable && m->image.file_size > m->size)
		diag_error(d, &m->image.loc, m->node,
			   "image '%s' (%llu bytes) does not fit in the region (%llu bytes)", m->image.path,
			   (unsigned long long)m->image.file_size, (unsigned long long)m->size);
}

/* Kernel, tree, initrd and region images: Keel keeps KEEL_MAX_IMAGES per VM. */
static void validate_image_count(const struct cfg_vm *vm, struct diag *d)
{
	u32 n = 2 + (vm->initrd.given ? 1 : 0), regions = 0;

	for (u32 i = 0; i < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); i++)
		regions += vm->mem[i].image.given ? 1 : 0;
	if (n + regions > KEEL_MAX_IMAGES)
		diag_error(d, &vm->loc, vm->node,
			   "too many images: kernel, device tree%s and %u memory region image%s make %u (at most %d)",
			   vm->initrd.given ? ", initrd" : "", regions, regions == 1 ? "" : "s", n + regions,
			   KEEL_MAX_IMAGES);
}

static void validate_memory(const struct cfg_vm *vm, const struct platform_desc *plat,
			    struct diag *d)
{
	u32 n = MIN(vm->nr_mem, (u32)CFG_MAX_MEM);

	if (vm->nr_mem == 0)
		diag_error(d, &vm->loc, vm->node, "no memory node: add memory@<ipa> with reg and phys");
	if (vm->nr_mem > KEEL_MAX_MEM_REGIONS)
		diag_error(d, &vm->loc, vm->node, "too many memory regions: %u (at most %d)",
			   vm->nr_mem, KEEL_MAX_MEM_REGIONS);
	validate_image_count(vm, d);
	for (u32 i = 0; i < n; i++) {
		validate_region(vm, &vm->mem[i], plat, d);
		validate_read_only(vm, i, d);
		for (u32 j = 0; j < i; j++) {
			const struct cfg_mem *a = &vm->mem[j], *b = &vm->mem[i];

			if (!validate_region_sane(a) || !validate_region_sane(b))
				continue;
			if (validate_overlap(a->ipa, a->size, b->ipa, b->size))
				diag_error(d, &b->loc, b->node,
					   "IPA range overlaps that of %s (%s:%d) in the same VM",
					   a->node, a->loc.file, a->loc.line);
		}
	}
}

/* Physical memory owned twice, within one VM or between two. */
static void validate_phys_overlap(const struct cfg_system *sys, const struct validate_opts *opts,
				  struct diag *d)
{
	for (u32 a = 0; a < validate_nr_vms(sys); a++) {
		const struct cfg_vm *va = &sys->vms[a];

		for (u32 i = 0; i < MIN(va->nr_mem, (u32)CFG_MAX_MEM); i++) {
			const struct cfg_mem *ma = &va->mem[i];

			for (u32 b = 0; b <= a; b++) {
				const struct cfg_vm *vb = &sys->vms[b];
				u32 end = b == a ? i : MIN(vb->nr_mem, (u32)CFG_MAX_MEM);

				for (u32 j = 0; j < end; j++) {
					const struct cfg_mem *mb = &vb->mem[j];

					if (!validate_region_sane(ma) || !validate_region_sane(mb) ||
					    !validate_overlap(ma->pa, ma->size, mb->pa, mb->size))
						continue;
					if (a != b && opts->unsafe)
						diag_warn(d, &ma->loc, ma->node,
							  "physical memory shared with %s (%s:%d) (--unsafe)",
							  mb->node, mb->loc.file, mb->loc.line);
					else
						diag_error(d, &ma->loc, ma->node,
							   "physical range 0x%llx-0x%llx overlaps %s (%s:%d)",
							   (unsigned long long)ma->pa,
							   (unsigned long long)(ma->pa + ma->size - 1),
							   mb->node, mb->loc.file, mb->loc.line);
				}
			}
		}
	}
}

static void validate_passthrough(const struct cfg_vm *vm, const struct platform_desc *plat,
				 struct diag *d)
{
	if (vm->nr_pass > KEEL_MAX_PASSTHROUGH_MMIO)
		diag_error(d, &vm->pass_loc, vm->node, "too many passthrough devices: %u (at most %d)",
			   vm->nr_pass, KEEL_MAX_PASSTHROUGH_MMIO);
	for (u32 i = 0; i < MIN(vm->nr_pass, (u32)CFG_MAX_PASS); i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);

		if (!dev) {
			diag_error(d, &vm->pass_loc, vm->node,
				   "passthrough: unknown device '%s' (%s has none by that name)",
				   vm->pass[i].name, plat->name);
			continue;
		}
		for (u32 j = 0; j < i; j++)
			if (!strcmp(vm->pass[j].name, dev->name))
				diag_error(d, &vm->pass_loc, vm->node,
					   "passthrough: device '%s' is listed twice", dev->name);
		if (!guest_dt_device_known(dev->name))
			diag_error(d, &vm->pass_loc, vm->node,
				   "passthrough: keelcfg cannot describe device '%s' in a guest tree",
				   dev->name);
		if (!dev->irq)
			continue;
		if (dev->irq == CFG_VUART_INTID || dev->irq == plat->uart_irq)
			diag_error(d, &vm->pass_loc, vm->node,
				   "passthrough: IRQ %u of device '%s' collides with the UART's IRQ",
				   dev->irq, dev->name);
		if (dev->irq < 32 || dev->irq >= 32 + CFG_NR_SPIS || dev->irq > plat->gic_max_intid)
			diag_error(d, &vm->pass_loc, vm->node,
				   "passthrough: IRQ %u of device '%s' is not an SPI the virtual GIC "
				   "has (32 to %u)",
				   dev->irq, dev->name, 32 + CFG_NR_SPIS - 1);
	}
}

/* A device (or an IRQ line) belongs to one VM only. */
static void validate_device_sharing(const struct cfg_system *sys,
				    const struct platform_desc *plat, struct diag *d)
{
	for (u32 a = 0; a < validate_nr_vms(sys); a++) {
		const struct cfg_vm *va = &sys->vms[a];

		for (u32 i = 0; i < MIN(va->nr_pass, (u32)CFG_MAX_PASS); i++) {
			const struct plat_device *da = validate_find_device(plat, va->pass[i].name);

			for (u32 b = 0; da && b < a; b++) {
				const struct cfg_vm *vb = &sys->vms[b];

				for (u32 j = 0; j < MIN(vb->nr_pass, (u32)CFG_MAX_PASS); j++) {
					const struct plat_device *db =
						validate_find_device(plat, vb->pass[j].name);

					if (da == db)
						diag_error(d, &va->pass_loc, va->node,
							   "passthrough: device '%s' is also given to VM "
							   "'%s' (%s:%d)",
							   da->name, vb->name, vb->pass_loc.file,
							   vb->pass_loc.line);
					else if (db && da->irq && da->irq == db->irq)
						diag_error(d, &va->pass_loc, va->node,
							   "passthrough: IRQ %u of device '%s' is also the "
							   "IRQ of '%s' in VM '%s' (%s:%d)",
							   da->irq, da->name, db->name, vb->name,
							   vb->pass_loc.file, vb->pass_loc.line);
				}
			}
		}
	}
}

u32 validate_s2_tables(const struct cfg_vm *vm, const struct platform_desc *plat)
{
	struct s2size_range r[CFG_MAX_MEM + CFG_MAX_PASS];
	u32 n = 0;

	for (u32 i = 0; i < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); i++)
		r[n++] = (struct s2size_range){ vm->mem[i].ipa, vm->mem[i].size };
	for (u32 i = 0; i < MIN(vm->nr_pass, (u32)CFG_MAX_PASS); i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);

		if (dev)
			r[n++] = (struct s2size_range){ dev->mmio.base, dev->mmio.size };
	}
	return s2size_tables(r, n);
}

/* Keel's books on guest RAM (chunks per VM, dirty-log bits for all) must hold every VM's RAM. */
static void validate_ram_books(const struct cfg_system *sys, struct diag *d)
{
	u64 total = 0;

	for (u32 i = 0; i < validate_nr_vms(sys); i++) {
		const struct cfg_vm *vm = &sys->vms[i];
		u64 spans = 0;

		for (u32 j = 0; j < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); j++) {
			const struct cfg_mem *m = &vm->mem[j];

			if (!validate_region_sane(m) || m->ipa + m->size > BIT(STAGE2_IPA_BITS))
				continue; /* reported by validate_region */
			spans += (ALIGN_UP(m->ipa + m->size, 2 * MiB) - ALIGN_DOWN(m->ipa, 2 * MiB)) / (2 * MiB);
			total += m->size;
		}
		if (spans > KEEL_MAX_RAM_SPANS_PER_VM)
			diag_error(d, &vm->loc, vm->node,
				   "RAM touches %llu 2 MiB spans of IPA space, more than the %d Keel keeps per VM",
				   (unsigned long long)spans, KEEL_MAX_RAM_SPANS_PER_VM);
		if (total > KEEL_MAX_TOTAL_GUEST_RAM)
			diag_error(d, &vm->loc, vm->node,
				   "this VM brings all VMs' RAM to %llu MiB, more than the %llu MiB Keel keeps "
				   "dirty-log books for",
				   (unsigned long long)(total / MiB),
				   (unsigned long long)(KEEL_MAX_TOTAL_GUEST_RAM / MiB));
	}
}

/* Every VM's stage-2 table share must fit in the pages Keel reserves for all of them. */
static void validate_stage2_pool(const struct cfg_system *sys, const struct platform_desc *plat,
				 struct diag *d)
{
	u64 total = 0;

	for (u32 i = 0; i < validate_nr_vms(sys); i++) {
		const struct cfg_vm *vm = &sys->vms[i];
		u32 pages = validate_s2_tables(vm, plat) + channel_s2_pages(sys, i); /* channel.c */

		total += pages;
		if (total > KEEL_STAGE2_POOL_PAGES)
			diag_error(d, &vm->loc, vm->node,
				   "stage-2 tables: this VM's worst case of %u pages brings the "
				   "system to %llu, more than the %d Keel reserves (less memory, "
				   "or fewer VMs)",
				   pages, (unsigned long long)total, KEEL_STAGE2_POOL_PAGES);
	}
}

/* The generated /chosen properties the guest-properties node may not replace. */
static const char *const validate_reserved_chosen[] = {
	"bootargs", "stdout-path", "linux,initrd-start", "linux,initrd-end", "rng-seed",
	"kaslr-seed",
};

static void validate_guest_props(const struct cfg_system *sys, const struct cfg_vm *vm,
				 struct diag *d)
{
	int prop, sub;

	if (vm->guest_props < 0 || !sys->fdt)
		return;
	fdt_for_each_subnode(sub, sys->fdt, vm->guest_props) {
		diag_error(d, &vm->guest_props_loc, vm->node,
			   "guest-properties may hold only properties, not node '%s'",
			   fdt_get_name(sys->fdt, sub, NULL));
	}
	fdt_for_each_property_offset(prop, sys->fdt, vm->guest_props) {
		const char *name;

		fdt_getprop_by_offset(sys->fdt, prop, &name, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(validate_reserved_chosen); i++)
			if (!strcmp(name, validate_reserved_chosen[i]))
				diag_error(d, &vm->guest_props_loc, vm->node,
					   "guest-properties: '%s' is generated by keelcfg%s", name,
					   strcmp(name, "bootargs") ? "" : "; use the VM's bootargs");
	}
}

void validate_system(const struct cfg_system *sys, const struct platform_desc *plat,
		     const struct validate_opts *opts, struct diag *d)
{
	validate_root(sys, plat, d);
	for (u32 i = 0; i < validate_nr_vms(sys); i++) {
		const struct cfg_vm *vm = &sys->vms[i];

		validate_name(sys, i, d);
		validate_cpus(vm, plat, d);
		validate_memory(vm, plat, d);
		if (!vm->kernel.given)
			diag_error(d, &vm->loc, vm->node, "missing property 'kernel'");
		validate_passthrough(vm, plat, d);
		validate_guest_props(sys, vm, d);
	}
	validate_cpu_sharing(sys, d);
	validate_cpu_load(sys, plat, d);
	validate_sched(sys, plat, d);
	validate_phys_overlap(sys, opts, d);
	validate_device_sharing(sys, plat, d);
	validate_stage2_pool(sys, plat, d);
	validate_ram_books(sys, d);
	ipc_validate(sys, d); /* /ipc: endpoints and grants (ipc.c) */
	channel_validate(sys, plat, d); /* /channels (channel.c) */
	virtio_validate(sys, plat, d); /* virtio devices (virtio_check.c) */
	standby_validate(sys, plat, d); /* standby VMs (standby.c) */
	watchdog_validate(sys, plat, d); /* its SP805 (watchdog.c) */
	policy_validate(sys, opts->unsafe, d); /* secure VMs (policy.c) */
}
