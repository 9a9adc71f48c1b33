/*
 * The communication graph of a system (docs/ipc.md, "The graph"): who may
 * call or send to whom (endpoints, grants, badges), who shares which
 * memory (channels, access, doorbells), and which virtio consoles are
 * linked and which VMs share a virtio network, for people to check against what
 * they meant. The same facts come out twice: a text table (comm.txt in the
 * output directory, and on stdout) and, with --graph, a Graphviz file,
 * drawn as SVG if Graphviz is installed. Both read a validated model only,
 * so every name in them is a VM, endpoint or channel that exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy.h"
#include "validate.h"

static FILE *commgraph_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f) {
		fputs("keelcfg: out of memory\n", stderr);
		exit(1);
	}
	return f;
}

static char *commgraph_close(FILE *f, char **buf)
{
	if (fclose(f)) {
		fputs("keelcfg: out of memory\n", stderr);
		exit(1);
	}
	return *buf;
}

static u32 commgraph_nr_endpoints(const struct cfg_system *sys)
{
	return MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS);
}

static u32 commgraph_nr_channels(const struct cfg_system *sys)
{
	return MIN(sys->ipc.nr_channels, (u32)CFG_MAX_CHANNELS);
}

bool commgraph_any(const struct cfg_system *sys)
{
	return commgraph_nr_endpoints(sys) || commgraph_nr_channels(sys) || virtio_any_links(sys);
}

static bool commgraph_secure(const struct cfg_system *sys, const char *vm)
{
	int i = validate_find_vm(sys, vm);

	return i >= 0 && i < CFG_MAX_VMS && sys->vms[i].secure;
}

/* The badge the owner receives from client i: as written, else the client's VM index (ipc.c). */
static u32 commgraph_badge(const struct cfg_system *sys, const struct cfg_endpoint *ep, u32 i)
{
	return ep->nr_badges ? ep->badges[i] : (u32)validate_find_vm(sys, ep->clients[i]);
}

static const char *commgraph_rights(const struct cfg_endpoint *ep)
{
	u32 r = ep->has_rights ? ep->rights : KEEL_IPC_RIGHT_CALL;

	if (r == (KEEL_IPC_RIGHT_CALL | KEEL_IPC_RIGHT_SEND))
		return "call/send";
	return r == KEEL_IPC_RIGHT_SEND ? "send" : "call";
}

/* A VM's name as the table shows it: with '*' if it is secure. */
static const char *commgraph_vm(const struct cfg_system *sys, const char *vm, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", vm, commgraph_secure(sys, vm) ? "*" : "");
	return buf;
}

/* Width of the first column (endpoint and channel names) and of VM names, for aligned columns. */
static void commgraph_widths(const struct cfg_system *sys, int *w_name, int *w_vm)
{
	*w_name = (int)strlen("endpoint");
	*w_vm = (int)strlen("client");
	for (u32 e = 0; e < commgraph_nr_endpoints(sys); e++)
		*w_name = MAX(*w_name, (int)strlen(sys->ipc.endpoints[e].name));
	for (u32 c = 0; c < commgraph_nr_channels(sys); c++)
		*w_name = MAX(*w_name, (int)strlen(sys->ipc.channels[c].name));
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		*w_vm = MAX(*w_vm, (int)strlen(sys->vms[v].name) + 1);
}

/* "secure VMs: vault* accepts a, b; ..." or nothing. */
static void commgraph_table_secure(FILE *f, const struct cfg_system *sys)
{
	const char *sep = "secure VMs:";

	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		if (!vm->secure)
			continue;
		fprintf(f, "%s %s* accepts %s", sep, vm->name, vm->nr_accept ? "" : "nobody");
		for (u32 i = 0; i < MIN(vm->nr_accept, (u32)CFG_MAX_CLIENTS); i++)
			fprintf(f, "%s%s", i ? ", " : "", vm->accept[i]);
		sep = ";";
	}
	if (strcmp(sep, "secure VMs:"))
		fputc('\n', f);
}

