/*
 * The emulated GICv3 redistributors (GICv3 spec 12.10, 12.11): one 128 KiB
 * region per vCPU, laid out contiguously in vCPU order, each an RD_base
 * frame (identification, power management) followed at +64 KiB by an
 * SGI_base frame holding that vCPU's SGI and PPI configuration. A guest finds
 * its own redistributor by matching GICR_TYPER.Affinity_Value with its MPIDR
 * and stops scanning at GICR_TYPER.Last. LPIs are not supported, so the LPI
 * registers read as zero and ignore writes. Reserved offsets are RES0 as in
 * the distributor (vdev/vgic_dist.c). Any vCPU may program any
 * redistributor; the frame, not the accessing vCPU, names the owner.
 *
 * The redistributors of a VM are one device kind (vgic_redist_kind) with no
 * state of its own: what they hold is each vCPU's (struct vgic_cpu, next to
 * the vCPU's CPU interface shadow), under the distributor's lock.
 */
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "vgic_internal.h"

#define GICR_FRAME_SHIFT 17 /* 128 KiB per redistributor */
#define GICR_SGI_BASE 0x10000

/* RD_base registers (spec 12.10, table 12-27). */
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008 /* 64-bit */
#define GICR_STATUSR 0x0010
#define GICR_WAKER 0x0014
#define GICR_SETLPIR 0x0040 /* 64-bit, as are all the LPI registers below */
#define GICR_CLRLPIR 0x0048
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_INVLPIR 0x00a0
#define GICR_INVALLR 0x00b0

#define GICR_TYPER_LAST (1ull << 4)
#define GICR_TYPER_PROCNUM_SHIFT 8
#define GICR_TYPER_AFF_SHIFT 32
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

/* GICR_TYPER for the redistributor of vcpu (spec 12.10.33). */
static u64 vgic_redist_typer(const struct vm *vm, const struct vcpu *vcpu)
{
	u64 typer = (u64)vcpu->index << GICR_TYPER_AFF_SHIFT | /* Aff0 = index, Aff1-3 = 0 */
		    (u64)vcpu->index << GICR_TYPER_PROCNUM_SHIFT;

	if (vcpu->index == vm->nr_vcpus - 1)
		typer |= GICR_TYPER_LAST;
	return typer; /* PLPIS, VLPIS, DirectLPI 0: no LPIs */
}

/* 64-bit registers also accept 32-bit accesses to either half. */
static bool vgic_redist_width(u64 offset, u32 width, bool is64)
{
	if (width == 8)
		return is64;
	return width == 4 && IS_ALIGNED(offset, 4);
}

/* An RD_base access. VGIC_MMIO_NOT_MINE means a reserved offset. */
static enum vgic_mmio_res vgic_redist_rd(struct vm *vm, struct vcpu *owner, u64 offset,
					 u32 width, u64 *value, bool write)
{
	u64 reg = ALIGN_DOWN(offset, 8), out = 0;
	bool is64 = reg == GICR_TYPER || reg == GICR_SETLPIR || reg == GICR_CLRLPIR ||
		    reg == GICR_PROPBASER || reg == GICR_PENDBASER || reg == GICR_INVLPIR ||
		    reg == GICR_INVALLR;

	if (!is64 && !(reg == GICR_CTLR || reg == GICR_STATUSR || offset >= VGIC_ID_BASE))
		return VGIC_MMIO_NOT_MINE; /* reserved: the caller checks the width */
	if (!vgic_redist_width(offset, width, is64))
		return VGIC_MMIO_BAD;
	if (is64) {
		if (reg == GICR_TYPER)
			out = vgic_redist_typer(vm, owner) >> (8 * (offset - reg));
		/* The LPI registers: RAZ/WI while GICR_TYPER.PLPIS is 0 (spec 12.10). */
		if (!write)
			*value = width == 8 ? out : (u32)out;
		return VGIC_MMIO_DONE;
	}
	switch (offset) {
	case GICR_CTLR: /* EnableLPIs 0, RWP 0: nothing to wait for */
	case GICR_STATUSR:
		break;
	case GICR_IIDR:
		out = VGIC_IIDR;
		break;
	case GICR_WAKER:
		/* ChildrenAsleep follows ProcessorSleep at once (spec 12.10.42). */
		if (write)
			owner->vgic.waker = (u32)*value & GICR_WAKER_PROCESSOR_SLEEP;
		out = owner->vgic.waker;
		if (out & GICR_WAKER_PROCESSOR_SLEEP)
			out |= GICR_WAKER_CHILDREN_ASLEEP;
		break;
	default:
		if (offset < VGIC_ID_BASE)
			return VGIC_MMIO_NOT_MINE;
		out = vgic_id_reg(offset);
		break;
	}
	if (!write)
		*value = out;
	return VGIC_MMIO_DONE;
}

