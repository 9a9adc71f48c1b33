/*
 * virtio-mmio devices in the system description (virtio.h): parsing each
 * VM's `virtio` node, and the one place that decides where a device is in
 * its VM (IPA, SPI), its MAC and network number, its console peer and its
 * disk number. The blob records, the guest tree, the layout and QEMU's
 * disk arguments all come from virtio_place_vm(), so what Keel emulates,
 * what the guest is told, what QEMU provides and what the user reads
 * cannot disagree. The rules are in virtio_check.c.
 */
#include <libfdt.h>
#include <string.h>

#include <keel/stage2.h>

#include "model.h"
#include "srcmap.h"
#include "validate.h"

/* A string property: one non-empty string that fits in cap bytes. */
static bool virtio_string(const char *path, const char *name, const void *val, int len, char *out, size_t cap,
			  const struct cfg_loc *loc, struct diag *d)
{
	if (len <= 1 || ((const char *)val)[len - 1] != '\0' || strlen(val) != (size_t)len - 1) {
		diag_error(d, loc, path, "property '%s' must be one non-empty string", name);
		return false;
	}
	if ((size_t)len > cap) {
		diag_error(d, loc, path, "property '%s' is too long (at most %zu characters)", name, cap - 1);
		return false;
	}
	memcpy(out, val, (size_t)len);
	return true;
}

static void virtio_parse_kind(struct cfg_virtio_dev *v)
{
	if (!strcmp(v->device, "console"))
		v->kind = KEEL_VDEV_VIRTIO_CONSOLE;
	else if (!strcmp(v->device, "net"))
		v->kind = KEEL_VDEV_VIRTIO_NET;
	else if (!strcmp(v->device, "blk"))
		v->kind = KEEL_VDEV_VIRTIO_BLK;
}

/* A disk's properties: image, size-mib, read-only. False if name is none of them. */
static bool virtio_parse_disk_prop(struct cfg_virtio_dev *v, const char *name, const void *val, int len,
				   const struct cfg_loc *loc, struct diag *d)
{
	if (!strcmp(name, "image")) {
		v->image_loc = *loc;
		v->has_image = virtio_string(v->node, name, val, len, v->image, sizeof(v->image), loc, d);
	} else if (!strcmp(name, "size-mib")) {
		v->size_loc = *loc;
		if ((v->has_size_mib = len == 4))
			v->size_mib = fdt32_to_cpu(*(const fdt32_t *)val);
		else
			diag_error(d, loc, v->node, "property 'size-mib' must be one cell, the size in MiB: size-mib = <64>");
	} else if (!strcmp(name, "read-only")) {
		v->read_only_loc = *loc;
		if (!(v->read_only = len == 0))
			diag_error(d, loc, v->node, "property 'read-only' takes no value: write read-only;");
	} else {
		return false;
	}
	return true;
}

static void virtio_parse_prop(struct cfg_virtio_dev *v, const char *name, const void *val, int len,
			      const struct srcmap *map, struct diag *d)
{
	struct cfg_loc loc = srcmap_prop(map, v->node, name);

	if (!strcmp(name, "device")) {
		v->device_loc = loc;
		if ((v->has_device = virtio_string(v->node, name, val, len, v->device, sizeof(v->device), &loc, d)))
			virtio_parse_kind(v);
	} else if (!strcmp(name, "connect")) {
		v->connect_loc = loc;
		v->has_connect = virtio_string(v->node, name, val, len, v->connect, sizeof(v->connect), &loc, d);
	} else if (!strcmp(name, "network")) {
		v->network_loc = loc;
		v->has_network = virtio_string(v->node, name, val, len, v->network, sizeof(v->network), &loc, d);
	} else if (!strcmp(name, "mac")) {
		v->mac_loc = loc;
		if ((v->has_mac = len == CFG_VIRTIO_MAC_LEN))
			memcpy(v->mac, val, CFG_VIRTIO_MAC_LEN);
		else
			diag_error(d, &loc, v->node, "property 'mac' must be 6 bytes: mac = [02 00 00 00 00 01]");
	} else if (!strcmp(name, "reg")) {
		v->reg_loc = loc;
		if ((v->has_reg = len == 8))
			v->ipa = (u64)fdt32_to_cpu(((const fdt32_t *)val)[0]) << 32 | fdt32_to_cpu(((const fdt32_t *)val)[1]);
		else
			diag_error(d, &loc, v->node, "property 'reg' must be <ipa-hi ipa-lo> (the size is always 0x1000)");
	} else if (!strcmp(name, "interrupts")) {
		v->irq_loc = loc;
		if ((v->has_irq = len == 4))
			v->irq = fdt32_to_cpu(*(const fdt32_t *)val);
		else
			diag_error(d, &loc, v->node, "property 'interrupts' must be one cell, the INTID of an SPI");
	} else if (!virtio_parse_disk_prop(v, name, val, len, &loc, d)) {
		diag_error(d, &loc, v->node,
			   "unknown property '%s' (a virtio device has device, connect, network, mac, image, size-mib, "
			   "read-only, reg, interrupts)",
			   name);
	}
}

