/*
 * The communication policy of a system description (docs/ipc.md, "Policy"):
 * secure VMs and the communication graph. A VM marked `secure;` states for
 * itself, in `accept-clients`, which VMs it takes calls and sends from, and
 * shares no writable memory with a VM that is not secure; policy.c refuses
 * every configuration that breaks either rule. commgraph.c shows the whole
 * graph (endpoints, grants, channels, doorbells) as a text table and as a
 * Graphviz file. Keel at EL2 knows nothing of this: what it enforces is the
 * capability tables and channel mappings of the blob, and those are only
 * built for a configuration that passed these checks.
 */
#ifndef KEELCFG_POLICY_H
#define KEELCFG_POLICY_H

#include "model.h"

struct srcmap;

/*
 * One property of VM node vm: `secure` or `accept-clients` is recorded in
 * vm (shape errors into d) and true returned; any other name returns false
 * and changes nothing.
 */
bool policy_parse_vm_prop(struct cfg_vm *vm, const char *name, const void *val, int len,
			  const struct srcmap *map, struct diag *d);

/*
 * The policy rules: accept-clients only on a secure VM and naming VMs, once
 * each; an endpoint owned by a secure VM granted only to clients it accepts;
 * no channel joining a secure and a non-secure VM with any member writing;
 * and, when --unsafe lets VMs share RAM (unsafe), no RAM shared between a
 * secure VM and another. Pure: reads only sys, reports into d.
 */
void policy_validate(const struct cfg_system *sys, bool unsafe, struct diag *d);

/* Whether sys declares any endpoint or channel (whether there is a graph to show). */
bool commgraph_any(const struct cfg_system *sys);

/*
 * The communication graph of a validated sys as a text table: one line per
 * grant (endpoint, owner, client, rights, badge) and per channel membership
 * (channel, VM, access, doorbell INTID), secure VMs marked with '*'.
 * Returns malloc'd text; running out of memory ends the tool.
 */
char *commgraph_table(const struct cfg_system *sys);

/* The same graph as a Graphviz digraph (dot source), malloc'd. */
char *commgraph_dot(const struct cfg_system *sys);

/*
 * Writes commgraph_dot(sys) to path and, if Graphviz's dot is on PATH,
 * renders it as SVG beside it (path with .dot replaced by .svg). Without
 * dot it says so on stderr in one line, with the command that installs it,
 * and that is not a failure. Returns 0, or -1 after printing why to stderr
 * (the file cannot be written, or dot failed).
 */
int commgraph_write_graph(const struct cfg_system *sys, const char *path);

#endif