/* Whether device i of VM v is a console linked to a VM of a lower index, or an earlier one of its own. */
static bool commgraph_link_seen(u32 v, u32 i, int pv, int pd)
{
	return pv >= 0 && ((u32)pv < v || ((u32)pv == v && (u32)pd < i));
}

/* Console links, once per pair, then each network's ports with their MACs. */
static void commgraph_table_virtio(FILE *f, const struct cfg_system *sys, int w, int wv)
{
	static struct virtio_place place[CFG_MAX_VMS][CFG_MAX_VIRTIO];
	char a[CFG_NAME_LEN + 2], mac[18];
	bool links = false, nets = false;
	u32 nr_vms = MIN(sys->nr_vms, (u32)CFG_MAX_VMS);

	for (u32 v = 0; v < nr_vms; v++)
		virtio_place_vm(sys, NULL, v, place[v]);
	for (u32 v = 0; v < nr_vms; v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];
			const struct virtio_place *p = &place[v][i];

			if (dev->kind != KEEL_VDEV_VIRTIO_CONSOLE || p->peer_vm < 0 ||
			    commgraph_link_seen(v, i, p->peer_vm, p->peer_dev))
				continue;
			if (!links)
				fprintf(f, "\nconsole link\n");
			links = true;
			fprintf(f, "%s/%s <-> %s\n", commgraph_vm(sys, sys->vms[v].name, a, sizeof(a)), dev->name,
				dev->connect);
		}
	for (int n = 0; n < KEEL_MAX_NETWORKS; n++)
		for (u32 v = 0; v < nr_vms; v++)
			for (u32 i = 0; i < virtio_nr(sys, v); i++) {
				const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];

				if (dev->kind != KEEL_VDEV_VIRTIO_NET || place[v][i].network != n)
					continue;
				if (!nets)
					fprintf(f, "\n%-*s  %-*s  %-*s  %s\n", w, "network", wv, "vm", w, "device", "mac");
				nets = true;
				virtio_mac_text(place[v][i].mac, mac);
				fprintf(f, "%-*s  %-*s  %-*s  %s\n", w, dev->network, wv,
					commgraph_vm(sys, sys->vms[v].name, a, sizeof(a)), w, dev->name, mac);
			}
}

char *commgraph_table(const struct cfg_system *sys)
{
	char *buf = NULL, a[CFG_NAME_LEN + 2], b[CFG_NAME_LEN + 2];
	size_t len = 0;
	FILE *f = commgraph_open(&buf, &len);
	int w, wv;

	commgraph_widths(sys, &w, &wv);
	fprintf(f, "Communication graph of %s (* marks a secure VM)\n", sys->file);
	commgraph_table_secure(f, sys);
	if (commgraph_nr_endpoints(sys))
		fprintf(f, "\n%-*s  %-*s  %-*s  %-9s  %s\n", w, "endpoint", wv, "owner", wv, "client", "rights",
			"badge");
	for (u32 e = 0; e < commgraph_nr_endpoints(sys); e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); i++)
			fprintf(f, "%-*s  %-*s  %-*s  %-9s  0x%x\n", w, ep->name, wv,
				commgraph_vm(sys, ep->owner, a, sizeof(a)), wv,
				commgraph_vm(sys, ep->clients[i], b, sizeof(b)), commgraph_rights(ep),
				commgraph_badge(sys, ep, i));
	}
	if (commgraph_nr_channels(sys))
		fprintf(f, "\n%-*s  %-*s  %-6s  %s\n", w, "channel", wv, "vm", "access", "doorbell");
	for (u32 c = 0; c < commgraph_nr_channels(sys); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];

		for (u32 i = 0; i < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); i++) {
			fprintf(f, "%-*s  %-*s  %-6s  ", w, ch->name, wv, commgraph_vm(sys, ch->members[i], a, sizeof(a)),
				ch->writable[i] ? "rw" : "ro");
			if (i < ch->nr_doorbells && ch->doorbells[i])
				fprintf(f, "INTID %u\n", ch->doorbells[i]);
			else
				fprintf(f, "none\n");
		}
	}
	commgraph_table_virtio(f, sys, w, wv);
	return commgraph_close(f, &buf);
}

