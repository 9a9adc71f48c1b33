/*
 * The configuration blob: the only description of a system that Keel reads.
 *
 * The host tool (tools/keelcfg) parses and checks the human-written system
 * description and emits this compact, fixed-layout, versioned and checksummed
 * image. Keel at EL2 verifies the header (magic, version, size, checksum)
 * and then that every count and index is within its own limits (core/blob.c),
 * so a damaged or hand-made blob is refused, never used; every semantic check
 * (overlaps, alignment against the board, CPUs and IRQs used once, memory
 * inside the board's RAM) belongs to the tool. All integers are little-endian; all structures are naturally
 * aligned with explicit padding so the host and EL2 compilers agree.
 */
#ifndef KEEL_ABI_CONFIG_BLOB_H
#define KEEL_ABI_CONFIG_BLOB_H

#include <stdint.h>

#define KEEL_BLOB_MAGIC 0x4c45454bu /* "KEEL" in memory order */
#define KEEL_BLOB_VERSION 7u

#define KEEL_MAX_VMS 8
#define KEEL_MAX_VCPUS_PER_VM 4
#define KEEL_MAX_MEM_REGIONS 4
#define KEEL_MAX_IMAGES 4
#define KEEL_MAX_PASSTHROUGH_IRQS 8
#define KEEL_MAX_PASSTHROUGH_MMIO 4
#define KEEL_VM_NAME_LEN 16
#define KEEL_PLATFORM_NAME_LEN 16
#define KEEL_MAX_CPUS 8
#define KEEL_MAX_WINDOWS 16
#define KEEL_MAX_VDEVS 8 /* virtual device records per VM */
#define KEEL_VDEV_NR_ARGS 4
#define KEEL_MAX_ENDPOINTS_PER_VM 4 /* IPC endpoints one VM owns (serves) */
#define KEEL_MAX_IPC_SLOTS 8 /* IPC capability slots per VM: its own endpoints and its grants */
#define KEEL_MAX_CHANNELS_PER_VM 4 /* shared-memory notification channels a VM is a member of */

/*
 * Pages Keel sets aside for all VMs' stage-2 tables. keelcfg gives each VM a
 * share (keel_blob_vm.s2_table_pages) big enough for its worst case and
 * refuses a system whose shares do not fit.
 */
#define KEEL_STAGE2_POOL_PAGES 1024
/*
 * Guest RAM Keel keeps books on: per VM at most this many 2 MiB-aligned
 * spans of IPA space touched by its RAM regions, and for all VMs together
 * at most this many bytes (one dirty-log bit per 4 KiB page).
 */
#define KEEL_MAX_RAM_SPANS_PER_VM 1024
#define KEEL_MAX_TOTAL_GUEST_RAM (2048ull << 20)

/* What an image is, which decides where the VM's boot registers point. */
enum keel_image_kind {
	KEEL_IMAGE_KERNEL = 1, /* entry point is its first byte unless entry_ipa says otherwise */
	KEEL_IMAGE_INITRD = 2,
	KEEL_IMAGE_DTB = 3, /* its IPA is passed to vCPU 0 in x0 */
	KEEL_IMAGE_DATA = 4, /* the content of a RAM region, at its start (a read-only region's) */
};

/* Guest RAM: an IPA range backed by a physical range of the same size. */
struct keel_blob_mem {
	uint64_t ipa;
	uint64_t pa;
	uint64_t size;
};

/*
 * An image the boot loader placed at src_pa (outside every VM's RAM). Keel
 * copies it to dst_ipa each time the VM starts or resets, so the pristine
 * copy survives whatever the guest does to its RAM.
 */
struct keel_blob_image {
	uint64_t src_pa;
	uint64_t size;
	uint64_t dst_ipa;
	uint32_t kind; /* enum keel_image_kind */
	uint32_t pad;
};

/* A physical device region mapped straight into the guest (device memory). */
struct keel_blob_mmio {
	uint64_t ipa;
	uint64_t pa;
	uint64_t size;
};

