/*
 * Running dtc and mapping node paths and properties back to source lines.
 * dtc's annotated dts output has a fixed shape: one node opening ("name {")
 * or property ("name = value;" or "name;") per line, "};" closing a node,
 * and a trailing comment "file:line:col-line:col[, ...]" on each. That is
 * all this file relies on; a merged node lists one range per body written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srcmap.h"

#define SRCMAP_MAX_DEPTH 32

static const char *srcmap_intern(struct srcmap *map, const char *file, size_t len)
{
	char **files;

	for (u32 i = 0; i < map->nr_files; i++)
		if (strlen(map->files[i]) == len && !strncmp(map->files[i], file, len))
			return map->files[i];
	files = realloc(map->files, (map->nr_files + 1) * sizeof(*files));
	if (!files)
		return NULL;
	map->files = files;
	map->files[map->nr_files] = strndup(file, len);
	return map->files[map->nr_files++];
}

/* One "file:line:col-line:col" range; returns false if it is not one. */
static bool srcmap_range(struct srcmap *map, const char *s, size_t len, struct cfg_loc *loc)
{
	const char *dash = memrchr(s, '-', len);
	const char *col, *line;

	if (!dash)
		return false;
	col = memrchr(s, ':', (size_t)(dash - s));
	if (!col)
		return false;
	line = memrchr(s, ':', (size_t)(col - s));
	if (!line || line == s)
		return false;
	loc->line = atoi(line + 1);
	loc->file = srcmap_intern(map, s, (size_t)(line - s));
	return loc->file != NULL;
}

static int srcmap_add(struct srcmap *map, const char *key, const char *note)
{
	struct srcmap_entry *e;
	const char *end = note + strlen(note);
	const char *p = note, *comma;

	/* Grown by doubling: a description of many thousand lines must not cost a copy per line. */
	if (map->nr_entries == map->cap_entries) {
		u32 cap = map->cap_entries ? 2 * map->cap_entries : 64;

		e = realloc(map->entries, cap * sizeof(*e));
		if (!e)
			return -1;
		map->entries = e;
		map->cap_entries = cap;
	}
	e = &map->entries[map->nr_entries];
	memset(e, 0, sizeof(*e));
	e->order = map->nr_entries;
	while (p < end) {
		struct cfg_loc loc;

		comma = strstr(p, ", ");
		if (!comma)
			comma = end;
		if (!srcmap_range(map, p, (size_t)(comma - p), &loc))
			return -1;
		if (e->nr_defs == 0)
			e->loc = loc;
		else if (e->nr_defs == 1)
			e->second = loc;
		e->nr_defs++;
		p = comma == end ? end : comma + 2;
	}
	if (e->nr_defs == 0) /* an empty comment: checked before the key is copied, which would leak */
		return -1;
	e->key = strdup(key);
	if (!e->key)
		return -1;
	map->nr_entries++;
	return 0;
}

/* Drops "label: " prefixes; what is left is the node or property name. */
static char *srcmap_strip_labels(char *s)
{
	char *colon;

	while ((colon = strstr(s, ": ")) != NULL)
		s = colon + 2;
	return s;
}

static int srcmap_line(struct srcmap *map, char *line, char stack[][CFG_NODE_LEN], int *depth)
{
	char *note, *note_end, *code, *end;
	char key[CFG_NODE_LEN + 128];

	note = NULL;
	for (char *p = line; (p = strstr(p, "/* ")) != NULL; p++)
		note = p; /* the last comment: a string value may hold the opener too */
	if (!note)
		return 0; /* blank line or /dts-v1/; */
	note_end = strstr(note, " */");
	if (!note_end)
		return -1;
	*note_end = '\0';
	*note = '\0';
	note += 3;

	code = line + strspn(line, " \t");
	end = code + strlen(code);
	while (end > code && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	if (!strcmp(code, "};")) {
		if (*depth == 0)
			return -1;
		(*depth)--;
		return 0;
	}
	if (end - code >= 2 && !strcmp(end - 2, " {")) {
		char *name;

		end[-2] = '\0';
		name = srcmap_strip_labels(code);
		if (*depth >= SRCMAP_MAX_DEPTH)
			return -1;
		if (*depth == 0)
			snprintf(key, sizeof(key), "%s", name);
		else if (!strcmp(stack[*depth - 1], "/"))
			snprintf(key, sizeof(key), "/%s", name);
		else
			snprintf(key, sizeof(key), "%s/%s", stack[*depth - 1], name);
		if (strlen(key) >= CFG_NODE_LEN)
			return -1;
		memcpy(stack[*depth], key, strlen(key) + 1);
		(*depth)++;
		return srcmap_add(map, stack[*depth - 1], note);
	}
	if (end > code && end[-1] == ';' && *depth > 0) {
		char *eq = strstr(code, " = ");

		if (eq)
			*eq = '\0';
		else
			end[-1] = '\0';
		snprintf(key, sizeof(key), "%s:%s", stack[*depth - 1], srcmap_strip_labels(code));
		return srcmap_add(map, key, note);
	}
	return 0; /* /memreserve/ and the like: nothing to map */
}

static int srcmap_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct srcmap_entry *)a)->key, ((const struct srcmap_entry *)b)->key);
}

