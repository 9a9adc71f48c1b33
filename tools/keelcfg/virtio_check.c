/*
 * The virtio rules (docs/configuration.md, "virtio"). Keel's boot check
 * refuses a blob whose virtio records break its limits (sizes, alignment,
 * SPIs, counts, consoles naming each other back), but only with a reason
 * about record numbers; here every rule is checked against what was
 * written, with file, line and node. Each device is judged alone first
 * (known kind, the properties its kind takes, its address and SPI), then
 * the connections between devices (console peers, networks, MACs), then
 * the disks (their image files as the probe found them, their number),
 * then, from policy.c, what a secure VM may be connected to.
 */
#include <errno.h>
#include <string.h>

#include <keel/disk.h>
#include <keel/stage2.h>

#include "model.h"
#include "validate.h"

static u32 virtio_check_nr_vms(const struct cfg_system *sys)
{
	return MIN(sys->nr_vms, (u32)CFG_MAX_VMS);
}

static bool virtio_check_name_ok(const char *name)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len < KEEL_VM_NAME_LEN;

	for (size_t i = 0; ok && i < len; i++)
		ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		     name[i] == '-';
	return ok;
}

/* Each property that belongs to another kind of device than v's. */
static void virtio_check_foreign(const struct cfg_virtio_dev *v, struct diag *d)
{
	const struct {
		bool given;
		const char *prop;
		const struct cfg_loc *loc;
		u32 kind;
		const char *whose;
	} props[] = {
		{ v->has_connect, "connect", &v->connect_loc, KEEL_VDEV_VIRTIO_CONSOLE, "console" },
		{ v->has_network, "network", &v->network_loc, KEEL_VDEV_VIRTIO_NET, "net" },
		{ v->has_mac, "mac", &v->mac_loc, KEEL_VDEV_VIRTIO_NET, "net" },
		{ v->has_image, "image", &v->image_loc, KEEL_VDEV_VIRTIO_BLK, "blk" },
		{ v->has_size_mib, "size-mib", &v->size_loc, KEEL_VDEV_VIRTIO_BLK, "blk" },
		{ v->read_only, "read-only", &v->read_only_loc, KEEL_VDEV_VIRTIO_BLK, "blk" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (props[i].given && props[i].kind != v->kind)
			diag_error(d, props[i].loc, v->node, "property '%s' is for a %s device, and this is a %s",
				   props[i].prop, props[i].whose, v->device);
}

static void virtio_check_kind(const struct cfg_virtio_dev *v, struct diag *d)
{
	if (v->nr_defs > 1)
		diag_error(d, &v->other_def, v->node,
			   "device name '%s' is used twice (first at %s:%d); dtc would merge the two", v->name,
			   v->loc.file, v->loc.line);
	if (!virtio_check_name_ok(v->name))
		diag_error(d, &v->loc, v->node, "invalid device name '%s': use 1 to %d characters from [a-z0-9_-]",
			   v->name, KEEL_VM_NAME_LEN - 1);
	if (!v->has_device) {
		diag_error(d, &v->loc, v->node, "missing property 'device' (\"console\", \"net\" or \"blk\")");
		return;
	}
	if (!v->kind) {
		diag_error(d, &v->device_loc, v->node, "unknown device \"%s\" (\"console\", \"net\" or \"blk\")",
			   v->device);
		return;
	}
	virtio_check_foreign(v, d);
	if (v->kind == KEEL_VDEV_VIRTIO_CONSOLE && !v->has_connect)
		diag_error(d, &v->loc, v->node,
			   "missing property 'connect' (\"keel-console\" or \"VM/DEVICE\", a console of another VM)");
	if (v->kind == KEEL_VDEV_VIRTIO_BLK && !v->has_image)
		diag_error(d, &v->loc, v->node, "missing property 'image' (the host file holding the disk)");
	if (v->kind != KEEL_VDEV_VIRTIO_NET)
		return;
	if (!v->has_network)
		diag_error(d, &v->loc, v->node, "missing property 'network' (the name of its virtual switch)");
	if (v->has_mac && (v->mac[0] & 1))
		diag_error(d, &v->mac_loc, v->node, "mac %02x:...: a multicast address (bit 0 of the first byte set)",
			   v->mac[0]);
	if (v->has_mac && !memcmp(v->mac, (u8[CFG_VIRTIO_MAC_LEN]){ 0 }, CFG_VIRTIO_MAC_LEN))
		diag_error(d, &v->mac_loc, v->node, "mac 00:00:00:00:00:00 is not an address");
}

/* Its page: given aligned and free, or a default found. */
static void virtio_check_ipa(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			     const struct virtio_place *p, struct diag *d)
{
	const struct cfg_virtio_dev *v = &sys->vms[vm].virtio.devs[i];
	char buf[CFG_NODE_LEN + 32];
	const char *user;

	if (!v->has_reg) {
		if (!p->ipa)
			diag_error(d, &v->loc, v->node,
				   "no free 4 KiB page for it in 0x%llx-0x%llx of vm '%s': give it one with reg = <0x0 ADDR>",
				   CFG_VIRTIO_IPA_BASE, CFG_VIRTIO_IPA_LIMIT - 1, sys->vms[vm].name);
		return;
	}
	if (v->ipa % CFG_VIRTIO_SIZE || v->ipa + CFG_VIRTIO_SIZE > BIT(STAGE2_IPA_BITS)) {
		diag_error(d, &v->reg_loc, v->node, "reg 0x%llx: not 4 KiB aligned or beyond the %d-bit IPA space",
			   (unsigned long long)v->ipa, STAGE2_IPA_BITS);
		return;
	}
	user = virtio_ipa_user(sys, plat, vm, v->ipa, CFG_VIRTIO_SIZE, buf, sizeof(buf));
	if (user)
		diag_error(d, &v->reg_loc, v->node, "reg 0x%llx+0x1000 overlaps %s", (unsigned long long)v->ipa, user);
	for (u32 j = 0; j < i; j++) {
		const struct cfg_virtio_dev *o = &sys->vms[vm].virtio.devs[j];

		if (o->has_reg && o->ipa < v->ipa + CFG_VIRTIO_SIZE && v->ipa < o->ipa + CFG_VIRTIO_SIZE)
			diag_error(d, &v->reg_loc, v->node, "reg 0x%llx: also the page of virtio device '%s' (%s:%d)",
				   (unsigned long long)v->ipa, o->name, o->reg_loc.file, o->reg_loc.line);
	}
}

/* Its SPI: given inside the VM's SPIs and free, or a default found. */
static void virtio_check_irq(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 i,
			     const struct virtio_place *p, struct diag *d)
{
	const struct cfg_virtio_dev *v = &sys->vms[vm].virtio.devs[i];
	char buf[CFG_NODE_LEN + 32];
	const char *user;

	if (!v->has_irq) {
		if (!p->irq)
			diag_error(d, &v->loc, v->node, "no free SPI left in vm '%s' for it", sys->vms[vm].name);
		return;
	}
	if (v->irq < 32 || v->irq >= 32 + CFG_NR_SPIS) {
		diag_error(d, &v->irq_loc, v->node, "interrupts = <%u>: not an SPI of the VM (32..%u)", v->irq,
			   32 + CFG_NR_SPIS - 1);
		return;
	}
	user = virtio_irq_user(sys, plat, vm, v->irq, buf, sizeof(buf));
	if (user)
		diag_error(d, &v->irq_loc, v->node, "interrupts = <%u>: already used by %s", v->irq, user);
	for (u32 j = 0; j < i; j++) {
		const struct cfg_virtio_dev *o = &sys->vms[vm].virtio.devs[j];

		if (o->has_irq && o->irq == v->irq)
			diag_error(d, &v->irq_loc, v->node, "interrupts = <%u>: also the SPI of virtio device '%s' (%s:%d)",
				   v->irq, o->name, o->irq_loc.file, o->irq_loc.line);
	}
}

/* A console's connect: Keel's console (once per VM), or a console of another VM that names this one back. */
static void virtio_check_connect(const struct cfg_system *sys, u32 vm, u32 i, struct diag *d)
{
	const struct cfg_vm *self = &sys->vms[vm];
	const struct cfg_virtio_dev *v = &self->virtio.devs[i], *peer;
	char back[CFG_NAME_LEN * 2 + 2];
	int pv, pd;

	if (v->kind != KEEL_VDEV_VIRTIO_CONSOLE || !v->has_connect)
		return;
	if (!strcmp(v->connect, CFG_VIRTIO_KEEL_CONSOLE)) {
		for (u32 j = 0; j < i; j++)
			if (self->virtio.devs[j].kind == KEEL_VDEV_VIRTIO_CONSOLE && self->virtio.devs[j].has_connect &&
			    !strcmp(self->virtio.devs[j].connect, CFG_VIRTIO_KEEL_CONSOLE))
				diag_error(d, &v->connect_loc, v->node,
					   "a second console on keel-console (the first is '%s', %s:%d): console input "
					   "for a VM goes to one port",
					   self->virtio.devs[j].name, self->virtio.devs[j].loc.file, self->virtio.devs[j].loc.line);
		return;
	}
	if (!strchr(v->connect, '/')) {
		diag_error(d, &v->connect_loc, v->node, "connect = \"%s\": must be \"keel-console\" or \"VM/DEVICE\"",
			   v->connect);
		return;
	}
	if (!virtio_find_peer(sys, v->connect, &pv, &pd)) {
		diag_error(d, &v->connect_loc, v->node, "connect = \"%s\": no such VM, or no virtio device of that name in it",
			   v->connect);
		return;
	}
	peer = &sys->vms[pv].virtio.devs[pd];
	snprintf(back, sizeof(back), "%s/%s", self->name, v->name);
	if ((u32)pv == vm)
		diag_error(d, &v->connect_loc, v->node, "connect = \"%s\": a console link joins two VMs, not one to itself",
			   v->connect);
	else if (peer->kind != KEEL_VDEV_VIRTIO_CONSOLE)
		diag_error(d, &v->connect_loc, v->node, "connect = \"%s\": that device is not a console", v->connect);
	else if (!peer->has_connect || strcmp(peer->connect, back))
		diag_error(d, &v->connect_loc, v->node,
			   "connect = \"%s\": that console does not connect back (it needs connect = \"%s\"; %s:%d)",
			   v->connect, back, peer->loc.file, peer->loc.line);
}

/* Per VM: how many devices, of each kind. */
static void virtio_check_counts(const struct cfg_vm *vm, struct diag *d)
{
	const struct cfg_virtio *vio = &vm->virtio;
	u32 consoles = 0, nets = 0, disks = 0;

	if (vio->nr_devs > CFG_VIRTIO_MAX_PER_VM)
		diag_error(d, &vio->loc, vio->node,
			   "%u virtio devices: at most %u per VM (Keel keeps %u device records per VM, %u are its GIC "
			   "and UART)",
			   vio->nr_devs, CFG_VIRTIO_MAX_PER_VM, KEEL_MAX_VDEVS, CFG_VIRTIO_FIXED_VDEVS);
	for (u32 i = 0; i < MIN(vio->nr_devs, (u32)CFG_MAX_VIRTIO); i++) {
		const struct cfg_virtio_dev *v = &vio->devs[i];
		u32 *n = v->kind == KEEL_VDEV_VIRTIO_CONSOLE ? &consoles :
			 v->kind == KEEL_VDEV_VIRTIO_NET     ? &nets :
			 v->kind == KEEL_VDEV_VIRTIO_BLK     ? &disks :
							       NULL;

		if (n && ++*n == CFG_VIRTIO_MAX_PER_KIND + 1)
			diag_error(d, &v->loc, v->node, "a fifth %s device in vm '%s': at most %u of each kind per VM",
				   v->device, vm->name, CFG_VIRTIO_MAX_PER_KIND);
	}
}

/* Every net device's MAC, given or default, once in the system; reported at the later one. */
static void virtio_check_macs(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	static struct virtio_place place[CFG_MAX_VMS][CFG_MAX_VIRTIO];
	char mac[18];

	for (u32 v = 0; v < virtio_check_nr_vms(sys); v++)
		virtio_place_vm(sys, plat, v, place[v]);
	for (u32 v = 0; v < virtio_check_nr_vms(sys); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *a = &sys->vms[v].virtio.devs[i];

			for (u32 w = 0; a->kind == KEEL_VDEV_VIRTIO_NET && w <= v; w++)
				for (u32 j = 0; j < (w == v ? i : virtio_nr(sys, w)); j++) {
					const struct cfg_virtio_dev *b = &sys->vms[w].virtio.devs[j];

					if (b->kind != KEEL_VDEV_VIRTIO_NET || memcmp(place[v][i].mac, place[w][j].mac, 6))
						continue;
					virtio_mac_text(place[v][i].mac, mac);
					diag_error(d, a->has_mac ? &a->mac_loc : &a->loc, a->node,
						   "MAC %s is also that of %s (%s:%d): each port needs its own", mac, b->node,
						   b->loc.file, b->loc.line);
				}
		}
}

/* Networks: at most KEEL_MAX_NETWORKS; one with a single port is most likely a misspelt name. */
static void virtio_check_networks(const struct cfg_system *sys, struct diag *d)
{
	for (u32 v = 0; v < virtio_check_nr_vms(sys); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *a = &sys->vms[v].virtio.devs[i];
			int net = a->kind == KEEL_VDEV_VIRTIO_NET && a->has_network ? virtio_network(sys, a->network) : -1;
			u32 ports = 0, first = 1;

			if (net < 0)
				continue;
			for (u32 w = 0; w < virtio_check_nr_vms(sys); w++)
				for (u32 j = 0; j < virtio_nr(sys, w); j++) {
					const struct cfg_virtio_dev *b = &sys->vms[w].virtio.devs[j];

					if (b->kind == KEEL_VDEV_VIRTIO_NET && b->has_network && !strcmp(b->network, a->network)) {
						ports++;
						first &= !(w < v || (w == v && j < i));
					}
				}
			if (!first)
				continue; /* judged at its first port */
			if (net >= KEEL_MAX_NETWORKS)
				diag_error(d, &a->network_loc, a->node, "network '%s' is the %dth: a system has at most %u",
					   a->network, net + 1, KEEL_MAX_NETWORKS);
			if (ports == 1)
				diag_warn(d, &a->network_loc, a->node,
					  "network '%s' has only this port: its frames go nowhere (a misspelt name?)",
					  a->network);
		}
}

_Static_assert(CFG_DISK_MAX == DISK_MAX && CFG_DISK_SECTOR == DISK_SECTOR, "keelcfg's disk limits are Keel's");

/* Whether disks a and b name one file (found by identity if both exist, else by absolute path). */
static bool virtio_check_same_file(const struct cfg_virtio_dev *a, const struct cfg_virtio_dev *b)
{
	if (!a->file.probed || !b->file.probed)
		return false;
	if (!a->file.err && !b->file.err)
		return a->file.dev == b->file.dev && a->file.ino == b->file.ino;
	return !strcmp(a->file.abs_path, b->file.abs_path);
}

/* A path QEMU's -drive can take (a comma separates options) on one line of qemu-loader.args. */
static bool virtio_check_path_ok(const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p == ',' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* An image that exists: a regular, writable (unless read-only) file of whole sectors, of the size given. */
static void virtio_check_image_file(const struct cfg_virtio_dev *v, struct diag *d)
{
	const struct cfg_disk_file *f = &v->file;

	if (!f->regular) {
		diag_error(d, &v->image_loc, v->node, "image '%s' is not a regular file", v->image);
		return;
	}
	if (!f->size || f->size % CFG_DISK_SECTOR)
		diag_error(d, &v->image_loc, v->node, "image '%s' is %llu bytes: a disk is a whole number (not 0) of "
			   "512-byte sectors", v->image, (unsigned long long)f->size);
	else if (v->has_size_mib && f->size != (u64)v->size_mib * MiB)
		diag_error(d, &v->size_loc, v->node,
			   "size-mib = <%u>, but image '%s' exists and is %llu bytes: keelcfg never resizes a disk "
			   "(drop size-mib to take the file as it is)",
			   v->size_mib, v->image, (unsigned long long)f->size);
	if (!v->read_only && !f->writable)
		diag_error(d, &v->image_loc, v->node, "image '%s' is not writable: make it so, or mark the disk read-only",
			   v->image);
}

/* Disk i of VM vm: its number, its size-mib and its image as the probe found it. */
static void virtio_check_disk(const struct cfg_system *sys, u32 vm, u32 i, struct diag *d)
{
	const struct cfg_virtio_dev *v = &sys->vms[vm].virtio.devs[i];
	const struct cfg_disk_file *f = &v->file;

	if (virtio_disk_number(sys, vm, i) == CFG_DISK_MAX)
		diag_error(d, &v->loc, v->node, "a ninth disk: a system has at most %u (the board disks Keel drives)",
			   CFG_DISK_MAX);
	if (v->has_size_mib && !v->size_mib)
		diag_error(d, &v->size_loc, v->node, "size-mib = <0>: a disk has at least 1 MiB");
	if (!v->has_image || !f->probed)
		return;
	if (!virtio_check_path_ok(f->abs_path))
		diag_error(d, &v->image_loc, v->node,
			   "image '%s': its path %s has a comma or a control character, which QEMU's -drive option "
			   "and qemu-loader.args cannot carry",
			   v->image, f->abs_path);
	if (v->image[strlen(v->image) - 1] == '/')
		diag_error(d, &v->image_loc, v->node, "image '%s' names a directory: a disk's image is a file", v->image);
	else if (f->err == ENOENT && !v->has_size_mib)
		diag_error(d, &v->image_loc, v->node,
			   "image '%s' does not exist: give size-mib = <N> for keelcfg to create it (sparse)", v->image);
	else if (f->err && f->err != ENOENT)
		diag_error(d, &v->image_loc, v->node, "cannot use image '%s': %s", v->image, strerror(f->err));
	else if (!f->err)
		virtio_check_image_file(v, d);
	for (u32 w = 0; w <= vm; w++)
		for (u32 j = 0; j < (w == vm ? i : virtio_nr(sys, w)); j++) {
			const struct cfg_virtio_dev *o = &sys->vms[w].virtio.devs[j];

			if (o->kind == KEEL_VDEV_VIRTIO_BLK && virtio_check_same_file(v, o)) {
				diag_error(d, &v->image_loc, v->node,
					   "image '%s' is also the image of %s (%s:%d): a disk belongs to one device "
					   "of one VM",
					   v->image, o->node, o->image_loc.file, o->image_loc.line);
				return;
			}
		}
}

void virtio_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d)
{
	struct virtio_place place[CFG_MAX_VIRTIO];

	for (u32 v = 0; v < virtio_check_nr_vms(sys); v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		virtio_check_counts(vm, d);
		virtio_place_vm(sys, plat, v, place);
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			virtio_check_kind(&vm->virtio.devs[i], d);
			virtio_check_ipa(sys, plat, v, i, &place[i], d);
			virtio_check_irq(sys, plat, v, i, &place[i], d);
			virtio_check_connect(sys, v, i, d);
			if (vm->virtio.devs[i].kind == KEEL_VDEV_VIRTIO_BLK)
				virtio_check_disk(sys, v, i, d);
		}
	}
	virtio_check_macs(sys, plat, d);
	virtio_check_networks(sys, d);
}

static bool virtio_check_accepts(const struct cfg_vm *vm, const char *other)
{
	for (u32 i = 0; i < MIN(vm->nr_accept, (u32)CFG_MAX_CLIENTS); i++)
		if (!strcmp(vm->accept[i], other))
			return true;
	return false;
}

/* Secure VM s is linked to VM other by device a: refused unless s accepts other. */
static void virtio_check_secure_edge(const struct cfg_vm *s, const struct cfg_virtio_dev *a, const char *other,
				     const char *what, struct diag *d)
{
	if (!s->secure || virtio_check_accepts(s, other) || !strcmp(s->name, other))
		return;
	diag_error(d, a->kind == KEEL_VDEV_VIRTIO_NET ? &a->network_loc : &a->connect_loc, a->node,
		   "secure vm '%s' does not accept vm '%s', which %s (%s)", s->name, other, what,
		   s->nr_accept ? "its accept-clients does not name it" : "it has no accept-clients, so it accepts nobody");
}

void virtio_policy_validate(const struct cfg_system *sys, struct diag *d)
{
	int pv, pd;

	for (u32 v = 0; v < virtio_check_nr_vms(sys); v++) {
		const struct cfg_vm *vm = &sys->vms[v];

		for (u32 i = 0; vm->secure && i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *a = &vm->virtio.devs[i];

			if (a->kind == KEEL_VDEV_VIRTIO_CONSOLE && a->has_connect && virtio_find_peer(sys, a->connect, &pv, &pd))
				virtio_check_secure_edge(vm, a, sys->vms[pv].name, "this console is linked to", d);
			for (u32 w = 0; a->kind == KEEL_VDEV_VIRTIO_NET && a->has_network && w < virtio_check_nr_vms(sys); w++)
				for (u32 j = 0; j < virtio_nr(sys, w); j++) {
					const struct cfg_virtio_dev *b = &sys->vms[w].virtio.devs[j];
					bool again = false;

					if (b->kind != KEEL_VDEV_VIRTIO_NET || !b->has_network || strcmp(a->network, b->network))
						continue;
					for (u32 k = 0; k < j; k++) /* one message per VM, not per port */
						again |= sys->vms[w].virtio.devs[k].kind == KEEL_VDEV_VIRTIO_NET &&
							 !strcmp(sys->vms[w].virtio.devs[k].network, a->network);
					if (!again)
						virtio_check_secure_edge(vm, a, sys->vms[w].name, "shares this network", d);
				}
		}
	}
}
