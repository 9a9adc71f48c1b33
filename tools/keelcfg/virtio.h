/*
 * keelcfg's part of virtio-mmio devices (docs/configuration.md, "virtio"):
 * a VM's `virtio` node holds one node per device, a console connected to
 * Keel's console or to another VM's console, a net port on a named
 * network, or a disk backed by an image file on the host. Parsing records
 * what was written (virtio.c); the image probe (images.c) what is at a
 * disk's image; the rules are in virtio_check.c; virtio_place_vm() chooses
 * what the configuration left out (IPA, SPI, MAC) and numbers the disks
 * the same way for the blob, the guest tree, the layout and QEMU's
 * arguments, so they always agree.
 *
 *   virtio {
 *       hvc0 { device = "console"; connect = "keel-console"; };
 *       link { device = "console"; connect = "rtos/link"; };
 *       eth0 { device = "net"; network = "lan"; mac = [02 00 00 00 00 01]; };
 *       disk0 { device = "blk"; image = "build/disks/a.img"; size-mib = <64>; read-only; };
 *   };
 */
#ifndef KEELCFG_VIRTIO_H
#define KEELCFG_VIRTIO_H

/* Included by model.h after struct cfg_loc; include model.h, not this file. */
#include <abi/keel/config_blob.h>
#include <keel/types.h>
#include <stddef.h>

#define CFG_MAX_VIRTIO 8 /* devices kept per VM: more than Keel allows, so the validator sees the excess */
#define CFG_VIRTIO_FIXED_VDEVS 3 /* every VM's GIC distributor, redistributors and PL011 come first */
#define CFG_VIRTIO_MAX_PER_VM (KEEL_MAX_VDEVS - CFG_VIRTIO_FIXED_VDEVS)
#define CFG_VIRTIO_MAX_PER_KIND 4 /* of each kind per VM (Keel's boot check) */
#define CFG_VIRTIO_SIZE 0x1000ull /* the trapped range of one device */
#define CFG_VIRTIO_DT_SIZE 0x200ull /* the register block the guest tree gives, as QEMU virt does */
#define CFG_VIRTIO_IPA_BASE 0x0a000000ull /* QEMU virt's virtio-mmio area: defaults are taken from here up */
#define CFG_VIRTIO_IPA_LIMIT 0x0a200000ull /* ...to here (512 pages) */
#define CFG_VIRTIO_FIRST_INTID 48u /* QEMU virt's first virtio-mmio SPI (SPI 16): defaults from here up */
#define CFG_VIRTIO_KEEL_CONSOLE "keel-console"
#define CFG_VIRTIO_MAC_LEN 6
#define CFG_DISK_MAX 8 /* disks in the system: DISK_MAX of include/keel/disk.h */
#define CFG_DISK_SECTOR 512ull

struct cfg_system;
struct diag;
struct platform_desc;
struct srcmap;
struct cfg_vm;

/* What image_probe() found at a disk's image file (nothing there is not an error yet). */
struct cfg_disk_file {
	bool probed;
	int err; /* errno of stat(), 0 if the file exists (ENOENT: to be created) */
	bool regular;
	bool writable;
	u64 size;
	u64 dev, ino; /* to find one file named two ways */
	char abs_path[CFG_FILE_LEN]; /* for QEMU's -drive, also when it is yet to be created */
};

/* /vms/<vm>/virtio/<name>: one device as written; the validator judges it. */
struct cfg_virtio_dev {
	char name[64];
	char node[256];
	struct cfg_loc loc;
	int nr_defs; /* node bodies in the source; dtc merges a repeated name */
	struct cfg_loc other_def;
	bool has_device;
	char device[64]; /* "console", "net" or "blk" */
	struct cfg_loc device_loc;
	u32 kind; /* KEEL_VDEV_VIRTIO_CONSOLE, _NET or _BLK, 0 if device is missing or unknown */
	bool has_connect;
	char connect[128]; /* "keel-console" or "VM/DEVICE" */
	struct cfg_loc connect_loc;
	bool has_network;
	char network[64];
	struct cfg_loc network_loc;
	bool has_mac;
	u8 mac[CFG_VIRTIO_MAC_LEN];
	struct cfg_loc mac_loc;
	bool has_reg;
	u64 ipa;
	struct cfg_loc reg_loc;
	bool has_irq;
	u32 irq; /* INTID */
	struct cfg_loc irq_loc;
	bool has_image; /* blk: the host file backing the disk, relative to keelcfg's directory */
	char image[CFG_FILE_LEN];
	struct cfg_loc image_loc;
	bool has_size_mib; /* blk: the size of an image keelcfg creates */
	u32 size_mib;
	struct cfg_loc size_loc;
	bool read_only; /* blk */
	struct cfg_loc read_only_loc;
	struct cfg_disk_file file; /* blk: filled by image_probe() */
};

