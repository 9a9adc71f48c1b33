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
 * The work is proportional to what is pending, not to how many interrupts
 * exist (the role of KVM's ap_list): each vCPU's want bitmap holds exactly
 * the interrupts that target it, are active or deliverable and sit in no
 * list register. Every state change keeps it so under the lock
 * (vgic_irq_requeue); a flush walks only its set bits, once, and an entry
 * with nothing pending reads two words and returns. A sync walks only the
 * list registers in use. ICH_HCR_EL2 is written only when it changes. The
 * tests for an idle entry or exit are inline (vgic_flush_needed() and
 * vgic_sync_needed() in include/keel/vgic.h) so that an exit with nothing
 * to do calls nothing here.
 *
 * Everything runs on the vCPU's own physical CPU under vm_vgic(vm)->lock (the
 * list-register shadow in struct vgic_cpu is that CPU's alone), except the
 * lock-free checks for an idle entry or exit, which vgic_flush_lrs_slow()
 * explains.
 */
#include <keel/arch/gic.h>
#include <keel/log.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

#define VGIC_LR_P ((u8)(ICH_LR_STATE_PENDING >> ICH_LR_STATE_SHIFT))
#define VGIC_LR_A ((u8)(ICH_LR_STATE_ACTIVE >> ICH_LR_STATE_SHIFT))

/* Order of listing: active ones first, then by priority (lower value wins), then INTID. */
static bool vgic_lr_better(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

/*
 * Offer irq to best[0..*count), the most urgent candidates seen so far,
 * most urgent first, at most max of them. Returns true if some candidate
 * (irq or one it displaced) is left out.
 */
static bool vgic_lr_consider(struct vgic_irq **best, u32 *count, u32 max, struct vgic_irq *irq)
{
	u32 i = *count;
	bool dropped = false;

	if (i == max) {
		if (!max || !vgic_lr_better(irq, best[max - 1]))
			return true;
		i = max - 1; /* the least urgent one gives way */
		dropped = true;
	} else {
		(*count)++;
	}
	for (; i > 0 && vgic_lr_better(irq, best[i - 1]); i--)
		best[i] = best[i - 1];
	best[i] = irq;
	return dropped;
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
	vgic_irq_requeue(vm, irq); /* listed: out of the want bitmap */
	vc->lr[n] = lr;
	vc->lr_intid[n] = irq->intid;
	vc->lr_used |= 1u << n;
	trace_vcpu(TRACE_VIRQ, vcpu, irq->intid, lr, n);
	arch_gic_write_lr(n, lr);
}

/* Write ICH_HCR_EL2 only when it changes; vc->hcr mirrors it while the vCPU is loaded. */
static void vgic_set_hcr(struct vgic_cpu *vc, u32 hcr)
{
	if (hcr != vc->hcr) {
		vc->hcr = hcr;
		arch_gic_write_hcr(hcr);
	}
}

/* The interrupt for want-bitmap bit intid of vcpu. */
static struct vgic_irq *vgic_want_irq(struct vm *vm, struct vgic_cpu *vc, u32 intid)
{
	return intid < VGIC_NR_PRIVATE ? &vc->private_irqs[intid] : &vm_vgic(vm)->spis[intid - VGIC_SPI_BASE];
}

/* If exactly one bit of vc's want bitmap is set, its INTID; else VGIC_NO_INTID. */
#define VGIC_NO_INTID 0xffffffffu
static u32 vgic_want_single(const struct vgic_cpu *vc)
{
	u32 intid = VGIC_NO_INTID;

	for (u32 w = 0; w < VGIC_WANT_WORDS; w++) {
		u64 bits = vc->want[w];

		if (!bits)
			continue;
		if ((bits & (bits - 1)) || intid != VGIC_NO_INTID)
			return VGIC_NO_INTID;
		intid = w * 64 + (u32)__builtin_ctzll(bits);
	}
	return intid;
}

/*
 * Fill vcpu's free list registers, lowest first, with the most urgent of
 * the interrupts in its want bitmap. One pass over the set bits. Returns
 * true if some wanted interrupt is left unlisted. Under vm_vgic(vm)->lock.
 */
static bool vgic_lr_fill_free(struct vm *vm, struct vcpu *vcpu)
{
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 hw_lrs = arch_gic_nr_lrs(); /* once: MIN() would call it twice */
	u32 nr = MIN(hw_lrs, VGIC_MAX_LRS);
	u32 free = ((1u << nr) - 1) & ~vc->lr_used;
	u32 max, count = 0, single = vgic_want_single(vc);
	struct vgic_irq *best[VGIC_MAX_LRS];
	bool overflow = false;

	/* The common case, one interrupt and a free list register: no ranking. */
	if (free && single != VGIC_NO_INTID) {
		struct vgic_irq *irq = vgic_want_irq(vm, vc, single);

		if (irq->target_vcpu == vcpu->index && vgic_irq_wants_lr(vm, irq))
			vgic_lr_fill(vm, vcpu, (u32)__builtin_ctz(free), irq);
		return false;
	}
	max = bit_count(free);
	for (u32 w = 0; w < VGIC_WANT_WORDS; w++)
		for (u64 bits = vc->want[w]; bits; bits &= bits - 1) {
			u32 intid = w * 64 + (u32)__builtin_ctzll(bits);
			struct vgic_irq *irq = vgic_want_irq(vm, vc, intid);

			/* Cheap insurance: never list what the bitmap holds wrongly. */
			if (irq->target_vcpu != vcpu->index || !vgic_irq_wants_lr(vm, irq))
				continue;
			overflow |= vgic_lr_consider(best, &count, max, irq);
		}
	for (u32 i = 0; i < count; i++, free &= free - 1)
		vgic_lr_fill(vm, vcpu, (u32)__builtin_ctz(free), best[i]);
	return overflow;
}

/*
 * Fill the free list registers (those not in lr_used) with the vCPU's most
 * urgent interrupts: active ones first, then enabled pending ones by
 * priority. If some remain unlisted, set ICH_HCR_EL2.UIE so the guest's
 * draining of the list registers raises a maintenance interrupt and a new
 * flush. Called through vgic_flush_lrs() (include/keel/vcpu.h) only when
 * vgic_flush_needed() saw work, on vcpu's physical CPU with its virtual CPU
 * interface loaded, immediately before entering the guest, without
 * vm_vgic(vm)->lock held.
 *
 * The test for "nothing waits" is made without the lock. This is safe
 * against an injector on another CPU: it sets the want bit under the lock
 * and only then posts VCPU_REQ_KICK (vcpu_request) and sends the kick SGI,
 * after a DSB (gicv3_send_sgi). If the test misses the bit, that SGI is
 * still to come and, taken at EL2 as soon as the guest runs (HCR_EL2.IMO),
 * makes the vCPU exit and flush again: the same as if the injection had
 * come just after a locked scan. If the request was already seen (the run
 * loop reads requests with acquire before each entry), so is the bit.
 * Injections made on this CPU (its traps, its interrupt handlers) precede
 * the test in program order.
 */
void vgic_flush_lrs_slow(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 hcr = (vc->hcr & ~ICH_HCR_UIE) | ICH_HCR_EN;

	if (vgic_want_any(vc)) {
		spin_lock(&vm_vgic(vm)->lock);
		if (vgic_lr_fill_free(vm, vcpu))
			hcr |= ICH_HCR_UIE;
		spin_unlock(&vm_vgic(vm)->lock);
	}
	vgic_set_hcr(vc, hcr);
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
	vgic_irq_requeue(vm, irq);
	if (irq->target_vcpu != vcpu->index && vgic_irq_deliverable(vm, irq))
		return vgic_irq_target_bit(irq);
	return 0;
}

/*
 * Fold every list register the last flush filled back into its interrupt
 * and empty it (the work of vgic_sync_lrs_slow). Under vm_vgic(vm)->lock;
 * returns the kick mask for other vCPUs that should now take an interrupt.
 */
static u32 vgic_lrs_fold_all(struct vm *vm, struct vcpu *vcpu)
{
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 kick = 0;

	for (u32 used = vc->lr_used; used; used &= used - 1) {
		u32 n = (u32)__builtin_ctz(used);
		u64 lr = arch_gic_read_lr(n);
		u32 intid = vc->lr_intid[n];
		struct vgic_irq *irq = intid < VGIC_NR_PRIVATE || intid - VGIC_SPI_BASE < vm_vgic(vm)->nr_spis
					       ? vgic_want_irq(vm, vc, intid)
					       : NULL;

		if (irq && irq->lr == n)
			kick |= vgic_lr_fold(vm, vcpu, irq, lr);
		arch_gic_write_lr(n, 0);
		vc->lr[n] = 0;
	}
	vc->lr_used = 0;
	return kick;
}

/*
 * Read back every list register the last flush filled, update the
 * interrupts' pending and active state from what the guest did, empty the
 * list registers and clear ICH_HCR_EL2.UIE. Called through vgic_sync_lrs()
 * (include/keel/vcpu.h) right after every guest exit that left a list
 * register in use or UIE set, on vcpu's physical CPU, before anything looks
 * at the vCPU's interrupt state (vgic_vcpu_has_pending, vgic_maintenance),
 * without vm_vgic(vm)->lock held.
 */
void vgic_sync_lrs_slow(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 kick = 0;

	if (vc->lr_used) {
		spin_lock(&vm_vgic(vm)->lock);
		kick = vgic_lrs_fold_all(vm, vcpu);
		spin_unlock(&vm_vgic(vm)->lock);
	}
	/* UIE with empty list registers would raise the maintenance interrupt at once. */
	vgic_set_hcr(vc, vc->hcr & ~ICH_HCR_UIE);
	vgic_kick(vm, kick);
}

/*
 * The common case of vgic_inject_hw_ppi_loaded(), for a periodic timer:
 * the interrupt's last event is in list register 0, the guest has completed
 * it (the list register is empty: elrsr, ICH_ELRSR_EL2), it is the only list
 * register in use and nothing else waits. Folding n, latching and filling
 * would put the new event back into 0 with the same fields: that value is
 * returned, for the caller to write into 0 once the lock is dropped (only
 * this CPU touches its list registers). 0, changing nothing, when any of
 * that does not hold. Under the lock.
 */
static inline __attribute__((always_inline)) u64 vgic_lr_relist_hw(struct vm *vm, struct vcpu *vcpu,
								   struct vgic_irq *irq, u32 hw_intid, u32 elrsr)
{
	struct vgic_cpu *vc = &vcpu->vgic;
	u32 n = irq->lr;
	u64 lr;

	/* n is 0: where the full path's fill would put it, the list registers being all free then. */
	if (n != 0 || vc->lr_used != 1u || !(elrsr & 1u) || !irq->hw || irq->hw_intid != hw_intid ||
	    irq->relatch || irq->active_written || vgic_want_any(vc) ||
	    (vc->hcr & (ICH_HCR_UIE | ICH_HCR_EN)) != ICH_HCR_EN)
		return 0;
	/* What the fold concludes from the empty list register (taken, not active), then the latch. */
	if (!irq->enabled || !(vm_vgic(vm)->ctlr & (irq->group1 ? GICD_CTLR_ENABLE_G1 : GICD_CTLR_ENABLE_G0)) ||
	    irq->target_vcpu == VGIC_NO_TARGET)
		return 0; /* it would not be deliverable: the full path decides */
	irq->active = false;
	irq->pending_latch = true;
	irq->lr_state = VGIC_LR_P;
	lr = irq->intid | (u64)irq->priority << ICH_LR_PRIORITY_SHIFT | ICH_LR_HW |
	     (u64)irq->hw_intid << ICH_LR_PINTID_SHIFT | ICH_LR_STATE_PENDING | (irq->group1 ? ICH_LR_GROUP1 : 0);
	vc->lr[n] = lr;
	return lr;
}

/*
 * The timer's short path (issue 13): what vgic_sync_lrs(), vgic_inject_hw()
 * and vgic_flush_lrs() do after an exit for a hardware-linked PPI, in one
 * pass under one lock, so that the exit path can go from the physical
 * interrupt to the list register without the run loop. The steps and their
 * order are those of the full path (fold, latch, fill), so the result is
 * the same: this only saves the lock round trips, the calls between them
 * and the tests that find out again what the caller already knows.
 */
static __attribute__((noinline)) void vgic_inject_hw_ppi_full(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
	struct vgic_cpu *vc = &vcpu->vgic;
	struct vgic_irq *irq = &vc->private_irqs[intid];
	u32 hcr = (vc->hcr & ~ICH_HCR_UIE) | ICH_HCR_EN;
	u32 kick = vgic_lrs_fold_all(vm, vcpu);

	irq->hw = true;
	irq->hw_intid = (u16)intid;
	vgic_irq_latch(vm, irq); /* it targets this vCPU, which is about to be entered: no kick */
	if (vgic_want_any(vc) && vgic_lr_fill_free(vm, vcpu))
		hcr |= ICH_HCR_UIE;
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_set_hcr(vc, hcr);
	vgic_kick(vm, kick);
}

void vgic_inject_hw_ppi_loaded(struct vcpu *vcpu, u32 intid)
{
	struct vm *vm = vcpu->vm;
	struct vgic_irq *irq = &vcpu->vgic.private_irqs[intid % VGIC_NR_PRIVATE];
	u32 elrsr = arch_gic_read_elrsr();
	u64 lr;

	spin_lock(&vm_vgic(vm)->lock);
	lr = vgic_lr_relist_hw(vm, vcpu, irq, intid % VGIC_NR_PRIVATE, elrsr);
	if (!lr) {
		vgic_inject_hw_ppi_full(vm, vcpu, intid % VGIC_NR_PRIVATE); /* drops the lock */
		return;
	}
	spin_unlock(&vm_vgic(vm)->lock);
	arch_gic_write_lr(irq->lr, lr);
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
