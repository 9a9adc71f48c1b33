/*
 * Interrupt state of the virtual GICv3: reset, lookup, injection from
 * devices and physical interrupts, and save/restore (the per-interrupt
 * register blocks the distributor and redistributors share are decoded in
 * vdev/vgic_irqregs.c). Every struct
 * vgic_irq of a VM is guarded by vm_vgic(vm)->lock; vCPUs whose interrupt state
 * changed are kicked only after the lock is dropped, because vcpu_request()
 * may send an IPI.
 *
 * Pending state follows the spec's model (4.1.2): an edge or an ISPENDR
 * write latches pending_latch; a level-sensitive interrupt is also pending
 * while its input line is high. An interrupt linked to a physical one (hw)
 * is pending only through its latch, because the physical GIC holds the
 * line's state and signals Keel again only after the guest deactivates it.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/gic.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

/* PIDR4-7, PIDR0-3, CIDR0-3 from 0xffd0 (spec 12.1.5: Arm's identification scheme). */
static const u8 vgic_id_regs[12] = {
	0x44, 0x00, 0x00, 0x00, 0x92, 0xb4, VGIC_PIDR2_GICV3, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

/*
 * The want bitmaps are written with relaxed atomic stores (plain stores on
 * AArch64) because vgic_flush_lrs() and vgic_vcpu_has_pending() read them
 * without the lock; all writers hold vm_vgic(vm)->lock.
 */
static void vgic_want_set(struct vm *vm, u8 vcpu, u32 intid, bool on)
{
	u64 *word = &vm->vcpus[vcpu].vgic.want[intid / 64];
	u64 bit = 1ull << (intid % 64);
	u64 v = __atomic_load_n(word, __ATOMIC_RELAXED);

	__atomic_store_n(word, on ? v | bit : v & ~bit, __ATOMIC_RELAXED);
}

/*
 * Put irq in its power-on state as INTID intid owned by (private) or routed
 * to (SPI) vCPU target, taking it out of the want bitmap it was in. Under
 * the lock; the caller makes sure it is in no list register.
 */
static void vgic_irq_reset(struct vm *vm, struct vgic_irq *irq, u32 intid, u8 target)
{
	if (irq->queued_on < vm->nr_vcpus)
		vgic_want_set(vm, irq->queued_on, intid, false);
	*irq = (struct vgic_irq){
		.lr = VGIC_NO_LR,
		.edge = intid < VGIC_NR_SGIS, /* SGIs edge, PPIs and SPIs level */
		.target_vcpu = target,
		.intid = (u16)intid,
		.queued_on = VGIC_NO_TARGET,
	};
}

/*
 * A hardware-linked interrupt whose physical side Keel acknowledged and its
 * guest has not deactivated yet: latched pending or active in the guest.
 */
static bool vgic_irq_hw_held(const struct vgic_irq *irq)
{
	return irq->hw && (irq->pending_latch || irq->active);
}

/*
 * Reset the distributor: GICD_CTLR and every SPI to power-on state, under
 * the lock, so an injection racing on another CPU (a passed-through SPI)
 * sees either the old state or the new. A passed-through SPI its guest had
 * not deactivated is deactivated in hardware here, else it could never fire
 * again. Call with no vCPU of the VM in the guest and every vCPU synced.
 */
void vgic_spis_reset(struct vm *vm)
{
	struct vgic_dist *d = vm_vgic(vm);
	u16 release[VGIC_MAX_SPIS];
	u32 nr_release = 0;

	spin_lock(&d->lock);
	d->ctlr = 0;
	d->warned = 0;
	for (u32 i = 0; i < VGIC_MAX_SPIS; i++) {
		/*
		 * Every hardware-linked SPI, held or not: a guest that cleared
		 * the pending or active state itself (ICPENDR, ICACTIVER) left
		 * the physical one active with nobody to complete it.
		 * Deactivating an inactive interrupt does nothing.
		 */
		if (d->spis[i].hw)
			release[nr_release++] = d->spis[i].hw_intid;
		vgic_irq_reset(vm, &d->spis[i], VGIC_SPI_BASE + i, 0);
		vgic_route_spi(vm, &d->spis[i]); /* IROUTER 0: Aff0 0, vCPU 0 */
	}
	vgic_requeue_all(vm); /* both groups are off now */
	spin_unlock(&d->lock);
	for (u32 i = 0; i < nr_release; i++)
		irq_release_spi(release[i]);
}

/*
 * Reset vcpu's redistributor (its SGIs and PPIs, GICR_WAKER) and its CPU
 * interface shadow, under the lock. Same conditions as vgic_spis_reset().
 * The physical side of its timer PPI is the vCPU's own CPU's business
 * (vcpu_power_down).
 */
void vgic_private_reset(struct vm *vm, struct vcpu *vcpu)
{
	struct vgic_cpu *vc = &vcpu->vgic;

	spin_lock(&vm_vgic(vm)->lock);
	for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
		vgic_irq_reset(vm, &vc->private_irqs[i], i, (u8)vcpu->index);
	vc->waker = 1u << 1; /* GICR_WAKER.ProcessorSleep resets to 1 */
	for (u32 n = 0; n < VGIC_MAX_LRS; n++) {
		vc->lr[n] = 0;
		vc->lr_intid[n] = 0;
	}
	vc->lr_used = 0;
	vc->hcr = 0;
	vc->vmcr = 0;
	for (u32 n = 0; n < 4; n++)
		vc->ap0r[n] = vc->ap1r[n] = 0;
	spin_unlock(&vm_vgic(vm)->lock);
}

/*
 * vcpu is switched off or reset (PSCI CPU_OFF or CPU_ON, VM stop): the
 * interrupts it had active will never be deactivated by it. Clear the
 * active state and hardware link of its SGIs and PPIs (its virtual timer's
 * physical PPI is released by the caller on the vCPU's CPU), and of SPIs
 * active on it, deactivating a passed-through SPI in hardware. Call on the
 * vCPU's CPU after vgic_sync_lrs, without the lock.
 */
void vgic_vcpu_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vgic_dist *d = vm_vgic(vm);
	u16 release[VGIC_MAX_SPIS];
	u32 nr_release = 0;

	spin_lock(&d->lock);
	for (u32 i = 0; i < VGIC_NR_PRIVATE; i++) {
		struct vgic_irq *irq = &vcpu->vgic.private_irqs[i];

		irq->active = false;
		if (irq->hw)
			irq->pending_latch = irq->hw = false;
		vgic_irq_requeue(vm, irq);
	}
	for (u32 i = 0; i < d->nr_spis; i++) {
		struct vgic_irq *irq = &d->spis[i];

		if (irq->target_vcpu != vcpu->index || !irq->active)
			continue;
		if (vgic_irq_hw_held(irq))
			release[nr_release++] = irq->hw_intid;
		irq->active = false;
		if (irq->hw)
			irq->pending_latch = irq->hw = false;
		vgic_route_spi(vm, irq); /* a routing change it waited for */
		vgic_irq_requeue(vm, irq);
	}
	spin_unlock(&d->lock);
	for (u32 i = 0; i < nr_release; i++)
		irq_release_spi(release[i]);
}