/* /vms/<vm>/virtio. */
struct cfg_virtio {
	bool given;
	char node[256];
	struct cfg_loc loc;
	u32 nr_devs; /* as written, may exceed CFG_MAX_VIRTIO */
	struct cfg_virtio_dev devs[CFG_MAX_VIRTIO];
};

/* Where a device ends up: given or chosen. ipa or irq is 0 if nothing was free (reported). */
struct virtio_place {
	u64 ipa;
	u32 irq;
	u8 mac[CFG_VIRTIO_MAC_LEN]; /* net only */
	int network; /* net only: the network's number, -1 if beyond the table */
	int peer_vm; /* console linked to a VM: its index, else -1 */
	int peer_dev; /* ...and the peer's index among that VM's virtio devices */
	int disk; /* blk only: the disk's number in the system, else -1 */
};

/*
 * Parses the virtio node at offset node of fdt (path "/vms/<vm>/virtio")
 * into vm->virtio; shape errors (types, unknown properties and nodes) into d.
 */
void virtio_parse(const void *fdt, int node, const char *path, const struct srcmap *map, struct cfg_vm *vm,
		  struct diag *d);

/* Number of VM vm's devices the model holds (nr_devs capped at CFG_MAX_VIRTIO). */
u32 virtio_nr(const struct cfg_system *sys, u32 vm);

/*
 * Fills out[i] for each device i of VM vm (virtio_nr() entries). A device
 * without reg gets the first 4 KiB page from CFG_VIRTIO_IPA_BASE up that is
 * free in the VM (no RAM, GIC, UART, passthrough, channel, other virtio
 * device); without interrupts the first SPI from CFG_VIRTIO_FIRST_INTID up
 * (then from 32 up) that no UART, passthrough device, doorbell or other
 * virtio device of the VM uses; a net device without mac gets
 * 02:4b:45:<vm>:<device>:00 ("KE", locally administered, unicast). Pure.
 * With plat NULL only connections and MACs are filled (IPA and SPI as
 * given, else 0), for readers that have no board (commgraph.c).
 */
void virtio_place_vm(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		     struct virtio_place *out);

/*
 * The number of network name in sys: networks are numbered in order of
 * their first port (VMs in order, devices in order), from 0; -1 if no
 * device names it.
 */
int virtio_network(const struct cfg_system *sys, const char *name);

/*
 * The number of disk (blk device) i of VM vm: disks are numbered in
 * declaration order over the whole system (VMs in order, devices in
 * order), from 0; -1 if that device is not a disk. Disk N is QEMU's N-th
 * -device virtio-blk-device, which Keel gives the VM as its board disk N.
 */
int virtio_disk_number(const struct cfg_system *sys, u32 vm, u32 i);

/* How many disks the system has (may exceed CFG_DISK_MAX: the validator reports it). */
u32 virtio_nr_disks(const struct cfg_system *sys);

/* The device a console's connect names ("VM/DEVICE"): sets *vm and *dev and returns true, or false. */
bool virtio_find_peer(const struct cfg_system *sys, const char *connect, int *vm, int *dev);

/*
 * What already uses [ipa, ipa + size) in VM vm, in words for a message
 * ("RAM /vms/a/memory@40000000", "the GIC distributor", "channel 'x'"), or
 * NULL if it is free. Virtio devices are not counted. Writes into buf (cap bytes).
 */
const char *virtio_ipa_user(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u64 ipa,
			    u64 size, char *buf, size_t cap);

/* The same for INTID irq in VM vm: the UART, a passthrough device or a channel doorbell; NULL if free. */
const char *virtio_irq_user(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm, u32 irq,
			    char *buf, size_t cap);

/*
 * VM vm's device records for the blob (include/abi/keel/config_blob.h),
 * one per device in declaration order, into out (CFG_VIRTIO_MAX_PER_VM
 * entries); returns how many. A console's peer record index is
 * CFG_VIRTIO_FIXED_VDEVS plus the peer's position in its VM's virtio node;
 * a disk's args[0] is its number (virtio_disk_number), args[1] its flags.
 * sys must have passed validate_system().
 */
u32 virtio_vm_records(const struct cfg_system *sys, const struct platform_desc *plat, u32 vm,
		      struct keel_blob_vdev *out);

/* The virtio rules (virtio_check.c): devices, connections, networks, addresses, SPIs, MACs, disks. */
void virtio_validate(const struct cfg_system *sys, const struct platform_desc *plat, struct diag *d);

/* Secure VMs share console links and networks only with VMs they accept (virtio_check.c). */
void virtio_policy_validate(const struct cfg_system *sys, struct diag *d);

/* Whether any console links two VMs or any net device exists (a graph to show). */
bool virtio_any_links(const struct cfg_system *sys);

/* "02:4b:45:00:01:00" into buf (at least 18 bytes). */
void virtio_mac_text(const u8 *mac, char *buf);

#endif
