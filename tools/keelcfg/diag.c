/*
 * Diagnostics for keelcfg. Every stage reports into one struct diag instead
 * of printing, so the tool can find all the errors in a configuration in one
 * run, the unit tests can look at messages without capturing stderr, and
 * nothing is printed half-way through an output that is then abandoned.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/*
 * A message is one line: a control character from the source (a newline in a
 * path string, say) would start a line that names no file and could be mistaken
 * for another message, so each is written as \xNN.
 */
static void diag_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src && n + 5 < size; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch < 0x20 || ch == 0x7f)
			n += (size_t)snprintf(dst + n, size - n, "\\x%02x", ch);
		else
			dst[n++] = (char)ch;
	}
	dst[n] = '\0';
}

static void diag_add(struct diag *d, bool error, const struct cfg_loc *loc, const char *node,
		     const char *fmt, va_list ap)
{
	char head[CFG_NODE_LEN + CFG_FILE_LEN + 64] = "";
	char raw[4096], body[4 * sizeof(raw)];
	char **msgs;
	char *msg;
	size_t len;

	if (loc && loc->file)
		snprintf(head, sizeof(head), "%s:%d: ", loc->file, loc->line);
	if (node) {
		len = strlen(head);
		snprintf(head + len, sizeof(head) - len, "node %s: ", node);
	}
	vsnprintf(raw, sizeof(raw), fmt, ap);
	diag_escape(body, sizeof(body), raw);

	len = strlen(head) + strlen(body) + sizeof("warning: ");
	msg = malloc(len);
	msgs = realloc(d->msgs, (d->nr_msgs + 1) * sizeof(*msgs));
	if (!msg || !msgs) {
		fputs("keelcfg: out of memory\n", stderr);
		exit(1);
	}
	snprintf(msg, len, "%s%s%s", head, error ? "" : "warning: ", body);
	d->msgs = msgs;
	d->msgs[d->nr_msgs++] = msg;
	if (error)
		d->nr_errors++;
	else
		d->nr_warnings++;
}

void diag_error(struct diag *d, const struct cfg_loc *loc, const char *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, true, loc, node, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const struct cfg_loc *loc, const char *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, false, loc, node, fmt, ap);
	va_end(ap);
}

int diag_find(const struct diag *d, const char *text)
{
	for (u32 i = 0; i < d->nr_msgs; i++)
		if (strstr(d->msgs[i], text))
			return (int)i;
	return -1;
}

void diag_print(const struct diag *d, FILE *out)
{
	for (u32 i = 0; i < d->nr_msgs; i++)
		fprintf(out, "%s\n", d->msgs[i]);
}

void diag_reset(struct diag *d)
{
	for (u32 i = 0; i < d->nr_msgs; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}
