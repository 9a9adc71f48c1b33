/*
 * The image probe: the only stage before output that touches files other
 * than the source. It reads no more than each file's header; the files are
 * loaded by QEMU's loader straight from their paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"

static u64 image_le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void image_parse_header(struct cfg_image *img, const u8 *head, size_t len)
{
	u32 magic;

	img->linux_header = false;
	img->text_offset = 0;
	img->image_size = 0;
	if (len < IMAGE_ARM64_HEADER_LEN)
		return;
	magic = (u32)head[0x38] | (u32)head[0x39] << 8 | (u32)head[0x3a] << 16 |
		(u32)head[0x3b] << 24;
	if (magic != IMAGE_ARM64_MAGIC)
		return;
	img->linux_header = true;
	img->text_offset = image_le64(head + 8);
	img->image_size = image_le64(head + 16);
}

static void image_probe_one(struct cfg_image *img, const char *what, const char *node,
			    struct diag *d)
{
	u8 head[IMAGE_ARM64_HEADER_LEN];
	struct stat st;
	char *abs;
	ssize_t n;
	int fd;

	fd = open(img->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(d, &img->loc, node, "cannot read %s '%s': %s", what, img->path,
			   strerror(errno));
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		diag_error(d, &img->loc, node, "%s '%s' is not a regular file", what, img->path);
		close(fd);
		return;
	}
	if (st.st_size == 0) {
		diag_error(d, &img->loc, node, "%s '%s' is empty", what, img->path);
		close(fd);
		return;
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0) {
		diag_error(d, &img->loc, node, "cannot read %s '%s': %s", what, img->path,
			   strerror(errno));
		return;
	}
	abs = realpath(img->path, NULL);
	if (!abs || strlen(abs) >= sizeof(img->abs_path)) {
		diag_error(d, &img->loc, node, "cannot resolve the path of %s '%s': %s", what,
			   img->path, abs ? "too long" : strerror(errno));
		free(abs);
		return;
	}
	memcpy(img->abs_path, abs, strlen(abs) + 1);
	free(abs);
	img->file_size = (u64)st.st_size;
	img->readable = true;
	image_parse_header(img, head, (size_t)n);
}

void image_probe(struct cfg_system *sys, struct diag *d)
{
	for (u32 i = 0; i < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); i++) {
		struct cfg_vm *vm = &sys->vms[i];

		if (vm->kernel.given)
			image_probe_one(&vm->kernel, "kernel", vm->node, d);
		if (vm->initrd.given)
			image_probe_one(&vm->initrd, "initrd", vm->node, d);
	}
}
