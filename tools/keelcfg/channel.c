/*
 * The /channels node: notification channels, shared memory mapped into
 * exactly the VMs named, with the access named, never executable, and a
 * doorbell interrupt per member (docs/configuration.md, "Notification
 * channels"). Keel at EL2 maps what the blob says; every isolation rule is
 * here: the memory is board guest RAM that no VM has as its own RAM and no
 * other channel uses, it hides nothing in a member's address space, and a
 * doorbell is a free SPI of its VM.
 *
 *   channels {
 *       samples {
 *           reg = <0x0 0x50000000 0x0 0x10000>;   IPA and size, in every member
 *           phys = <0x0 0x63000000>;              where the memory is
 *           members = "rtos", "client";
 *           access = "rw", "ro";                  one per member
 *           doorbells = <40 41>;                  optional: the SPI raised in each member
 *       };
 *   };
 */
#include <libfdt.h>
#include <string.h>

#include <keel/stage2.h>

#include "model.h"
#include "s2size.h"
#include "srcmap.h"
#include "validate.h"

static u64 channel_cells(const void *val, int i)
{
	const fdt32_t *c = val;

	return (u64)fdt32_to_cpu(c[2 * i]) << 32 | fdt32_to_cpu(c[2 * i + 1]);
}

static void channel_parse_strings(const void *val, int len, char (*out)[64], u32 *n, bool *ok)
{
	const char *s = val;

	*ok = len > 1 && s[len - 1] == '\0';
	*n = 0;
	for (int off = 0; *ok && off < len; (*n)++) {
		size_t l = strlen(s + off);

		if (l == 0 || l >= 64)
			*ok = false;
		else if (*n < CFG_MAX_CLIENTS)
			memcpy(out[*n], s + off, l + 1);
		off += (int)l + 1;
	}
}

static void channel_parse_prop(struct cfg_channel *ch, const char *name, const void *val, int len,
			       const struct srcmap *map, struct diag *d)
{
	struct cfg_loc loc = srcmap_prop(map, ch->node, name);
	char words[CFG_MAX_CLIENTS][64];
	bool ok;

	if (!strcmp(name, "reg")) {
		ch->reg_loc = loc;
		if ((ch->has_reg = len == 16)) {
			ch->ipa = channel_cells(val, 0);
			ch->size = channel_cells(val, 1);
		} else {
			diag_error(d, &loc, ch->node, "property 'reg' must be <ipa-hi ipa-lo size-hi size-lo>");
		}
	} else if (!strcmp(name, "phys")) {
		ch->phys_loc = loc;
		if ((ch->has_phys = len == 8))
			ch->pa = channel_cells(val, 0);
		else
			diag_error(d, &loc, ch->node, "property 'phys' must be <pa-hi pa-lo>");
	} else if (!strcmp(name, "members")) {
		ch->members_loc = loc;
		channel_parse_strings(val, len, ch->members, &ch->nr_members, &ok);
		if (!ok)
			diag_error(d, &loc, ch->node, "property 'members' must be a list of VM names");
	} else if (!strcmp(name, "access")) {
		ch->access_loc = loc;
		channel_parse_strings(val, len, words, &ch->nr_access, &ok);
		for (u32 i = 0; ok && i < ch->nr_access && i < CFG_MAX_CLIENTS; i++) {
			ok = !strcmp(words[i], "rw") || !strcmp(words[i], "ro");
			ch->writable[i] = !strcmp(words[i], "rw");
		}
		if (!ok)
			diag_error(d, &loc, ch->node, "property 'access' must list \"rw\" or \"ro\" for each member");
	} else if (!strcmp(name, "doorbells")) {
		ch->doorbells_loc = loc;
		ch->nr_doorbells = len > 0 && len % 4 == 0 ? (u32)len / 4 : 0;
		if (!ch->nr_doorbells)
			diag_error(d, &loc, ch->node, "property 'doorbells' must be one cell per member");
		for (u32 i = 0; i < ch->nr_doorbells && i < CFG_MAX_CLIENTS; i++)
			ch->doorbells[i] = fdt32_to_cpu(((const fdt32_t *)val)[i]);
	} else {
		diag_error(d, &loc, ch->node,
			   "unknown property '%s' (a channel has reg, phys, members, access, doorbells)", name);
	}
}

