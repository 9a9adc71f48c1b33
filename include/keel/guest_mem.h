/*
 * A VM's RAM as Keel sees it: the one way Keel touches guest memory.
 *
 * Guest RAM is filled on demand. At each start every RAM region is unmapped
 * from stage 2; the first access to a chunk (the part of one RAM region
 * inside one 2 MiB-aligned span of IPA space) faults into gm_fault(), which
 * zeroes the chunk, copies into it whatever part of the VM's boot images
 * lands there (from the pristine copies the boot loader left outside all
 * VMs), and maps it. So a guest never sees a byte it did not write or load,
 * a reset costs almost nothing up front, and all the work of refilling RAM
 * is done on the VM's own CPUs, in the VM's own time, in steps that let
 * pending interrupts in.
 *
 * Everything else that reads or writes guest memory (hypercall arguments,
 * IPC buffers, virtqueues) goes through gm_access() or the copy helpers,
 * which check that the whole range is RAM of this VM with the permission
 * asked for (GM_DENIED for a write into a read-only region), fill it if
 * needed, and record writes in the dirty log.
 *
 * The dirty log (for checkpoints) write-protects the VM's RAM in stage 2;
 * the first guest write to a page faults, is recorded and makes that one
 * page writable again, splitting a 2 MiB block only where a write lands.
 *
 * A read-only region (the configuration's `read-only`) is filled the same
 * way but mapped without write permission, always: a guest write faults and
 * is refused (GM_DENIED), the accessor refuses writes into it, and it never
 * enters the dirty log, so it has no standby copy and is never copied.
 *
 * Locking: gm->lock protects the chunk state, the dirty log and the VM's
 * stage-2 tables (and so its table pool). It is a leaf lock: nothing else is
 * taken while it is held. See include/keel/vm.h for the whole lock order.
 */
#ifndef KEEL_GUEST_MEM_H
#define KEEL_GUEST_MEM_H

#include <abi/keel/config_blob.h>
#include <keel/addr.h>
#include <keel/spinlock.h>
#include <keel/stage2.h>
#include <keel/types.h>

#define GM_CHUNK (2 * MiB) /* filled and mapped at once */
/*
 * Filled without looking for interrupts: 4 KiB (zeroing, a copy of image
 * bytes, cleaning) is a few microseconds under TCG, the longest stretch a
 * VM's first touch can hold its CPU from a real-time neighbour's timer.
 */
#define GM_FILL_STEP (4 * KiB)
#define GM_MAX_CHUNKS KEEL_MAX_RAM_SPANS_PER_VM
/* Dirty-log bits for every VM together: one per 4 KiB page (keelcfg checks the total). */
#define GM_DIRTY_POOL_WORDS (KEEL_MAX_TOTAL_GUEST_RAM / PAGE_SIZE / 64)

/* What an access to guest memory needs. */
#define GM_READ (1u << 0)
#define GM_WRITE (1u << 1)

enum gm_result {
	GM_OK = 0,
	GM_RETRY = 1, /* filling was interrupted: retry the access (or the call) later */
	GM_NOT_RAM = -1, /* some of the range is not this VM's RAM */
	GM_DENIED = -2, /* RAM, but not with that permission */
	GM_NOMEM = -3, /* the VM's own stage-2 table pool is exhausted */
};

struct gm_region {
	ipaddr_t ipa;
	paddr_t pa;
	u64 size;
	u32 first_chunk; /* index of its first chunk among the VM's chunks */
	u64 first_page; /* index of its first page in the dirty log */
	bool read_only; /* never writable by the guest or Keel, never dirty */
	u64 pages_copied; /* to or from its standby copy since boot (statistics) */
};

struct gm_image {
	paddr_t src; /* pristine copy, outside every VM's RAM */
	ipaddr_t dst;
	u64 size;
};

struct gm_chunk {
	u32 filled; /* bytes from the chunk's start zeroed and loaded so far */
	bool mapped;
};

struct guest_mem {
	struct spinlock lock; /* everything below, and the stage-2 tables of s2 */
	struct stage2 *s2;
	u32 nr_regions;
	struct gm_region regions[KEEL_MAX_MEM_REGIONS];
	u32 nr_images;
	struct gm_image images[KEEL_MAX_IMAGES];
	u32 nr_chunks;
	u32 nr_chunks_mapped; /* since the last reset */
	struct gm_chunk chunks[GM_MAX_CHUNKS];
	u64 nr_pages; /* of all regions: bits in the dirty log */
	u64 *dirty; /* nr_pages bits, from the static dirty-log pool */
	bool logging;
	const u64 *mirror_pa; /* while logging: fill the standby copy too (gm_mirror_fills), or NULL */
	u64 nr_dirty; /* bits set in dirty */
	u64 nr_write_faults; /* dirty-log faults taken, for statistics */
};

/* A stage-2 fault as the arch code decodes it. */
enum s2_fault_kind {
	S2_FAULT_TRANSLATION, /* nothing mapped there */
	S2_FAULT_PERMISSION, /* mapped, but not for this access */
	S2_FAULT_OTHER, /* access flag, alignment, external abort, ...: not Keel's to fix */
};

