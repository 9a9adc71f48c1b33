/*
 * Standby VMs in the system description (standby.h): parsing a VM's
 * `standby` node, the rules a standby VM must follow today, where each of
 * its RAM copies goes in the board's guest RAM, its blob record and its
 * lines in layout.txt. Keel at EL2 checks only that a copy is page aligned
 * guest RAM outside the VM's own RAM (core/blob.c, blob_check_standby);
 * that it is clear of every other VM, channel and copy is enforced here,
 * by construction: standby_place_vm() only chooses free memory.
 */
#include <libfdt.h>
#include <string.h>

#include <keel/stage2.h>

#include "model.h"
#include "srcmap.h"
#include "validate.h"

#define STANDBY_BLOCK (2 * MiB) /* a stage-2 level-2 block */
/* Every VM's RAM, every channel, the modules, Keel, and every copy: the most that can be taken. */
#define STANDBY_MAX_TAKEN (CFG_MAX_VMS * CFG_MAX_MEM + CFG_MAX_CHANNELS + 2 + CFG_MAX_VMS * KEEL_MAX_MEM_REGIONS)

static const struct {
	const char *name;
	u32 bit;
} standby_detectors[] = {
	{ "stop", KEEL_STANDBY_DETECT_STOP },
	{ "abort", KEEL_STANDBY_DETECT_ABORT },
	{ "watchdog", KEEL_STANDBY_DETECT_WATCHDOG },
};

/* A physical range that a standby copy must not overlap. */
struct standby_range {
	u64 base;
	u64 size;
};

static u32 standby_detector_bit(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(standby_detectors); i++)
		if (!strcmp(standby_detectors[i].name, name))
			return standby_detectors[i].bit;
	return 0;
}

static void standby_parse_detectors(struct cfg_standby *sb, const char *val, int len, struct diag *d)
{
	const struct cfg_loc *loc = &sb->detectors_loc;

	if (len <= 1 || val[len - 1] != '\0') {
		diag_error(d, loc, sb->node,
			   "property 'detectors' must be a list of names: detectors = \"stop\", \"abort\", \"watchdog\"");
		return;
	}
	sb->has_detectors = true;
	for (int off = 0; off < len; off += (int)strlen(val + off) + 1) {
		u32 bit = standby_detector_bit(val + off);

		if (!bit)
			diag_error(d, loc, sb->node,
				   "unknown detector '%s' (a standby VM's detectors are \"stop\", \"abort\" and "
				   "\"watchdog\")",
				   val + off);
		else if (sb->detectors & bit)
			diag_error(d, loc, sb->node, "detector '%s' is listed twice", val + off);
		sb->detectors |= bit;
	}
}

static void standby_parse_console(struct cfg_standby *sb, const char *val, int len, struct diag *d)
{
	bool string = len > 1 && val[len - 1] == '\0' && strlen(val) == (size_t)len - 1;

	sb->has_console = string && (!strcmp(val, "held") || !strcmp(val, "immediate"));
	if (sb->has_console)
		sb->console_immediate = !strcmp(val, "immediate");
	else if (string)
		diag_error(d, &sb->console_loc, sb->node,
			   "console-output = \"%s\": must be \"held\" (released at each checkpoint) or \"immediate\"",
			   val);
	else
		diag_error(d, &sb->console_loc, sb->node,
			   "property 'console-output' must be one string, \"held\" or \"immediate\"");
}

static void standby_parse_prop(struct cfg_standby *sb, const char *name, const void *val, int len,
			       const struct srcmap *map, struct diag *d)
{
	struct cfg_loc loc = srcmap_prop(map, sb->node, name);

	if (!strcmp(name, "interval-ms")) {
		sb->interval_loc = loc;
		if ((sb->has_interval = len == 4))
			sb->interval_ms = fdt32_to_cpu(*(const fdt32_t *)val);
		else
			diag_error(d, &loc, sb->node, "property 'interval-ms' must be one cell: interval-ms = <20>");
	} else if (!strcmp(name, "detectors")) {
		sb->detectors_loc = loc;
		standby_parse_detectors(sb, val, len, d);
	} else if (!strcmp(name, "fault-injection")) {
		sb->inject_loc = loc;
		if (!(sb->inject = len == 0))
			diag_error(d, &loc, sb->node, "property 'fault-injection' takes no value: write fault-injection;");
	} else if (!strcmp(name, "console-output")) {
		sb->console_loc = loc;
		standby_parse_console(sb, val, len, d);
	} else {
		diag_error(d, &loc, sb->node,
			   "unknown property '%s' (standby has interval-ms, detectors, fault-injection, console-output)",
			   name);
	}
}