static bool vgic_is_vcpu_of(const struct vm *vm, const struct vcpu *vcpu)
{
	return vcpu && vcpu->index < vm->nr_vcpus && &vm->vcpus[vcpu->index] == vcpu;
}

struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *owner, u32 intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return vgic_is_vcpu_of(vm, owner) ? &owner->vgic.private_irqs[intid] : NULL;
	if (intid - VGIC_SPI_BASE < vm_vgic(vm)->nr_spis)
		return &vm_vgic(vm)->spis[intid - VGIC_SPI_BASE];
	return NULL;
}

void vgic_irq_requeue(struct vm *vm, struct vgic_irq *irq)
{
	u8 on = vgic_irq_wants_lr(vm, irq) ? irq->target_vcpu : VGIC_NO_TARGET;

	if (on == irq->queued_on)
		return;
	if (irq->queued_on != VGIC_NO_TARGET)
		vgic_want_set(vm, irq->queued_on, irq->intid, false);
	if (on != VGIC_NO_TARGET)
		vgic_want_set(vm, on, irq->intid, true);
	irq->queued_on = on;
}

void vgic_requeue_all(struct vm *vm)
{
	for (u32 i = 0; i < vm_vgic(vm)->nr_spis; i++)
		vgic_irq_requeue(vm, &vm_vgic(vm)->spis[i]);
	for (u32 c = 0; c < vm->nr_vcpus; c++)
		for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
			vgic_irq_requeue(vm, &vm->vcpus[c].vgic.private_irqs[i]);
}

