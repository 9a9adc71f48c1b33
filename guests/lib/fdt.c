/*
 * Read-only flattened device tree lookups (DTSpec v0.4, chapter 5). The tree
 * is walked token by token from the start of the structure block for every
 * lookup; guests do a handful of lookups, so no index is kept. Every read is
 * checked against the block's bounds, and bytes are read one at a time
 * because data accesses with the MMU off must be aligned.
 */
#include <stddef.h>

#include <guest/fdt.h>
#include <guest/string.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_LAST_COMP_VERSION 16u
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

#define FDT_MAX_SIZE 0x200000u /* a guest's tree is a few KiB; refuse absurd sizes */
#define FDT_MAX_DEPTH 16
#define FDT_MAX_PATH_COMPONENTS 8

struct fdt {
	const uint8_t *base;
	const uint8_t *structs, *strings;
	uint32_t structs_size, strings_size;
};

static struct fdt tree;

uint32_t fdt_be32(const void *p)
{
	const volatile uint8_t *b = p;

	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

bool fdt_init(const void *dtb)
{
	const uint8_t *b = dtb;
	uint32_t total, off_struct, off_strings;

	tree.base = NULL;
	if (!b || fdt_be32(b) != FDT_MAGIC || fdt_be32(b + 24) < FDT_LAST_COMP_VERSION)
		return false;
	total = fdt_be32(b + 4);
	off_struct = fdt_be32(b + 8);
	off_strings = fdt_be32(b + 12);
	tree.structs_size = fdt_be32(b + 36);
	tree.strings_size = fdt_be32(b + 32);
	if (total > FDT_MAX_SIZE || off_struct > total || tree.structs_size > total - off_struct ||
	    off_strings > total || tree.strings_size > total - off_strings)
		return false;
	tree.structs = b + off_struct;
	tree.strings = b + off_strings;
	tree.base = b;
	return true;
}

bool fdt_present(void)
{
	return tree.base != NULL;
}

const void *fdt_base(uint32_t *size)
{
	if (tree.base && size)
		*size = fdt_be32(tree.base + 4);
	return tree.base;
}

/* Length of the NUL-terminated string at s, or -1 if it runs past limit bytes. */
static int bounded_strlen(const uint8_t *s, uint32_t limit)
{
	uint32_t n;

	for (n = 0; n < limit; n++) {
		if (!s[n])
			return (int)n;
	}
	return -1;
}

/* Does node name (len bytes) match path component comp (clen bytes)? "memory" matches "memory@0". */
static bool name_matches(const uint8_t *name, int len, const char *comp, size_t clen)
{
	if ((size_t)len < clen || memcmp(name, comp, clen) != 0)
		return false;
	return (size_t)len == clen || name[clen] == '@';
}

/* Splits path into components; returns how many, or -1 if too many. */
static int split_path(const char *path, const char *comp[], size_t clen[])
{
	int n = 0;

	while (*path) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		if (n == FDT_MAX_PATH_COMPONENTS)
			return -1;
		comp[n] = path;
		while (*path && *path != '/')
			path++;
		clen[n] = (size_t)(path - comp[n]);
		n++;
	}
	return n;
}

/*
 * What the walker reports about the node a path names: each of its
 * properties and each of its children, in tree order. A callback returns
 * true to stop the walk.
 */
struct fdt_visitor {
	bool (*prop)(struct fdt_visitor *v, const char *name, const uint8_t *value, uint32_t len);
	bool (*child)(struct fdt_visitor *v, const uint8_t *name, int len);
};

/*
 * Walks the structure block once, tracking how much of path the current
 * branch matches, and calls v for what is inside the node path names. Every
 * offset and length is checked against the block, so a malformed tree ends
 * the walk instead of reading past it. Returns true if a callback stopped it.
 */
