/*
 * A VM's stage-2 address space (Arm ARM D8, "stage 2 translation"): thin
 * typed wrappers over the table builder, so callers cannot confuse an IPA
 * with a physical address. The VMID tags the VM's TLB entries; invalidation
 * on unmap and protect is done by the builder through arch_mm_invalidate().
 */
#include <keel/stage2.h>

int s2_init(struct stage2 *s2, u16 vmid, struct pt_pool *pool)
{
	int err = pt_init(&s2->pt, PT_STAGE2, STAGE2_IPA_BITS, 1, pool);

	s2->vmid = vmid;
	s2->pt.vmid = vmid;
	return err;
}

int s2_map(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, u64 size, u32 flags)
{
	return pt_map(&s2->pt, ipa_val(ipa), pa_val(pa), size, flags);
}

int s2_unmap(struct stage2 *s2, ipaddr_t ipa, u64 size)
{
	return pt_unmap(&s2->pt, ipa_val(ipa), size);
}

int s2_protect(struct stage2 *s2, ipaddr_t ipa, u64 size, u32 flags)
{
	return pt_protect(&s2->pt, ipa_val(ipa), size, flags);
}

int s2_relax(struct stage2 *s2, ipaddr_t ipa, u32 flags)
{
	return pt_relax(&s2->pt, ipa_val(ipa), flags);
}

void s2_flush_local(struct stage2 *s2, ipaddr_t ipa)
{
	pt_flush_local(&s2->pt, ipa_val(ipa));
}

bool s2_walk(const struct stage2 *s2, ipaddr_t ipa, paddr_t *pa, u32 *flags)
{
	u64 out;

	if (!pt_walk(&s2->pt, ipa_val(ipa), &out, flags))
		return false;
	if (pa)
		*pa = pa_of(out);
	return true;
}
