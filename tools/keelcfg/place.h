/*
 * Where every image goes: inside each VM's memory (the IPA it is copied to
 * when the VM starts) and inside the board's boot-module region (where the
 * loader leaves the pristine copy). Both are pure computations over the
 * model; they report an image that does not fit instead of placing it.
 */
#ifndef KEELCFG_PLACE_H
#define KEELCFG_PLACE_H

#include "model.h"

#define PLACE_KERNEL_ALIGN (2 * MiB) /* arm64 booting.rst: 2 MiB-aligned base + text_offset */
#define PLACE_DTB_SLOT (2 * MiB) /* a guest tree may be at most 2 MiB */
#define PLACE_MODULE_ALIGN (64 * KiB)

/*
 * Places vm's kernel, initrd and device tree in its first memory region:
 * an arm64 Linux Image at the 2 MiB-aligned region base plus its
 * text_offset (entry there), any other kernel raw at the region base; the
 * tree in the last 2 MiB-aligned 2 MiB of the region; the initrd just below
 * the tree, page aligned. Needs a validated VM with probed images. Returns
 * true with lay filled, or false after reporting into d why they do not fit.
 */
bool place_vm(const struct cfg_vm *vm, struct cfg_layout *lay, struct diag *d);

/*
 * Gives every image a source address in plat->modules, after the blob at
 * plat->blob_addr, one after another, 64 KiB aligned, in VM order (kernel,
 * initrd, tree, then the images of its read-only memory regions in order). lays[i] belongs to sys->vms[i] and must have dtb_size set.
 * Returns true, or false after reporting the first image that does not fit.
 */
bool place_modules(const struct cfg_system *sys, struct cfg_layout *lays, u64 blob_size,
		   const struct platform_desc *plat, struct diag *d);

/* Bytes of the kernel file that are copied (the whole file). */
static inline u64 place_kernel_copy_size(const struct cfg_vm *vm)
{
	return vm->kernel.file_size;
}

#endif