static bool fdt_walk(const char *path, struct fdt_visitor *v)
{
	const char *comp[FDT_MAX_PATH_COMPONENTS];
	size_t clen[FDT_MAX_PATH_COMPONENTS];
	int ncomp = split_path(path, comp, clen);
	int depth = 0;   /* the root node is depth 1 */
	int matched = 0; /* nodes on the current branch that match the path, root included */
	uint32_t off = 0;

	if (!tree.base || ncomp < 0)
		return false;
	while (off + 4 <= tree.structs_size) {
		uint32_t token = fdt_be32(tree.structs + off);
		const uint8_t *p = tree.structs + off + 4;
		uint32_t room = tree.structs_size - off - 4;
		int n;

		off += 4;
		switch (token) {
		case FDT_BEGIN_NODE:
			n = bounded_strlen(p, room);
			if (n < 0 || ++depth > FDT_MAX_DEPTH)
				return false;
			if (v->child && matched == ncomp + 1 && depth == ncomp + 2 && v->child(v, p, n))
				return true;
			if (depth == 1 ? matched == 0 :
			    (matched == depth - 1 && depth - 2 < ncomp &&
			     name_matches(p, n, comp[depth - 2], clen[depth - 2])))
				matched = depth;
			off += ((uint32_t)n + 4) & ~3u;
			break;
		case FDT_END_NODE:
			if (matched == depth)
				matched--;
			if (--depth < 0)
				return false;
			break;
		case FDT_PROP: {
			uint32_t plen, nameoff;

			if (room < 8)
				return false;
			plen = fdt_be32(p);
			nameoff = fdt_be32(p + 4);
			if (plen > room - 8 || nameoff >= tree.strings_size)
				return false;
			if (v->prop && matched == depth && depth == ncomp + 1 &&
			    bounded_strlen(tree.strings + nameoff, tree.strings_size - nameoff) >= 0 &&
			    v->prop(v, (const char *)tree.strings + nameoff, p + 8, plen))
				return true;
			off += 8 + ((plen + 3) & ~3u);
			break;
		}
		case FDT_NOP:
			break;
		default: /* FDT_END or garbage */
			return false;
		}
	}
	return false;
}

struct prop_search {
	struct fdt_visitor v; /* first: the callbacks get this struct */
	const char *name;
	const uint8_t *value;
	uint32_t len;
};

static bool prop_found(struct fdt_visitor *v, const char *name, const uint8_t *value, uint32_t len)
{
	struct prop_search *s = (struct prop_search *)v;

	if (strcmp(name, s->name) != 0)
		return false;
	s->value = value;
	s->len = len;
	return true;
}

const void *fdt_getprop(const char *path, const char *prop, uint32_t *len)
{
	struct prop_search s = { .v = { .prop = prop_found }, .name = prop };

	if (!fdt_walk(path, &s.v))
		return NULL;
	if (len)
		*len = s.len;
	return s.value;
}

bool fdt_read_u32(const char *path, const char *prop, uint32_t *out)
{
	uint32_t len;
	const void *v = fdt_getprop(path, prop, &len);

	if (!v || len != 4)
		return false;
	*out = fdt_be32(v);
	return true;
}

bool fdt_read_u64_at(const char *path, const char *prop, uint32_t idx, uint64_t *out)
{
	uint32_t len;
	const uint8_t *v = fdt_getprop(path, prop, &len);

	if (!v || idx >= len / 8)
		return false;
	*out = ((uint64_t)fdt_be32(v + idx * 8) << 32) | fdt_be32(v + idx * 8 + 4);
	return true;
}

/* Reads cells big-endian cells (1 or 2) at p. */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	return cells == 2 ? ((uint64_t)fdt_be32(p) << 32) | fdt_be32(p + 4) : fdt_be32(p);
}

bool fdt_memory(uint64_t *base, uint64_t *size)
{
	uint32_t ac = 2, sc = 1, len; /* DTSpec 2.3.5 defaults */
	const uint8_t *reg;

	fdt_read_u32("/", "#address-cells", &ac);
	fdt_read_u32("/", "#size-cells", &sc);
	reg = fdt_getprop("/memory", "reg", &len);
	if (!reg || ac < 1 || ac > 2 || sc < 1 || sc > 2 || len < (ac + sc) * 4)
		return false;
	*base = read_cells(reg, ac);
	*size = read_cells(reg + ac * 4, sc);
	return true;
}

struct child_search {
	struct fdt_visitor v; /* first: the callbacks get this struct */
	uint32_t idx, seen;
	char *buf;
	size_t size;
	bool fits;
};

static bool child_found(struct fdt_visitor *v, const uint8_t *name, int len)
{
	struct child_search *s = (struct child_search *)v;

	if (s->seen++ != s->idx)
		return false;
	s->fits = (size_t)len < s->size;
	if (s->fits) {
		memcpy(s->buf, name, (size_t)len);
		s->buf[len] = '\0';
	}
	return true;
}

bool fdt_child_name(const char *path, uint32_t idx, char *buf, size_t size)
{
	struct child_search s = { .v = { .child = child_found }, .idx = idx, .buf = buf, .size = size };

	return size > 0 && fdt_walk(path, &s.v) && s.fits;
}