void standby_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		   struct diag *d)
{
	struct cfg_standby *sb = &vm->standby;
	int prop, sub, len;

	memset(sb, 0, sizeof(*sb));
	sb->given = true;
	snprintf(sb->node, sizeof(sb->node), "%s", path);
	sb->loc = srcmap_node(map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

		standby_parse_prop(sb, name, val, len, map, d);
	}
	fdt_for_each_subnode(sub, fdt, node) {
		char sub_path[CFG_NODE_LEN];

		snprintf(sub_path, sizeof(sub_path), "%.200s/%s", path, fdt_get_name(fdt, sub, NULL));
		struct cfg_loc loc = srcmap_node(map, sub_path, NULL, NULL);
		diag_error(d, &loc, sub_path, "unknown node (standby holds only properties)");
	}
}

static bool standby_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

static bool standby_range_sane(u64 base, u64 size)
{
	return size && base + size > base;
}

/* Regions of vm that get a copy: those the blob carries. */
static u32 standby_nr_mem(const struct cfg_vm *vm)
{
	return MIN(vm->nr_mem, (u32)MIN(CFG_MAX_MEM, KEEL_MAX_MEM_REGIONS));
}

/* Everything in physical memory a copy must stay clear of, but the copies. */
static u32 standby_taken(const struct cfg_system *sys, const struct platform_desc *plat, struct standby_range *r)
{
	u32 n = 0;

	r[n++] = (struct standby_range){ plat->modules.base, plat->modules.size };
	r[n++] = (struct standby_range){ plat->keel.base, plat->keel.size };
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < MIN(sys->vms[v].nr_mem, (u32)CFG_MAX_MEM); i++)
			r[n++] = (struct standby_range){ sys->vms[v].mem[i].pa, sys->vms[v].mem[i].size };
	for (u32 c = 0; c < MIN(sys->ipc.nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];

		if (ch->has_reg && ch->has_phys)
			r[n++] = (struct standby_range){ ch->pa, ch->size };
	}
	return n;
}

/*
 * The highest pa in guest RAM with pa % align == off where [pa, pa + size)
 * overlaps no taken range; false if there is none. Each overlap moves the
 * candidate below the range it hit, so the search ends.
 */
static bool standby_fit(const struct standby_range *taken, u32 n, const struct plat_region *ram, u64 size,
			u64 align, u64 off, u64 *out)
{
	u64 top;

	if (size > ram->size)
		return false;
	top = ram->base + ram->size - size; /* the highest start that ends inside */
	for (;;) {
		u32 i;

		if (top < off)
			return false;
		u64 pa = ALIGN_DOWN(top - off, align) + off;

		if (pa < ram->base)
			return false;
		for (i = 0; i < n; i++)
			if (standby_range_sane(taken[i].base, taken[i].size) &&
			    standby_overlap(pa, size, taken[i].base, taken[i].size))
				break;
		if (i == n) {
			*out = pa;
			return true;
		}
		if (taken[i].base < size)
			return false;
		top = taken[i].base - size;
	}
}

/* Places the copies of vm's regions, adding each to taken; false if one found no place. */
static bool standby_place_one(const struct cfg_vm *vm, const struct platform_desc *plat,
			      struct standby_range *taken, u32 *nr_taken, u64 *pa)
{
	bool ok = true;

