/*
 * keelcfg's outputs besides the blob and the trees: QEMU's loader
 * arguments, the human-readable layout, and writing all of them so that a
 * failure leaves the output directory as it was.
 */
#ifndef KEELCFG_OUTPUT_H
#define KEELCFG_OUTPUT_H

#include "model.h"

/* One file to write into the output directory. */
struct output_file {
	char name[CFG_NAME_LEN + 8];
	const void *data;
	size_t len;
};

/*
 * QEMU arguments, one per line, that load the blob at plat->blob_addr and
 * every image at its source address: "-device" then
 * "loader,file=PATH,addr=0x...,force-raw=on"; then, if the system has
 * disks, "-global" "virtio-mmio.force-legacy=false" and per disk N in
 * number order "-drive" "if=none,id=keeldiskN,file=ABS,format=raw[,readonly=on]"
 * and "-device" "virtio-blk-device,drive=keeldiskN". abs_dir is the absolute
 * output directory the guest trees will be in. Returns malloc'd text.
 */
char *output_loader_args(const struct cfg_system *sys, const struct cfg_layout *lays,
			 const struct platform_desc *plat, const char *abs_dir);

/* A summary for people: per VM its CPUs, memory, images (source, destination) and entry. */
char *output_layout(const struct cfg_system *sys, const struct cfg_layout *lays,
		    const struct platform_desc *plat, u64 blob_size);

/*
 * Writes files into dir (created, with its parents, if needed). They are
 * first written to a temporary directory beside dir and then renamed in,
 * so on failure nothing new is left behind. Returns 0, or -1 after printing
 * why to stderr.
 */
int output_write(const char *dir, const struct output_file *files, u32 nr_files);

/* The absolute form of dir (which need not exist yet); malloc'd. */
char *output_abs_dir(const char *dir);

#endif
