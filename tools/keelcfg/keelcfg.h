/*
 * keelcfg's pipeline after dtc and the parse, as one call that writes no
 * file: main.c runs it before writing the outputs, and the libFuzzer target
 * tests/fuzz/lf_keelcfg.c runs it in-process on every input (built with
 * KEELCFG_NO_MAIN, which leaves main() out of main.c).
 */
#ifndef KEELCFG_KEELCFG_H
#define KEELCFG_KEELCFG_H

#include "model.h"
#include "place.h"
#include "validate.h"

/* Everything produced from one description, kept until it is all written. */
struct keelcfg_build {
	struct cfg_layout lays[KEEL_MAX_VMS];
	void *dtbs[KEEL_MAX_VMS];
	void *blob;
	size_t blob_size;
	char *loader_args;
	char *layout;
	char *comm; /* comm.txt, NULL without endpoints and channels */
};

/*
 * Takes sys as parse_system() left it: probes its images (paths relative to
 * the current directory), validates it, runs the timing analysis and, if
 * nothing was an error and abs_dir (where the outputs will be, for the
 * loader arguments) is not NULL, places and generates everything into b
 * (zeroed on entry). Every finding goes into d. Returns true if b holds a
 * complete build; b is freed with keelcfg_build_free() either way. Writes
 * no file and does not exit (but on running out of memory).
 */
bool keelcfg_compile(struct cfg_system *sys, const struct validate_opts *opts, const char *abs_dir,
		     struct keelcfg_build *b, struct diag *d);

/* Frees what keelcfg_compile() allocated in b and zeroes it. */
void keelcfg_build_free(struct keelcfg_build *b);

#endif