u32 vgic_irq_latch(struct vm *vm, struct vgic_irq *irq)
{
	bool was_waiting = irq->pending_latch && irq->lr == VGIC_NO_LR;

	irq->pending_latch = true;
	/* Listed pending: the LR's copy may be taken; this event must survive it. */
	if (irq->lr != VGIC_NO_LR)
		irq->relatch = true;
	vgic_irq_requeue(vm, irq);
	/*
	 * Already pending and waiting for a list register: whoever had to be
	 * told was told when it became pending, so a guest writing the same
	 * SGI or ISPENDR bit in a loop causes one kick, not one per write.
	 */
	if (was_waiting)
		return 0;
	return vgic_irq_deliverable(vm, irq) ? vgic_irq_target_bit(irq) : 0;
}

void vgic_route_spi(struct vm *vm, struct vgic_irq *irq)
{
	u64 r = irq->irouter;
	u64 aff0 = r & 0xff;
	u64 upper = r & 0xff00ffff00ull; /* Aff3, Aff2, Aff1 */

	if (r & BIT(31)) /* Interrupt_Routing_Mode 1: any PE, Keel picks vCPU 0 */
		irq->target_vcpu = vm->nr_vcpus ? 0 : VGIC_NO_TARGET;
	else if (!upper && aff0 < vm->nr_vcpus)
		irq->target_vcpu = (u8)aff0;
	else
		irq->target_vcpu = VGIC_NO_TARGET; /* no such PE: never forwarded */
}

/*
 * Only a vCPU that can act on new interrupt state now is kicked: one loaded
 * on its CPU (it re-flushes its list registers) or waiting in WFI (it
 * wakes). This CPU's own loaded vCPU gets no request at all: Keel is
 * handling its exit or an interrupt that stopped it, and the run loop
 * flushes its list registers before it enters it again (a request would
 * only cost a pass through the scheduler, on every timer interrupt); if it
 * waits in WFI, whatever waits with it looks for pending interrupts after
 * handling this one (sched_wait_in_place(), and every sched_pick()). One
 * that is off, or runnable but switched out for another vCPU, finds the
 * state when it next enters (vgic_flush_lrs reads the want
 * bitmap): kicking it would only make its CPU, and whoever runs there,
 * pay for this VM's interrupt traffic. The want bits were written under
 * the vGIC lock before this; the fence orders them before the reads of the
 * vCPU's state, against the fences on the other side
 * (vcpu_wait_for_interrupt after it sets WAITING; the run loop after a vCPU
 * is loaded).
 */
void vgic_kick_mask(struct vm *vm, u32 mask)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (; mask; mask &= mask - 1) {
		u32 i = (u32)__builtin_ctz(mask);
		struct vcpu *v;

		if (i >= vm->nr_vcpus)
			continue;
		v = &vm->vcpus[i];
		if (v->pcpu == arch_cpu_index() && v->loaded)
			continue; /* this CPU's own loaded vCPU: it flushes before it enters again */
		if (__atomic_load_n(&v->loaded, __ATOMIC_RELAXED) || v->state == VCPU_WAITING)
			vcpu_request(v, VCPU_REQ_KICK);
	}
}

void vgic_warn_reserved(struct vm *vm, u32 kind, const char *frame, u64 offset, bool write)
{
	if (__atomic_fetch_or(&vm_vgic(vm)->warned, kind, __ATOMIC_RELAXED) & kind)
		return;
	vm_log(vm, "vgic: %s of reserved %s offset 0x%lx ignored (RAZ/WI, logged once)",
	       write ? "write" : "read", frame, (unsigned long)offset);
}

u32 vgic_id_reg(u64 offset)
{
	u64 i = (offset - VGIC_ID_BASE) / 4;

	return i < ARRAY_SIZE(vgic_id_regs) ? vgic_id_regs[i] : 0;
}

/* The common body of inject and set_level: validate, then change the line. */
static bool vgic_drive(struct vm *vm, struct vcpu *target, u32 intid, bool level, bool pulse)
{
	struct vgic_irq *irq;
	u32 kick = 0;

	spin_lock(&vm_vgic(vm)->lock);
	irq = vgic_get_irq(vm, target, intid);
	if (!irq) {
		spin_unlock(&vm_vgic(vm)->lock);
		return false;
	}
	if (irq->edge) {
		/* Edge-triggered: a rising edge latches pending (spec 4.1.2). */
		bool rising = level && (pulse || !irq->line_level);

		if (!pulse)
			irq->line_level = level;
		if (rising)
			kick = vgic_irq_latch(vm, irq);
	} else {
		irq->line_level = level;
		vgic_irq_requeue(vm, irq);
		if (level && vgic_irq_deliverable(vm, irq))
			kick = vgic_irq_target_bit(irq);
	}
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_kick(vm, kick);
	return true;
}