/*
 * The kinds of virtual device Keel implements (core/vdev_kinds.c). Every VM
 * has exactly one GICv3 distributor and one redistributor region.
 */
enum keel_vdev_kind {
	KEEL_VDEV_GICV3_DIST = 1, /* size 64 KiB; args[0]: SPIs implemented (multiple of 32) */
	KEEL_VDEV_GICV3_REDIST = 2, /* size 128 KiB per vCPU, in vCPU order */
	KEEL_VDEV_PL011 = 3, /* size 4 KiB; irq: its SPI */
	/*
	 * virtio-mmio version 2 devices (docs/virtio.md): size 4 KiB each, irq
	 * an SPI of the VM (level: high while InterruptStatus is not 0), served by Keel's back ends (vdev/virtio_*.c).
	 */
	KEEL_VDEV_VIRTIO_CONSOLE = 4, /* args: see KEEL_VIRTIO_CONSOLE_* */
	KEEL_VDEV_VIRTIO_NET = 5, /* args: see KEEL_VIRTIO_NET_* */
	KEEL_VDEV_VIRTIO_BLK = 6, /* args[0]: the board's disk number; args[1]: KEEL_VIRTIO_BLK_* flags */
	/*
	 * An Arm SP805 watchdog (vdev/sp805.c): size 4 KiB, irq its SPI;
	 * args[0]: its WDOGCLK rate in Hz. When it expires (its counter reaches
	 * zero a second time with the interrupt not cleared, and reset is
	 * enabled) the VM has failed: failover if it has a standby, else a reset.
	 */
	KEEL_VDEV_SP805 = 7,
};

/*
 * A virtio-blk disk: the board's block device number args[0] (on QEMU, the
 * args[0]-th `-device virtio-blk-device`), given to this VM alone.
 */
#define KEEL_VIRTIO_BLK_READ_ONLY (1u << 0)

/*
 * A virtio console's one port, connected to Keel's console (its output is
 * printed under the VM's name, and console input focused on the VM goes to
 * it) or to a virtio console of another VM (a byte stream both ways).
 * args[0] = KEEL_VIRTIO_CONSOLE_TO_*; for TO_PEER args[1] is the peer VM's
 * index and args[2] the index of the peer's device record in its vdevs[],
 * and that record names this one back.
 */
#define KEEL_VIRTIO_CONSOLE_TO_KEEL 0u
#define KEEL_VIRTIO_CONSOLE_TO_PEER 1u

/*
 * A virtio-net port on a virtual switch: args[0] = the network's number
 * (keelcfg numbers the configuration's networks from 0, fewer than
 * KEEL_MAX_NETWORKS); args[1] = MAC bytes 0..3 (byte 0 in bits 7:0),
 * args[2] = MAC bytes 4..5 in bits 15:0. Frames go only between ports of
 * one network, and a frame whose source MAC is not its port's is dropped.
 */
#define KEEL_MAX_NETWORKS 8

/* One virtual device of a VM: a trapped IPA range and what emulates it. */
struct keel_blob_vdev {
	uint32_t kind; /* enum keel_vdev_kind */
	uint32_t irq; /* INTID it raises in the VM, 0 if none */
	uint64_t ipa;
	uint64_t size;
	uint32_t args[KEEL_VDEV_NR_ARGS]; /* meaning depends on the kind; unused ones 0 */
};

#define KEEL_VM_FLAG_AUTOSTART (1u << 0) /* start vCPU 0 at boot */

/* How one physical CPU shares its time among the vCPUs pinned to it. */
enum keel_sched_policy {
	KEEL_SCHED_STATIC = 0, /* exactly one vCPU, no scheduling timer at all */
	KEEL_SCHED_FIXED_PRIORITY = 1, /* preemptive, each vCPU a deferrable server (budget, period) */
	KEEL_SCHED_TIME_TABLE = 2, /* a major frame cut into windows, each owned by one vCPU (ARINC 653) */
};

/* A time-table window: [offset, offset + length) of every major frame. */
struct keel_blob_window {
	uint64_t offset_ns;
	uint64_t length_ns;
	uint32_t vm; /* index into the VM records */
	uint32_t vcpu; /* vCPU index within that VM */
};

