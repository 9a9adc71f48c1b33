/*
 * Image placement. Inside a VM the layout follows what an arm64 Linux
 * kernel expects (Documentation/arch/arm64/booting.rst): the Image at a
 * 2 MiB-aligned base plus text_offset with room for its BSS (image_size),
 * the device tree 8-byte aligned within a 2 MiB window, the initrd anywhere
 * that does not overlap the kernel. Putting the tree at the top and the
 * initrd right below it leaves the rest of RAM in one piece for the guest.
 */
#include "place.h"

static unsigned long long place_mib(u64 bytes)
{
	return (unsigned long long)((bytes + MiB - 1) / MiB);
}

bool place_vm(const struct cfg_vm *vm, struct cfg_layout *lay, struct diag *d)
{
	const struct cfg_mem *m = &vm->mem[0];
	u64 end = m->ipa + m->size, floor;

	*lay = (struct cfg_layout){ 0 };
	if (vm->kernel.linux_header) {
		lay->kernel_ipa = ALIGN_UP(m->ipa, PLACE_KERNEL_ALIGN) + vm->kernel.text_offset;
		lay->kernel_span = MAX(vm->kernel.image_size, vm->kernel.file_size);
	} else {
		lay->kernel_ipa = m->ipa;
		lay->kernel_span = vm->kernel.file_size;
	}
	lay->entry_ipa = lay->kernel_ipa;

	if (m->size < PLACE_DTB_SLOT || ALIGN_DOWN(end - PLACE_DTB_SLOT, PLACE_KERNEL_ALIGN) < m->ipa) {
		diag_error(d, &m->loc, m->node,
			   "memory region too small: the guest device tree needs a 2 MiB-aligned "
			   "2 MiB slot at its top");
		return false;
	}
	lay->dtb_ipa = ALIGN_DOWN(end - PLACE_DTB_SLOT, PLACE_KERNEL_ALIGN);
	lay->dtb_slot = PLACE_DTB_SLOT;

	floor = lay->dtb_ipa;
	if (vm->initrd.given) {
		if (vm->initrd.file_size > lay->dtb_ipa - m->ipa) {
			diag_error(d, &vm->initrd.loc, vm->node,
				   "initrd '%s' (%llu MiB) does not fit below the device tree at IPA "
				   "0x%llx in %s",
				   vm->initrd.path, place_mib(vm->initrd.file_size),
				   (unsigned long long)lay->dtb_ipa, m->node);
			return false;
		}
		lay->initrd_ipa = ALIGN_DOWN(lay->dtb_ipa - vm->initrd.file_size, PAGE_SIZE);
		floor = lay->initrd_ipa;
	}
	if (lay->kernel_ipa > floor || lay->kernel_span > floor - lay->kernel_ipa) {
		diag_error(d, &vm->kernel.loc, vm->node,
			   "kernel '%s' (%llu MiB at IPA 0x%llx)%s%s does not fit in %s "
			   "(%llu MiB, device tree at IPA 0x%llx)",
			   vm->kernel.path, place_mib(lay->kernel_span),
			   (unsigned long long)lay->kernel_ipa, vm->initrd.given ? " with initrd " : "",
			   vm->initrd.given ? vm->initrd.path : "", m->node, place_mib(m->size),
			   (unsigned long long)lay->dtb_ipa);
		return false;
	}
	return true;
}

/* Takes size bytes at the cursor; false (and a report) if it runs past the region. */
static bool place_take(u64 *cursor, u64 size, u64 *src, const struct platform_desc *plat,
		       const char *what, const struct cfg_vm *vm, const struct cfg_loc *loc,
		       struct diag *d)
{
	u64 start = ALIGN_UP(*cursor, PLACE_MODULE_ALIGN);
	u64 limit = plat->modules.base + plat->modules.size;

	if (start > limit || size > limit - start) {
		diag_error(d, loc, vm->node,
			   "boot modules do not fit: %s of VM '%s' (%llu MiB) would end at 0x%llx, "
			   "beyond the module region 0x%llx-0x%llx of %s",
			   what, vm->name, place_mib(size), (unsigned long long)(start + size),
			   (unsigned long long)plat->modules.base, (unsigned long long)(limit - 1),
			   plat->name);
		return false;
	}
	*src = start;
	*cursor = start + size;
	return true;
}

bool place_modules(const struct cfg_system *sys, struct cfg_layout *lays, u64 blob_size,
		   const struct platform_desc *plat, struct diag *d)
{
	u64 cursor = plat->modules.base;

	if (plat->blob_addr >= plat->modules.base &&
	    plat->blob_addr < plat->modules.base + plat->modules.size)
		cursor = MAX(cursor, plat->blob_addr + blob_size);
	for (u32 i = 0; i < sys->nr_vms; i++) {
		const struct cfg_vm *vm = &sys->vms[i];
		struct cfg_layout *lay = &lays[i];

		if (!place_take(&cursor, place_kernel_copy_size(vm), &lay->kernel_src, plat, "kernel",
				vm, &vm->kernel.loc, d))
			return false;
		if (vm->initrd.given && !place_take(&cursor, vm->initrd.file_size, &lay->initrd_src,
						    plat, "initrd", vm, &vm->initrd.loc, d))
			return false;
		if (!place_take(&cursor, lay->dtb_size, &lay->dtb_src, plat, "device tree", vm,
				&vm->loc, d))
			return false;
		for (u32 m = 0; m < vm->nr_mem && m < CFG_MAX_MEM; m++)
			if (vm->mem[m].image.given &&
			    !place_take(&cursor, vm->mem[m].image.file_size, &lay->mem_src[m], plat,
					"a memory region's image", vm, &vm->mem[m].image.loc, d))
				return false;
	}
	return true;
}