/* A quoted Graphviz ID "kind:name"; names are validated, but quotes and backslashes are escaped anyway. */
static void commgraph_id(FILE *f, const char *kind, const char *name)
{
	fprintf(f, "\"%s:", kind);
	for (const char *p = name; *p; p++)
		fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	fputc('"', f);
}

static void commgraph_dot_vms(FILE *f, const struct cfg_system *sys)
{
	fprintf(f, "\t// VMs; a secure one has a double border and says so\n");
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		fputc('\t', f);
		commgraph_id(f, "vm", vm->name);
		if (vm->secure)
			fprintf(f, " [shape=box, peripheries=2, style=filled, fillcolor=\"#fde2c8\", "
				   "label=\"%s\\nsecure\"];\n", vm->name);
		else
			fprintf(f, " [shape=box, label=\"%s\"];\n", vm->name);
	}
}

/* Endpoints: an edge to the owner that receives, one from each client labelled with rights and badge. */
static void commgraph_dot_endpoints(FILE *f, const struct cfg_system *sys)
{
	if (commgraph_nr_endpoints(sys))
		fprintf(f, "\t// endpoints: the owner receives; clients call or send, with their badge\n");
	for (u32 e = 0; e < commgraph_nr_endpoints(sys); e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

		fputc('\t', f);
		commgraph_id(f, "ep", ep->name);
		fprintf(f, " [shape=ellipse, label=\"endpoint %s\"];\n\t", ep->name);
		commgraph_id(f, "ep", ep->name);
		fprintf(f, " -> ");
		commgraph_id(f, "vm", ep->owner);
		fprintf(f, " [style=dashed, label=\"receives\"];\n");
		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); i++) {
			fputc('\t', f);
			commgraph_id(f, "vm", ep->clients[i]);
			fprintf(f, " -> ");
			commgraph_id(f, "ep", ep->name);
			fprintf(f, " [label=\"%s\\nbadge 0x%x\"];\n", commgraph_rights(ep), commgraph_badge(sys, ep, i));
		}
	}
}

/* Channels: the memory as a node; a reader's edge points to it, a writer's both ways. */
static void commgraph_dot_channels(FILE *f, const struct cfg_system *sys)
{
	if (commgraph_nr_channels(sys))
		fprintf(f, "\t// channels: shared memory; ro edges point at the reader, rw edges both ways\n");
	for (u32 c = 0; c < commgraph_nr_channels(sys); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];

		fputc('\t', f);
		commgraph_id(f, "ch", ch->name);
		fprintf(f, " [shape=cylinder, label=\"channel %s\\n%llu KiB at IPA 0x%llx\"];\n", ch->name,
			(unsigned long long)(ch->size / KiB), (unsigned long long)ch->ipa);
		for (u32 i = 0; i < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); i++) {
			fputc('\t', f);
			commgraph_id(f, "ch", ch->name);
			fprintf(f, " -> ");
			commgraph_id(f, "vm", ch->members[i]);
			fprintf(f, " [%slabel=\"%s", ch->writable[i] ? "dir=both, " : "", ch->writable[i] ? "rw" : "ro");
			if (i < ch->nr_doorbells && ch->doorbells[i])
				fprintf(f, "\\ndoorbell INTID %u", ch->doorbells[i]);
			fprintf(f, "\"];\n");
		}
	}
}

