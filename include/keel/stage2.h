/*
 * A VM's stage-2 address space: the IPA-to-PA translation that confines it.
 * The small API here (map, unmap, protect, walk) is all other features use:
 * checkpointing write-protects ranges and re-enables them on faults, and
 * inter-VM channels map one physical range into two VMs.
 * Every call that removes or reduces access also invalidates the VM's TLB
 * entries before it returns.
 */
#ifndef KEEL_STAGE2_H
#define KEEL_STAGE2_H

#include <keel/addr.h>
#include <keel/mm.h>

/* IPA width Keel gives guests: 39 bits (512 GiB), one level-1 root table. */
#define STAGE2_IPA_BITS 39

struct stage2 {
	struct page_table pt;
	u16 vmid;
};

int s2_init(struct stage2 *s2, u16 vmid, struct pt_pool *pool);
int s2_map(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, u64 size, u32 flags);
int s2_unmap(struct stage2 *s2, ipaddr_t ipa, u64 size);
int s2_protect(struct stage2 *s2, ipaddr_t ipa, u64 size, u32 flags);
bool s2_walk(const struct stage2 *s2, ipaddr_t ipa, paddr_t *pa, u32 *flags);
/*
 * Dirty-log faults (core/guest_mem.c): give the page at ipa more access,
 * invalidating only this CPU's entry (pt_relax); and, for a vCPU that
 * faulted on an entry another CPU relaxed already, drop its stale entry.
 */
int s2_relax(struct stage2 *s2, ipaddr_t ipa, u32 flags);
void s2_flush_local(struct stage2 *s2, ipaddr_t ipa);

#endif