/* By key, then by order, so equal keys keep the order dtc printed them in. */
static int srcmap_cmp(const void *a, const void *b)
{
	const struct srcmap_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

int srcmap_parse(struct srcmap *map, const char *text)
{
	char stack[SRCMAP_MAX_DEPTH][CFG_NODE_LEN];
	char *copy = strdup(text), *line, *save = NULL;
	int depth = 0, ret = 0;

	if (!copy)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save))
		ret = srcmap_line(map, line, stack, &depth);
	free(copy);
	if (!ret && map->nr_entries)
		qsort(map->entries, map->nr_entries, sizeof(*map->entries), srcmap_cmp);
	return ret;
}

/* A binary search: every lookup by a linear one made a description of many nodes quadratic. */
static const struct srcmap_entry *srcmap_find(const struct srcmap *map, const char *key)
{
	const struct srcmap_entry want = { .key = (char *)key, .order = 0 };
	const struct srcmap_entry *e;

	if (!map->nr_entries)
		return NULL;
	e = bsearch(&want, map->entries, map->nr_entries, sizeof(*e), srcmap_key_cmp);
	while (e && e > map->entries && !strcmp(e[-1].key, key))
		e--; /* the first written of equal keys */
	return e;
}

struct cfg_loc srcmap_node(const struct srcmap *map, const char *path, int *nr_defs,
			   struct cfg_loc *second)
{
	const struct srcmap_entry *e = srcmap_find(map, path);
	struct cfg_loc none = { map->fallback_file, 0 };

	if (nr_defs)
		*nr_defs = e ? e->nr_defs : 1;
	if (second)
		*second = e ? e->second : none;
	return e ? e->loc : none;
}

struct cfg_loc srcmap_prop(const struct srcmap *map, const char *path, const char *prop)
{
	char key[CFG_NODE_LEN + 128];
	const struct srcmap_entry *e;

	snprintf(key, sizeof(key), "%s:%s", path, prop);
	e = srcmap_find(map, key);
	return e ? e->loc : srcmap_node(map, path, NULL, NULL);
}

void srcmap_free(struct srcmap *map)
{
	for (u32 i = 0; i < map->nr_entries; i++)
		free(map->entries[i].key);
	for (u32 i = 0; i < map->nr_files; i++)
		free(map->files[i]);
	free(map->entries);
	free(map->files);
	memset(map, 0, sizeof(*map));
}

/*
 * Runs dtc with args, returning its standard output in *out (NUL-terminated,
 * malloc'd) and its length in *len. dtc's stderr goes to ours when
 * show_errors, else to /dev/null. Returns 0 if dtc succeeded, else -1 with
 * nothing allocated.
 */
static int srcmap_run_dtc(const char *const args[], bool show_errors, char **out, size_t *len)
{
	const char *dtc = getenv("KEELCFG_DTC");
	char *argv[16];
	size_t cap = 65536, n = 0;
	int fds[2], status;
	char *buf;
	ssize_t r;
	pid_t pid;

	argv[0] = (char *)(dtc ? dtc : "dtc");
	for (int i = 0; args[i] && i < 14; i++) {
		argv[i + 1] = (char *)args[i];
		argv[i + 2] = NULL;
	}
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (!show_errors && !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "keelcfg: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	buf = malloc(cap);
	while (buf && (r = read(fds[0], buf + n, cap - n - 1)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
		if (cap - n < 4096)
			buf = realloc(buf, cap *= 2);
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || !buf || !WIFEXITED(status) || WEXITSTATUS(status)) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int srcmap_compile(const char *path, void **fdt, struct srcmap *map)
{
	const char *dtb_args[] = { "-q", "-I", "dts", "-O", "dtb", path, NULL };
	const char *dts_args[] = { "-q", "-I", "dts", "-O", "dts", "-T", "-T", path, NULL };
	char *dtb, *dts;
	size_t len;

	memset(map, 0, sizeof(*map));
	map->fallback_file = path;
	if (srcmap_run_dtc(dtb_args, true, &dtb, &len) != 0)
		return -1;
	if (srcmap_run_dtc(dts_args, false, &dts, &len) != 0) {
		free(dtb);
		return -1;
	}
	if (srcmap_parse(map, dts)) {
		fprintf(stderr, "%s: keelcfg cannot read dtc's annotated output\n", path);
		srcmap_free(map);
		free(dtb);
		free(dts);
		return -1;
	}
	free(dts);
	*fdt = dtb;
	return 0;
}