/* Virtio: a console link is an edge both ways between VMs; a network is a node with an edge to each port. */
static void commgraph_dot_virtio(FILE *f, const struct cfg_system *sys)
{
	static struct virtio_place place[CFG_MAX_VMS][CFG_MAX_VIRTIO];
	u32 nr_vms = MIN(sys->nr_vms, (u32)CFG_MAX_VMS);
	bool net_done[KEEL_MAX_NETWORKS] = { false };
	char mac[18];

	if (virtio_any_links(sys))
		fprintf(f, "\t// virtio: console links both ways; networks with one edge per port\n");
	for (u32 v = 0; v < nr_vms; v++)
		virtio_place_vm(sys, NULL, v, place[v]);
	for (u32 v = 0; v < nr_vms; v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];
			const struct virtio_place *p = &place[v][i];

			if (dev->kind == KEEL_VDEV_VIRTIO_CONSOLE && p->peer_vm >= 0 &&
			    !commgraph_link_seen(v, i, p->peer_vm, p->peer_dev)) {
				fputc('\t', f);
				commgraph_id(f, "vm", sys->vms[v].name);
				fprintf(f, " -> ");
				commgraph_id(f, "vm", sys->vms[p->peer_vm].name);
				fprintf(f, " [dir=both, style=dotted, label=\"console\\n%s <-> %s\"];\n", dev->name,
					sys->vms[p->peer_vm].virtio.devs[p->peer_dev].name);
			}
			if (dev->kind != KEEL_VDEV_VIRTIO_NET || p->network < 0 || p->network >= KEEL_MAX_NETWORKS)
				continue;
			if (!net_done[p->network]) {
				fputc('\t', f);
				commgraph_id(f, "net", dev->network);
				fprintf(f, " [shape=hexagon, label=\"network %s\"];\n", dev->network);
				net_done[p->network] = true;
			}
			virtio_mac_text(p->mac, mac);
			fputc('\t', f);
			commgraph_id(f, "net", dev->network);
			fprintf(f, " -> ");
			commgraph_id(f, "vm", sys->vms[v].name);
			fprintf(f, " [dir=both, label=\"%s\\n%s\"];\n", dev->name, mac);
		}
}

char *commgraph_dot(const struct cfg_system *sys)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = commgraph_open(&buf, &len);

	fprintf(f, "// The communication graph of %s, written by keelcfg --graph (docs/ipc.md).\n", sys->file);
	fprintf(f, "digraph keel {\n\trankdir=LR;\n\tnode [fontname=\"Helvetica\", fontsize=11];\n"
		   "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	commgraph_dot_vms(f, sys);
	commgraph_dot_endpoints(f, sys);
	commgraph_dot_channels(f, sys);
	commgraph_dot_virtio(f, sys);
	fprintf(f, "}\n");
	return commgraph_close(f, &buf);
}

/* Whether an executable named name is in one of $PATH's directories. */
static bool commgraph_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char file[4096];

	for (const char *p = path; p && *p;) {
		size_t n = strcspn(p, ":");

		snprintf(file, sizeof(file), "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(file, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* dot -Tsvg -o svg dot_file; 0 on success. */
static int commgraph_render(const char *dot_file, const char *svg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execlp("dot", "dot", "-Tsvg", "-o", svg, dot_file, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int commgraph_write_graph(const struct cfg_system *sys, const char *path)
{
	char *text = commgraph_dot(sys), *svg = NULL;
	size_t len = strlen(path);
	FILE *f = fopen(path, "w");
	int ret = -1;
	bool ok;

	if (!f) {
		fprintf(stderr, "keelcfg: cannot write %s: %s\n", path, strerror(errno));
		free(text);
		return -1;
	}
	ok = fputs(text, f) >= 0;
	ok = fclose(f) == 0 && ok;
	free(text);
	if (!ok) {
		fprintf(stderr, "keelcfg: cannot write %s\n", path);
		return -1;
	}
	if (len > 4 && !strcmp(path + len - 4, ".dot"))
		len -= 4;
	if (asprintf(&svg, "%.*s.svg", (int)len, path) < 0)
		return -1;
	if (!commgraph_on_path("dot")) {
		fprintf(stderr, "keelcfg: wrote %s; Graphviz is not installed, so no %s (apt-get install graphviz)\n",
			path, svg);
		ret = 0;
	} else if (commgraph_render(path, svg)) {
		fprintf(stderr, "keelcfg: dot -Tsvg -o %s %s failed\n", svg, path);
	} else {
		ret = 0;
	}
	free(svg);
	return ret;
}