struct s2_fault {
	ipaddr_t ipa;
	bool write;
	bool exec; /* an instruction fetch */
	enum s2_fault_kind kind;
};

/*
 * Set up gm for a VM's configuration record: its RAM regions and images.
 * Storage for the dirty log comes from the static pool (gm_dirty_pool_take).
 * Returns false if the record does not fit Keel's limits (too many chunks
 * or pages, RAM beyond the IPA space, an image not inside one region): a
 * configuration error.
 */
bool gm_init(struct guest_mem *gm, struct stage2 *s2, const struct keel_blob_vm *cfg);

/*
 * Forget the last run: unmap every RAM region, so every chunk is filled
 * afresh (zeroes and pristine images) on first touch. Stops the dirty log.
 * The VM's vCPUs must all be stopped.
 */
void gm_reset(struct guest_mem *gm);

/*
 * A stage-2 fault in the VM. GM_OK: handled (a chunk was filled and mapped,
 * or a write was logged and its page made writable): the guest retries the
 * access. GM_RETRY: filling stopped for a pending interrupt, the guest
 * retries and filling goes on. GM_NOT_RAM / GM_DENIED / GM_NOMEM: not
 * Keel's to fix; the caller tries MMIO or injects an abort.
 */
enum gm_result gm_fault(struct guest_mem *gm, const struct s2_fault *fault);

/*
 * The checked accessor: [ipa, ipa + len) as host memory, for an access of
 * kind `access` (GM_READ, GM_WRITE or both). The range must lie in one RAM
 * region (else GM_NOT_RAM); it is filled first if needed (GM_RETRY if
 * preemptible and an interrupt came first); writes are recorded in the
 * dirty log. *host is valid until the VM next resets, which cannot happen
 * while the calling vCPU is inside a trap.
 */
enum gm_result gm_access(struct guest_mem *gm, ipaddr_t ipa, u64 len, u32 access, bool preemptible,
			 void **host);

/*
 * After writing through a pointer gm_access gave for GM_WRITE: record the
 * write in the dirty log again, now that it has landed (a harvest between
 * gm_access and the write would otherwise take the bit and miss the data).
 */
void gm_write_done(struct guest_mem *gm, ipaddr_t ipa, u64 len);

/* Copy between Keel and guest RAM through gm_access (ranges may cross regions). */
enum gm_result gm_copy_from_guest(struct guest_mem *gm, void *dst, ipaddr_t ipa, u64 len, bool preemptible);
enum gm_result gm_copy_to_guest(struct guest_mem *gm, ipaddr_t ipa, const void *src, u64 len, bool preemptible);

/*
 * The dirty log. Start: forget old bits, write-protect all mapped RAM.
 * Harvest: copy the bits of pages written since the last harvest (or the
 * start) into out (nr_pages bits), clear them and write-protect those pages
 * again; returns how many were set (out must hold nr_pages bits). A write
 * Keel makes through gm_access lands in the next round if a harvest comes
 * between the access and gm_write_done(). Stop: make all mapped RAM writable.
 * GM_NOMEM if a split needed a table page the VM does not have.
 */
enum gm_result gm_dirty_start(struct guest_mem *gm);
u64 gm_dirty_harvest(struct guest_mem *gm, u64 *out, u64 out_words);
enum gm_result gm_dirty_stop(struct guest_mem *gm);

/*
 * Standby copies (core/standby.c), with the dirty log running and every
 * vCPU of the VM out of the guest. copy_pa[i] is the copy of region i.
 *
 * Checkpoint: copy every page written since the last checkpoint (or the
 * dirty log's start) into the copy, write-protect those pages again, and
 * note every chunk's state in chunks_out (nr_chunks entries). Returns the
 * pages copied.
 *
 * Rollback: make RAM what it was at that checkpoint: pages written since
 * come back from the copy (and are write-protected again), chunks first
 * mapped since are unmapped and forgotten, so a touch refills them from the
 * images as before. Returns the pages copied back.
 */
u64 gm_checkpoint(struct guest_mem *gm, const u64 *copy_pa, struct gm_chunk *chunks_out);
/*
 * From now until the log stops or the VM is reset, fill each chunk's
 * standby copy (copy_pa[i] for region i, kept by the caller) together with
 * the chunk, and map the new chunk write-protected and clean in the log:
 * the next checkpoint copies only the pages written after the fill, not
 * every page a first touch filled. NULL stops it.
 */
void gm_mirror_fills(struct guest_mem *gm, const u64 *copy_pa);
u64 gm_rollback(struct guest_mem *gm, const u64 *copy_pa, const struct gm_chunk *chunks_saved);

/* Words of dirty-log storage the VM needs, and taking them from the static pool at boot. */
u64 gm_dirty_words(const struct keel_blob_vm *cfg);
u64 *gm_dirty_pool_take(u64 words);
/* Give the whole static pool back (host tests build many VMs). */
void gm_dirty_pool_reset(void);

#endif