void virtio_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		  struct diag *d)
{
	struct cfg_virtio *vio = &vm->virtio;
	int prop, sub, len;

	vio->given = true;
	snprintf(vio->node, sizeof(vio->node), "%s", path);
	vio->loc = srcmap_node(map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;

		fdt_getprop_by_offset(fdt, prop, &name, NULL);
		struct cfg_loc loc = srcmap_prop(map, path, name);
		diag_error(d, &loc, path, "unknown property '%s' (virtio holds one node per device)", name);
	}
	fdt_for_each_subnode(sub, fdt, node) {
		struct cfg_virtio_dev *v;

		if (vio->nr_devs++ >= CFG_MAX_VIRTIO)
			continue; /* counted, never pointed past the array: the validator reports the count */
		v = &vio->devs[vio->nr_devs - 1];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", fdt_get_name(fdt, sub, NULL));
		snprintf(v->node, sizeof(v->node), "%.190s/%s", vio->node, fdt_get_name(fdt, sub, NULL));
		v->loc = srcmap_node(map, v->node, &v->nr_defs, &v->other_def);
		fdt_for_each_property_offset(prop, fdt, sub) {
			const char *name;
			const void *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

			virtio_parse_prop(v, name, val, len, map, d);
		}
		if (fdt_first_subnode(fdt, sub) >= 0)
			diag_error(d, &v->loc, v->node, "a virtio device holds only properties");
	}
}

u32 virtio_nr(const struct cfg_system *sys, u32 vm)
{
	return vm < MIN(sys->nr_vms, (u32)CFG_MAX_VMS) ? MIN(sys->vms[vm].virtio.nr_devs, (u32)CFG_MAX_VIRTIO) : 0;
}

static bool virtio_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Whether VM vm is a member of channel ch. */
static bool virtio_in_channel(const struct cfg_system *sys, const struct cfg_channel *ch, u32 vm, u32 *member)
{
	for (u32 i = 0; i < MIN(ch->nr_members, (u32)CFG_MAX_CLIENTS); i++)
		if (validate_find_vm(sys, ch->members[i]) == (int)vm) {
			*member = i;
			return true;
		}
	return false;
}

const char *virtio_ipa_user(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 ipa,
			    u64 size, char *buf, size_t cap)
{
	const struct cfg_vm *v = &sys->vms[vm];
	u32 vcpus = v->nr_vcpus >= 1 && v->nr_vcpus <= KEEL_MAX_VCPUS_PER_VM ? v->nr_vcpus : KEEL_MAX_VCPUS_PER_VM;
	u32 member;

	if (virtio_overlap(ipa, size, CFG_GICD_IPA, CFG_GICD_SIZE))
		return "the GIC distributor";
	if (virtio_overlap(ipa, size, CFG_GICR_IPA, CFG_GICR_STRIDE * vcpus))
		return "the GIC redistributors";
	if (virtio_overlap(ipa, size, CFG_VUART_IPA, CFG_VUART_SIZE))
		return "the virtual UART";
	for (u32 m = 0; m < MIN(v->nr_mem, (u32)CFG_MAX_MEM); m++)
		if (virtio_overlap(ipa, size, v->mem[m].ipa, v->mem[m].size)) {
			snprintf(buf, cap, "RAM %s", v->mem[m].node);
			return buf;
		}
	for (u32 p = 0; p < MIN(v->nr_pass, (u32)CFG_MAX_PASS); p++) {
		const struct plat_device *dev = validate_find_device(plat, v->pass[p].name);

		if (dev && virtio_overlap(ipa, size, dev->mmio.base, dev->mmio.size)) {
			snprintf(buf, cap, "passthrough device '%s'", dev->name);
			return buf;
		}
	}
	for (u32 c = 0; c < MIN(sys->ipc.nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];

		if (ch->has_reg && virtio_in_channel(sys, ch, vm, &member) &&
		    virtio_overlap(ipa, size, ch->ipa, ch->size)) {
			snprintf(buf, cap, "channel '%s'", ch->name);
			return buf;
		}
	}
	return NULL;
}