	for (u32 i = 0; i < standby_nr_mem(vm); i++) {
		const struct cfg_mem *m = &vm->mem[i];

		if (m->read_only)
			continue; /* never written, so never copied: no copy at all */
		if (!standby_range_sane(m->pa, m->size) || !IS_ALIGNED(m->size, PAGE_SIZE))
			continue; /* reported by validate.c */
		if (!standby_fit(taken, *nr_taken, &plat->guest_ram, m->size, STANDBY_BLOCK, m->ipa % STANDBY_BLOCK,
				 &pa[i]) &&
		    !standby_fit(taken, *nr_taken, &plat->guest_ram, m->size, PAGE_SIZE, 0, &pa[i])) {
			ok = false;
			continue;
		}
		taken[(*nr_taken)++] = (struct standby_range){ pa[i], m->size };
	}
	return ok;
}

bool standby_place_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 *pa)
{
	struct standby_range taken[STANDBY_MAX_TAKEN];
	u64 scratch[KEEL_MAX_MEM_REGIONS];
	u32 n = standby_taken(sys, plat, taken);
	bool ok = true;

	memset(pa, 0, KEEL_MAX_MEM_REGIONS * sizeof(*pa));
	for (u32 v = 0; v <= vm && v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		if (!sys->vms[v].standby.given)
			continue;
		memset(scratch, 0, sizeof(scratch));
		if (v == vm)
			ok = standby_place_one(&sys->vms[v], plat, taken, &n, pa);
		else
			standby_place_one(&sys->vms[v], plat, taken, &n, scratch); /* reported for that VM */
	}
	return ok;
}

u32 standby_split_pages(const struct cfg_vm *vm)
{
	u32 pages = 0;

	for (u32 i = 0; i < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); i++) {
		const struct cfg_mem *m = &vm->mem[i];

		if (standby_range_sane(m->ipa, m->size) && !m->read_only) /* a read-only region is never split */
			pages += (u32)((ALIGN_UP(m->ipa + m->size, STANDBY_BLOCK) - ALIGN_DOWN(m->ipa, STANDBY_BLOCK)) /
				       STANDBY_BLOCK);
	}
	return pages;
}

/* "16 MiB" or "3076 KiB" into buf (24 bytes). */
static const char *standby_size_text(u64 size, char *buf)
{
	if (size % MiB == 0)
		snprintf(buf, 24, "%llu MiB", (unsigned long long)(size / MiB));
	else
		snprintf(buf, 24, "%llu KiB", (unsigned long long)(size / KiB));
	return buf;
}

/* IPC endpoints and channels: the first one naming vm, reported. */
static void standby_check_ipc(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	const struct cfg_standby *sb = &vm->standby;

	for (u32 e = 0; e < MIN(sys->ipc.nr_endpoints, (u32)CFG_MAX_ENDPOINTS); e++) {
		const struct cfg_endpoint *ep = &sys->ipc.endpoints[e];
		bool uses = ep->has_owner && !strcmp(ep->owner, vm->name);

		for (u32 c = 0; c < MIN(ep->nr_clients, (u32)CFG_MAX_CLIENTS); c++)
			uses = uses || !strcmp(ep->clients[c], vm->name);
		if (uses) {
			diag_error(d, &sb->loc, sb->node,
				   "a standby VM may not own or be granted IPC endpoints yet (IPC state is not "
				   "checkpointed yet): endpoint '%s' (%s:%d)",
				   ep->name, ep->loc.file, ep->loc.line);
			break;
		}
	}
	for (u32 c = 0; c < MIN(sys->ipc.nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];
		bool member = false;

		for (u32 m = 0; m < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); m++)
			member = member || !strcmp(ch->members[m], vm->name);
		if (member) {
			diag_error(d, &sb->loc, sb->node,
				   "a standby VM may not be a member of notification channels yet (channel state "
				   "is not checkpointed yet): channel '%s' (%s:%d)",
				   ch->name, ch->loc.file, ch->loc.line);
			break;
		}
	}
}

