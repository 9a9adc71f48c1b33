/*
 * The one interface every virtual device implements. A device claims an IPA
 * range of one VM; a guest load or store there traps (the range has no
 * stage-2 mapping), is decoded once into a struct mmio_access, and reaches the
 * device's read or write handler with the offset into its range. A handler
 * returns false when the access is not one the device accepts (bad offset,
 * width or alignment): the guest then gets a synchronous external abort
 * injected and a log line, and nothing else happens.
 */
#ifndef KEEL_VDEV_H
#define KEEL_VDEV_H

#include <keel/types.h>

struct vcpu;
struct vm;
struct vdev;

struct vdev_ops {
	const char *name;
	bool (*read)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value);
	bool (*write)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value);
};

struct vdev {
	const struct vdev_ops *ops; /* points into a static const table */
	u64 base; /* IPA */
	u64 size;
	void *state; /* the device's own struct */
};

#define VM_MAX_VDEVS 8

/* A trapped guest load or store, decoded once by the arch code. */
struct mmio_access {
	u64 ipa;
	u32 width; /* bytes: 1, 2, 4 or 8 */
	u32 reg; /* general register number, 31 = XZR */
	bool write;
	bool sign_extend; /* loads: sign-extend to the register width */
	bool reg64; /* the register is Xn, not Wn */
};

/*
 * Hand the access to the device claiming its IPA, writing a load's result
 * into the register. Returns false if no device claims it or the device
 * refused it: the caller injects an abort. The caller advances the PC.
 */
bool mmio_dispatch(struct vcpu *vcpu, const struct mmio_access *access);

/* Claim [base, base + size) of the VM's IPA space for a device. Boot-time only. */
void vm_add_vdev(struct vm *vm, const struct vdev_ops *ops, u64 base, u64 size, void *state);

/* The device claiming ipa, or NULL. */
struct vdev *vm_find_vdev(struct vm *vm, u64 ipa);

#endif
