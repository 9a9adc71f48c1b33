/*
 * The emulated GICv3 distributor (GICv3 spec 12.8, 12.9): the 64 KiB frame
 * through which a guest configures SPIs and the distributor as a whole.
 * Keel presents one security state (GICD_CTLR.DS == 1) with affinity routing
 * always on (ARE RAO/WI), no LPIs, no message-based SPIs and no extended
 * ranges, so the legacy and secure-only registers read as zero and ignore
 * writes. Registers for INTIDs below 32 are RAZ/WI here (with ARE they live
 * in the redistributors). A wrong width or a misaligned access is refused
 * (the guest gets an external abort). A reserved offset is RES0 (GICv3
 * spec 12.1.2): a 32- or 64-bit aligned access reads as zero and ignores
 * writes, logged once per VM; a byte or halfword one is refused like any.
 *
 * The distributor is a device kind (vgic_dist_kind): its state, struct
 * vgic_dist, holds GICD_CTLR and every SPI; vm_vgic() finds it.
 */
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

/* Distributor-only registers (spec 12.9, table 12-25). */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_TYPER2 0x000c
#define GICD_STATUSR 0x0010
#define GICD_ITARGETSR 0x0800 /* to 0x0bff, RAZ/WI with ARE */
#define GICD_ITARGETSR_END 0x0c00
#define GICD_SGIR 0x0f00 /* WI with ARE */
#define GICD_CPENDSGIR 0x0f10 /* and SPENDSGIR, to 0x0f2f, RAZ/WI with ARE */
#define GICD_SGIR_END 0x0f30
#define GICD_IROUTER 0x6000 /* 8 bytes per INTID; INTIDs 0-31 reserved */
#define GICD_IROUTER_END 0x7fe0
#define GICD_SIZE (64 * KiB)

#define GICD_TYPER_IDBITS_SHIFT 19
#define GICD_TYPER_IDBITS 9 /* INTIDs are 10 bits wide, up to 1023 */

/* IROUTER bits Keel keeps: Aff3 [39:32], Interrupt_Routing_Mode [31], Aff2-0 [23:0]. */
#define GICD_IROUTER_MASK 0xff80ffffffull

static bool vgic_dist_width4(u64 offset, u32 width)
{
	return width == 4 && IS_ALIGNED(offset, 4);
}

static u32 vgic_dist_typer(const struct vm *vm)
{
	u32 it_lines = (VGIC_SPI_BASE + vm_vgic(vm)->nr_spis) / 32 - 1;

	/* No LPIs, MBIS, ESPI or security extension; A3V 0: Aff3 is always 0. */
	return it_lines | GICD_TYPER_IDBITS << GICD_TYPER_IDBITS_SHIFT;
}

/* Read or write one half or all of IROUTER<intid> (spec 12.9.22). */
static void vgic_dist_irouter(struct vm *vm, u64 offset, u32 width, u64 *value, bool write,
			      u32 *kick)
{
	u32 intid = (u32)((offset - GICD_IROUTER) / 8);
	struct vgic_irq *irq = intid >= VGIC_SPI_BASE ? vgic_get_irq(vm, NULL, intid) : NULL;
	u32 shift = (offset & 4) ? 32 : 0;
	u64 mask = width == 8 ? ~0ull : 0xffffffffull << shift;

	if (!irq) { /* SGI/PPI slots and INTIDs the VM lacks */
		if (!write)
			*value = 0;
		return;
	}
	if (!write) {
		*value = (irq->irouter & mask) >> shift;
		return;
	}
	irq->irouter = ((irq->irouter & ~mask) | ((*value << shift) & mask)) & GICD_IROUTER_MASK;
	/* An active or listed SPI moves once it is inactive and unlisted (vgic_lr.c). */
	if (!irq->active && irq->lr == VGIC_NO_LR)
		vgic_route_spi(vm, irq);
	vgic_irq_requeue(vm, irq);
	if (vgic_irq_deliverable(vm, irq))
		*kick |= vgic_irq_target_bit(irq);
}

