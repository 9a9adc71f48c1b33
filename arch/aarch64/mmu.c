/*
 * Keel's own EL2 translation and the VMSAv8-64 leaf attributes for both of
 * Keel's table kinds (Arm ARM D8.3 descriptor formats).
 *
 * EL2 maps memory one to one. Keel's text is read-only and executable, its
 * rodata read-only, everything else execute-never; SCTLR_EL2.WXN enforces
 * that no page is ever both writable and executable. Guest RAM is mapped
 * (execute-never) so Keel can zero it, copy images and read hypercall
 * buffers; boot modules read-only; devices as Device-nGnRE. The guard below
 * each CPU's stack (stacks.h) is left unmapped, so an overflow faults.
 * arch_mmu_self_check() asks the MMU and walks the tables at boot to show
 * that all of this holds.
 */
#include <keel/arch/mm.h>
#include <keel/log.h>
#include <keel/mm.h>
#include <keel/platform.h>
#include "stacks.h"
#include "sysreg.h"

#define ATTR_AF BIT(10)
#define ATTR_SH_INNER (3ull << 8)
#define ATTR_XN BIT(54)
/* Stage 1 (EL2 regime): AttrIndx selects a MAIR_EL2 byte; AP[1] is RES1, AP[2] read-only. */
#define S1_ATTRIDX(n) ((u64)(n) << 2)
#define S1_AP_RES1 BIT(6)
#define S1_AP_RO BIT(7)
#define MAIR_IDX_DEVICE 0
#define MAIR_IDX_NORMAL 1
#define MAIR_VALUE 0xff04ull /* index 0: Device-nGnRE, index 1: Normal write-back */
/* Stage 2: MemAttr and S2AP. */
#define S2_MEMATTR_NORMAL (0xfull << 2)
#define S2_MEMATTR_DEVICE (0x1ull << 2)
#define S2AP_READ BIT(6)
#define S2AP_WRITE BIT(7)

u64 arch_mm_leaf_attrs(enum pt_kind kind, u32 flags)
{
	u64 attrs = ATTR_AF;

	if (!(flags & MM_EXEC))
		attrs |= ATTR_XN;
	if (!(flags & MM_DEVICE))
		attrs |= ATTR_SH_INNER;
	if (kind == PT_STAGE2) {
		attrs |= (flags & MM_DEVICE) ? S2_MEMATTR_DEVICE : S2_MEMATTR_NORMAL;
		attrs |= (flags & MM_READ) ? S2AP_READ : 0;
		attrs |= (flags & MM_WRITE) ? S2AP_WRITE : 0;
	} else {
		attrs |= S1_ATTRIDX((flags & MM_DEVICE) ? MAIR_IDX_DEVICE : MAIR_IDX_NORMAL);
		attrs |= S1_AP_RES1 | ((flags & MM_WRITE) ? 0 : S1_AP_RO);
	}
	return attrs;
}

u32 arch_mm_leaf_flags(enum pt_kind kind, u64 desc)
{
	u32 flags = (desc & ATTR_XN) ? 0 : MM_EXEC;

	if (kind == PT_STAGE2) {
		flags |= (desc & S2AP_READ) ? MM_READ : 0;
		flags |= (desc & S2AP_WRITE) ? MM_WRITE : 0;
		flags |= ((desc >> 2) & 0xf) == 0x1 ? MM_DEVICE : 0;
	} else {
		flags |= MM_READ | ((desc & S1_AP_RO) ? 0 : MM_WRITE);
		flags |= ((desc >> 2) & 7) == MAIR_IDX_DEVICE ? MM_DEVICE : 0;
	}
	return flags;
}

void arch_mm_invalidate(const struct page_table *pt, u64 va)
{
	if (pt->kind == PT_STAGE2) {
		/* TLBI by IPA needs the VMID in VTTBR_EL2: issue it for the whole VMID instead. */
		arch_mm_invalidate_all(pt);
		return;
	}
	dsb(ishst);
	__asm__ volatile("tlbi vae2is, %0" : : "r"(va >> 12));
	dsb(ish);
	isb();
}

