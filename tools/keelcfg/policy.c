/*
 * Secure VMs (docs/ipc.md, "Policy"). A secure VM is one whose owner wants
 * two things to hold whatever else the configuration says: no VM it did not
 * name itself can call or send to it, and no VM that is not secure can
 * write memory it reads or read memory it writes. The first is stated by the
 * secure VM, not by the grants in /ipc, so that a grant added to /ipc by
 * mistake (or by someone else) is refused instead of silently widening who
 * talks to it:
 *
 *   vms {
 *       vault {
 *           secure;
 *           accept-clients = "a", "b";   who may call or send to vault's endpoints
 *           ...
 *
 * Channels joining a secure VM and a non-secure one are allowed only when
 * every member maps the memory read-only (read-only both ways); a doorbell
 * on such a channel is a signal, not memory, and is allowed. The same
 * acceptance applies to virtio: a secure VM's console may be linked, and
 * its net ports may share a network, only with VMs it accepts.
 */
#include <string.h>

#include "policy.h"
#include "srcmap.h"
#include "validate.h"

bool policy_parse_vm_prop(struct cfg_vm *vm, const char *name, const void *val, int len,
			  const struct srcmap *map, struct diag *d)
{
	struct cfg_loc loc;
	bool ok;

	if (strcmp(name, "secure") && strcmp(name, "accept-clients"))
		return false;
	loc = srcmap_prop(map, vm->node, name);
	if (!strcmp(name, "secure")) {
		vm->secure = true;
		vm->secure_loc = loc;
		if (len != 0)
			diag_error(d, &loc, vm->node, "property 'secure' takes no value");
		return true;
	}
	vm->accept_loc = loc;
	vm->nr_accept = ipc_strings(val, len, vm->accept, CFG_MAX_CLIENTS, &ok);
	if (!ok) {
		vm->nr_accept = 0;
		diag_error(d, &loc, vm->node, "property 'accept-clients' must be a list of VM names");
	}
	return true;
}

static u32 policy_nr_vms(const struct cfg_system *sys)
{
	return MIN(sys->nr_vms, (u32)CFG_MAX_VMS);
}

static bool policy_accepts(const struct cfg_vm *vm, const char *client)
{
	for (u32 i = 0; i < MIN(vm->nr_accept, (u32)CFG_MAX_CLIENTS); i++)
		if (!strcmp(vm->accept[i], client))
			return true;
	return false;
}

/* accept-clients: on a secure VM only, each name a VM of this system, none twice. */
static void policy_validate_accept(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	if (!vm->nr_accept)
		return;
	if (!vm->secure)
		diag_error(d, &vm->accept_loc, vm->node,
			   "accept-clients on a VM that is not secure: only a secure VM states whom it accepts "
			   "(add 'secure;' or remove it)");
	for (u32 i = 0; i < MIN(vm->nr_accept, (u32)CFG_MAX_CLIENTS); i++) {
		if (validate_find_vm(sys, vm->accept[i]) < 0)
			diag_error(d, &vm->accept_loc, vm->node, "accept-clients: '%s' is not a VM of this system",
				   vm->accept[i]);
		for (u32 j = 0; j < i; j++)
			if (!strcmp(vm->accept[i], vm->accept[j]))
				diag_error(d, &vm->accept_loc, vm->node, "accept-clients: '%s' is named twice",
					   vm->accept[i]);
	}
}

/* Every client of an endpoint a secure VM owns must be one the secure VM accepts. */
static void policy_validate_grants(const struct cfg_system *sys, struct diag *d)
{
	const struct cfg_ipc *ipc = &sys->ipc;

	for (u32 e = 0; e < MIN(ipc->nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		const struct cfg_endpoint *ep = &ipc->endpoints[e];
		int owner = ep->has_owner ? validate_find_vm(sys, ep->owner) : -1;
		const struct cfg_vm *vm;

		if (owner < 0 || owner >= CFG_MAX_VMS || !sys->vms[owner].secure)
			continue; /* an unknown owner is ipc.c's to report */
		vm = &sys->vms[owner];
		for (u32 i = 0; i < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); i++) {
			if (policy_accepts(vm, ep->clients[i]) || validate_find_vm(sys, ep->clients[i]) < 0)
				continue;
			if (vm->nr_accept)
				diag_error(d, &ep->clients_loc, ep->node,
					   "secure vm '%s' does not accept client '%s' (its accept-clients at %s:%d "
					   "does not name it)",
					   vm->name, ep->clients[i], vm->accept_loc.file, vm->accept_loc.line);
			else
				diag_error(d, &ep->clients_loc, ep->node,
					   "secure vm '%s' does not accept client '%s' (it has no accept-clients, so it "
					   "accepts nobody)",
					   vm->name, ep->clients[i]);
		}
	}
}