/* What Keel cannot checkpoint yet: IPC, channels, virtio devices, passthrough devices and their IRQs. */
/*
 * A checkpoint or failover runs on one of the VM's CPUs without preemption
 * (core/standby.c): another VM's vCPU on that CPU would wait for the copy,
 * a delay the schedulability analysis does not count. So, for now, a
 * standby VM's CPUs are its own.
 */
static void standby_check_cpus(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	const struct cfg_standby *sb = &vm->standby;

	for (u32 a = 0; a < MIN(vm->nr_affinity, (u32)CFG_MAX_LIST); a++)
		for (u32 j = 0; j < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); j++) {
			const struct cfg_vm *o = &sys->vms[j];

			if (o == vm)
				continue;
			for (u32 b = 0; b < MIN(o->nr_affinity, (u32)CFG_MAX_LIST); b++)
				if (o->affinity[b] == vm->affinity[a]) {
					diag_error(d, &sb->loc, sb->node,
						   "a standby VM may not share CPU %u with VM '%s': its checkpoints are not "
						   "preemptible yet, and the other VM would wait for them",
						   vm->affinity[a], o->name);
					return;
				}
		}
}

static void standby_check_state(const struct cfg_system *sys, const struct cfg_vm *vm, struct diag *d)
{
	const struct cfg_standby *sb = &vm->standby;

	standby_check_cpus(sys, vm, d);
	standby_check_ipc(sys, vm, d);
	if (vm->virtio.nr_devs)
		diag_error(d, &sb->loc, sb->node,
			   "a standby VM may not have virtio devices yet (their state is not checkpointed yet): "
			   "%s (%s:%d)",
			   vm->virtio.node, vm->virtio.loc.file, vm->virtio.loc.line);
	if (vm->nr_pass)
		diag_error(d, &sb->loc, sb->node,
			   "a standby VM may not have passthrough devices or IRQs yet (their state is not "
			   "checkpointed yet): passthrough (%s:%d)",
			   vm->pass_loc.file, vm->pass_loc.line);
	if ((sb->detectors & KEEL_STANDBY_DETECT_WATCHDOG) && !vm->watchdog.given)
		diag_error(d, &sb->detectors_loc, sb->node,
			   "detector \"watchdog\" needs the VM's watchdog: add watchdog { timeout-ms = <N>; } to it");
}

/* Every copy of vm has a place, or one error naming the VM, its regions' sizes and the guest RAM. */
static void standby_check_room(const struct cfg_system *sys, const struct platform_desc *plat, u32 idx,
			       struct diag *d)
{
	const struct cfg_vm *vm = &sys->vms[idx];
	const struct plat_region *ram = &plat->guest_ram;
	char sizes[KEEL_MAX_MEM_REGIONS * (CFG_NODE_LEN + 32)] = "", one[24], ram_size[24];
	u64 pa[KEEL_MAX_MEM_REGIONS], total = 0;
	size_t used = 0;

	if (standby_place_vm(sys, plat, idx, pa))
		return;
	for (u32 i = 0; i < standby_nr_mem(vm); i++) {
		if (vm->mem[i].read_only)
			continue;
		total += vm->mem[i].size;
		used += (size_t)snprintf(sizes + used, sizeof(sizes) - used, "%s%s %s%s", i ? ", " : "",
					 vm->mem[i].node, standby_size_text(vm->mem[i].size, one),
					 pa[i] || !vm->mem[i].size ? "" : " (no room)");
		if (used >= sizeof(sizes))
			break;
	}
	diag_error(d, &vm->standby.loc, vm->standby.node,
		   "no room for the standby copy of VM '%s': it needs a copy of each RAM region (%s; %s in all) "
		   "in the guest RAM of %s (0x%llx-0x%llx, %s), clear of every VM's RAM, channel and other "
		   "standby copy",
		   vm->name, sizes, standby_size_text(total, one), plat->name, (unsigned long long)ram->base,
		   (unsigned long long)(ram->base + ram->size - 1), standby_size_text(ram->size, ram_size));
}

