/*
 * The registry of device kinds: the one list of what virtual devices Keel
 * can give a VM, in the order a VM's instances are created and reset. The
 * interrupt controller comes first, because the other devices drive its
 * lines from their own init and reset, and so every VM's vGIC distributor
 * is its instance 0 (vm_vgic()).
 */
#include <keel/log.h>
#include <keel/sp805.h>
#include <keel/vdev.h>
#include <keel/virtio.h>
#include <keel/vm.h>

static const struct vdev_kind *const vdev_kinds[] = {
	&vgic_dist_kind,
	&vgic_redist_kind,
	&vuart_pl011_kind,
	&virtio_console_kind,
	&virtio_net_kind,
	&virtio_blk_kind,
	&sp805_kind,
};

const struct vdev_kind *vdev_kind_find(u32 id)
{
	for (u32 i = 0; i < ARRAY_SIZE(vdev_kinds); i++)
		if (vdev_kinds[i]->id == id)
			return vdev_kinds[i];
	return NULL;
}

const struct vdev_kind *vdev_kind_at(u32 index)
{
	return index < ARRAY_SIZE(vdev_kinds) ? vdev_kinds[index] : NULL;
}

/*
 * Instantiate every device record of the VM's configuration, kind by kind
 * in registry order. The blob check (core/blob.c) has made sure every kind
 * is known and within its per-VM limits, and that the VM has its vGIC.
 */
void vdev_create_all(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;

	for (u32 k = 0; k < ARRAY_SIZE(vdev_kinds); k++)
		for (u32 i = 0; i < c->nr_vdevs; i++)
			if (c->vdevs[i].kind == vdev_kinds[k]->id)
				vdev_add(vm, vdev_kinds[k], &c->vdevs[i]);
	CHECK(vm->nr_vdevs > 0 && vm->vdevs[0].kind == &vgic_dist_kind);
}