/* Does SGI_base offset reg hold a register of INTIDs 0-31 (spec 12.11)? Else it is reserved. */
static bool vgic_redist_sgi_reg(u64 reg)
{
	if (reg >= VGIC_IGROUPR && reg < VGIC_IPRIORITYR)
		return (reg & 0x7f) < 4; /* the first word of each bit-per-INTID register */
	return (reg >= VGIC_IPRIORITYR && reg < VGIC_IPRIORITYR + VGIC_NR_PRIVATE) ||
	       (reg >= VGIC_ICFGR && reg < VGIC_ICFGR + 8) || (reg >= VGIC_IGRPMODR && reg < VGIC_IGRPMODR + 4) ||
	       (reg >= VGIC_NSACR && reg < VGIC_NSACR + 4);
}

/*
 * vdev_kind.read_fixed: GICR_TYPER (whole or either half), GICR_IIDR and the
 * ID registers of an RD_base frame, which never change once the VM is
 * built. A guest's probe reads them for every redistributor.
 */
static bool vgic_redist_read_fixed(const struct vdev *dev, u64 offset, u32 width, u64 *value)
{
	const struct vm *vm = dev->vm;
	u32 index = (u32)(offset >> GICR_FRAME_SHIFT);
	u64 frame = offset & ((1ull << GICR_FRAME_SHIFT) - 1);
	u64 typer;

	if (index >= vm->nr_vcpus || frame >= GICR_SGI_BASE || !IS_ALIGNED(offset, width))
		return false;
	if (ALIGN_DOWN(frame, 8) == GICR_TYPER && (width == 8 || width == 4)) {
		typer = vgic_redist_typer(vm, &vm->vcpus[index]) >> (8 * (frame - GICR_TYPER));
		*value = width == 8 ? typer : (u32)typer;
		return true;
	}
	if (width != 4 || !(frame == GICR_IIDR || frame >= VGIC_ID_BASE))
		return false;
	*value = frame == GICR_IIDR ? VGIC_IIDR : vgic_id_reg(frame);
	return true;
}

static bool vgic_redist_access(struct vdev *dev, u64 offset, u32 width, u64 *value, bool write)
{
	struct vm *vm = dev->vm;
	u32 index = (u32)(offset >> GICR_FRAME_SHIFT);
	u64 frame = offset & ((1ull << GICR_FRAME_SHIFT) - 1);
	enum vgic_mmio_res res;
	struct vcpu *owner;
	u32 kick = 0;

	if (width > 8 || (width & (width - 1)) || !IS_ALIGNED(offset, width) ||
	    index >= vm->nr_vcpus)
		return false;
	owner = &vm->vcpus[index];
	if (write && width < 8)
		*value &= (1ull << (8 * width)) - 1;
	if (frame < GICR_SGI_BASE) {
		/* RD_base holds no interrupt state: only GICR_WAKER needs the lock. */
		bool locked = ALIGN_DOWN(frame, 4) == GICR_WAKER;

		if (locked)
			spin_lock(&vm_vgic(vm)->lock);
		res = vgic_redist_rd(vm, owner, frame, width, value, write);
		if (locked)
			spin_unlock(&vm_vgic(vm)->lock);
	} else if (!vgic_redist_sgi_reg(frame - GICR_SGI_BASE)) {
		res = VGIC_MMIO_NOT_MINE;
	} else {
		u64 reg = frame - GICR_SGI_BASE;

		spin_lock(&vm_vgic(vm)->lock);
		if (write)
			res = vgic_irqregs_write(vm, owner, 0, VGIC_NR_PRIVATE, reg, width, *value,
						 &kick);
		else
			res = vgic_irqregs_read(vm, owner, 0, VGIC_NR_PRIVATE, reg, width, value);
		spin_unlock(&vm_vgic(vm)->lock);
	}
	if (res == VGIC_MMIO_NOT_MINE && width < 4)
		res = VGIC_MMIO_BAD; /* no register there takes byte or halfword accesses */
	if (res == VGIC_MMIO_NOT_MINE) {
		if (!write)
			*value = 0;
		vgic_warn_reserved(vm, VGIC_WARN_REDIST, "GICR", offset, write);
	}
	vgic_kick(vm, kick);
	return res != VGIC_MMIO_BAD;
}