/* The registers outside the shared block. VGIC_MMIO_NOT_MINE means reserved. */
static enum vgic_mmio_res vgic_dist_other(struct vm *vm, u64 offset, u32 width, u64 *value,
					  bool write, u32 *kick)
{
	u64 in = write ? *value : 0, out = 0;

	if (offset >= GICD_IROUTER && offset < GICD_IROUTER_END) {
		if (!((width == 4 || width == 8) && IS_ALIGNED(offset, width)))
			return VGIC_MMIO_BAD;
		vgic_dist_irouter(vm, offset, width, value, write, kick);
		return VGIC_MMIO_DONE;
	}
	if ((offset >= GICD_ITARGETSR && offset < GICD_ITARGETSR_END) ||
	    (offset >= GICD_CPENDSGIR && offset < GICD_SGIR_END)) {
		/* Byte-accessible legacy registers, RAZ/WI with ARE (spec 12.9.21, 12.9.2). */
		if (!((width == 1 || width == 4) && IS_ALIGNED(offset, width)))
			return VGIC_MMIO_BAD;
		goto done;
	}
	if (!(offset < GICD_STATUSR + 4 || offset == GICD_SGIR || offset >= VGIC_ID_BASE))
		return VGIC_MMIO_NOT_MINE; /* reserved: the caller checks the width */
	if (!vgic_dist_width4(offset, width))
		return VGIC_MMIO_BAD;
	switch (offset) {
	case GICD_CTLR:
		if (write) {
			u32 was = vm_vgic(vm)->ctlr;

			vm_vgic(vm)->ctlr = (u32)in & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
			if (vm_vgic(vm)->ctlr != was) /* rare: boot and shutdown */
				vgic_requeue_all(vm);
			if (vm_vgic(vm)->ctlr & ~was) /* a group came on: anyone may have work */
				*kick |= (1u << vm->nr_vcpus) - 1;
		}
		/* RWP (bit 31) reads 0: register writes take effect at once. */
		out = vm_vgic(vm)->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
		break;
	case GICD_TYPER:
		out = vgic_dist_typer(vm);
		break;
	case GICD_IIDR:
		out = VGIC_IIDR;
		break;
	case GICD_TYPER2:
	case GICD_STATUSR:
	case GICD_SGIR:
		break;
	default:
		if (offset >= VGIC_ID_BASE) {
			out = vgic_id_reg(offset);
			break;
		}
		return VGIC_MMIO_NOT_MINE;
	}
done:
	if (!write)
		*value = out;
	return VGIC_MMIO_DONE;
}

/*
 * Reads of the registers fixed at boot (identification, TYPER):
 * answered without the lock, because guests poll some of them (Linux reads
 * TYPER and PIDR2 at boot, benchmarks read TYPER in a loop). False if
 * offset is not one of them.
 */
static bool vgic_dist_read_fixed(const struct vm *vm, u64 offset, u64 *value)
{
	switch (offset) {
	case GICD_TYPER:
		*value = vgic_dist_typer(vm);
		return true;
	case GICD_IIDR:
		*value = VGIC_IIDR;
		return true;
	case GICD_TYPER2:
		*value = 0;
		return true;
	default:
		if (offset < VGIC_ID_BASE)
			return false;
		*value = vgic_id_reg(offset);
		return true;
	}
}

static bool vgic_dist_access(struct vdev *dev, u64 offset, u32 width, u64 *value, bool write)
{
	struct vm *vm = dev->vm;
	enum vgic_mmio_res res;
	u32 kick = 0;

	if (width > 8 || (width & (width - 1)) || !IS_ALIGNED(offset, width) || offset >= GICD_SIZE)
		return false;
	if (!write && width == 4 && vgic_dist_read_fixed(vm, offset, value))
		return true;
	if (write && width < 8)
		*value &= (1ull << (8 * width)) - 1;
	spin_lock(&vm_vgic(vm)->lock);
	if (write)
		res = vgic_irqregs_write(vm, NULL, VGIC_SPI_BASE, VGIC_SPI_BASE + vm_vgic(vm)->nr_spis,
					 offset, width, *value, &kick);
	else
		res = vgic_irqregs_read(vm, NULL, VGIC_SPI_BASE, VGIC_SPI_BASE + vm_vgic(vm)->nr_spis,
					offset, width, value);
	if (res == VGIC_MMIO_NOT_MINE)
		res = vgic_dist_other(vm, offset, width, value, write, &kick);
	spin_unlock(&vm_vgic(vm)->lock);

	if (res == VGIC_MMIO_NOT_MINE && width < 4)
		res = VGIC_MMIO_BAD; /* no register there takes byte or halfword accesses */
	if (res == VGIC_MMIO_NOT_MINE) {
		if (!write)
			*value = 0;
		vgic_warn_reserved(vm, VGIC_WARN_DIST, "GICD", offset, write);
	}
	vgic_kick(vm, kick);
	return res != VGIC_MMIO_BAD;
}