/*
 * For an edge-triggered interrupt, level true is one event (a pulse) and
 * level false does nothing; for a level-sensitive one it sets the line.
 */
bool vgic_inject(struct vm *vm, struct vcpu *target, u32 intid, bool level)
{
	return vgic_drive(vm, target, intid, level, true);
}

/*
 * Set intid's pending latch, as a guest write of its GICD_ISPENDR bit would
 * (GICv3 4.1.2), whatever its trigger mode: the guest clears it with
 * GICD_ICPENDR or by taking it. For a doorbell (core/channel.c), which is
 * an event, not a line that stays high.
 */
bool vgic_set_pending(struct vm *vm, u32 intid)
{
	struct vgic_irq *irq;
	u32 kick;

	spin_lock(&vm_vgic(vm)->lock);
	irq = vgic_get_irq(vm, NULL, intid);
	if (!irq) {
		spin_unlock(&vm_vgic(vm)->lock);
		return false;
	}
	kick = vgic_irq_latch(vm, irq);
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_kick(vm, kick);
	return true;
}

/* The device's output line is now level; an edge-configured INTID latches on 0 to 1. */
bool vgic_set_level(struct vm *vm, struct vcpu *target, u32 intid, bool level)
{
	return vgic_drive(vm, target, intid, level, false);
}

/*
 * Latch intid pending and link it to physical hw_intid until the next
 * reset of its distributor or redistributor (or vgic_vcpu_off): its list
 * register carries HW=1 so the guest's deactivation deactivates hw_intid
 * (Arm ARM ICH_LR<n>_EL2.HW). hw_intid must be an SGI, PPI or SPI number
 * (below 1020).
 */
bool vgic_inject_hw(struct vm *vm, struct vcpu *target, u32 intid, u32 hw_intid)
{
	struct vgic_irq *irq;
	u32 kick;

	if (hw_intid >= 1020)
		return false;
	spin_lock(&vm_vgic(vm)->lock);
	irq = vgic_get_irq(vm, target, intid);
	if (!irq) {
		spin_unlock(&vm_vgic(vm)->lock);
		return false;
	}
	irq->hw = true;
	irq->hw_intid = (u16)hw_intid;
	kick = vgic_irq_latch(vm, irq);
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_kick(vm, kick);
	return true;
}


bool vgic_retire_hw_if_deasserted(struct vcpu *vcpu, u32 intid, bool asserted)
{
	struct vm *vm = vcpu->vm;
	struct vgic_irq *irq;
	bool retired = false;

	if (asserted || intid < 16 || intid >= VGIC_NR_PRIVATE)
		return false;
	spin_lock(&vm_vgic(vm)->lock);
	irq = &vcpu->vgic.private_irqs[intid];
	if (irq->hw && irq->pending_latch && !irq->active && irq->lr == VGIC_NO_LR) {
		irq->pending_latch = false;
		vgic_irq_requeue(vm, irq);
		retired = true;
	}
	spin_unlock(&vm_vgic(vm)->lock);
	return retired;
}

/*
 * True if an interrupt routed to vcpu is enabled and pending in an enabled
 * group. The virtual priority mask is not consulted, so a masked interrupt
 * wakes the vCPU and the guest simply waits again. Call on vcpu's physical
 * CPU (it reads the list-register shadow), after vgic_sync_lrs. Costs a few
 * loads when nothing is pending or active.
 */