void channel_parse(const void *fdt, const struct srcmap *map, struct cfg_system *sys, struct diag *d)
{
	int node = fdt_subnode_offset(fdt, 0, "channels"), sub, prop, len;
	struct cfg_ipc *ipc = &sys->ipc;

	if (node < 0)
		return;
	ipc->channels_loc = srcmap_node(map, "/channels", NULL, NULL);
	fdt_for_each_subnode(sub, fdt, node) {
		struct cfg_channel *ch;

		if (ipc->nr_channels++ >= CFG_MAX_CHANNELS)
			continue; /* counted, never pointed past the array: the validator reports the count */
		ch = &ipc->channels[ipc->nr_channels - 1];
		memset(ch, 0, sizeof(*ch));
		snprintf(ch->name, sizeof(ch->name), "%s", fdt_get_name(fdt, sub, NULL));
		snprintf(ch->node, sizeof(ch->node), "/channels/%s", fdt_get_name(fdt, sub, NULL));
		ch->loc = srcmap_node(map, ch->node, &ch->nr_defs, &ch->other_def);
		fdt_for_each_property_offset(prop, fdt, sub) {
			const char *name;
			const void *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

			channel_parse_prop(ch, name, val, len, map, d);
		}
	}
}

static bool channel_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* The memory: aligned, inside the board's guest RAM, nobody's RAM, no other channel's. */
static void channel_validate_memory(const struct cfg_system *sys, const struct platform_desc *plat, u32 c,
				    struct diag *d)
{
	const struct cfg_channel *ch = &sys->ipc.channels[c];
	const struct plat_region *g = &plat->guest_ram;

	if (!ch->has_reg || !ch->has_phys) {
		diag_error(d, &ch->loc, ch->node, "a channel needs 'reg' (IPA and size) and 'phys'");
		return;
	}
	if (!ch->size || (ch->ipa | ch->size | ch->pa) % PAGE_SIZE || ch->ipa + ch->size > BIT(STAGE2_IPA_BITS))
		diag_error(d, &ch->reg_loc, ch->node, "empty, not 4 KiB aligned or beyond the 39-bit IPA space");
	else if (ch->pa < g->base || ch->size > g->size || ch->pa - g->base > g->size - ch->size)
		diag_error(d, &ch->phys_loc, ch->node, "physical 0x%llx+0x%llx is not the board's guest RAM",
			   (unsigned long long)ch->pa, (unsigned long long)ch->size);
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 m = 0; m < MIN(sys->vms[v].nr_mem, (u32)CFG_MAX_MEM); m++)
			if (channel_overlap(ch->pa, ch->size, sys->vms[v].mem[m].pa, sys->vms[v].mem[m].size))
				diag_error(d, &ch->phys_loc, ch->node, "physical range overlaps vm '%s' RAM at %s:%d",
					   sys->vms[v].name, sys->vms[v].mem[m].loc.file, sys->vms[v].mem[m].loc.line);
	for (u32 o = 0; o < c; o++) {
		const struct cfg_channel *other = &sys->ipc.channels[o];

		if (other->has_phys && other->has_reg && channel_overlap(ch->pa, ch->size, other->pa, other->size))
			diag_error(d, &ch->phys_loc, ch->node, "physical range overlaps channel '%s'", other->name);
	}
}

