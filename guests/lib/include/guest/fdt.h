/*
 * A small read-only reader for the flattened device tree (DTSpec v0.4 ch. 5)
 * Keel passes in x0: enough to read /chosen properties, /memory and the
 * children of a node (rtexec's /keel-tasks). Every offset is bounds-checked,
 * so a corrupt blob only makes lookups fail.
 */
#ifndef GUEST_FDT_H
#define GUEST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks the header of the blob at dtb; returns false (and keeps no tree) if absent or invalid. */
bool fdt_init(const void *dtb);
/* Whether fdt_init() accepted a tree. */
bool fdt_present(void);
/* Where the accepted tree lies and its total size (*size), or NULL. */
const void *fdt_base(uint32_t *size);
/*
 * Finds property prop of the node at path ("/chosen", "/memory"; a component
 * without a unit address matches "name@unit"). Returns its value and length,
 * or NULL if there is no such node or property.
 */
const void *fdt_getprop(const char *path, const char *prop, uint32_t *len);
/* Reads a one-cell property; false if missing or not 4 bytes. */
bool fdt_read_u32(const char *path, const char *prop, uint32_t *out);
/* Reads the idx-th 64-bit value (two cells, high first) of a property; false if out of range. */
bool fdt_read_u64_at(const char *path, const char *prop, uint32_t idx, uint64_t *out);
/*
 * Copies the name of the idx-th child (from 0, in tree order) of the node at
 * path into buf, NUL-terminated. False if there is no such node or child, or
 * the name (with its unit address, if any) does not fit in size bytes.
 */
bool fdt_child_name(const char *path, uint32_t idx, char *buf, size_t size);
/* Base and size of the first /memory range, using the root's #address-cells/#size-cells. */
bool fdt_memory(uint64_t *base, uint64_t *size);
/* Reads a big-endian 32-bit value byte by byte (no alignment needed). */
uint32_t fdt_be32(const void *p);

#endif
