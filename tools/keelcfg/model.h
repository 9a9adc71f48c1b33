/*
 * keelcfg's in-memory model of a system description, and its diagnostics.
 *
 * The tool works in stages: dtc turns the source into a flattened tree and a
 * line map (srcmap), parse fills a struct cfg_system from the tree, the image
 * probe records each image file's size and header, validate checks the model
 * against the board, schedcheck runs the schedulability analysis (timing
 * rules that --unsafe may override), place computes where every image goes,
 * and only then are
 * the blob, the guest trees and the loader arguments produced. Every stage
 * after the probe is a pure function of this model and the board description,
 * which is what lets the unit tests drive them without files. The model keeps
 * more entries than Keel allows (CFG_MAX_*) so that "too many" is reported by
 * the validator with a proper message instead of being lost in parsing.
 */
#ifndef KEELCFG_MODEL_H
#define KEELCFG_MODEL_H

#include <stdarg.h>
#include <stdio.h>

#include <abi/keel/config_blob.h>
#include <keel/platform.h>
#include <keel/types.h>

#define CFG_MAX_VMS 16 /* > KEEL_MAX_VMS, so the validator sees the excess */
#define CFG_MAX_LIST 16 /* cpu-affinity entries kept */
#define CFG_MAX_MEM 8 /* memory nodes kept per VM */
#define CFG_MAX_PASS 8 /* passthrough names kept per VM */
#define CFG_NAME_LEN 64 /* VM and device names as written (checked later) */
#define CFG_NODE_LEN 256 /* node paths */
#define CFG_FILE_LEN 1024 /* image paths */
#define CFG_BOOTARGS_LEN 2048
#define CFG_MAX_CPU_NODES 16 /* /cpus/cpu@N nodes kept */
#define CFG_MAX_WINDOWS 32 /* > KEEL_MAX_WINDOWS, so the validator sees the excess */
#define CFG_MAX_TASKS 32 /* task nodes kept per VM */
#define CFG_MAX_RT_TASKS 16 /* tasks a VM may declare */

/* Guest-visible addresses of the emulated devices (QEMU virt's own map). */
#define CFG_VUART_IPA 0x09000000ull
#define CFG_VUART_SIZE 0x1000ull
#define CFG_VUART_INTID 33u /* SPI 1 */
#define CFG_GICD_IPA 0x08000000ull
#define CFG_GICD_SIZE 0x10000ull
#define CFG_GICR_IPA 0x080a0000ull
#define CFG_GICR_STRIDE 0x20000ull /* RD_base + SGI_base frames, GICv3 12.10 */
#define CFG_NR_SPIS 64u

/* Where something was written: file name (owned by the srcmap) and line. */
struct cfg_loc {
	const char *file;
	int line;
};

#include "ipc.h" /* IPC endpoints (struct cfg_ipc), which use struct cfg_loc */
#include "virtio.h" /* virtio devices (struct cfg_virtio) */
#include "standby.h" /* standby VMs (struct cfg_standby) */
#include "watchdog.h" /* its SP805 watchdog (struct cfg_watchdog) */

/* An image named by the configuration, and what the probe found in it. */
struct cfg_image {
	bool given;
	char path[CFG_FILE_LEN];
	struct cfg_loc loc;
	/* Filled by image_probe(); the validator and placement read them. */
	bool readable;
	char abs_path[CFG_FILE_LEN]; /* for the loader arguments */
	u64 file_size;
	bool linux_header; /* arm64 Image header, Documentation/arch/arm64/booting.rst */
	u64 text_offset;
	u64 image_size; /* bytes the kernel needs from its load address, 0 if unknown */
};

/*
 * A memory@ node. With `read-only;` the guest may read and execute the
 * region but never write it; its content is the file named by `image`,
 * loaded at its start (the rest is zeroes), and a standby VM keeps no copy
 * of it (docs/configuration.md, "memory").
 */
struct cfg_mem {
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	u64 ipa;
	u64 size;
	u64 pa;
	bool read_only;
	struct cfg_loc read_only_loc;
	struct cfg_image image; /* its content; only with read_only */
};

struct cfg_pass {
	char name[CFG_NAME_LEN];
};

/* A property holding one cell per vCPU (cpu-affinity, server-*). */
struct cfg_list {
	bool given;
	u32 nr; /* as written, may exceed CFG_MAX_LIST */
	u32 v[CFG_MAX_LIST];
	struct cfg_loc loc;
};

/* A u32 property of a scheduling node, in microseconds or plain. */
struct cfg_u32 {
	bool given;
	u32 v;
	struct cfg_loc loc;
};

/* /cpus/cpu@N/window@M: [offset, offset + length) of each major frame. */
struct cfg_window {
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	bool has_vm;
	char vm[CFG_NAME_LEN];
	struct cfg_loc vm_loc;
	struct cfg_u32 vcpu;
	struct cfg_u32 offset_us;
	struct cfg_u32 length_us;
};

/* /cpus/cpu@N: how physical CPU N shares its time (docs/scheduling.md). */
struct cfg_cpu {
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	bool has_policy;
	char policy[CFG_NAME_LEN]; /* "static", "fixed-priority", "time-table" */
	struct cfg_loc policy_loc;
	struct cfg_u32 frame_us;
	u32 nr_windows; /* as written, may exceed CFG_MAX_WINDOWS */
	struct cfg_window windows[CFG_MAX_WINDOWS];
};

