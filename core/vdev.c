/*
 * Device instances of a VM: creating them at boot, resetting them, their
 * idle hooks, and trapped MMIO (which device owns an IPA, and handing a
 * decoded access to it). A VM has a handful of devices, so a linear search
 * over a small static array is both the simplest and the fastest lookup.
 * The kinds themselves are listed in core/vdev_kinds.c.
 */
#include <keel/exit.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vm.h>

struct vdev *vdev_add(struct vm *vm, const struct vdev_kind *kind, const struct keel_blob_vdev *rec)
{
	struct vdev *dev;

	/* The blob check bounded the records by VM_MAX_VDEVS and each kind's max_per_vm. */
	CHECK(vm->nr_vdevs < VM_MAX_VDEVS);
	dev = &vm->vdevs[vm->nr_vdevs++];
	*dev = (struct vdev){ .kind = kind, .vm = vm, .base = rec->ipa, .size = rec->size, .irq = rec->irq };
	if (kind->pool) {
		struct vdev_pool *p = kind->pool;

		CHECK(p->nr_used < p->nr_slots);
		dev->state = (u8 *)p->slots + (u64)p->nr_used++ * p->slot_size;
	}
	kind->init(dev, rec);
	return dev;
}

struct vdev *vm_find_vdev(struct vm *vm, u64 ipa)
{
	for (u32 i = 0; i < vm->nr_vdevs; i++) {
		struct vdev *d = &vm->vdevs[i];

		if (ipa >= d->base && ipa - d->base < d->size)
			return d;
	}
	return NULL;
}

void vdev_reset_all(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vdevs; i++)
		vm->vdevs[i].kind->reset(&vm->vdevs[i]);
}

void vdev_want_idle(struct vm *vm)
{
	if (!__atomic_load_n(&vm->idle_work, __ATOMIC_RELAXED)) /* the common case: a store per line, not per byte */
		__atomic_store_n(&vm->idle_work, true, __ATOMIC_RELAXED);
}

void vdev_idle_all(struct vm *vm, struct vcpu *vcpu)
{
	/* Cleared first: a hook that still has work, or a device written meanwhile, sets it again. */
	__atomic_store_n(&vm->idle_work, false, __ATOMIC_RELAXED);
	for (u32 i = 0; i < vm->nr_vdevs; i++)
		if (vm->vdevs[i].kind->idle)
			vm->vdevs[i].kind->idle(&vm->vdevs[i], vcpu);
}

u64 vdev_tick_all(struct vm *vm, u64 now, bool *failed)
{
	u64 earliest = VDEV_NO_DEADLINE;

	for (u32 i = 0; i < vm->nr_vdevs; i++) {
		u64 next = VDEV_NO_DEADLINE;

		if (!vm->vdevs[i].kind->tick)
			continue;
		if (vm->vdevs[i].kind->tick(&vm->vdevs[i], now, &next))
			*failed = true;
		if (next < earliest)
			earliest = next;
	}
	return earliest;
}


void vdev_retry_access(struct vcpu *vcpu)
{
	if (vcpu)
		vcpu->mmio_retry = true;
}

/* Remember a fixed register's value for vcpu's exit fast path (keel/vcpu.h: struct vdev_fixed_cache). */
static void remember_fixed(struct vcpu *vcpu, const struct mmio_access *a, u64 value)
{
	u32 slot = VDEV_FIXED_SLOT(a->ipa);

	vcpu->fixed_reads.key[slot] = VDEV_FIXED_KEY(a->ipa, a->width);
	vcpu->fixed_reads.value[slot] = value;
}

enum mmio_result mmio_dispatch(struct vcpu *vcpu, const struct mmio_access *a)
{
	struct vdev *dev = vm_find_vdev(vcpu->vm, a->ipa);
	u64 offset, value;

	if (!dev)
		return MMIO_NO_DEVICE;
	offset = a->ipa - dev->base;
	if (a->write) {
		value = vcpu_get_reg(vcpu, a->reg);
		if (a->width < 8)
			value &= (1ull << (a->width * 8)) - 1;
		if (!dev->kind->write(dev, vcpu, offset, a->width, value))
			return MMIO_REFUSED;
		if (vcpu->mmio_retry) {
			vcpu->mmio_retry = false;
			return MMIO_RETRY;
		}
		return MMIO_OK;
	}
	if (dev->kind->read_fixed && dev->kind->read_fixed(dev, offset, a->width, &value))
		remember_fixed(vcpu, a, value);
	else if (!dev->kind->read(dev, vcpu, offset, a->width, &value))
		return MMIO_REFUSED;
	vcpu_set_reg(vcpu, a->reg, mmio_extend_load(a, value));
	return MMIO_OK;
}

