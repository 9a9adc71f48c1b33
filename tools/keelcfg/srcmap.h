/*
 * Source locations for a compiled device tree. A flattened tree has no line
 * numbers, so keelcfg runs dtc twice: once to get the tree, once with
 * "-O dts -T -T", which prints the merged source with a comment after every
 * node and property naming where it was written. The map built from that
 * text lets every diagnostic point at the line the user has to change.
 */
#ifndef KEELCFG_SRCMAP_H
#define KEELCFG_SRCMAP_H

#include "model.h"

struct srcmap_entry {
	char *key; /* "/node/path" or "/node/path:property" */
	struct cfg_loc loc; /* first place it was written */
	struct cfg_loc second; /* second place, if nr_defs > 1 */
	int nr_defs;
	u32 order; /* its place in dtc's output: the first of two equal keys wins */
};

struct srcmap {
	struct srcmap_entry *entries; /* sorted by key once parsed, for a binary search */
	u32 nr_entries;
	u32 cap_entries;
	char **files; /* interned file names the locations point at */
	u32 nr_files;
	const char *fallback_file; /* used when a path is not in the map */
};

/*
 * Runs dtc on path, leaving the compiled tree in *fdt (malloc'd, caller
 * frees) and the locations in map. On a dtc error dtc's own messages have
 * gone to stderr and -1 is returned with nothing allocated. The dtc program
 * is $KEELCFG_DTC if set, else "dtc" from PATH.
 */
int srcmap_compile(const char *path, void **fdt, struct srcmap *map);

/*
 * Fills map from dtc's annotated output (the text of "dtc -O dts -T -T").
 * Pure; returns 0, or -1 if the text is not in the expected shape.
 */
int srcmap_parse(struct srcmap *map, const char *text);

/*
 * Where the node at path was written. If it is not in the map, the location
 * is the fallback file at line 0. nr_defs and second may be NULL.
 */
struct cfg_loc srcmap_node(const struct srcmap *map, const char *path, int *nr_defs,
			   struct cfg_loc *second);

/* Where property prop of the node at path was written, else the node's place. */
struct cfg_loc srcmap_prop(const struct srcmap *map, const char *path, const char *prop);

void srcmap_free(struct srcmap *map);

#endif
