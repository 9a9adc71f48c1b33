/*
 * List-register scheduling: the bridge between the vGIC's interrupt state
 * and the hardware virtual CPU interface (GICv3 spec 4.4 and chapter 11;
 * Arm ARM ICH_LR<n>_EL2, ICH_HCR_EL2). Before each guest entry
 * vgic_flush_lrs() copies the best interrupts for the vCPU into free list
 * registers; after each exit vgic_sync_lrs() folds what the guest did with
 * them (acknowledge, deactivate) back into struct vgic_irq and empties every
 * list register, so between two entries all state lives in memory and a vCPU
 * switch needs no list-register save. While listed, an interrupt keeps its
 * state in memory as well (a copy, not a move): lr_state remembers what was
 * listed, and a change made meanwhile by another CPU (a new edge, ICPENDR,
 * ICACTIVER) is recorded so the fold cannot undo it or lose it.
 *
 * Everything runs on the vCPU's own physical CPU under vm->vgic.lock (the
 * list-register shadow in struct vgic_cpu is that CPU's alone).
 */
#include <keel/arch/gic.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

#define VGIC_LR_P ((u8)(ICH_LR_STATE_PENDING >> ICH_LR_STATE_SHIFT))
#define VGIC_LR_A ((u8)(ICH_LR_STATE_ACTIVE >> ICH_LR_STATE_SHIFT))

/* Does irq need a list register on vcpu: active (so the guest can deactivate it) or deliverable? */
static bool vgic_lr_wanted(const struct vm *vm, const struct vcpu *vcpu, const struct vgic_irq *irq)
{
	if (irq->lr != VGIC_NO_LR || irq->target_vcpu != vcpu->index)
		return false;
	return irq->active || vgic_irq_deliverable(vm, irq);
}