/* vdev_kind.read_fixed: the same registers as 32-bit reads, ahead of the lock and on the exit fast path. */
static bool vgic_dist_read_fixed_reg(const struct vdev *dev, u64 offset, u32 width, u64 *value)
{
	return width == 4 && IS_ALIGNED(offset, 4) && offset < GICD_SIZE && vgic_dist_read_fixed(dev->vm, offset, value);
}

static bool vgic_dist_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value)
{
	(void)vcpu;
	return vgic_dist_access(dev, offset, width, value, false);
}

static bool vgic_dist_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value)
{
	(void)vcpu;
	return vgic_dist_access(dev, offset, width, &value, true);
}

/* What save() writes: GICD_CTLR and the SPIs the distributor implements. */
struct vgic_dist_saved {
	u32 ctlr;
	u32 nr_spis;
	struct vgic_irq_saved spis[VGIC_MAX_SPIS];
};

static const char *vgic_dist_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	if (rec->size != GICD_SIZE)
		return "size is not the distributor's 64 KiB";
	if (rec->args[0] != vm->nr_spis)
		return "args[0] (SPIs) differs from the VM's nr_spis";
	if (rec->irq != 0)
		return "irq given for a device that raises none";
	return NULL;
}

/* nr_spis is rounded up to whole 32-INTID blocks (all GICD_TYPER can say), at most VGIC_MAX_SPIS. */
static void vgic_dist_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct vgic_dist *d = dev->state;
	u32 nr = (u32)MIN(ALIGN_UP(rec->args[0], 32), (u64)VGIC_MAX_SPIS);

	*d = (struct vgic_dist){ .lock = SPINLOCK_INIT, .nr_spis = nr };
	vgic_spis_reset(dev->vm);
}

static void vgic_dist_reset(struct vdev *dev)
{
	vgic_spis_reset(dev->vm);
}

static u32 vgic_dist_save(struct vdev *dev, void *buf)
{
	struct vgic_dist *d = dev->state;
	struct vgic_dist_saved *out = buf;

	spin_lock(&d->lock);
	out->ctlr = d->ctlr;
	out->nr_spis = d->nr_spis;
	for (u32 i = 0; i < d->nr_spis; i++)
		vgic_irq_save(&d->spis[i], &out->spis[i]);
	spin_unlock(&d->lock);
	return (u32)(offsetof(struct vgic_dist_saved, spis) + d->nr_spis * sizeof(out->spis[0]));
}

static bool vgic_dist_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct vgic_dist *d = dev->state;
	const struct vgic_dist_saved *in = buf;
	struct vm *vm = dev->vm;

	if (len < offsetof(struct vgic_dist_saved, spis) || in->nr_spis != d->nr_spis ||
	    len != offsetof(struct vgic_dist_saved, spis) + d->nr_spis * sizeof(in->spis[0]))
		return false;
	spin_lock(&d->lock);
	d->ctlr = in->ctlr & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	for (u32 i = 0; i < d->nr_spis; i++)
		vgic_irq_restore(vm, &d->spis[i], &in->spis[i]);
	vgic_requeue_all(vm); /* the group enables decide for the private ones too */
	spin_unlock(&d->lock);
	vgic_kick(vm, (1u << vm->nr_vcpus) - 1);
	return true;
}

VDEV_POOL(vgic_dist_pool, struct vgic_dist, KEEL_MAX_VMS);

const struct vdev_kind vgic_dist_kind = {
	.id = KEEL_VDEV_GICV3_DIST,
	.name = "gicv3-dist",
	.max_per_vm = 1,
	.min_per_vm = 1,
	.save_size = sizeof(struct vgic_dist_saved),
	.pool = &vgic_dist_pool,
	.check = vgic_dist_check,
	.init = vgic_dist_init,
	.reset = vgic_dist_reset,
	.read = vgic_dist_read,
	.read_fixed = vgic_dist_read_fixed_reg,
	.write = vgic_dist_write,
	.save = vgic_dist_save,
	.restore = vgic_dist_restore,
};
