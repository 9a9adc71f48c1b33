/*
 * Software-generated interrupts between a VM's vCPUs. A guest raises an SGI
 * by writing ICC_SGI1R_EL1, ICC_SGI0R_EL1 or ICC_ASGI1R_EL1; ICH_HCR_EL2
 * traps those writes to Keel, which decodes the target set here (Arm ARM
 * ICC_SGI1R_EL1; GICv3 spec 12.2 and its "forwarding an SGI to a target PE"
 * table) and latches the SGI pending in each target's redistributor. A vCPU's
 * affinity is Aff0 = its index with Aff1..3 zero, so only a write naming
 * Aff1..3 == 0 can reach anyone; targets that do not exist are ignored.
 */
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

/* ICC_SGI1R_EL1 fields (the SGI0R and ASGI1R layouts are the same). */
#define SGIR_TARGET_LIST_MASK 0xffffull
#define SGIR_AFF1_SHIFT 16
#define SGIR_INTID_SHIFT 24
#define SGIR_INTID_MASK 0xfull
#define SGIR_AFF2_SHIFT 32
#define SGIR_IRM (1ull << 40) /* 1: every PE except the writer */
#define SGIR_RS_SHIFT 44 /* TargetList names Aff0 = RS * 16 + bit */
#define SGIR_RS_MASK 0xfull
#define SGIR_AFF3_SHIFT 48
#define SGIR_AFF_MASK 0xffull

/* The vCPUs (bit = index) a write of value from vcpu targets. */
static u32 vgic_sgi_targets(const struct vcpu *vcpu, u64 value)
{
	const struct vm *vm = vcpu->vm;
	u32 all = (1u << vm->nr_vcpus) - 1;
	u32 base, mask;

	if (value & SGIR_IRM)
		return all & ~(1u << vcpu->index);
	if (((value >> SGIR_AFF1_SHIFT) & SGIR_AFF_MASK) ||
	    ((value >> SGIR_AFF2_SHIFT) & SGIR_AFF_MASK) ||
	    ((value >> SGIR_AFF3_SHIFT) & SGIR_AFF_MASK))
		return 0; /* no vCPU has a non-zero Aff1, Aff2 or Aff3 */
	/* TargetList bit b names Aff0 = RS * 16 + b: a shift, not a loop (this is every IPI's path). */
	base = (u32)((value >> SGIR_RS_SHIFT) & SGIR_RS_MASK) * 16;
	if (base >= 32)
		return 0; /* vCPU indices are below 32 */
	mask = (u32)((value & SGIR_TARGET_LIST_MASK) << base);
	return mask & all;
}

/*
 * Latch SGI value[27:24] pending on each vCPU the write names. group1 is
 * true for ICC_SGI1R_EL1, which with GICD_CTLR.DS == 1 raises the SGI in
 * whichever group the target configured; ICC_SGI0R_EL1 and ICC_ASGI1R_EL1
 * (there is no other security state to address) pass false and raise only
 * Group 0 SGIs. Kicks the targets the SGI became deliverable on. Call from
 * the trap handler on vcpu's CPU, without vm_vgic(vm)->lock held.
 */
void vgic_sgi_write(struct vcpu *vcpu, u64 value, bool group1)
{
	struct vm *vm = vcpu->vm;
	u32 intid = (u32)((value >> SGIR_INTID_SHIFT) & SGIR_INTID_MASK);
	u32 targets = vgic_sgi_targets(vcpu, value);
	u32 kick = 0;

	spin_lock(&vm_vgic(vm)->lock);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vgic_irq *irq = &vm->vcpus[i].vgic.private_irqs[intid];

		if (!(targets & (1u << i)))
			continue;
		if (irq->group1 && !group1)
			continue; /* a Group 0 request does not raise a Group 1 SGI */
		kick |= vgic_irq_latch(vm, irq);
	}
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_kick(vm, kick);
}