void arch_mm_invalidate_all(const struct page_table *pt)
{
	dsb(ishst);
	if (pt->kind == PT_STAGE2) {
		/* Switch VTTBR to the VMID for the duration of the TLBI (Arm ARM D8.13). */
		u64 saved = read_sysreg(vttbr_el2);

		write_sysreg(vttbr_el2, (u64)pt->vmid << 48 | (u64)(uintptr_t)pt->root);
		isb();
		__asm__ volatile("tlbi vmalls12e1is");
		dsb(ish);
		write_sysreg(vttbr_el2, saved);
	} else {
		__asm__ volatile("tlbi alle2is");
		dsb(ish);
	}
	isb();
}

void arch_mm_invalidate_local(const struct page_table *pt, u64 va)
{
	dsb(nshst);
	if (pt->kind == PT_STAGE2) {
		u64 saved = read_sysreg(vttbr_el2);

		write_sysreg(vttbr_el2, (u64)pt->vmid << 48 | (u64)(uintptr_t)pt->root);
		isb();
		/* The IPA's stage-2 entry, then the combined stage-1+2 entries built from it (Arm ARM D8.13.5). */
		__asm__ volatile("tlbi ipas2e1, %0" : : "r"(va >> 12));
		dsb(nsh);
		__asm__ volatile("tlbi vmalle1");
		dsb(nsh);
		write_sysreg(vttbr_el2, saved);
	} else {
		__asm__ volatile("tlbi vae2, %0" : : "r"(va >> 12));
		dsb(nsh);
	}
	isb();
}

void arch_mm_sync(void)
{
	dsb(ishst);
}

extern char _image_start[], _text_end[], _rodata_end[], _image_end[];

static struct pt_pool el2_pool;
static struct page_table el2_pt;
static u8 el2_pool_pages[64 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".noinit.el2pt")));

static void el2_map(u64 base, u64 size, u32 flags, const char *what)
{
	int err = pt_map(&el2_pt, base, base, ALIGN_UP(size, PAGE_SIZE), flags);

	if (err)
		panic("cannot map %s at EL2 (%d)", what, err);
}

/* Build Keel's EL2 tables (boot CPU, MMU still off). */
void arch_mmu_build(void)
{
	u64 img = (u64)(uintptr_t)_image_start;
	u64 text_end = (u64)(uintptr_t)_text_end;
	u64 ro_end = (u64)(uintptr_t)_rodata_end;
	const struct plat_region *k = &platform.keel;

	pt_pool_init(&el2_pool, el2_pool_pages, ARRAY_SIZE(el2_pool_pages) / PAGE_SIZE);
	if (pt_init(&el2_pt, PT_STAGE1_EL2, 39, 1, &el2_pool))
		panic("no page for the EL2 root table");
	if (img > k->base)
		el2_map(k->base, img - k->base, MM_RW, "memory below Keel");
	el2_map(img, text_end - img, MM_READ | MM_EXEC, "Keel text");
	el2_map(text_end, ro_end - text_end, MM_READ, "Keel rodata");
	el2_map(ro_end, k->base + k->size - ro_end, MM_RW, "Keel data");
	for (u32 i = 0; i < PLAT_MAX_CPUS; i++)
		if (pt_unmap(&el2_pt, (u64)(uintptr_t)cpu_stacks + (u64)i * CPU_STACK_REGION, CPU_STACK_GUARD_SIZE))
			panic("cannot unmap CPU %u's stack guard", i);
	el2_map(platform.firmware_dtb.base, platform.firmware_dtb.size, MM_READ, "firmware device tree");
	el2_map(platform.modules.base, platform.modules.size, MM_READ, "boot modules");
	el2_map(platform.guest_ram.base, platform.guest_ram.size, MM_RW, "guest RAM");
	el2_map(ALIGN_DOWN(platform.uart_base, PAGE_SIZE), PAGE_SIZE, MM_RW | MM_DEVICE, "UART");
	el2_map(platform.gicd_base, 0x10000, MM_RW | MM_DEVICE, "GIC distributor");
	el2_map(platform.gicr_base, platform.gicr_stride * platform.nr_cpus, MM_RW | MM_DEVICE,
		"GIC redistributors");
	if (platform.virtio_mmio.size)
		el2_map(ALIGN_DOWN(platform.virtio_mmio.base, PAGE_SIZE),
			ALIGN_UP(platform.virtio_mmio.size, PAGE_SIZE), MM_RW | MM_DEVICE, "virtio-mmio slots");
}

