/*
 * The per-interrupt register blocks that the virtual distributor and each
 * redistributor's SGI_base frame share (GICv3 spec 12.9 and 12.11 lay
 * IGROUPR, ISENABLER to ICACTIVER, IPRIORITYR and ICFGR out at the same
 * offsets): one decoder for both, over a range of INTIDs [lo, hi) of one
 * owner. Each access takes vm_vgic(vm)->lock and kicks the vCPUs whose
 * interrupts became deliverable after dropping it (vdev/vgic_irq.c holds
 * the state these registers change).
 */
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

/* The bit-per-interrupt registers, in offset order from VGIC_IGROUPR, 0x80 apart. */
enum vgic_bitreg {
	VGIC_BITS_GROUP,
	VGIC_BITS_SENABLE,
	VGIC_BITS_CENABLE,
	VGIC_BITS_SPEND,
	VGIC_BITS_CPEND,
	VGIC_BITS_SACTIVE,
	VGIC_BITS_CACTIVE,
};

static bool vgic_bitreg_get(const struct vgic_irq *irq, enum vgic_bitreg reg)
{
	switch (reg) {
	case VGIC_BITS_GROUP:
		return irq->group1;
	case VGIC_BITS_SENABLE:
	case VGIC_BITS_CENABLE:
		return irq->enabled;
	case VGIC_BITS_SPEND:
	case VGIC_BITS_CPEND:
		return vgic_irq_pending(irq);
	default:
		return irq->active;
	}
}

/* Apply a written bit; set bits act, clear bits do nothing except for IGROUPR. */
static u32 vgic_bitreg_set(struct vm *vm, struct vgic_irq *irq, enum vgic_bitreg reg, bool bit)
{
	switch (reg) {
	case VGIC_BITS_GROUP:
		irq->group1 = bit;
		break;
	case VGIC_BITS_SENABLE:
		irq->enabled |= bit;
		break;
	case VGIC_BITS_CENABLE:
		irq->enabled = irq->enabled && !bit;
		break;
	case VGIC_BITS_SPEND:
		return bit ? vgic_irq_latch(vm, irq) : 0;
	case VGIC_BITS_CPEND:
		/* Clears the latch only: a high level line keeps it pending (spec 4.1.2). */
		if (bit)
			irq->pending_latch = irq->relatch = false;
		break;
	case VGIC_BITS_SACTIVE:
	case VGIC_BITS_CACTIVE:
		if (bit) {
			irq->active = reg == VGIC_BITS_SACTIVE;
			irq->active_written = irq->lr != VGIC_NO_LR;
			/* A routing change waits until the SPI is inactive and unlisted. */
			if (!irq->active && irq->lr == VGIC_NO_LR && irq->intid >= VGIC_SPI_BASE)
				vgic_route_spi(vm, irq);
		}
		break;
	}
	vgic_irq_requeue(vm, irq);
	return vgic_irq_deliverable(vm, irq) ? vgic_irq_target_bit(irq) : 0;
}

static bool vgic_width_ok(u64 offset, u32 width, bool bytes_too)
{
	return (width == 4 || (bytes_too && width == 1)) && IS_ALIGNED(offset, width);
}

/* One access to the shared block, read (value out) or write (value in). */
static enum vgic_mmio_res vgic_irqregs_access(struct vm *vm, struct vcpu *owner, u32 lo, u32 hi,
					      u64 offset, u32 width, u64 *value, bool write,
					      u32 *kick)
{
	u64 in = write ? *value : 0, out = 0;

	if (offset >= VGIC_IPRIORITYR && offset < VGIC_IPRIORITYR_END) {
		/* One byte per INTID, byte or word access (spec 12.9.19). */
		if (!vgic_width_ok(offset, width, true))
			return VGIC_MMIO_BAD;
		for (u32 i = 0; i < width; i++) {
			u32 intid = (u32)(offset - VGIC_IPRIORITYR) + i;
			struct vgic_irq *irq = intid >= lo && intid < hi ? vgic_get_irq(vm, owner, intid) : NULL;

			if (!irq)
				continue;
			if (write)
				irq->priority = (u8)(in >> (8 * i)) & VGIC_PRIORITY_MASK;
			out |= (u64)irq->priority << (8 * i);
		}
	} else if (offset >= VGIC_IGROUPR && offset < VGIC_IPRIORITYR) {
		enum vgic_bitreg reg = (enum vgic_bitreg)((offset - VGIC_IGROUPR) / 0x80);
		u32 first = (u32)(offset & 0x7f) * 8;

		if (!vgic_width_ok(offset, width, false))
			return VGIC_MMIO_BAD;
		for (u32 i = 0; i < 32; i++) {
			struct vgic_irq *irq = first + i >= lo && first + i < hi
						       ? vgic_get_irq(vm, owner, first + i)
						       : NULL;
			if (!irq)
				continue;
			if (write && (reg == VGIC_BITS_GROUP || (in & BIT(i))))
				*kick |= vgic_bitreg_set(vm, irq, reg, in & BIT(i));
			out |= (u64)vgic_bitreg_get(irq, reg) << i;
		}
	} else if (offset >= VGIC_ICFGR && offset < VGIC_ICFGR_END) {
		/* Two bits per INTID, Int_config in the upper one (spec 12.9.9). */
		u32 first = (u32)(offset - VGIC_ICFGR) * 4;

		if (!vgic_width_ok(offset, width, false))
			return VGIC_MMIO_BAD;
		for (u32 i = 0; i < 16; i++) {
			struct vgic_irq *irq = first + i >= lo && first + i < hi
						       ? vgic_get_irq(vm, owner, first + i)
						       : NULL;
			if (!irq)
				continue;
			if (write && first + i >= VGIC_NR_SGIS) { /* SGIs are always edge */
				irq->edge = in & BIT(2 * i + 1);
				/* To level with the line high: pending now (spec 4.1.2). */
				vgic_irq_requeue(vm, irq);
				if (vgic_irq_deliverable(vm, irq))
					*kick |= vgic_irq_target_bit(irq);
			}
			out |= (u64)irq->edge << (2 * i + 1);
		}
	} else if ((offset >= VGIC_IGRPMODR && offset < VGIC_IGRPMODR + 0x80) ||
		   (offset >= VGIC_NSACR && offset < VGIC_NSACR + 0x100)) {
		/* Secure-state controls: RAZ/WI with one security state (spec 12.9.15, 12.9.18). */
		if (!vgic_width_ok(offset, width, false))
			return VGIC_MMIO_BAD;
	} else {
		return VGIC_MMIO_NOT_MINE;
	}
	if (!write)
		*value = out;
	return VGIC_MMIO_DONE;
}

enum vgic_mmio_res vgic_irqregs_read(struct vm *vm, struct vcpu *owner, u32 lo, u32 hi,
				     u64 offset, u32 width, u64 *value)
{
	return vgic_irqregs_access(vm, owner, lo, hi, offset, width, value, false, NULL);
}

enum vgic_mmio_res vgic_irqregs_write(struct vm *vm, struct vcpu *owner, u32 lo, u32 hi,
				      u64 offset, u32 width, u64 value, u32 *kick)
{
	return vgic_irqregs_access(vm, owner, lo, hi, offset, width, &value, true, kick);
}