/* The first member of channel ch with access rw, or -1. */
static int policy_first_writer(const struct cfg_channel *ch)
{
	for (u32 i = 0; i < MIN(ch->nr_access, (u32)CFG_MAX_CLIENTS); i++)
		if (ch->writable[i])
			return (int)i;
	return -1;
}

/* A channel with a writer joins no secure VM to a non-secure one: one message per secure member. */
static void policy_validate_channels(const struct cfg_system *sys, struct diag *d)
{
	const struct cfg_ipc *ipc = &sys->ipc;

	for (u32 c = 0; c < MIN(ipc->nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &ipc->channels[c];
		u32 n = MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS);
		int writer = policy_first_writer(ch), plain = -1;

		for (u32 i = 0; i < n && plain < 0; i++) {
			int vm = validate_find_vm(sys, ch->members[i]);

			if (vm >= 0 && vm < CFG_MAX_VMS && !sys->vms[vm].secure)
				plain = (int)i;
		}
		if (writer < 0 || plain < 0)
			continue;
		for (u32 i = 0; i < n; i++) {
			int vm = validate_find_vm(sys, ch->members[i]);

			if (vm < 0 || vm >= CFG_MAX_VMS || !sys->vms[vm].secure)
				continue;
			diag_error(d, &ch->access_loc, ch->node,
				   "secure vm '%s' would share writable memory with non-secure vm '%s' ('%s' has "
				   "\"rw\"): with a non-secure member, every member must be \"ro\"",
				   ch->members[i], ch->members[plain], ch->members[writer]);
		}
	}
}

static bool policy_overlap(const struct cfg_mem *a, const struct cfg_mem *b)
{
	return a->size && b->size && a->pa < b->pa + b->size && b->pa < a->pa + a->size;
}

/* --unsafe lets VMs share RAM; never a secure VM. Without it validate.c refuses every overlap. */
static void policy_validate_unsafe_ram(const struct cfg_system *sys, struct diag *d)
{
	for (u32 a = 0; a < policy_nr_vms(sys); a++) {
		const struct cfg_vm *va = &sys->vms[a];

		for (u32 b = 0; va->secure && b < policy_nr_vms(sys); b++) {
			const struct cfg_vm *vb = &sys->vms[b];

			if (b == a || (vb->secure && b < a))
				continue; /* two secure VMs: reported once */
			for (u32 i = 0; i < MIN(va->nr_mem, (u32)CFG_MAX_MEM); i++)
				for (u32 j = 0; j < MIN(vb->nr_mem, (u32)CFG_MAX_MEM); j++)
					if (policy_overlap(&va->mem[i], &vb->mem[j]))
						diag_error(d, &va->mem[i].loc, va->mem[i].node,
							   "secure vm '%s' shares physical memory with vm '%s' "
							   "(%s:%d): --unsafe does not apply to a secure VM",
							   va->name, vb->name, vb->mem[j].loc.file,
							   vb->mem[j].loc.line);
		}
	}
}

void policy_validate(const struct cfg_system *sys, bool unsafe, struct diag *d)
{
	for (u32 v = 0; v < policy_nr_vms(sys); v++)
		policy_validate_accept(sys, &sys->vms[v], d);
	policy_validate_grants(sys, d);
	policy_validate_channels(sys, d);
	virtio_policy_validate(sys, d); /* console links and networks (virtio_check.c) */
	if (unsafe)
		policy_validate_unsafe_ram(sys, d);
}