/* Whether IPA range [ipa, ipa + size) of VM vm is free: no RAM, no emulated or passed-through device. */
static bool channel_ipa_free(const struct cfg_vm *vm, const struct platform_desc *plat, u64 ipa, u64 size)
{
	if (channel_overlap(ipa, size, CFG_GICD_IPA, CFG_GICD_SIZE) ||
	    channel_overlap(ipa, size, CFG_GICR_IPA, CFG_GICR_STRIDE * vm->nr_vcpus) ||
	    channel_overlap(ipa, size, CFG_VUART_IPA, CFG_VUART_SIZE))
		return false;
	for (u32 m = 0; m < MIN(vm->nr_mem, (u32)CFG_MAX_MEM); m++)
		if (channel_overlap(ipa, size, vm->mem[m].ipa, vm->mem[m].size))
			return false;
	for (u32 p = 0; p < MIN(vm->nr_pass, (u32)CFG_MAX_PASS); p++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[p].name);

		if (dev && channel_overlap(ipa, size, dev->mmio.base, dev->mmio.size))
			return false;
	}
	return true;
}

/* A doorbell: 0, or an SPI of the VM not its UART's, not passed through, not another channel's. */
static void channel_validate_doorbell(const struct cfg_system *sys, const struct platform_desc *plat, u32 c,
				      u32 i, int vm, struct diag *d)
{
	const struct cfg_channel *ch = &sys->ipc.channels[c];
	u32 irq = ch->doorbells[i];
	bool taken = irq == CFG_VUART_INTID;

	if (!irq)
		return;
	for (u32 p = 0; p < MIN(sys->vms[vm].nr_pass, (u32)CFG_MAX_PASS); p++) {
		const struct plat_device *dev = validate_find_device(plat, sys->vms[vm].pass[p].name);

		taken |= dev && dev->irq == irq;
	}
	for (u32 o = 0; o < c; o++)
		for (u32 j = 0; j < MIN(sys->ipc.channels[o].nr_members, (u32)CFG_MAX_CLIENTS); j++)
			taken |= j < sys->ipc.channels[o].nr_doorbells && sys->ipc.channels[o].doorbells[j] == irq &&
				 validate_find_vm(sys, sys->ipc.channels[o].members[j]) == vm;
	if (irq < 32 || irq >= 32 + CFG_NR_SPIS)
		diag_error(d, &ch->doorbells_loc, ch->node, "doorbell %u of '%s' is not an SPI of the VM (32..%u)", irq,
			   ch->members[i], 32 + CFG_NR_SPIS - 1);
	else if (taken)
		diag_error(d, &ch->doorbells_loc, ch->node, "doorbell %u of '%s' is already used in that VM", irq,
			   ch->members[i]);
}

static void channel_validate_members(const struct cfg_system *sys, const struct platform_desc *plat, u32 c,
				     struct diag *d)
{
	const struct cfg_channel *ch = &sys->ipc.channels[c];

