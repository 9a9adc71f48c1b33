/*
 * lf_keelcfg: a libFuzzer target for keelcfg's front end (issue 12), built
 * with ASan and UBSan by tests/fuzz.mk. keelcfg hands the description to dtc
 * and reads back a flattened tree, so the input here is that tree: a
 * structurally valid DTB (fdt_check_full, as dtc always writes) goes
 * in-process through everything keelcfg does after dtc: parse, image probe,
 * validation, the schedulability analysis, placement, guest trees, blob and
 * the text outputs (keelcfg_compile, tools/keelcfg/keelcfg.h), writing no
 * output file. What keelcfg built is then held to its contract: the blob
 * passes keelcfg's reader (blob_check) and Keel's own EL2 check (core/blob.c's
 * blob_verify, linked here as lf-blob has it), and every guest tree is a
 * valid DTB; a breach aborts, as does any sanitizer report.
 *
 * Image files: each input runs in a scratch directory (mkdtemp under
 * $TMPDIR, removed at exit) in which every relative kernel or initrd path an input names is
 * created before the probe, with the same dummies as cfgfuzz.py (an arm64
 * Image header for "Image", sparse 20 or 150 MiB for big.bin and huge.bin),
 * so mutations do not stop at a missing file. A root property "fuzz-unsafe"
 * runs the input as keelcfg --unsafe.
 *
 * Mutations: libFuzzer's byte mutations almost never leave a valid tree, so
 * LLVMFuzzerCustomMutator edits the tree with libfdt instead (a property's
 * value mutated as bytes, a property or node removed, renamed, copied to
 * another node or given a value from the dictionary's cells), and falls
 * back to byte mutation for anything that is not a tree.
 */
#include <fcntl.h>
#include <ftw.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/blob.h>

#include "blob.h"
#include "images.h"
#include "keelcfg.h"
#include "parse.h"
#include "srcmap.h"

#define LF_MAX_TREE (256 * 1024) /* larger than any description in the repository */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static char lf_root[512];
static char *lf_abs_dir;
static int lf_cwd = -1; /* libFuzzer's own directory: corpus and artifact paths are relative to it */

static int lf_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void lf_cleanup(void)
{
	nftw(lf_root, lf_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(lf_root, sizeof(lf_root), "%s/keel-lf-keelcfg-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	lf_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lf_cwd < 0 || !mkdtemp(lf_root)) {
		perror("lf_keelcfg: scratch directory");
		exit(1);
	}
	atexit(lf_cleanup);
	lf_abs_dir = strdup(lf_root);
	return 0;
}

/* mkdir -p of path's directory, relative to the scratch directory. */
static void lf_mkdirs(const char *path)
{
	char dir[CFG_FILE_LEN];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir; *p; p++)
		if (*p == '/' && p != dir) {
			*p = '\0';
			mkdir(dir, 0777);
			*p = '/';
		}
}

/* The dummy for an image path, as cfgfuzz.py's make_root() makes them; once per path. */
static void lf_make_image(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	u8 head[64] = { 0 };
	struct stat st;
	int fd;

	if (!*path || path[0] == '/' || strstr(path, "..") || !strcmp(base, "nope") || !stat(path, &st))
		return;
	lf_mkdirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0)
		return;
	if (!strcmp(base, "Image")) { /* arm64 Image header: image_size 4 MiB */
		head[18] = 0x40;
		memcpy(head + 56, "ARM\x64", 4);
		if (write(fd, head, sizeof(head)) != sizeof(head) || ftruncate(fd, 1 << 20))
			perror(path);
	} else if (!strcmp(base, "big.bin") || !strcmp(base, "huge.bin")) {
		if (ftruncate(fd, (off_t)(base[0] == 'b' ? 20 : 150) << 20))
			perror(path);
	} else if (strlen(base) > 3 && !strcmp(base + strlen(base) - 3, ".gz")) {
		if (ftruncate(fd, 100000))
			perror(path);
	} else if (write(fd, "\x00\x00\x00\x14", 4) != 4) { /* "b ." at the entry */
		perror(path);
	}
	close(fd);
}