bool vgic_vcpu_has_pending(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vgic_cpu *vc = &vcpu->vgic;
	bool found = false;
	u64 want[VGIC_WANT_WORDS], any = 0;

	/*
	 * A deliverable interrupt of vcpu is either listed (lr_used, this CPU's
	 * own) or set in want. Nothing in either: no lock needed, for the same
	 * reason as in vgic_flush_lrs(): an injector sets the bit under the
	 * lock and then posts VCPU_REQ_KICK, which makes the run loop ask again.
	 */
	for (u32 w = 0; w < VGIC_WANT_WORDS; w++)
		any |= __atomic_load_n(&vc->want[w], __ATOMIC_RELAXED);
	if (!any && !vc->lr_used)
		return false;
	spin_lock(&vm_vgic(vm)->lock);
	for (u32 w = 0; w < VGIC_WANT_WORDS; w++)
		want[w] = vc->want[w];
	for (u32 used = vc->lr_used; used; used &= used - 1) {
		u32 intid = vc->lr_intid[__builtin_ctz(used)];

		want[intid / 64] |= 1ull << (intid % 64);
	}
	for (u32 w = 0; w < VGIC_WANT_WORDS && !found; w++)
		for (u64 bits = want[w]; bits && !found; bits &= bits - 1) {
			u32 intid = w * 64 + (u32)__builtin_ctzll(bits);
			const struct vgic_irq *irq = vgic_get_irq(vm, vcpu, intid);

			found = irq && irq->target_vcpu == vcpu->index &&
				vgic_irq_deliverable(vm, irq);
		}
	spin_unlock(&vm_vgic(vm)->lock);
	return found;
}

/* Bits of vgic_irq_saved.flags. */
#define VGIC_SAVED_ENABLED (1u << 0)
#define VGIC_SAVED_EDGE (1u << 1)
#define VGIC_SAVED_GROUP1 (1u << 2)
#define VGIC_SAVED_PENDING (1u << 3)
#define VGIC_SAVED_LEVEL (1u << 4)
#define VGIC_SAVED_ACTIVE (1u << 5)
#define VGIC_SAVED_HW (1u << 6)

void vgic_irq_save(const struct vgic_irq *irq, struct vgic_irq_saved *out)
{
	*out = (struct vgic_irq_saved){
		.irouter = irq->irouter,
		.hw_intid = irq->hw_intid,
		.priority = irq->priority,
		.target_vcpu = irq->target_vcpu,
		.flags = (u8)((irq->enabled ? VGIC_SAVED_ENABLED : 0) | (irq->edge ? VGIC_SAVED_EDGE : 0) |
			      (irq->group1 ? VGIC_SAVED_GROUP1 : 0) |
			      (irq->pending_latch ? VGIC_SAVED_PENDING : 0) |
			      (irq->line_level ? VGIC_SAVED_LEVEL : 0) |
			      (irq->active ? VGIC_SAVED_ACTIVE : 0) | (irq->hw ? VGIC_SAVED_HW : 0)),
	};
}

/*
 * The only hardware links Keel ever makes: a VM's own timer PPIs, and the
 * SPIs the configuration passed through to it, each to the same INTID. A
 * saved state naming anything else (a corrupt or forged checkpoint) must
 * not link a VM's interrupt to a physical one it does not own.
 */
static bool vgic_hw_link_allowed(const struct vm *vm, u32 intid, u32 hw_intid)
{
	if (hw_intid != intid)
		return false;
	if (intid == IRQ_PPI_VIRT_TIMER || intid == IRQ_PPI_PHYS_TIMER)
		return true;
	for (u32 i = 0; i < vm->cfg->nr_irqs && i < KEEL_MAX_PASSTHROUGH_IRQS; i++)
		if (vm->cfg->irqs[i] == intid)
			return true;
	return false;
}

void vgic_irq_restore(struct vm *vm, struct vgic_irq *irq, const struct vgic_irq_saved *in)
{
	u32 intid = irq->intid;
	u8 target = in->target_vcpu;

	if (intid < VGIC_NR_PRIVATE)
		target = irq->target_vcpu; /* its owner, fixed */
	else if (target >= vm->nr_vcpus)
		target = VGIC_NO_TARGET;
	vgic_irq_reset(vm, irq, intid, target);
	irq->irouter = in->irouter & 0xff80ffffffull;
	irq->hw_intid = in->hw_intid;
	irq->priority = in->priority & VGIC_PRIORITY_MASK;
	irq->enabled = in->flags & VGIC_SAVED_ENABLED;
	irq->edge = intid < VGIC_NR_SGIS || (in->flags & VGIC_SAVED_EDGE);
	irq->group1 = in->flags & VGIC_SAVED_GROUP1;
	irq->pending_latch = in->flags & VGIC_SAVED_PENDING;
	irq->line_level = in->flags & VGIC_SAVED_LEVEL;
	irq->active = in->flags & VGIC_SAVED_ACTIVE;
	irq->hw = (in->flags & VGIC_SAVED_HW) && vgic_hw_link_allowed(vm, intid, in->hw_intid);
	vgic_irq_requeue(vm, irq);
}
