/*
 * The /ipc node: synchronous IPC endpoints and who may use them
 * (docs/configuration.md, "IPC endpoints"). Policy lives here and nowhere
 * else: Keel at EL2 only enforces the capability tables computed below.
 *
 *   ipc {
 *       echo {                           endpoint name
 *           owner = "server";            the VM that receives on it
 *           clients = "a", "b";          the VMs granted it
 *           rights = "call", "send";     what the clients may do (default "call")
 *           badges = <10 11>;            optional, one per client (default: VM index)
 *           service-time-us = <200>;     optional: the server's time per message (ipc_timing.c)
 *           calls-per-job = <1 2>;       optional, one per client (default 1)
 *       };
 *   };
 */
#include <libfdt.h>
#include <string.h>

#include "ipc_timing.h"
#include "model.h"
#include "srcmap.h"
#include "validate.h"

/* One VM's capability table as layout.txt shows it: one line per slot. */
void ipc_text_vm(const struct cfg_system *sys, u32 vm, char *buf, size_t cap)
{
	struct keel_blob_ipc_slot slots[KEEL_MAX_IPC_SLOTS];
	const struct cfg_endpoint *eps[KEEL_MAX_IPC_SLOTS];
	u32 owned, n = ipc_vm_slots_named(sys, vm, slots, eps, &owned);
	size_t len = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < n && len < cap; i++) {
		const struct keel_blob_ipc_slot *s = &slots[i];

		if (s->rights == KEEL_IPC_RIGHT_RECV)
			len += (size_t)snprintf(buf + len, cap - len, "  ipc slot %u: receive on endpoint '%s'\n", i,
						eps[i]->name);
		else
			len += (size_t)snprintf(buf + len, cap - len, "  ipc slot %u: %s%s%s endpoint '%s' of vm %s, badge 0x%llx\n",
						i, s->rights & KEEL_IPC_RIGHT_CALL ? "call" : "",
						s->rights == (KEEL_IPC_RIGHT_CALL | KEEL_IPC_RIGHT_SEND) ? "/" : "",
						s->rights & KEEL_IPC_RIGHT_SEND ? "send" : "", eps[i]->name,
						eps[i]->owner, (unsigned long long)s->badge);
	}
}

u32 ipc_strings(const void *val, int len, char (*out)[64], u32 cap, bool *ok)
{
	const char *s = val;
	u32 n = 0;

	*ok = len > 1 && s[len - 1] == '\0';
	for (int off = 0; *ok && off < len; n++) {
		size_t l = strlen(s + off);

		if (l == 0 || l >= 64)
			*ok = false;
		else if (n < cap)
			memcpy(out[n], s + off, l + 1);
		off += (int)l + 1;
	}
	return n;
}

static void ipc_parse_rights(struct cfg_endpoint *ep, const void *val, int len, struct diag *d)
{
	char words[4][64];
	bool ok;
	u32 n = ipc_strings(val, len, words, 4, &ok);

	ep->has_rights = true;
	for (u32 i = 0; ok && i < n && i < 4; i++) {
		if (!strcmp(words[i], "call"))
			ep->rights |= KEEL_IPC_RIGHT_CALL;
		else if (!strcmp(words[i], "send"))
			ep->rights |= KEEL_IPC_RIGHT_SEND;
		else
			ok = false;
	}
	if (!ok || n > 4)
		diag_error(d, &ep->rights_loc, ep->node, "property 'rights' must list \"call\" and/or \"send\"");
}

static void ipc_parse_prop(struct cfg_endpoint *ep, const char *name, const void *val, int len,
			   const struct srcmap *map, struct diag *d)
{
	struct cfg_loc loc = srcmap_prop(map, ep->node, name);
	bool ok;

	if (!strcmp(name, "owner")) {
		char one[1][64];

		ep->owner_loc = loc;
		ep->has_owner = ipc_strings(val, len, one, 1, &ok) == 1 && ok;
		if (ep->has_owner)
			memcpy(ep->owner, one[0], sizeof(ep->owner));
		else
			diag_error(d, &loc, ep->node, "property 'owner' must be one VM name");
	} else if (!strcmp(name, "clients")) {
		ep->clients_loc = loc;
		ep->nr_clients = ipc_strings(val, len, ep->clients, CFG_MAX_CLIENTS, &ok);
		if (!ok)
			diag_error(d, &loc, ep->node, "property 'clients' must be a list of VM names");
	} else if (!strcmp(name, "rights")) {
		ep->rights_loc = loc;
		ipc_parse_rights(ep, val, len, d);
	} else if (!strcmp(name, "badges")) {
		ep->badges_loc = loc;
		ep->nr_badges = len > 0 && len % 4 == 0 ? (u32)len / 4 : 0;
		if (!ep->nr_badges)
			diag_error(d, &loc, ep->node, "property 'badges' must be a list of cells, one per client");
		for (u32 i = 0; i < ep->nr_badges && i < CFG_MAX_CLIENTS; i++)
			ep->badges[i] = fdt32_to_cpu(((const fdt32_t *)val)[i]);
	} else if (!ipc_timing_parse_prop(ep, name, val, len, &loc, d)) {
		diag_error(d, &loc, ep->node, "unknown property '%s' (an endpoint has owner, clients, rights, badges, "
			   "service-time-us, calls-per-job)", name);
	}
}

