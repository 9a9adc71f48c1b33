/*
 * keelcfg: compiles a Keel system description (device-tree source) into the
 * configuration blob Keel reads at boot, a device tree per guest, QEMU's
 * loader arguments and a human-readable layout. The pipeline is: dtc and
 * the line map (srcmap), parse, probe the images, validate, the timing
 * analysis (schedcheck), place, build;
 * any error stops it before a single output file is written, and every
 * error found up to that stage is reported, each as FILE:LINE: node PATH.
 * A system with endpoints or channels also gets its communication graph
 * (commgraph.c): a table in comm.txt and on stdout, and with --graph a
 * Graphviz file.
 *
 *   keelcfg [--platform NAME] [--out DIR] [--graph FILE.dot] [--unsafe] SYSTEM.dts
 *   keelcfg [--platform NAME] --check-blob FILE
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "blob.h"
#include "guest_dt.h"
#include "images.h"
#include "keelcfg.h"
#include "output.h"
#include "parse.h"
#include "place.h"
#include "policy.h"
#include "schedcheck.h"
#include "srcmap.h"
#include "validate.h"

struct keelcfg_args {
	const char *platform;
	const char *out;
	const char *check_blob;
	const char *graph; /* --graph FILE.dot */
	const char *source;
	struct validate_opts opts;
};


static void keelcfg_usage(void)
{
	fprintf(stderr,
		"usage: keelcfg [--platform NAME] [--out DIR] [--graph FILE.dot] [--unsafe] SYSTEM.dts\n"
		"       keelcfg [--platform NAME] --check-blob FILE\n"
		"Compiles a Keel system description; see docs/configuration.md.\n"
		"  --out DIR         write keel.cfg, <vm>.dtb, qemu-loader.args, layout.txt\n"
		"                    (and comm.txt, the communication graph, if there is one)\n"
		"  --graph FILE.dot  write the communication graph for Graphviz, and FILE.svg\n"
		"                    if Graphviz is installed (either --out or --graph is needed)\n"
		"  --unsafe          let two VMs share physical memory, and build a system that\n"
		"                    fails the schedulability analysis (warnings, not errors)\n"
		"  --check-blob FILE verify a blob's header and checksum as Keel does\n"
		"  --platform NAME   the board (this keelcfg knows only \"%s\")\n",
		platform.name);
}

static int keelcfg_parse_args(int argc, char **argv, struct keelcfg_args *a)
{
	static const struct option longopts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "unsafe", no_argument, NULL, 'u' },
		{ "check-blob", required_argument, NULL, 'c' },
		{ "graph", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->platform = platform.name;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': a->platform = optarg; break;
		case 'o': a->out = optarg; break;
		case 'u': a->opts.unsafe = true; break;
		case 'c': a->check_blob = optarg; break;
		case 'g': a->graph = optarg; break;
		default: return -1;
		}
	}
	if (a->check_blob)
		return optind == argc ? 0 : -1;
	if ((!a->out && !a->graph) || optind != argc - 1)
		return -1;
	a->source = argv[optind];
	return 0;
}

static int keelcfg_check_blob(const char *path, const char *plat_name)
{
	FILE *f = fopen(path, "rb");
	static u8 buf[1 << 20];
	const char *why;
	size_t len;

	if (!f) {
		perror(path);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	why = blob_check(buf, len, plat_name);
	if (why) {
		fprintf(stderr, "%s: bad blob: %s\n", path, why);
		return 1;
	}
	printf("%s: ok: version %u, %u VMs, %zu bytes, platform %s%s\n", path, KEEL_BLOB_VERSION,
	       ((const struct keel_blob_header *)buf)->nr_vms, len,
	       ((const struct keel_blob_header *)buf)->platform,
	       ((const struct keel_blob_header *)buf)->flags & KEEL_BLOB_FLAG_UNSAFE ?
		       ", UNSAFE (forced past the schedulability analysis)" :
		       "");
	return 0;
}

/* Placement and generation; false if anything was reported as an error. */
static bool keelcfg_make(const struct cfg_system *sys, struct keelcfg_build *b,
			 const char *abs_dir, struct diag *d)
{
	u8 seed[GUEST_DT_SEED_LEN];

	for (u32 i = 0; i < sys->nr_vms; i++)
		place_vm(&sys->vms[i], &b->lays[i], d);
	if (d->nr_errors)
		return false;
	for (u32 i = 0; i < sys->nr_vms; i++) {
		int size;

		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
			diag_error(d, NULL, NULL, "getrandom failed: no seed for the guest RNG");
			return false;
		}
		b->dtbs[i] = malloc(PLACE_DTB_SLOT);
		if (!b->dtbs[i])
			return false;
		size = guest_dt_build(sys, &sys->vms[i], &b->lays[i], &platform, seed, b->dtbs[i],
				      PLACE_DTB_SLOT, d);
		if (size < 0)
			return false;
		b->lays[i].dtb_size = (u64)size;
	}
	b->blob_size = blob_size(sys->nr_vms);
	if (!place_modules(sys, b->lays, b->blob_size, &platform, d))
		return false;
	b->blob = malloc(b->blob_size);
	if (!b->blob)
		return false;
	blob_build(sys, b->lays, &platform, b->blob);
	b->loader_args = output_loader_args(sys, b->lays, &platform, abs_dir);
	b->layout = output_layout(sys, b->lays, &platform, b->blob_size);
	b->comm = commgraph_any(sys) ? commgraph_table(sys) : NULL;
	return true;
}