void standby_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	for (u32 i = 0; i < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); i++) {
		const struct cfg_vm *vm = &sys->vms[i];
		const struct cfg_standby *sb = &vm->standby;

		if (!sb->given)
			continue;
		if (!sb->has_interval)
			diag_error(d, &sb->loc, sb->node,
				   "missing property 'interval-ms' (the checkpoint interval, %u to %u ms)",
				   CFG_STANDBY_MIN_MS, CFG_STANDBY_MAX_MS);
		else if (sb->interval_ms < CFG_STANDBY_MIN_MS || sb->interval_ms > CFG_STANDBY_MAX_MS)
			diag_error(d, &sb->interval_loc, sb->node, "interval-ms = <%u>: must be %u to %u (ms)",
				   sb->interval_ms, CFG_STANDBY_MIN_MS, CFG_STANDBY_MAX_MS);
		standby_check_state(sys, vm, d);
		standby_check_room(sys, plat, i, d);
	}
}

void standby_blob(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		  struct keel_blob_standby *out)
{
	const struct cfg_standby *sb = &sys->vms[vm].standby;

	memset(out, 0, sizeof(*out));
	if (!sb->given)
		return;
	out->flags = KEEL_STANDBY_ON | (sb->inject ? KEEL_STANDBY_INJECT : 0) |
		     (sb->console_immediate ? 0 : KEEL_STANDBY_HOLD_CONSOLE);
	out->detectors = sb->has_detectors ? sb->detectors : CFG_STANDBY_DEFAULT_DETECTORS;
	out->interval_ns = (u64)sb->interval_ms * 1000000ull;
	standby_place_vm(sys, plat, vm, out->mem_pa);
}

void standby_text_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, char *buf,
		     size_t cap)
{
	const struct cfg_vm *v = &sys->vms[vm];
	const struct cfg_standby *sb = &v->standby;
	u32 detectors = sb->has_detectors ? sb->detectors : CFG_STANDBY_DEFAULT_DETECTORS;
	u64 pa[KEEL_MAX_MEM_REGIONS], total = 0;
	size_t n = 0;
	char one[24];

	buf[0] = '\0';
	if (!sb->given)
		return;
	standby_place_vm(sys, plat, vm, pa);
	n += (size_t)snprintf(buf + n, cap - n, "  standby checkpoint every %u ms, detectors", sb->interval_ms);
	for (size_t i = 0; i < ARRAY_SIZE(standby_detectors) && n < cap; i++)
		if (detectors & standby_detectors[i].bit)
			n += (size_t)snprintf(buf + n, cap - n, " %s", standby_detectors[i].name);
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "%s, console output %s\n",
				      sb->inject ? ", fault injection" : "",
				      sb->console_immediate ? "immediate" : "held until each checkpoint");
	for (u32 i = 0; i < standby_nr_mem(v) && n < cap; i++) {
		if (v->mem[i].read_only) {
			n += (size_t)snprintf(buf + n, cap - n,
					      "  standby shares read-only IPA 0x%llx-0x%llx (%s): no copy, never copied\n",
					      (unsigned long long)v->mem[i].ipa,
					      (unsigned long long)(v->mem[i].ipa + v->mem[i].size - 1),
					      standby_size_text(v->mem[i].size, one));
			continue;
		}
		total += v->mem[i].size;
		n += (size_t)snprintf(buf + n, cap - n, "  standby copy of IPA 0x%llx-0x%llx at PA 0x%llx-0x%llx (%s)\n",
				      (unsigned long long)v->mem[i].ipa,
				      (unsigned long long)(v->mem[i].ipa + v->mem[i].size - 1),
				      (unsigned long long)pa[i], (unsigned long long)(pa[i] + v->mem[i].size - 1),
				      standby_size_text(v->mem[i].size, one));
	}
	if (n < cap)
		snprintf(buf + n, cap - n,
			 "  standby cost %s of guest RAM for the copy; stage 2: %u level-3 table pages (%u KiB) "
			 "for the dirty log's 4 KiB splits, within the table pages above\n",
			 standby_size_text(total, one), standby_split_pages(v), standby_split_pages(v) * 4);
}