void ipc_parse(const void *fdt, const struct srcmap *map, struct cfg_system *sys, struct diag *d)
{
	int node = fdt_subnode_offset(fdt, 0, "ipc"), sub, prop, len;
	struct cfg_ipc *ipc = &sys->ipc;

	if (node < 0)
		return;
	ipc->given = true;
	ipc->loc = srcmap_node(map, "/ipc", NULL, NULL);
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;

		fdt_getprop_by_offset(fdt, prop, &name, NULL);
		struct cfg_loc loc = srcmap_prop(map, "/ipc", name);
		diag_error(d, &loc, "/ipc", "unknown property '%s' (/ipc holds one node per endpoint)", name);
	}
	fdt_for_each_subnode(sub, fdt, node) {
		struct cfg_endpoint *ep;

		/* Counted past the array, so the validator reports the excess, but never pointed past it. */
		if (ipc->nr_endpoints++ >= CFG_MAX_ENDPOINTS)
			continue; /* the validator reports the count */
		ep = &ipc->endpoints[ipc->nr_endpoints - 1];
		memset(ep, 0, sizeof(*ep));
		snprintf(ep->name, sizeof(ep->name), "%s", fdt_get_name(fdt, sub, NULL));
		snprintf(ep->node, sizeof(ep->node), "/ipc/%s", fdt_get_name(fdt, sub, NULL));
		ep->loc = srcmap_node(map, ep->node, &ep->nr_defs, &ep->other_def);
		fdt_for_each_property_offset(prop, fdt, sub) {
			const char *name;
			const void *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

			ipc_parse_prop(ep, name, val, len, map, d);
		}
		if (fdt_first_subnode(fdt, sub) >= 0)
			diag_error(d, &ep->loc, ep->node, "an endpoint holds only properties");
	}
}

/* The owner and each client: VMs that exist, the owner not among its own clients, none twice. */
static void ipc_validate_parties(const struct cfg_system *sys, const struct cfg_endpoint *ep, struct diag *d)
{
	if (!ep->has_owner)
		diag_error(d, &ep->loc, ep->node, "missing property 'owner' (the VM that serves it)");
	else if (validate_find_vm(sys, ep->owner) < 0)
		diag_error(d, &ep->owner_loc, ep->node, "owner '%s' is not a VM of this system", ep->owner);
	if (ep->nr_clients == 0)
		diag_error(d, &ep->loc, ep->node, "missing property 'clients' (the VMs it is granted to)");
	if (ep->nr_clients > KEEL_MAX_VMS)
		diag_error(d, &ep->clients_loc, ep->node, "%u clients: a system has at most %u VMs", ep->nr_clients,
			   KEEL_MAX_VMS);
	for (u32 i = 0; i < ep->nr_clients && i < CFG_MAX_CLIENTS; i++) {
		if (validate_find_vm(sys, ep->clients[i]) < 0)
			diag_error(d, &ep->clients_loc, ep->node, "client '%s' is not a VM of this system",
				   ep->clients[i]);
		else if (ep->has_owner && !strcmp(ep->clients[i], ep->owner))
			diag_error(d, &ep->clients_loc, ep->node,
				   "endpoint granted to its own owner '%s': a VM cannot call itself", ep->owner);
		for (u32 j = 0; j < i; j++)
			if (!strcmp(ep->clients[i], ep->clients[j]))
				diag_error(d, &ep->clients_loc, ep->node, "client '%s' is named twice",
					   ep->clients[i]);
	}
	if (ep->nr_badges && ep->nr_badges != ep->nr_clients)
		diag_error(d, &ep->badges_loc, ep->node, "%u badges for %u clients: give one per client, or none",
			   ep->nr_badges, ep->nr_clients);
	for (u32 i = 0; i < MIN(ep->nr_badges, (u32)CFG_MAX_CLIENTS); i++)
		for (u32 j = 0; j < i; j++)
			if (ep->badges[i] == ep->badges[j])
				diag_error(d, &ep->badges_loc, ep->node,
					   "badge 0x%x is given twice: the server could not tell those clients apart",
					   ep->badges[i]);
}

