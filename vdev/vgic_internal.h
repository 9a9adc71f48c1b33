/*
 * What the vGIC's files share and nothing outside vdev/vgic_*.c should use:
 * interrupt lookup and state predicates (vgic_irq.c), the register blocks
 * that the distributor and a redistributor's SGI_base frame lay out the same
 * way (GICv3 spec 12.9 and 12.11: IGROUPR to ICACTIVER, IPRIORITYR, ICFGR at
 * the same offsets), the ID registers both frames end with, and the helper
 * that kicks vCPUs once the vGIC lock is dropped.
 *
 * Locking: every function here that takes a struct vm expects the caller to
 * hold vm_vgic(vm)->lock, except vgic_kick(), vgic_kick_mask() and
 * vgic_warn_reserved(), which must be called without it (they reach other
 * CPUs and the console).
 */
#ifndef KEEL_VDEV_VGIC_INTERNAL_H
#define KEEL_VDEV_VGIC_INTERNAL_H

#include <keel/types.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

/* INTID ranges (GICv3 spec 2.2). */
#define VGIC_NR_SGIS 16
#define VGIC_SPI_BASE 32

/* Register offsets shared by GICD and GICR SGI_base (spec 12.9, 12.11). */
#define VGIC_IGROUPR 0x0080
#define VGIC_ISENABLER 0x0100
#define VGIC_ICENABLER 0x0180
#define VGIC_ISPENDR 0x0200
#define VGIC_ICPENDR 0x0280
#define VGIC_ISACTIVER 0x0300
#define VGIC_ICACTIVER 0x0380
#define VGIC_IPRIORITYR 0x0400
#define VGIC_IPRIORITYR_END 0x0800
#define VGIC_ICFGR 0x0c00
#define VGIC_ICFGR_END 0x0d00
#define VGIC_IGRPMODR 0x0d00
#define VGIC_NSACR 0x0e00

/* ID register block at the top of each 64 KiB frame (spec 12.1.5, 12.9.28). */
#define VGIC_ID_BASE 0xffd0
#define VGIC_PIDR2 0xffe8
#define VGIC_PIDR2_GICV3 0x3b /* ArchRev 3, JEDEC, Arm's JEP106 bits */

/* GICD_IIDR and GICR_IIDR: ProductID 'K', Revision 1, no implementer quirks. */
#define VGIC_IIDR ((0x4bu << 24) | (1u << 12))

/* GICD_CTLR with DS == 1 (spec 12.9.4, single security state view). */
#define GICD_CTLR_ENABLE_G0 (1u << 0)
#define GICD_CTLR_ENABLE_G1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_DS (1u << 6)

/* Priorities keep the 5 bits the virtual CPU interface compares (spec 4.8). */
#define VGIC_PRIORITY_MASK 0xf8

/* Bits of vgic_dist.warned: which kind of reserved access was logged. */
#define VGIC_WARN_DIST (1u << 0)
#define VGIC_WARN_REDIST (1u << 1)

/* The result of offering an access to a shared register block. */
enum vgic_mmio_res {
	VGIC_MMIO_NOT_MINE, /* not one of the shared registers */
	VGIC_MMIO_DONE,
	VGIC_MMIO_BAD, /* wrong width or alignment: abort the access */
};

/* An interrupt's configuration and state in a saved device (no pointers, no list-register state). */
struct vgic_irq_saved {
	u64 irouter;
	u16 hw_intid;
	u8 priority;
	u8 target_vcpu;
	u8 flags;
	u8 pad[3];
};

/* Copy irq's guest-visible state out; the VM's vCPUs synced (irq in no list register). */
void vgic_irq_save(const struct vgic_irq *irq, struct vgic_irq_saved *out);
/* Load it back into irq (same INTID, same owner) and requeue it. Under the lock. */
void vgic_irq_restore(struct vm *vm, struct vgic_irq *irq, const struct vgic_irq_saved *in);

/* Distributor and redistributor resets; each takes the lock (vgic_irq.c). */
void vgic_spis_reset(struct vm *vm);
void vgic_private_reset(struct vm *vm, struct vcpu *vcpu);

