/*
 * The image probe: the only stage before output that touches files other
 * than the source. It reads no more than each file's header; the files are
 * loaded by QEMU's loader straight from their paths. A disk's image is only
 * looked at (stat), since QEMU opens it; one that does not exist yet is
 * created by image_create_disks(), the one write keelcfg makes outside its
 * output directory, and only once every check has passed.
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

/* path (relative to the current directory) made absolute, "." and ".." resolved by name; false if too long. */
static bool image_lexical_abs(const char *path, char *out, size_t cap)
{
	char cwd[CFG_FILE_LEN], joined[2 * CFG_FILE_LEN + 2];
	size_t len = 0;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return false;
	snprintf(joined, sizeof(joined), "%s/%s", path[0] == '/' ? "" : cwd, path);
	for (char *save, *part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			while (len > 0 && out[--len] != '/')
				;
			continue;
		}
		if (len + 1 + strlen(part) + 1 > cap)
			return false;
		len += (size_t)sprintf(out + len, "/%s", part);
	}
	if (!len)
		snprintf(out, cap, "/");
	out[len ? len : 1] = '\0';
	return true;
}

/*
 * The absolute path QEMU is given: the file's real path if it exists, else
 * its directory's real path and its name, else the path resolved by name.
 */
static bool image_disk_abs(const char *path, char *out, size_t cap)
{
	char dir[CFG_FILE_LEN], *real = realpath(path, NULL), *slash;
	bool ok;

	if (!real && image_lexical_abs(path, dir, sizeof(dir)) && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if ((real = realpath(dir, NULL))) {
			int n = snprintf(out, cap, "%s/%s", real, slash + 1);

			free(real);
			if (n > 0 && (size_t)n < cap)
				return true;
		}
		real = NULL;
	}
	if (!real)
		return image_lexical_abs(path, out, cap);
	ok = strlen(real) < cap;
	if (ok)
		memcpy(out, real, strlen(real) + 1);
	free(real);
	return ok;
}

/* A disk's image: whether it exists, its size, identity and absolute path. Judged by virtio_check.c. */
static void image_probe_disk(struct cfg_virtio_dev *v, struct diag *d)
{
	struct cfg_disk_file *f = &v->file;
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (!image_disk_abs(v->image, f->abs_path, sizeof(f->abs_path))) {
		diag_error(d, &v->image_loc, v->node, "cannot resolve the path of image '%s'", v->image);
		return;
	}
	f->probed = true;
	if (stat(v->image, &st)) {
		f->err = errno;
		return;
	}
	f->regular = S_ISREG(st.st_mode);
	f->writable = access(v->image, W_OK) == 0;
	f->size = (u64)st.st_size;
	f->dev = (u64)st.st_dev;
	f->ino = (u64)st.st_ino;
}

void image_probe(struct cfg_system *sys, struct diag *d)
{
	for (u32 i = 0; i < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); i++) {
		struct cfg_vm *vm = &sys->vms[i];

		if (vm->kernel.given)
			image_probe_one(&vm->kernel, "kernel", vm->node, d);
		if (vm->initrd.given)
			image_probe_one(&vm->initrd, "initrd", vm->node, d);
		for (u32 j = 0; j < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); j++)
			if (vm->mem[j].image.given)
				image_probe_one(&vm->mem[j].image, "image", vm->mem[j].node, d);
		for (u32 j = 0; j < virtio_nr(sys, i); j++)
			if (vm->virtio.devs[j].kind == KEEL_VDEV_VIRTIO_BLK && vm->virtio.devs[j].has_image)
				image_probe_disk(&vm->virtio.devs[j], d);
	}
}

/* mkdir -p of the directory holding path (absolute). */
static int image_mkdirs_for(const char *path)
{
	char dir[CFG_FILE_LEN];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Creates the sparse image of disk v; 0, or -1 with errno set. */
static int image_create_one(const struct cfg_virtio_dev *v)
{
	int fd, err;

	if (image_mkdirs_for(v->file.abs_path))
		return -1;
	fd = open(v->file.abs_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); /* never one that appeared since */
	if (fd < 0)
		return -1;
	err = ftruncate(fd, (off_t)v->size_mib * (off_t)MiB) ? errno : 0;
	if (close(fd) && !err)
		err = errno;
	if (err) {
		unlink(v->file.abs_path);
		errno = err;
		return -1;
	}
	return 0;
}

bool image_create_disks(const struct cfg_system *sys, bool *created, struct diag *d)
{
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];
			int n = virtio_disk_number(sys, v, i);

			if (n < 0 || n >= CFG_DISK_MAX || !dev->file.probed || dev->file.err != ENOENT)
				continue;
			if (image_create_one(dev)) {
				diag_error(d, &dev->image_loc, dev->node, "cannot create image '%s': %s", dev->image,
					   strerror(errno));
				image_remove_disks(sys, created);
				return false;
			}
			created[n] = true;
		}
	return true;
}

void image_remove_disks(const struct cfg_system *sys, bool *created)
{
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			int n = virtio_disk_number(sys, v, i);

			if (n >= 0 && n < CFG_DISK_MAX && created[n]) {
				unlink(sys->vms[v].virtio.devs[i].file.abs_path);
				created[n] = false;
			}
		}
}
