/* Fake vGIC and device registry for test_vuart: records interrupt line levels. */
#include <string.h>

#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_console_fakes.h"

u32 fake_vgic_calls;
bool fake_vgic_level[FAKE_VGIC_INTIDS];

void fake_vgic_reset(void)
{
	fake_vgic_calls = 0;
	memset(fake_vgic_level, 0, sizeof(fake_vgic_level));
}

bool vgic_set_level(struct vm *vm, struct vcpu *target, u32 intid, bool level)
{
	(void)vm;
	(void)target;
	fake_vgic_calls++;
	if (intid >= FAKE_VGIC_INTIDS)
		return false;
	fake_vgic_level[intid] = level;
	return true;
}

void vm_add_vdev(struct vm *vm, const struct vdev_ops *ops, u64 base, u64 size, void *state)
{
	struct vdev *d = &vm->vdevs[vm->nr_vdevs++];

	d->ops = ops;
	d->base = base;
	d->size = size;
	d->state = state;
}