/* Turn on translation with Keel's tables on this CPU. */
void arch_mmu_enable(void)
{
	write_sysreg(mair_el2, MAIR_VALUE);
	/* T0SZ 25 (39-bit), inner/outer write-back, inner shareable, 4 KiB, 40-bit PA, RES1 23 and 31. */
	write_sysreg(tcr_el2, 25 | (1 << 8) | (1 << 10) | (3 << 12) | (2ull << 16) | BIT(23) | BIT(31));
	write_sysreg(ttbr0_el2, (u64)(uintptr_t)el2_pt.root);
	isb();
	__asm__ volatile("tlbi alle2");
	dsb(ish);
	isb();
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN);
	isb();
}

/*
 * Does an access at va translate through this CPU's live EL2 tables? AT
 * S1E2R or S1E2W (Arm ARM C5.5) answers in PAR_EL1.F without faulting.
 */
static bool el2_translates(u64 va, bool write)
{
	u64 saved = read_sysreg(par_el1);
	u64 par;

	if (write)
		__asm__ volatile("at s1e2w, %0" : : "r"(va));
	else
		__asm__ volatile("at s1e2r, %0" : : "r"(va));
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(par_el1, saved); /* a guest's register: leave it as it was */
	return !(par & PAR_F);
}

#define DESC_VALID BIT(0)
#define DESC_TABLE_BIT BIT(1) /* levels 0-2: table, not block; level 3: page */
#define DESC_ADDR_MASK 0x0000fffffffff000ull

/*
 * Every leaf of Keel's tables below this one: an executable leaf must be
 * read-only and inside Keel's text [xlo, xhi). Returns the executable bytes
 * seen; *bad counts leaves that break the rule (WXN would stop a writable
 * one executing, but the tables should not ask for it in the first place).
 */
static u64 wx_walk(const u64 *table, u32 level, u64 va, u64 xlo, u64 xhi, u32 *bad)
{
	u64 size = 1ull << (PAGE_SHIFT + 9 * (3 - level));
	u64 exec = 0;

	for (u32 i = 0; i < 512; i++, va += size) {
		u64 desc = table[i];

		if (!(desc & DESC_VALID))
			continue;
		if (level < 3 && (desc & DESC_TABLE_BIT)) {
			exec += wx_walk((const u64 *)(uintptr_t)(desc & DESC_ADDR_MASK), level + 1, va, xlo, xhi, bad);
			continue;
		}
		if (desc & ATTR_XN)
			continue;
		exec += size;
		if (!(desc & S1_AP_RO) || va < xlo || va + size > xhi)
			(*bad)++;
	}
	return exec;
}

/*
 * Boot CPU, after arch_mmu_enable and the console: prove the hardening the
 * tables promise. Each guard page must fault on any access through the live
 * translation and each page of each CPU's stacks must take a write; Keel's text and
 * rodata must not be writable; no mapping may be executable but Keel's text.
 * Any failure is a Keel bug: panic.
 */
void arch_mmu_self_check(void)
{
	u64 stacks = (u64)(uintptr_t)cpu_stacks;
	u64 text = (u64)(uintptr_t)_image_start, text_end = (u64)(uintptr_t)_text_end;
	u32 bad = 0;
	u64 exec;

	for (u64 off = 0; off < (u64)CPU_STACK_REGION * PLAT_MAX_CPUS; off += PAGE_SIZE) {
		bool guard = off % CPU_STACK_REGION < CPU_STACK_GUARD_SIZE;

		/* A guard must not even be readable; a stack page must be writable. */
		if (el2_translates(stacks + off, !guard) == guard)
			panic("hardening: CPU %lu's %s page at 0x%lx is %s", off / CPU_STACK_REGION,
			      guard ? "stack guard" : "stack", stacks + off, guard ? "mapped" : "not writable");
	}
	for (u64 va = text; va < (u64)(uintptr_t)_rodata_end; va += PAGE_SIZE)
		if (el2_translates(va, true))
			panic("hardening: Keel's text or rodata at 0x%lx is writable", va);
	exec = wx_walk(el2_pt.root, el2_pt.start_level, 0, text, text_end, &bad);
	if (bad)
		panic("hardening: %u EL2 mappings are executable outside Keel's text or writable", bad);
	klog("hardening: %u stack guards unmapped, W^X checked: only Keel's text is executable (%lu KiB)",
	     PLAT_MAX_CPUS, exec / 1024);
}

/* Keel's EL2 table pages in use, for the memory report. */
u32 arch_mmu_pages_used(void)
{
	return el2_pool.nr_used;
}