const char *virtio_irq_user(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 irq,
			    char *buf, size_t cap)
{
	const struct cfg_vm *v = &sys->vms[vm];
	u32 member;

	if (irq == CFG_VUART_INTID)
		return "the virtual UART";
	for (u32 p = 0; p < MIN(v->nr_pass, (u32)CFG_MAX_PASS); p++) {
		const struct plat_device *dev = validate_find_device(plat, v->pass[p].name);

		if (dev && dev->irq == irq) {
			snprintf(buf, cap, "passthrough device '%s'", dev->name);
			return buf;
		}
	}
	for (u32 c = 0; c < MIN(sys->ipc.nr_channels, (u32)CFG_MAX_CHANNELS); c++) {
		const struct cfg_channel *ch = &sys->ipc.channels[c];

		if (virtio_in_channel(sys, ch, vm, &member) && member < ch->nr_doorbells && member < CFG_MAX_CLIENTS &&
		    ch->doorbells[member] == irq) {
			snprintf(buf, cap, "the doorbell of channel '%s'", ch->name);
			return buf;
		}
	}
	return NULL;
}

/* Whether page ipa is free for device i of VM vm: nothing else there, no other device given or placed there. */
static bool virtio_ipa_free(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			    const struct virtio_place *out, u64 ipa)
{
	const struct cfg_virtio *vio = &sys->vms[vm].virtio;
	char buf[CFG_NODE_LEN + 16];

	if (virtio_ipa_user(sys, plat, vm, ipa, CFG_VIRTIO_SIZE, buf, sizeof(buf)))
		return false;
	for (u32 j = 0; j < virtio_nr(sys, vm); j++)
		if ((j < i && out[j].ipa == ipa) ||
		    (vio->devs[j].has_reg && virtio_overlap(ipa, CFG_VIRTIO_SIZE, vio->devs[j].ipa, CFG_VIRTIO_SIZE)))
			return false;
	return true;
}

static bool virtio_irq_free(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			    const struct virtio_place *out, u32 irq)
{
	const struct cfg_virtio *vio = &sys->vms[vm].virtio;
	char buf[CFG_NODE_LEN + 16];

	if (virtio_irq_user(sys, plat, vm, irq, buf, sizeof(buf)))
		return false;
	for (u32 j = 0; j < virtio_nr(sys, vm); j++)
		if ((j < i && out[j].irq == irq) || (vio->devs[j].has_irq && vio->devs[j].irq == irq))
			return false;
	return true;
}

static u64 virtio_default_ipa(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			      const struct virtio_place *out)
{
	for (u64 ipa = CFG_VIRTIO_IPA_BASE; ipa < CFG_VIRTIO_IPA_LIMIT; ipa += CFG_VIRTIO_SIZE)
		if (virtio_ipa_free(sys, plat, vm, i, out, ipa))
			return ipa;
	return 0;
}

/* From QEMU's first virtio SPI to the last SPI, then the SPIs below it. */
static u32 virtio_default_irq(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			      const struct virtio_place *out)
{
	for (u32 k = 0; k < CFG_NR_SPIS; k++) {
		u32 irq = 32 + (CFG_VIRTIO_FIRST_INTID - 32 + k) % CFG_NR_SPIS;

		if (virtio_irq_free(sys, plat, vm, i, out, irq))
			return irq;
	}
	return 0;
}

int virtio_network(const struct cfg_system *sys, const char *name)
{
	int n = 0;

	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];
			bool seen = false;

			if (dev->kind != KEEL_VDEV_VIRTIO_NET || !dev->has_network)
				continue;
			if (!strcmp(dev->network, name))
				return n;
			/* A name met before this device was numbered then. */
			for (u32 w = 0; w <= v && !seen; w++)
				for (u32 j = 0; j < (w == v ? i : virtio_nr(sys, w)) && !seen; j++) {
					const struct cfg_virtio_dev *o = &sys->vms[w].virtio.devs[j];

					seen = o->kind == KEEL_VDEV_VIRTIO_NET && o->has_network &&
					       !strcmp(o->network, dev->network);
				}
			n += !seen;
		}
	return -1;
}

int virtio_disk_number(const struct cfg_system *sys, u32 vm, u32 i)
{
	int n = 0;

	if (i >= virtio_nr(sys, vm) || sys->vms[vm].virtio.devs[i].kind != KEEL_VDEV_VIRTIO_BLK)
		return -1;
	for (u32 v = 0; v <= vm; v++)
		for (u32 j = 0; j < (v == vm ? i : virtio_nr(sys, v)); j++)
			n += sys->vms[v].virtio.devs[j].kind == KEEL_VDEV_VIRTIO_BLK;
	return n;
}