static bool vgic_redist_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width,
			     u64 *value)
{
	(void)vcpu;
	return vgic_redist_access(dev, offset, width, value, false);
}

static bool vgic_redist_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width,
			      u64 value)
{
	(void)vcpu;
	return vgic_redist_access(dev, offset, width, &value, true);
}

/* What save() writes per vCPU: GICR_WAKER and its SGIs and PPIs. */
struct vgic_redist_saved_cpu {
	u32 waker;
	u32 pad;
	struct vgic_irq_saved irqs[VGIC_NR_PRIVATE];
};

struct vgic_redist_saved {
	u32 nr_vcpus;
	u32 pad;
	struct vgic_redist_saved_cpu cpus[KEEL_MAX_VCPUS_PER_VM];
};

static const char *vgic_redist_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	if (rec->size != (u64)vm->nr_vcpus << GICR_FRAME_SHIFT)
		return "size is not 128 KiB per vCPU";
	if (rec->irq != 0)
		return "irq given for a device that raises none";
	return NULL;
}

static void vgic_redist_reset(struct vdev *dev)
{
	for (u32 i = 0; i < dev->vm->nr_vcpus; i++)
		vgic_private_reset(dev->vm, &dev->vm->vcpus[i]);
}

/* Created after the distributor (registry order), whose lock it uses. */
static void vgic_redist_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	(void)rec;
	vgic_redist_reset(dev);
}

static u32 vgic_redist_save(struct vdev *dev, void *buf)
{
	struct vm *vm = dev->vm;
	struct vgic_redist_saved *out = buf;

	spin_lock(&vm_vgic(vm)->lock);
	out->nr_vcpus = vm->nr_vcpus;
	out->pad = 0;
	for (u32 c = 0; c < vm->nr_vcpus; c++) {
		const struct vgic_cpu *vc = &vm->vcpus[c].vgic;

		out->cpus[c].waker = vc->waker;
		out->cpus[c].pad = 0;
		for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
			vgic_irq_save(&vc->private_irqs[i], &out->cpus[c].irqs[i]);
	}
	spin_unlock(&vm_vgic(vm)->lock);
	return (u32)(offsetof(struct vgic_redist_saved, cpus) + vm->nr_vcpus * sizeof(out->cpus[0]));
}

static bool vgic_redist_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct vm *vm = dev->vm;
	const struct vgic_redist_saved *in = buf;

	if (len < offsetof(struct vgic_redist_saved, cpus) || in->nr_vcpus != vm->nr_vcpus ||
	    len != offsetof(struct vgic_redist_saved, cpus) + vm->nr_vcpus * sizeof(in->cpus[0]))
		return false;
	spin_lock(&vm_vgic(vm)->lock);
	for (u32 c = 0; c < vm->nr_vcpus; c++) {
		struct vgic_cpu *vc = &vm->vcpus[c].vgic;

		vc->waker = in->cpus[c].waker & GICR_WAKER_PROCESSOR_SLEEP;
		for (u32 i = 0; i < VGIC_NR_PRIVATE; i++)
			vgic_irq_restore(vm, &vc->private_irqs[i], &in->cpus[c].irqs[i]);
	}
	spin_unlock(&vm_vgic(vm)->lock);
	vgic_kick(vm, (1u << vm->nr_vcpus) - 1);
	return true;
}

const struct vdev_kind vgic_redist_kind = {
	.id = KEEL_VDEV_GICV3_REDIST,
	.name = "gicv3-redist",
	.max_per_vm = 1,
	.min_per_vm = 1,
	.save_size = sizeof(struct vgic_redist_saved),
	.pool = NULL, /* its state is the vCPUs' */
	.check = vgic_redist_check,
	.init = vgic_redist_init,
	.reset = vgic_redist_reset,
	.read = vgic_redist_read,
	.read_fixed = vgic_redist_read_fixed,
	.write = vgic_redist_write,
	.save = vgic_redist_save,
	.restore = vgic_redist_restore,
};