/* Order of listing: active ones first, then by priority (lower value wins), then INTID. */
static bool vgic_lr_better(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (!b)
		return true;
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

/* The most urgent interrupt vcpu wants listed and has not got, or NULL. */
static struct vgic_irq *vgic_lr_pick(struct vm *vm, struct vcpu *vcpu)
{
	struct vgic_irq *best = NULL;

	for (u32 i = 0; i < VGIC_NR_PRIVATE; i++) {
		struct vgic_irq *irq = &vcpu->vgic.private_irqs[i];

		if (vgic_lr_wanted(vm, vcpu, irq) && vgic_lr_better(irq, best))
			best = irq;
	}
	for (u32 i = 0; i < vm->vgic.nr_spis; i++) {
		struct vgic_irq *irq = &vm->vgic.spis[i];

		if (vgic_lr_wanted(vm, vcpu, irq) && vgic_lr_better(irq, best))
			best = irq;
	}
	return best;
}

/* Build the ICH_LR<n>_EL2 value for irq and write it to list register n. */
static void vgic_lr_fill(struct vm *vm, struct vcpu *vcpu, u32 n, struct vgic_irq *irq)
{
	struct vgic_cpu *vc = &vcpu->vgic;
	bool pend = vgic_irq_deliverable(vm, irq);
	bool act = irq->active;
	u64 lr = irq->intid | (u64)irq->priority << ICH_LR_PRIORITY_SHIFT;
	u8 state;

	if (irq->group1)
		lr |= ICH_LR_GROUP1;
	if (irq->hw) {
		lr |= ICH_LR_HW | ((u64)irq->hw_intid << ICH_LR_PINTID_SHIFT);
		/* The physical GIC keeps a hw interrupt's pending state: never list it
		 * pending and active; the latch waits for the next flush. */
		if (act)
			pend = false;
	} else if (!irq->edge && pend) {
		/* Level: trap the deactivation so the line can be sampled again. */
		lr |= ICH_LR_EOI;
	}
	state = (pend ? VGIC_LR_P : 0) | (act ? VGIC_LR_A : 0);
	lr |= (u64)state << ICH_LR_STATE_SHIFT;

	irq->lr = (u8)n;
	irq->lr_state = state;
	irq->relatch = false;
	irq->active_written = false;
	vc->lr[n] = lr;
	vc->lr_intid[n] = irq->intid;
	vc->lr_used |= 1u << n;
	arch_gic_write_lr(n, lr);
}

/*
 * Fill the free list registers (those not in lr_used) with the vCPU's most
 * urgent interrupts: active ones first, then enabled pending ones by
 * priority. If some remain unlisted, set ICH_HCR_EL2.UIE so the guest's
 * draining of the list registers raises a maintenance interrupt and a new
 * flush. Call on vcpu's physical CPU with its virtual CPU interface loaded,
 * immediately before entering the guest, without vm->vgic.lock held.
 */
void vgic_flush_lrs(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	u32 nr = MIN(arch_gic_nr_lrs(), VGIC_MAX_LRS);
	bool overflow;
	u32 hcr;

	spin_lock(&vm->vgic.lock);
	for (u32 n = 0; n < nr; n++) {
		struct vgic_irq *irq;

		if (vcpu->vgic.lr_used & (1u << n))
			continue;
		irq = vgic_lr_pick(vm, vcpu);
		if (!irq)
			break;
		vgic_lr_fill(vm, vcpu, n, irq);
	}
	overflow = vgic_lr_pick(vm, vcpu) != NULL;
	spin_unlock(&vm->vgic.lock);

	hcr = (arch_gic_read_hcr() & ~ICH_HCR_UIE) | ICH_HCR_EN;
	if (overflow)
		hcr |= ICH_HCR_UIE;
	arch_gic_write_hcr(hcr);
	vcpu->vgic.hcr = hcr;
}

/*
 * Fold list register value lr back into irq, which it held. Returns the
 * kick mask for another vCPU that should now take the interrupt.
 */
static u32 vgic_lr_fold(struct vm *vm, struct vcpu *vcpu, struct vgic_irq *irq, u64 lr)
{
	u8 now = (u8)((lr & ICH_LR_STATE_MASK) >> ICH_LR_STATE_SHIFT);

	/* Listed pending, no longer pending: the guest acknowledged that event.
	 * Only an event that arrived since (relatch) keeps it pending. A level
	 * line still high keeps it pending through line_level. */
	if ((irq->lr_state & VGIC_LR_P) && !(now & VGIC_LR_P))
		irq->pending_latch = irq->relatch;
	/* The guest owns the active state unless a register write changed it. */
	if (!irq->active_written)
		irq->active = now & VGIC_LR_A;
	irq->lr = VGIC_NO_LR;
	irq->lr_state = 0;
	irq->relatch = false;
	irq->active_written = false;
	if (irq->intid >= VGIC_SPI_BASE && !irq->active)
		vgic_route_spi(vm, irq); /* apply an IROUTER write deferred while listed */
	if (irq->target_vcpu != vcpu->index && vgic_irq_deliverable(vm, irq))
		return vgic_irq_target_bit(irq);
	return 0;
}

/*
 * Read back every list register the last flush filled, update the
 * interrupts' pending and active state from what the guest did, empty the
 * list registers and clear ICH_HCR_EL2.UIE. Call on vcpu's physical CPU
 * right after every guest exit, before anything looks at the vCPU's
 * interrupt state (vgic_vcpu_has_pending, vgic_maintenance), without
 * vm->vgic.lock held.
 */
void vgic_sync_lrs(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 kick = 0;

	spin_lock(&vm->vgic.lock);
	for (u32 n = 0; n < VGIC_MAX_LRS; n++) {
		struct vgic_irq *irq;
		u64 lr;

		if (!(vc->lr_used & (1u << n)))
			continue;
		lr = arch_gic_read_lr(n);
		irq = vgic_get_irq(vm, vcpu, vc->lr_intid[n]);
		if (irq && irq->lr == n)
			kick |= vgic_lr_fold(vm, vcpu, irq, lr);
		arch_gic_write_lr(n, 0);
		vc->lr[n] = 0;
	}
	vc->lr_used = 0;
	spin_unlock(&vm->vgic.lock);

	vc->hcr = arch_gic_read_hcr() & ~ICH_HCR_UIE;
	arch_gic_write_hcr(vc->hcr);
	vgic_kick(vm, kick);
}

/*
 * The maintenance interrupt (underflow or a level interrupt's EOI) fired
 * while vcpu ran. Its causes were already folded by vgic_sync_lrs(), which
 * also cleared UIE and the EOI'd list registers so the interrupt is no longer
 * asserted; the next vgic_flush_lrs() refills. Nothing is left to do here.
 */
void vgic_maintenance(struct vcpu *vcpu)
{
	(void)vcpu;
}