/* /vms/<vm>/tasks/<name>: a periodic task of a real-time guest. */
struct cfg_task {
	char name[CFG_NAME_LEN];
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	struct cfg_u32 period_us;
	struct cfg_u32 wcet_us;
	struct cfg_u32 deadline_us; /* the period if not given */
};

/* /vms/<vm>/tasks: the guest's task set and how it schedules it. */
struct cfg_tasks {
	bool given;
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	bool has_scheduler;
	char scheduler[CFG_NAME_LEN]; /* "rm" or "edf" */
	struct cfg_loc scheduler_loc;
	u32 nr_tasks; /* as written, may exceed CFG_MAX_TASKS */
	struct cfg_task tasks[CFG_MAX_TASKS];
};

struct cfg_vm {
	char name[CFG_NAME_LEN];
	char node[CFG_NODE_LEN];
	struct cfg_loc loc;
	int nr_defs; /* node bodies in the source; dtc merges a repeated name */
	struct cfg_loc other_def; /* where the second body is, if nr_defs > 1 */

	bool has_vcpus;
	u32 nr_vcpus;
	struct cfg_loc vcpus_loc;

	bool has_affinity;
	u32 nr_affinity; /* as written, may exceed CFG_MAX_LIST */
	u32 affinity[CFG_MAX_LIST];
	struct cfg_loc affinity_loc;

	u32 nr_mem; /* as written, may exceed CFG_MAX_MEM */
	struct cfg_mem mem[CFG_MAX_MEM];

	struct cfg_image kernel;
	struct cfg_image initrd;

	bool has_bootargs;
	char bootargs[CFG_BOOTARGS_LEN];

	u32 nr_pass; /* as written, may exceed CFG_MAX_PASS */
	struct cfg_pass pass[CFG_MAX_PASS];
	struct cfg_loc pass_loc;

	bool autostart;
	int guest_props; /* node offset in cfg_system.fdt, -1 if none */
	struct cfg_loc guest_props_loc;

	/* Server of each vCPU on a fixed-priority CPU (budget 0: background). */
	struct cfg_list budget_us;
	struct cfg_list period_us;
	struct cfg_list priority;
	struct cfg_tasks tasks;

	/* Communication policy (policy.c): secure, and whom a secure VM accepts calls from. */
	bool secure;
	struct cfg_loc secure_loc;
	u32 nr_accept; /* accept-clients as written, may exceed CFG_MAX_CLIENTS */
	char accept[CFG_MAX_CLIENTS][CFG_NAME_LEN];
	struct cfg_loc accept_loc;

	struct cfg_virtio virtio; /* its virtio-mmio devices (virtio.h) */
	struct cfg_standby standby; /* its standby node (standby.h) */
	struct cfg_watchdog watchdog; /* its SP805 watchdog (watchdog.h) */
};

struct cfg_system {
	const char *file; /* the source file, for messages without a better place */
	const void *fdt; /* the compiled source tree; guest-properties are copied from it */
	struct cfg_loc root_loc;

	bool has_compatible;
	bool compatible_ok;
	bool has_platform;
	char platform[CFG_NAME_LEN];
	struct cfg_loc platform_loc;
	bool trace; /* the root's `trace;`: the EL2 event trace on from boot (docs/trace.md) */

	bool has_vms_node;
	char vms_node[CFG_NODE_LEN];
	struct cfg_loc vms_loc;
	u32 nr_vms; /* as written, may exceed CFG_MAX_VMS */
	struct cfg_vm vms[CFG_MAX_VMS];

	bool has_cpus_node;
	struct cfg_loc cpus_loc;
	u32 nr_cpus; /* /cpus/cpu@N nodes as written, may exceed CFG_MAX_CPU_NODES */
	struct cfg_cpu cpus[CFG_MAX_CPU_NODES];

	/* Set by schedcheck_system(): the analysis failed and --unsafe forced it. */
	bool sched_forced;

	struct cfg_ipc ipc; /* /ipc: endpoints and grants (ipc.h) */
};

/*
 * Where a VM's images go in its own memory, computed by place_vm(). Sizes
 * are what is copied; kernel_span also covers the kernel's BSS so nothing
 * is put where the kernel will zero memory.
 */
struct cfg_layout {
	u64 mem_src[CFG_MAX_MEM]; /* source of memory region i's image in platform.modules, 0 if none */
	u64 kernel_ipa;
	u64 kernel_span;
	u64 entry_ipa;
	u64 initrd_ipa; /* 0 if no initrd */
	u64 dtb_ipa;
	u64 dtb_slot; /* bytes reserved for the tree at dtb_ipa */
	/* Source addresses in platform.modules, filled by place_modules(). */
	u64 kernel_src;
	u64 initrd_src;
	u64 dtb_src;
	u64 dtb_size;
};

/* Errors and warnings collected by every stage, printed once at the end. */
struct diag {
	char **msgs;
	u32 nr_msgs;
	u32 nr_errors;
	u32 nr_warnings;
};

/*
 * Records "FILE:LINE: node PATH: message" as an error (diag_error) or with
 * "warning: " before the message (diag_warn). A NULL loc or node leaves that
 * part out. Never does I/O; diag_print() does. Aborts the tool only if memory
 * runs out.
 */
void diag_error(struct diag *d, const struct cfg_loc *loc, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn(struct diag *d, const struct cfg_loc *loc, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Index of the first recorded message containing text, or -1 (for tests). */
int diag_find(const struct diag *d, const char *text);

/* Writes every message, one per line, in the order they were found. */
void diag_print(const struct diag *d, FILE *out);

/* Frees every message; d is empty and reusable afterwards. */
void diag_reset(struct diag *d);

#endif