	if (ch->nr_members < 2 || ch->nr_members > KEEL_MAX_VMS)
		diag_error(d, ch->members_loc.file ? &ch->members_loc : &ch->loc, ch->node,
			   "%u members: a channel joins 2 to %u VMs", ch->nr_members, KEEL_MAX_VMS);
	if (ch->nr_access != ch->nr_members)
		diag_error(d, ch->nr_access ? &ch->access_loc : &ch->loc, ch->node,
			   "%u access entries for %u members: give one per member", ch->nr_access, ch->nr_members);
	if (ch->nr_doorbells && ch->nr_doorbells != ch->nr_members)
		diag_error(d, &ch->doorbells_loc, ch->node, "%u doorbells for %u members: give one per member, or none",
			   ch->nr_doorbells, ch->nr_members);
	for (u32 i = 0; i < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); i++) {
		int vm = validate_find_vm(sys, ch->members[i]);

		for (u32 j = 0; j < i; j++)
			if (!strcmp(ch->members[i], ch->members[j]))
				diag_error(d, &ch->members_loc, ch->node, "member '%s' is named twice", ch->members[i]);
		if (vm < 0 || vm >= CFG_MAX_VMS) {
			diag_error(d, &ch->members_loc, ch->node, "member '%s' is not a VM of this system",
				   ch->members[i]);
			continue;
		}
		if (ch->has_reg && !channel_ipa_free(&sys->vms[vm], plat, ch->ipa, ch->size))
			diag_error(d, &ch->reg_loc, ch->node,
				   "IPA 0x%llx+0x%llx overlaps RAM or a device of member '%s'",
				   (unsigned long long)ch->ipa, (unsigned long long)ch->size, ch->members[i]);
		/* Two channels of one member at overlapping IPAs could not both be mapped. */
		for (u32 o = 0; o < c && ch->has_reg; o++) {
			const struct cfg_channel *other = &sys->ipc.channels[o];

			for (u32 k = 0; k < MIN(other->nr_members, (u32)CFG_MAX_CLIENTS); k++)
				if (other->has_reg && !strcmp(other->members[k], ch->members[i]) &&
				    channel_overlap(ch->ipa, ch->size, other->ipa, other->size))
					diag_error(d, &ch->reg_loc, ch->node,
						   "IPA range overlaps channel '%s' in member '%s'", other->name,
						   ch->members[i]);
		}
		if (i < ch->nr_doorbells)
			channel_validate_doorbell(sys, plat, c, i, vm, d);
	}
}

void channel_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	const struct cfg_ipc *ipc = &sys->ipc;

	if (ipc->nr_channels > CFG_MAX_CHANNELS)
		diag_error(d, &ipc->channels_loc, "/channels", "%u channels: too many", ipc->nr_channels);
	for (u32 c = 0; c < MIN(ipc->nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &ipc->channels[c];

		if (ch->nr_defs > 1)
			diag_error(d, &ch->other_def, ch->node,
				   "channel name '%s' is used twice (first at %s:%d); dtc would merge the two", ch->name,
				   ch->loc.file, ch->loc.line);
		channel_validate_memory(sys, plat, c, d);
		channel_validate_members(sys, plat, c, d);
	}
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++) {
		u32 n = 0;

		for (u32 c = 0; c < MIN(ipc->nr_channels, (u32)CFG_MAX_CHANNELS); c++)
			for (u32 i = 0; i < MIN(ipc->channels[c].nr_members, (u32)CFG_MAX_CLIENTS); i++)
				n += !strcmp(ipc->channels[c].members[i], sys->vms[v].name);
		if (n > KEEL_MAX_CHANNELS_PER_VM)
			diag_error(d, &sys->vms[v].loc, sys->vms[v].node, "member of %u channels, at most %u", n,
				   KEEL_MAX_CHANNELS_PER_VM);
	}
}

u32 channel_vm_records(const struct cfg_system *sys, u32 vm, struct keel_blob_channel *out)
{
	const struct cfg_ipc *ipc = &sys->ipc;
	u32 n = 0;

	for (u32 c = 0; c < MIN(ipc->nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &ipc->channels[c];

		for (u32 i = 0; i < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); i++)
			if (validate_find_vm(sys, ch->members[i]) == (int)vm && n < KEEL_MAX_CHANNELS_PER_VM)
				out[n++] = (struct keel_blob_channel){
					ch->ipa, ch->pa, ch->size,
					i < ch->nr_access && ch->writable[i] ? KEEL_CHANNEL_WRITE : 0, c,
					i < ch->nr_doorbells ? ch->doorbells[i] : 0, 0 };
	}
	return n;
}

u32 channel_s2_pages(const struct cfg_system *sys, u32 vm)
{
	struct keel_blob_channel recs[KEEL_MAX_CHANNELS_PER_VM];
	u32 n = channel_vm_records(sys, vm, recs), pages = 0;

	for (u32 i = 0; i < n; i++) {
		struct s2size_range r = { recs[i].ipa, recs[i].size };

		pages += s2size_tables(&r, 1); /* counts a root and level-2 table it may share: an upper bound */
	}
	return pages;
}