/* What keelcfg built must pass its own checks; anything else is a keelcfg bug. */
static void lf_check_build(const struct cfg_system *sys, const struct keelcfg_build *b)
{
	static u8 copy[sizeof(struct keel_blob) + KEEL_MAX_VMS * sizeof(struct keel_blob_vm)]
		__attribute__((aligned(8)));
	const char *why = blob_check(b->blob, b->blob_size, platform.name);
	char msg[256];

	if (why) {
		fprintf(stderr, "lf_keelcfg: keelcfg built a blob its reader refuses: %s\n", why);
		abort();
	}
	why = blob_verify(b->blob, copy, sizeof(copy), &platform, msg, sizeof(msg));
	if (why) {
		fprintf(stderr, "lf_keelcfg: Keel refuses the blob keelcfg built: %s\n", why);
		abort();
	}
	for (u32 i = 0; i < sys->nr_vms; i++)
		if (fdt_check_full(b->dtbs[i], b->lays[i].dtb_size)) {
			fprintf(stderr, "lf_keelcfg: the guest tree of vm %u is not a valid DTB\n", i);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_system sys;
	struct validate_opts opts = { 0 };
	struct keelcfg_build build = { 0 };
	struct srcmap map = { .fallback_file = "fuzz.dts" }; /* no dtc, no lines: every location is line 0 */
	struct diag d = { 0 };
	void *fdt;

	if (size > LF_MAX_TREE || fdt_check_full(data, size))
		return -1; /* dtc never writes such a tree: not worth keeping in the corpus */
	if (chdir(lf_root)) {
		perror(lf_root);
		abort();
	}
	fdt = malloc(size);
	memcpy(fdt, data, size);
	opts.unsafe = fdt_getprop(fdt, 0, "fuzz-unsafe", NULL) != NULL;
	parse_system(fdt, &map, &sys, &d);
	for (u32 i = 0; i < MIN(sys.nr_vms, (u32)CFG_MAX_VMS); i++) {
		if (sys.vms[i].kernel.given)
			lf_make_image(sys.vms[i].kernel.path);
		if (sys.vms[i].initrd.given)
			lf_make_image(sys.vms[i].initrd.path);
	}
	if (keelcfg_compile(&sys, &opts, lf_abs_dir, &build, &d))
		lf_check_build(&sys, &build);
	keelcfg_build_free(&build);
	diag_reset(&d);
	free(fdt);
	if (fchdir(lf_cwd))
		abort();
	return 0;
}

/* --- the tree-aware mutator ---------------------------------------------------------------------- */

static u32 lf_rand(unsigned int *seed)
{
	return (u32)rand_r(seed);
}

/* The offset of a random node of fdt (the root included). */
static int lf_pick_node(const void *fdt, unsigned int *seed)
{
	int n = 0, node, pick;

	for (node = 0; node >= 0; node = fdt_next_node(fdt, node, NULL))
		n++;
	pick = (int)(lf_rand(seed) % (u32)n);
	for (node = 0; pick--;)
		node = fdt_next_node(fdt, node, NULL);
	return node;
}

/* The offset of a random property of node, or -1 if it has none. */
static int lf_pick_prop(const void *fdt, int node, unsigned int *seed)
{
	int n = 0, prop, pick;

	fdt_for_each_property_offset(prop, fdt, node)
		n++;
	if (!n)
		return -1;
	pick = (int)(lf_rand(seed) % (u32)n);
	fdt_for_each_property_offset(prop, fdt, node)
		if (!pick--)
			break;
	return prop;
}

/* Values worth trying in a cell: the edges of u32 and of the board, small counts. */
static const u32 lf_cells[] = { 0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 1000, 4096, 0x1000000, 0x40000000,
				0x7fffffff, 0x80000000, 0xffffffff, 0x08000000, 0x09000000, 1000000 };

/* One edit of the tree in buf; 0 if it made one. */
static int lf_edit(void *buf, unsigned int *seed)
{
	int node = lf_pick_node(buf, seed), prop = lf_pick_prop(buf, node, seed), other, len = 0;
	static u8 val[4096];
	char pname[64] = "x", nname[64];
	const char *name;
	const void *v;

	if (prop >= 0) {
		v = fdt_getprop_by_offset(buf, prop, &name, &len);
		if (!v || len > (int)sizeof(val) / 2)
			return -1;
		memcpy(val, v, (size_t)len);
		snprintf(pname, sizeof(pname), "%s", name); /* buf moves under the edits below */
	}
	switch (lf_rand(seed) % 8) {
	case 0: /* mutate a value as bytes */
	case 1:
		if (prop < 0)
			return -1;
		len = (int)LLVMFuzzerMutate(val, (size_t)len, sizeof(val) / 2);
		return fdt_setprop(buf, node, pname, val, len);
	case 2: /* one cell to an edge value */
		if (prop < 0 || len < 4)
			return -1;
		*(fdt32_t *)(val + 4 * (lf_rand(seed) % (u32)(len / 4))) =
			cpu_to_fdt32(lf_cells[lf_rand(seed) % ARRAY_SIZE(lf_cells)]);
		return fdt_setprop(buf, node, pname, val, len);
	case 3: /* drop a property */
		return prop < 0 ? -1 : fdt_delprop(buf, node, pname);
	case 4: /* drop a node */
		return node == 0 ? -1 : fdt_del_node(buf, node);
	case 5: /* copy the property to another node */
		other = lf_pick_node(buf, seed);
		return prop < 0 ? -1 : fdt_setprop(buf, other, pname, val, len);
	case 6: /* rename the property */
		if (prop < 0 || fdt_delprop(buf, node, pname))
			return -1;
		pname[LLVMFuzzerMutate((u8 *)pname, strlen(pname), sizeof(pname) - 1)] = '\0';
		return pname[0] ? fdt_setprop(buf, node, pname, val, len) : -1;
	default: /* a new child named after a mutated name of its parent, with a copy of the property */
		snprintf(nname, sizeof(nname), "%s", fdt_get_name(buf, node, NULL));
		nname[LLVMFuzzerMutate((u8 *)nname, strlen(nname), sizeof(nname) - 1)] = '\0';
		if (!nname[0] || (other = fdt_add_subnode(buf, node, nname)) < 0)
			return -1;
		return prop < 0 ? 0 : fdt_setprop(buf, other, pname, val, len);
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static u8 buf[2 * LF_MAX_TREE];
	size_t cap = MIN(max_size, sizeof(buf));
	size_t out;

	if (size > LF_MAX_TREE || fdt_check_full(data, size) || fdt_open_into(data, buf, (int)cap))
		return LLVMFuzzerMutate(data, size, max_size);
	for (int edits = 1 + (int)(lf_rand(&seed) % 3), tries = 0; edits > 0 && tries < 16; tries++)
		edits -= lf_edit(buf, &seed) == 0;
	if (fdt_pack(buf) || fdt_check_full(buf, fdt_totalsize(buf)) || fdt_totalsize(buf) > max_size)
		return LLVMFuzzerMutate(data, size, max_size);
	out = fdt_totalsize(buf);
	memcpy(data, buf, out);
	return out;
}