/*
 * The interrupt intid as vCPU owner sees it (owner matters for INTIDs below
 * 32 only), or NULL if the VM has no such interrupt.
 */
struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *owner, u32 intid);

/* Pending as the distributor sees it: a latched event or a high level line. */
static inline bool vgic_irq_pending(const struct vgic_irq *irq)
{
	return irq->pending_latch || (!irq->edge && !irq->hw && irq->line_level);
}

/* Enabled, pending, its group enabled and routed to an existing vCPU. */
static inline bool vgic_irq_deliverable(const struct vm *vm, const struct vgic_irq *irq)
{
	u32 grp = irq->group1 ? GICD_CTLR_ENABLE_G1 : GICD_CTLR_ENABLE_G0;

	/* A group disabled at the distributor is not forwarded (spec 4.1.4). */
	return irq->enabled && vgic_irq_pending(irq) && (vm_vgic(vm)->ctlr & grp) &&
	       irq->target_vcpu != VGIC_NO_TARGET;
}

/*
 * Does irq wait for a list register on its target vCPU: unlisted, and
 * active (so the guest can deactivate it) or deliverable?
 */
static inline bool vgic_irq_wants_lr(const struct vm *vm, const struct vgic_irq *irq)
{
	return irq->lr == VGIC_NO_LR && (irq->active || vgic_irq_deliverable(vm, irq)) &&
	       irq->target_vcpu != VGIC_NO_TARGET;
}

/*
 * Bring irq's bit in the vCPUs' want bitmaps (struct vgic_cpu) in line with
 * vgic_irq_wants_lr(). Call after every change to irq's pending, active,
 * enabled, group, trigger, routing (vgic_route_spi) or listed state, before
 * the lock is dropped. vgic_irq_latch() calls it itself. O(1).
 */
void vgic_irq_requeue(struct vm *vm, struct vgic_irq *irq);

/* vgic_irq_requeue() for every interrupt of the VM (a GICD_CTLR group change). */
void vgic_requeue_all(struct vm *vm);

/* Bit of irq's target vCPU in a kick mask, or 0 if it has none. */
static inline u32 vgic_irq_target_bit(const struct vgic_irq *irq)
{
	return irq->target_vcpu == VGIC_NO_TARGET ? 0 : 1u << irq->target_vcpu;
}

/* Latch a pending event on irq (edge, ISPENDR, SGI) and requeue it; the kick mask it needs. */
u32 vgic_irq_latch(struct vm *vm, struct vgic_irq *irq);

/*
 * Read or write a register of the shared block at offset for INTIDs in
 * [lo, hi) as seen by owner (NULL for the distributor). Offsets in the block
 * naming other INTIDs are RAZ/WI. A write adds the vCPUs to kick to *kick.
 */
enum vgic_mmio_res vgic_irqregs_read(struct vm *vm, struct vcpu *owner, u32 lo, u32 hi,
				     u64 offset, u32 width, u64 *value);
enum vgic_mmio_res vgic_irqregs_write(struct vm *vm, struct vcpu *owner, u32 lo, u32 hi,
				      u64 offset, u32 width, u64 value, u32 *kick);

/* The value of ID register offset (VGIC_ID_BASE and up), 0 if reserved. */
u32 vgic_id_reg(u64 offset);

/* Recompute an SPI's target vCPU from its IROUTER (spec 12.9.22); the caller requeues. */
void vgic_route_spi(struct vm *vm, struct vgic_irq *irq);

/* Ask each vCPU in mask (bit = index) to re-flush. Without the vGIC lock. */
void vgic_kick_mask(struct vm *vm, u32 mask);
static inline void vgic_kick(struct vm *vm, u32 mask)
{
	if (mask) /* the common case on every trap: nobody to kick */
		vgic_kick_mask(vm, mask);
}

/* Log a reserved-register access once per VM and kind. Without the vGIC lock. */
void vgic_warn_reserved(struct vm *vm, u32 kind, const char *frame, u64 offset, bool write);

#endif
