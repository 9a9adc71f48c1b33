/*
 * Reading the image files a configuration names: whether they can be read,
 * their size, and whether a kernel is an arm64 Linux Image (which decides
 * where it is loaded and where it starts).
 */
#ifndef KEELCFG_IMAGES_H
#define KEELCFG_IMAGES_H

#include "model.h"

#define IMAGE_ARM64_MAGIC 0x644d5241u /* "ARM\x64", little-endian at offset 0x38 */
#define IMAGE_ARM64_HEADER_LEN 64

/*
 * Fills the probe fields of img from the first len bytes of its file and
 * its size (already in img->file_size). Pure. An arm64 Image header
 * (Documentation/arch/arm64/booting.rst) gives text_offset at 8 and
 * image_size at 16, both little-endian u64.
 */
void image_parse_header(struct cfg_image *img, const u8 *head, size_t len);

/*
 * Opens every kernel, initrd and memory-region image sys names (paths relative to the current
 * directory), records size, absolute path and header, and reports into d
 * each one that is missing, unreadable, not a regular file or empty. For
 * each disk's image it records in its cfg_disk_file whether it exists,
 * its size and its absolute path, without judging (virtio_check.c does).
 */
void image_probe(struct cfg_system *sys, struct diag *d);

/*
 * Creates every disk image the probe found missing (sys has passed every
 * check, so each such disk has size-mib): its directories, then the file,
 * sparse, size-mib MiB, never over a file that appeared since the probe.
 * Marks created[N] for disk N (CFG_DISK_MAX entries, false on entry). On
 * a failure it reports into d, removes the images it created, and returns
 * false.
 */
bool image_create_disks(const struct cfg_system *sys, bool *created, struct diag *d);

/* Removes the images created[] marks (when the outputs could not be written after all). */
void image_remove_disks(const struct cfg_system *sys, bool *created);

#endif
