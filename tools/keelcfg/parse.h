/*
 * Reading the compiled system description into the model (model.h). Only
 * the shape of the source is checked here; see validate.h for the rules.
 */
#ifndef KEELCFG_PARSE_H
#define KEELCFG_PARSE_H

#include "model.h"
#include "srcmap.h"

/*
 * Fills sys from fdt, the compiled description, using map for locations.
 * Reports unknown properties and nodes and properties of the wrong size or
 * type into d; a missing required property is left for validate_system().
 * Pure. sys keeps pointers into fdt and map, which must outlive it.
 */
void parse_system(const void *fdt, const struct srcmap *map, struct cfg_system *sys,
		  struct diag *d);

#endif