struct keel_blob_cpu {
	uint32_t policy; /* enum keel_sched_policy */
	uint32_t nr_windows;
	uint64_t major_frame_ns; /* time table only */
	struct keel_blob_window windows[KEEL_MAX_WINDOWS]; /* sorted by offset, disjoint */
};

/*
 * A vCPU's server under KEEL_SCHED_FIXED_PRIORITY: it may run for budget_ns
 * in every period_ns, at priority (higher number, more urgent). A budget of
 * 0 means "background": it runs only when no server with budget wants to.
 */
struct keel_blob_server {
	uint64_t budget_ns;
	uint64_t period_ns;
	uint32_t priority;
	uint32_t pad;
};

/*
 * Rights of an IPC capability slot (synchronous IPC, core/ipc.c). A VM holds
 * RECV on each endpoint it owns and nothing else on it; a client holds CALL
 * and/or SEND on an endpoint of another VM, as the configuration granted.
 */
#define KEEL_IPC_RIGHT_CALL (1u << 0)
#define KEEL_IPC_RIGHT_SEND (1u << 1)
#define KEEL_IPC_RIGHT_RECV (1u << 2)
#define KEEL_IPC_RIGHTS_ALL (KEEL_IPC_RIGHT_CALL | KEEL_IPC_RIGHT_SEND | KEEL_IPC_RIGHT_RECV)

/*
 * One slot of a VM's IPC capability table: endpoint number `endpoint` of VM
 * `vm` (0..that VM's nr_endpoints - 1), the rights held, and the badge the
 * server receives with every message sent through this slot.
 */
struct keel_blob_ipc_slot {
	uint32_t vm;
	uint32_t endpoint;
	uint32_t rights; /* KEEL_IPC_RIGHT_* */
	uint32_t pad;
	uint64_t badge;
};

/*
 * A notification channel as one member VM sees it (core/channel.c): a range
 * of physical memory outside every VM's RAM, mapped at the same IPA into
 * exactly the channel's members, normal memory, never executable, writable
 * if KEEL_CHANNEL_WRITE; and the doorbell: the SPI raised in this member
 * when another member rings the channel (0: none). Members of one channel
 * carry the same id.
 */
#define KEEL_CHANNEL_WRITE (1u << 0)

struct keel_blob_channel {
	uint64_t ipa;
	uint64_t pa;
	uint64_t size;
	uint32_t flags; /* KEEL_CHANNEL_* */
	uint32_t id;
	uint32_t doorbell; /* INTID, an SPI of this VM, or 0 */
	uint32_t pad;
};

/*
 * Standby protection (core/standby.c, docs/standby.md). With KEEL_STANDBY_ON
 * Keel keeps a copy of the VM (its RAM in mem_pa[], one range per RAM region,
 * same size, page-aligned, outside every VM) and brings it up to date every
 * interval_ns with the pages written since the last checkpoint; when a
 * chosen detector sees the VM fail, the VM is switched back to that copy.
 */
#define KEEL_STANDBY_ON (1u << 0)
#define KEEL_STANDBY_INJECT (1u << 1) /* the guest may inject faults into itself (STANDBY_INJECT) */
#define KEEL_STANDBY_HOLD_CONSOLE (1u << 2) /* output commit: console output waits for the next checkpoint */

/* What counts as a failure of a standby-protected VM. */
#define KEEL_STANDBY_DETECT_STOP (1u << 0) /* SYSTEM_OFF / SYSTEM_RESET the guest did not declare intended */
#define KEEL_STANDBY_DETECT_ABORT (1u << 1) /* an access outside its memory, an exception storm */
#define KEEL_STANDBY_DETECT_WATCHDOG (1u << 2) /* its SP805 watchdog expired */
#define KEEL_STANDBY_DETECT_ALL 0x7u

#define KEEL_STANDBY_MIN_INTERVAL_NS 1000000ull /* 1 ms */
#define KEEL_STANDBY_MAX_INTERVAL_NS 1000000000ull /* 1 s */

