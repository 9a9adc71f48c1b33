/*
 * Host implementation of the leaf-descriptor and TLB hooks of
 * include/keel/arch/mm.h, for unit tests of core/pagetable.c. Leaf
 * attributes use the real VMSAv8-64 bit positions (Arm ARM D8.3, "Translation
 * table descriptor formats") so a test can read a descriptor by hand, and the
 * encoding is reversible: arch_mm_leaf_flags(arch_mm_leaf_attrs(f)) == f for
 * every stage-2 combination of MM_* flags. At stage 1 a valid leaf is always
 * readable (there is no "no access" encoding at EL2), so MM_READ reads back
 * as set. TLB invalidations are recorded in the globals of
 * tests/unit/fake_mm.h instead of being performed.
 */
#include <keel/arch/mm.h>

#include "fake_mm.h"

/* Bits shared by both stages. */
#define DESC_AF BIT(10) /* access flag: set, so the first access does not fault */
#define DESC_SH_INNER (3ull << 8) /* SH[9:8] = 0b11, Inner Shareable */
#define DESC_SH_MASK (3ull << 8)
#define DESC_XN BIT(54) /* stage 1 EL2: XN; stage 2: XN[1] (no execution at EL1/EL0) */

/* Stage 2 (Arm ARM D8.5.5): S2AP[7:6] and MemAttr[5:2]. */
#define S2_S2AP_R BIT(6)
#define S2_S2AP_W BIT(7)
#define S2_MEMATTR_SHIFT 2
#define S2_MEMATTR_MASK (0xfull << S2_MEMATTR_SHIFT)
#define S2_MEMATTR_NORMAL_WB (0xfull << S2_MEMATTR_SHIFT) /* Normal, Outer and Inner WB */
#define S2_MEMATTR_DEVICE_nGnRE (0x1ull << S2_MEMATTR_SHIFT)

/* Stage 1 at EL2 (Arm ARM D8.4): AP[7:6] and AttrIndx[4:2] into MAIR_EL2. */
#define S1_AP_RES1 BIT(6) /* AP[1]: RES1 in the EL2 regime */
#define S1_AP_RO BIT(7) /* AP[2]: read-only */
#define S1_ATTRIDX_SHIFT 2
#define S1_ATTRIDX_MASK (7ull << S1_ATTRIDX_SHIFT)
#define S1_ATTRIDX_NORMAL (0ull << S1_ATTRIDX_SHIFT)
#define S1_ATTRIDX_DEVICE (1ull << S1_ATTRIDX_SHIFT)

u64 fake_mm_invalidate_count;
u64 fake_mm_invalidate_last_va;
const struct page_table *fake_mm_invalidate_last_pt;
u16 fake_mm_invalidate_last_vmid;
u64 fake_mm_invalidate_log[FAKE_MM_INVAL_LOG];
u64 fake_mm_invalidate_all_count;
u64 fake_mm_sync_count;

static u64 s2_attrs(u32 flags)
{
	u64 a = DESC_AF;

	if (flags & MM_READ)
		a |= S2_S2AP_R;
	if (flags & MM_WRITE)
		a |= S2_S2AP_W;
	if (!(flags & MM_EXEC))
		a |= DESC_XN;
	if (flags & MM_DEVICE)
		a |= S2_MEMATTR_DEVICE_nGnRE;
	else
		a |= S2_MEMATTR_NORMAL_WB | DESC_SH_INNER;
	return a;
}

static u64 s1_attrs(u32 flags)
{
	u64 a = DESC_AF | S1_AP_RES1;

	if (!(flags & MM_WRITE))
		a |= S1_AP_RO;
	if (!(flags & MM_EXEC))
		a |= DESC_XN;
	if (flags & MM_DEVICE)
		a |= S1_ATTRIDX_DEVICE;
	else
		a |= S1_ATTRIDX_NORMAL | DESC_SH_INNER;
	return a;
}

u64 arch_mm_leaf_attrs(enum pt_kind kind, u32 flags)
{
	return kind == PT_STAGE2 ? s2_attrs(flags) : s1_attrs(flags);
}

u32 arch_mm_leaf_flags(enum pt_kind kind, u64 desc)
{
	u32 f = 0;

	if (kind == PT_STAGE2) {
		if (desc & S2_S2AP_R)
			f |= MM_READ;
		if (desc & S2_S2AP_W)
			f |= MM_WRITE;
		if ((desc & S2_MEMATTR_MASK) == S2_MEMATTR_DEVICE_nGnRE)
			f |= MM_DEVICE;
	} else {
		f |= MM_READ;
		if (!(desc & S1_AP_RO))
			f |= MM_WRITE;
		if ((desc & S1_ATTRIDX_MASK) == S1_ATTRIDX_DEVICE)
			f |= MM_DEVICE;
	}
	if (!(desc & DESC_XN))
		f |= MM_EXEC;
	return f;
}

void arch_mm_invalidate(const struct page_table *pt, u64 va)
{
	if (fake_mm_invalidate_count < FAKE_MM_INVAL_LOG)
		fake_mm_invalidate_log[fake_mm_invalidate_count] = va;
	fake_mm_invalidate_count++;
	fake_mm_invalidate_last_va = va;
	fake_mm_invalidate_last_pt = pt;
	fake_mm_invalidate_last_vmid = pt->vmid;
}

void arch_mm_invalidate_all(const struct page_table *pt)
{
	fake_mm_invalidate_all_count++;
	fake_mm_invalidate_last_pt = pt;
	fake_mm_invalidate_last_vmid = pt->vmid;
}

u64 fake_mm_invalidate_local_count;

void arch_mm_invalidate_local(const struct page_table *pt, u64 va)
{
	fake_mm_invalidate_local_count++;
	fake_mm_invalidate_last_va = va;
	fake_mm_invalidate_last_pt = pt;
	fake_mm_invalidate_last_vmid = pt->vmid;
}

void arch_mm_sync(void)
{
	fake_mm_sync_count++;
}

void fake_mm_reset(void)
{
	fake_mm_invalidate_local_count = 0;
	fake_mm_invalidate_count = 0;
	fake_mm_invalidate_last_va = 0;
	fake_mm_invalidate_last_pt = NULL;
	fake_mm_invalidate_last_vmid = 0;
	fake_mm_invalidate_all_count = 0;
	fake_mm_sync_count = 0;
}

bool fake_mm_invalidated_in(u64 lo, u64 hi)
{
	u64 n = MIN(fake_mm_invalidate_count, (u64)FAKE_MM_INVAL_LOG);

	if (fake_mm_invalidate_all_count)
		return true;
	for (u64 i = 0; i < n; i++) {
		if (fake_mm_invalidate_log[i] >= lo && fake_mm_invalidate_log[i] < hi)
			return true;
	}
	return false;
}
