/*
 * Trapped MMIO: which virtual device owns an IPA, and handing a decoded
 * access to it. A VM has a handful of devices, so a linear search over a
 * small static array is both the simplest and the fastest lookup.
 */
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vm.h>

void vm_add_vdev(struct vm *vm, const struct vdev_ops *ops, u64 base, u64 size, void *state)
{
	CHECK(vm->nr_vdevs < VM_MAX_VDEVS);
	vm->vdevs[vm->nr_vdevs++] = (struct vdev){ .ops = ops, .base = base, .size = size, .state = state };
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

static u64 extend_load(const struct mmio_access *a, u64 value)
{
	u32 bits = a->width * 8;

	if (bits < 64)
		value &= (1ull << bits) - 1;
	if (a->sign_extend && bits < 64 && (value >> (bits - 1)) & 1)
		value |= ~0ull << bits;
	if (!a->reg64)
		value &= 0xffffffffull;
	return value;
}

bool mmio_dispatch(struct vcpu *vcpu, const struct mmio_access *a)
{
	struct vdev *dev = vm_find_vdev(vcpu->vm, a->ipa);
	u64 offset, value;

	if (!dev)
		return false;
	offset = a->ipa - dev->base;
	if (a->write) {
		value = vcpu_get_reg(vcpu, a->reg);
		if (a->width < 8)
			value &= (1ull << (a->width * 8)) - 1;
		return dev->ops->write(dev, vcpu, offset, a->width, value);
	}
	if (!dev->ops->read(dev, vcpu, offset, a->width, &value))
		return false;
	vcpu_set_reg(vcpu, a->reg, extend_load(a, value));
	return true;
}