struct keel_blob_standby {
	uint32_t flags; /* KEEL_STANDBY_*; all else 0 without KEEL_STANDBY_ON */
	uint32_t detectors; /* KEEL_STANDBY_DETECT_* */
	uint64_t interval_ns; /* checkpoint period, within the limits above */
	uint64_t mem_pa[KEEL_MAX_MEM_REGIONS]; /* standby copy of mem[i], mem[i].size bytes */
};

struct keel_blob_vm {
	char name[KEEL_VM_NAME_LEN]; /* NUL-terminated */
	uint32_t nr_vcpus;
	uint32_t pcpu[KEEL_MAX_VCPUS_PER_VM]; /* physical CPU index each vCPU is pinned to */
	uint32_t flags;
	uint32_t nr_mem;
	uint32_t nr_images;
	uint32_t nr_irqs;
	uint32_t nr_mmio;
	uint32_t nr_vdevs;
	uint32_t nr_spis; /* SPIs of the VM's interrupt space (multiple of 32), as its distributor's args[0] */
	/*
	 * Stage-2 table pages reserved for this VM alone: its worst case, every
	 * mapping split into 4 KiB pages (dirty tracking may split them all).
	 */
	uint32_t s2_table_pages;
	/*
	 * Bit m set: mem[m] is read-only (docs/configuration.md, `read-only`):
	 * the guest may read and execute it, never write it; its content comes
	 * from its images alone, so a standby VM has no copy of it
	 * (standby.mem_pa[m] is 0) and a checkpoint never copies it.
	 */
	uint32_t mem_read_only;
	uint64_t entry_ipa;
	struct keel_blob_mem mem[KEEL_MAX_MEM_REGIONS];
	struct keel_blob_image images[KEEL_MAX_IMAGES];
	uint32_t irqs[KEEL_MAX_PASSTHROUGH_IRQS]; /* physical SPI INTIDs, same INTID in the guest */
	struct keel_blob_mmio mmio[KEEL_MAX_PASSTHROUGH_MMIO];
	struct keel_blob_server servers[KEEL_MAX_VCPUS_PER_VM]; /* one per vCPU */
	struct keel_blob_vdev vdevs[KEEL_MAX_VDEVS]; /* its virtual devices, nr_vdevs of them */
	uint32_t nr_endpoints; /* IPC endpoints this VM owns, numbered 0..nr_endpoints - 1 */
	uint32_t nr_ipc_slots;
	struct keel_blob_ipc_slot ipc_slots[KEEL_MAX_IPC_SLOTS]; /* slot n is the guest's capability n */
	uint32_t nr_channels;
	uint32_t pad1;
	struct keel_blob_channel channels[KEEL_MAX_CHANNELS_PER_VM]; /* the guest's channel n */
	struct keel_blob_standby standby;
};

struct keel_blob_header {
	uint32_t magic; /* KEEL_BLOB_MAGIC */
	uint32_t version; /* KEEL_BLOB_VERSION */
	uint32_t total_size; /* header, CPU records and VM records, in bytes */
	uint32_t checksum; /* CRC-32 (IEEE) of the whole blob with this field zero */
	uint32_t nr_vms;
	uint32_t flags; /* KEEL_BLOB_FLAG_* */
	char platform[KEEL_PLATFORM_NAME_LEN]; /* must match the platform Keel was built for */
};

/* The configuration failed the schedulability analysis and was forced with --unsafe. */
#define KEEL_BLOB_FLAG_UNSAFE (1u << 0)
/* The root's `trace;` property: the EL2 trace is on from boot and dumped when a VM stops (docs/trace.md). */
#define KEEL_BLOB_FLAG_TRACE (1u << 1)

/*
 * The blob is the header, then KEEL_MAX_CPUS struct keel_blob_cpu records
 * (one per physical CPU index; unused ones are KEEL_SCHED_STATIC), then
 * nr_vms struct keel_blob_vm records.
 */
struct keel_blob {
	struct keel_blob_header header;
	struct keel_blob_cpu cpus[KEEL_MAX_CPUS];
	struct keel_blob_vm vms[];
};

#endif
