/*
 * keelcfg's part of synchronous IPC between VMs (docs/configuration.md,
 * "IPC endpoints"): the top-level /ipc node, where each child is an
 * endpoint owned by one VM and granted to named client VMs with rights.
 * Parsing records what was written, the validator refuses what Keel must
 * never see (unknown VMs, grants to the owner itself, twice the same name,
 * more than Keel's tables hold), and ipc_vm_slots() computes each VM's
 * capability table, the one thing the blob carries. The /channels node
 * (shared memory with doorbells) is here too, implemented in channel.c.
 */
#ifndef KEELCFG_IPC_H
#define KEELCFG_IPC_H

/* Included by model.h after struct cfg_loc; include model.h, not this file. */
#include <abi/keel/config_blob.h>
#include <keel/types.h>
#include <stddef.h>

#define CFG_MAX_ENDPOINTS 40 /* > KEEL_MAX_VMS * KEEL_MAX_ENDPOINTS_PER_VM, so the validator sees the excess */
#define CFG_MAX_CLIENTS 16 /* client names kept per endpoint (> KEEL_MAX_VMS) */

struct cfg_system;
struct diag;
struct srcmap;

/* /ipc/<name>: one endpoint. Names are kept as written; the validator judges them. */
struct cfg_endpoint {
	char name[64];
	char node[256];
	struct cfg_loc loc;
	int nr_defs; /* node bodies in the source; dtc merges a repeated name */
	struct cfg_loc other_def;
	bool has_owner;
	char owner[64];
	struct cfg_loc owner_loc;
	u32 nr_clients; /* as written, may exceed CFG_MAX_CLIENTS */
	char clients[CFG_MAX_CLIENTS][64];
	struct cfg_loc clients_loc;
	bool has_rights;
	u32 rights; /* KEEL_IPC_RIGHT_CALL | _SEND */
	struct cfg_loc rights_loc;
	u32 nr_badges; /* as written; 0: each client's badge is its VM index */
	u32 badges[CFG_MAX_CLIENTS];
	struct cfg_loc badges_loc;
	/* Timing (ipc_timing.c): the server's time per message, each client's calls per job. */
	bool has_service;
	u32 service_us;
	struct cfg_loc service_loc;
	u32 nr_calls; /* as written; 0: one call per job per client */
	u32 calls[CFG_MAX_CLIENTS];
	struct cfg_loc calls_loc;
	u64 blocking_ns[CFG_MAX_CLIENTS]; /* set by the analysis: each client's wait per call */
};

/* /channels/<name>: shared memory between named VMs, with a doorbell interrupt in each. */
struct cfg_channel {
	char name[64];
	char node[256];
	struct cfg_loc loc;
	int nr_defs;
	struct cfg_loc other_def;
	bool has_reg, has_phys;
	u64 ipa, size, pa;
	struct cfg_loc reg_loc, phys_loc;
	u32 nr_members; /* as written, may exceed CFG_MAX_CLIENTS */
	char members[CFG_MAX_CLIENTS][64];
	struct cfg_loc members_loc;
	u32 nr_access;
	bool writable[CFG_MAX_CLIENTS]; /* "rw" (true) or "ro" */
	struct cfg_loc access_loc;
	u32 nr_doorbells; /* 0: none */
	u32 doorbells[CFG_MAX_CLIENTS];
	struct cfg_loc doorbells_loc;
};

#define CFG_MAX_CHANNELS 40

struct cfg_ipc {
	bool given;
	struct cfg_loc loc;
	u32 nr_endpoints; /* as written, may exceed CFG_MAX_ENDPOINTS */
	struct cfg_endpoint endpoints[CFG_MAX_ENDPOINTS];
	u32 nr_channels; /* as written, may exceed CFG_MAX_CHANNELS */
	struct cfg_channel channels[CFG_MAX_CHANNELS];
	struct cfg_loc channels_loc;
};

/*
 * Each string of a string-list property (val, len bytes) into out[][64], at
 * most cap of them; returns how many were written in the source (may exceed
 * cap). *ok is false if one is empty, 64 bytes or longer, or unterminated.
 */
u32 ipc_strings(const void *val, int len, char (*out)[64], u32 cap, bool *ok);

/* Parse /ipc of fdt into sys->ipc, reporting shape errors (types, unknown properties) into d. */
void ipc_parse(const void *fdt, const struct srcmap *map, struct cfg_system *sys, struct diag *d);

/* The IPC rules (docs/configuration.md); pure, reads only sys. */
void ipc_validate(const struct cfg_system *sys, struct diag *d);

/*
 * VM vm's capability table, for a validated sys: for each endpoint in
 * declaration order that vm owns (RECV) or was granted (the endpoint's
 * rights, its badge), the next slot. Fills out (KEEL_MAX_IPC_SLOTS entries)
 * and returns the number of slots; *nr_owned gets the endpoints vm owns.
 */
u32 ipc_vm_slots(const struct cfg_system *sys, u32 vm, struct keel_blob_ipc_slot *out, u32 *nr_owned);

/* The same, and the endpoint each slot names into names[] (NULL: not wanted). */
u32 ipc_vm_slots_named(const struct cfg_system *sys, u32 vm, struct keel_blob_ipc_slot *out,
		       const struct cfg_endpoint **names, u32 *nr_owned);

/* VM vm's slots as text for layout.txt, one line each, into buf (cap bytes, NUL-terminated). */
void ipc_text_vm(const struct cfg_system *sys, u32 vm, char *buf, size_t cap);

struct platform_desc;

/* Parse /channels of fdt into sys->ipc.channels (channel.c). */
void channel_parse(const void *fdt, const struct srcmap *map, struct cfg_system *sys, struct diag *d);
/* The channel rules (docs/configuration.md) against the board plat; pure. */
void channel_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d);
/* VM vm's channels in declaration order into out (KEEL_MAX_CHANNELS_PER_VM); returns how many. */
u32 channel_vm_records(const struct cfg_system *sys, u32 vm, struct keel_blob_channel *out);
/* Stage-2 table pages VM vm's channel mappings may need (a safe upper bound). */
u32 channel_s2_pages(const struct cfg_system *sys, u32 vm);

#endif