static void ipc_validate_endpoint(const struct cfg_system *sys, u32 e, struct diag *d)
{
	const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];

	if (ep->nr_defs > 1)
		diag_error(d, &ep->other_def, ep->node,
			   "endpoint name '%s' is used twice (first at %s:%d); dtc would merge the two", ep->name,
			   ep->loc.file, ep->loc.line);
	if (ep->has_rights && !ep->rights)
		diag_error(d, &ep->rights_loc, ep->node, "property 'rights' grants nothing");
	ipc_validate_parties(sys, ep, d);
}

/* Per VM: at most KEEL_MAX_ENDPOINTS_PER_VM owned, KEEL_MAX_IPC_SLOTS slots in all. */
static void ipc_validate_counts(const struct cfg_system *sys, struct diag *d)
{
	const struct cfg_ipc *ipc = &sys->ipc;
	u32 nr_eps = MIN(ipc->nr_endpoints, (u32)CFG_MAX_ENDPOINTS);

	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		u32 owned = 0, slots = 0;
		const struct cfg_endpoint *last = NULL;

		for (u32 e = 0; e < nr_eps; e++) {
			const struct cfg_endpoint *ep = &ipc->endpoints[e];
			bool uses = ep->has_owner && !strcmp(ep->owner, sys->vms[v].name);

			owned += uses;
			for (u32 i = 0; !uses && i < ep->nr_clients && i < CFG_MAX_CLIENTS; i++)
				uses = !strcmp(ep->clients[i], sys->vms[v].name);
			if (uses && (++slots == KEEL_MAX_IPC_SLOTS + 1))
				last = ep;
			if (owned == KEEL_MAX_ENDPOINTS_PER_VM + 1 && uses && !strcmp(ep->owner, sys->vms[v].name))
				diag_error(d, &ep->loc, ep->node, "vm '%s' owns more than %u endpoints",
					   sys->vms[v].name, KEEL_MAX_ENDPOINTS_PER_VM);
		}
		if (last)
			diag_error(d, &last->loc, last->node,
				   "vm '%s' uses more than %u endpoints (owned and granted together)", sys->vms[v].name,
				   KEEL_MAX_IPC_SLOTS);
	}
}

void ipc_validate(const struct cfg_system *sys, struct diag *d)
{
	const struct cfg_ipc *ipc = &sys->ipc;

	if (ipc->nr_endpoints > CFG_MAX_ENDPOINTS)
		diag_error(d, &ipc->loc, "/ipc", "%u endpoints: at most %u (%u per VM)", ipc->nr_endpoints,
			   KEEL_MAX_VMS * KEEL_MAX_ENDPOINTS_PER_VM, KEEL_MAX_ENDPOINTS_PER_VM);
	for (u32 e = 0; e < MIN(ipc->nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++)
		ipc_validate_endpoint(sys, e, d);
	ipc_validate_counts(sys, d);
	ipc_timing_validate(sys, d);
}

u32 ipc_vm_slots(const struct cfg_system *sys, u32 vm, struct keel_blob_ipc_slot *out, u32 *nr_owned)
{
	return ipc_vm_slots_named(sys, vm, out, NULL, nr_owned);
}

u32 ipc_vm_slots_named(const struct cfg_system *sys, u32 vm, struct keel_blob_ipc_slot *out,
		       const struct cfg_endpoint **names, u32 *nr_owned)
{
	const struct cfg_ipc *ipc = &sys->ipc;
	u32 owned_by[CFG_MAX_VMS] = { 0 }; /* endpoints seen so far per owner: the next one's number */
	u32 n = 0;

	*nr_owned = 0;
	for (u32 e = 0; e < MIN(ipc->nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		const struct cfg_endpoint *ep = &ipc->endpoints[e];
		int owner = validate_find_vm(sys, ep->owner);
		u32 num;

		if (owner < 0 || owner >= CFG_MAX_VMS)
			continue; /* refused by the validator */
		num = owned_by[owner]++;
		if ((u32)owner == vm && n < KEEL_MAX_IPC_SLOTS) {
			if (names)
				names[n] = ep;
			out[n++] = (struct keel_blob_ipc_slot){ vm, num, KEEL_IPC_RIGHT_RECV, 0, 0 };
			(*nr_owned)++;
			continue;
		}
		for (u32 i = 0; i < ep->nr_clients && i < CFG_MAX_CLIENTS; i++)
			if (validate_find_vm(sys, ep->clients[i]) == (int)vm && n < KEEL_MAX_IPC_SLOTS) {
				if (names)
					names[n] = ep;
				out[n++] = (struct keel_blob_ipc_slot){
					(u32)owner, num, ep->has_rights ? ep->rights : KEEL_IPC_RIGHT_CALL, 0,
					ep->nr_badges ? ep->badges[i] : vm };
			}
	}
	return n;
}