u32 virtio_nr_disks(const struct cfg_system *sys)
{
	u32 n = 0;

	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++)
			n += sys->vms[v].virtio.devs[i].kind == KEEL_VDEV_VIRTIO_BLK;
	return n;
}

bool virtio_find_peer(const struct cfg_system *sys, const char *connect, int *vm, int *dev)
{
	const char *slash = strchr(connect, '/');
	char name[CFG_NAME_LEN];

	if (!slash || (size_t)(slash - connect) >= sizeof(name))
		return false;
	memcpy(name, connect, (size_t)(slash - connect));
	name[slash - connect] = '\0';
	*vm = validate_find_vm(sys, name);
	if (*vm < 0 || *vm >= CFG_MAX_VMS)
		return false;
	for (u32 i = 0; i < virtio_nr(sys, (u32)*vm); i++)
		if (!strcmp(sys->vms[*vm].virtio.devs[i].name, slash + 1)) {
			*dev = (int)i;
			return true;
		}
	return false;
}

void virtio_place_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		     struct virtio_place *out)
{
	const struct cfg_virtio *vio = &sys->vms[vm].virtio;

	for (u32 i = 0; i < virtio_nr(sys, vm); i++) {
		const struct cfg_virtio_dev *v = &vio->devs[i];
		struct virtio_place *p = &out[i];

		memset(p, 0, sizeof(*p));
		p->ipa = v->has_reg || !plat ? v->ipa : virtio_default_ipa(sys, plat, vm, i, out);
		p->irq = v->has_irq || !plat ? v->irq : virtio_default_irq(sys, plat, vm, i, out);
		p->network = v->has_network ? virtio_network(sys, v->network) : -1;
		p->peer_vm = p->peer_dev = -1;
		p->disk = virtio_disk_number(sys, vm, i);
		if (v->has_connect && !virtio_find_peer(sys, v->connect, &p->peer_vm, &p->peer_dev))
			p->peer_vm = p->peer_dev = -1;
		if (v->has_mac)
			memcpy(p->mac, v->mac, CFG_VIRTIO_MAC_LEN);
		else
			memcpy(p->mac, (u8[CFG_VIRTIO_MAC_LEN]){ 0x02, 'K', 'E', (u8)vm, (u8)i, 0 }, CFG_VIRTIO_MAC_LEN);
	}
}

u32 virtio_vm_records(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		      struct keel_blob_vdev *out)
{
	struct virtio_place place[CFG_MAX_VIRTIO];
	u32 n = MIN(virtio_nr(sys, vm), (u32)CFG_VIRTIO_MAX_PER_VM);

	virtio_place_vm(sys, plat, vm, place);
	for (u32 i = 0; i < n; i++) {
		const struct cfg_virtio_dev *v = &sys->vms[vm].virtio.devs[i];
		const struct virtio_place *p = &place[i];
		struct keel_blob_vdev *r = &out[i];

		*r = (struct keel_blob_vdev){ .kind = v->kind, .irq = p->irq, .ipa = p->ipa, .size = CFG_VIRTIO_SIZE };
		if (v->kind == KEEL_VDEV_VIRTIO_NET) {
			r->args[0] = (u32)p->network;
			r->args[1] = p->mac[0] | (u32)p->mac[1] << 8 | (u32)p->mac[2] << 16 | (u32)p->mac[3] << 24;
			r->args[2] = p->mac[4] | (u32)p->mac[5] << 8;
		} else if (v->kind == KEEL_VDEV_VIRTIO_BLK) {
			r->args[0] = (u32)p->disk;
			r->args[1] = v->read_only ? KEEL_VIRTIO_BLK_READ_ONLY : 0;
		} else if (p->peer_vm >= 0) {
			r->args[0] = KEEL_VIRTIO_CONSOLE_TO_PEER;
			r->args[1] = (u32)p->peer_vm;
			r->args[2] = CFG_VIRTIO_FIXED_VDEVS + (u32)p->peer_dev;
		} else {
			r->args[0] = KEEL_VIRTIO_CONSOLE_TO_KEEL;
		}
	}
	return n;
}

bool virtio_any_links(const struct cfg_system *sys)
{
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];

			if (dev->kind == KEEL_VDEV_VIRTIO_NET ||
			    (dev->kind == KEEL_VDEV_VIRTIO_CONSOLE && dev->has_connect &&
			     strcmp(dev->connect, CFG_VIRTIO_KEEL_CONSOLE)))
				return true;
		}
	return false;
}

void virtio_mac_text(const u8 *mac, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
