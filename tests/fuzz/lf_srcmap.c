/*
 * lf_srcmap: a libFuzzer target for the other half of what keelcfg reads
 * from dtc (issue 12): the annotated source of "dtc -O dts -T -T", from
 * which srcmap.c maps every node and property to the line it was written
 * on. Text in; srcmap_parse(), then every entry looked up again by its key
 * (srcmap_node or srcmap_prop, as parse.c does), which must find an entry
 * with that key's location. Built with ASan and UBSan by tests/fuzz.mk; the
 * corpus is dtc's annotated output of every configuration in the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcmap.h"

static void lf_lookup_all(const struct srcmap *map)
{
	char path[CFG_NODE_LEN + 128];

	for (u32 i = 0; i < map->nr_entries; i++) {
		const struct srcmap_entry *e = &map->entries[i];
		char *colon = strrchr(e->key, ':');
		struct cfg_loc loc;

		snprintf(path, sizeof(path), "%s", e->key);
		if (colon && !strchr(colon, '/')) {
			path[colon - e->key] = '\0';
			loc = srcmap_prop(map, path, colon + 1);
		} else {
			loc = srcmap_node(map, path, NULL, NULL);
		}
		if (!loc.file) {
			fprintf(stderr, "lf_srcmap: key '%s' has no file\n", e->key);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srcmap map = { 0 };
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	map.fallback_file = "fuzz.dts";
	if (srcmap_parse(&map, text) == 0)
		lf_lookup_all(&map);
	srcmap_free(&map);
	free(text);
	return 0;
}