bool keelcfg_compile(struct cfg_system *sys, const struct validate_opts *opts, const char *abs_dir,
		     struct keelcfg_build *b, struct diag *d)
{
	image_probe(sys, d);
	validate_system(sys, &platform, opts, d);
	if (!d->nr_errors)
		schedcheck_system(sys, &platform, opts, d);
	return !d->nr_errors && abs_dir && keelcfg_make(sys, b, abs_dir, d);
}

void keelcfg_build_free(struct keelcfg_build *b)
{
	for (u32 i = 0; i < KEEL_MAX_VMS; i++)
		free(b->dtbs[i]);
	free(b->blob);
	free(b->loader_args);
	free(b->layout);
	free(b->comm);
	memset(b, 0, sizeof(*b));
}

static int keelcfg_write(const struct cfg_system *sys, const struct keelcfg_build *b,
			 const char *dir)
{
	struct output_file files[KEEL_MAX_VMS + 4];
	u32 n = 0;

	files[n++] = (struct output_file){ "keel.cfg", b->blob, b->blob_size };
	for (u32 i = 0; i < sys->nr_vms; i++) {
		files[n] = (struct output_file){ "", b->dtbs[i], b->lays[i].dtb_size };
		snprintf(files[n].name, sizeof(files[n].name), "%s.dtb", sys->vms[i].name);
		n++;
	}
	files[n++] = (struct output_file){ "qemu-loader.args", b->loader_args,
					   strlen(b->loader_args) };
	files[n++] = (struct output_file){ "layout.txt", b->layout, strlen(b->layout) };
	if (b->comm)
		files[n++] = (struct output_file){ "comm.txt", b->comm, strlen(b->comm) };
	return output_write(dir, files, n);
}

/*
 * The disk images that do not exist yet, then the output directory: the
 * loader arguments name the images, so they must be there first; if the
 * outputs cannot be written the new images are removed again.
 */
static bool keelcfg_write_all(const struct cfg_system *sys, const struct keelcfg_build *b,
			      const char *dir, struct diag *d)
{
	bool created[CFG_DISK_MAX] = { false };

	if (!image_create_disks(sys, created, d))
		return false;
	if (keelcfg_write(sys, b, dir)) {
		image_remove_disks(sys, created);
		return false;
	}
	for (u32 v = 0; v < sys->nr_vms; v++) /* said once it is all done, so a failure leaves no such line */
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			int n = virtio_disk_number(sys, v, i);

			if (n >= 0 && created[n])
				fprintf(stderr, "keelcfg: created disk image %s (%u MiB, sparse)\n",
					sys->vms[v].virtio.devs[i].image, sys->vms[v].virtio.devs[i].size_mib);
		}
	return true;
}

#ifndef KEELCFG_NO_MAIN /* the libFuzzer target (tests/fuzz/lf_keelcfg.c) has its own */
int main(int argc, char **argv)
{
	static struct cfg_system sys;
	struct keelcfg_build build = { 0 };
	struct keelcfg_args args;
	struct diag d = { 0 };
	struct srcmap map;
	char *abs_dir;
	void *fdt;
	int ret = 1;

	if (keelcfg_parse_args(argc, argv, &args)) {
		keelcfg_usage();
		return 1;
	}
	if (strcmp(args.platform, platform.name)) {
		fprintf(stderr, "keelcfg: built for platform \"%s\", not \"%s\" (make PLATFORM=%s)\n",
			platform.name, args.platform, args.platform);
		return 1;
	}
	if (args.check_blob)
		return keelcfg_check_blob(args.check_blob, args.platform);

	if (srcmap_compile(args.source, &fdt, &map))
		return 1; /* dtc has said what is wrong */
	parse_system(fdt, &map, &sys, &d);
	abs_dir = output_abs_dir(args.out ? args.out : "."); /* --graph alone builds all, writes none */
	if (keelcfg_compile(&sys, &args.opts, abs_dir, &build, &d) &&
	    (!args.out || keelcfg_write_all(&sys, &build, args.out, &d)) &&
	    (!args.graph || !commgraph_write_graph(&sys, args.graph)))
		ret = 0;
	if (!ret && build.comm)
		fputs(build.comm, stdout);
	diag_print(&d, stderr);
	if (d.nr_errors)
		fprintf(stderr, "keelcfg: %u error%s, nothing written\n", d.nr_errors,
			d.nr_errors == 1 ? "" : "s");

	keelcfg_build_free(&build);
	free(abs_dir);
	diag_reset(&d);
	srcmap_free(&map);
	free(fdt);
	return ret;
}
#endif
