/*
 * Virtual devices. Every device a VM sees, the vGIC's distributor and
 * redistributors and the vUART included, is an instance of a *kind*: a
 * static const table of handlers (struct vdev_kind) listed once in
 * core/vdev_kinds.c. Keel creates a VM's instances at boot from the device
 * records of the configuration blob, with their state taken from the kind's
 * static pool (sized by the configuration limits, nothing allocated later).
 *
 * A device claims an IPA range of one VM; a guest load or store there traps
 * (the range has no stage-2 mapping), is decoded once into a struct
 * mmio_access, and reaches the kind's read or write handler with the offset
 * into its range. A handler returns false when the access is not one the
 * device accepts (bad width or alignment): the guest then gets a synchronous
 * external abort injected and a log line, and nothing else happens.
 *
 * save() and restore() move an instance's whole guest-visible state to and
 * from a plain buffer (no pointers in it), for checkpoints and failover:
 * after restore the device behaves exactly as it did at save. Both expect the
 * VM's vCPUs out of the guest with their list registers synced (parked, or
 * between two entries on their own CPUs), as a VM reset does.
 */
#ifndef KEEL_VDEV_H
#define KEEL_VDEV_H

#include <abi/keel/config_blob.h>
#include <keel/types.h>

struct vcpu;
struct vm;
struct vdev;

/* Static storage for a kind's instance state: nr_slots slots of slot_size bytes. */
struct vdev_pool {
	void *slots;
	u32 slot_size;
	u32 nr_slots;
	u32 nr_used; /* boot-time only (vdev_add) */
};

/* Define a kind's pool of count instances of type, named var. */
#define VDEV_POOL(var, type, count)                                                    \
	static type var##_slots[count];                                                \
	static struct vdev_pool var = { var##_slots, sizeof(type), count, 0 }

struct vdev_kind {
	u32 id; /* enum keel_vdev_kind */
	const char *name;
	u32 max_per_vm; /* the blob may list at most this many per VM... */
	u32 min_per_vm; /* ...and at least this many */
	u32 save_size; /* bytes save() writes at most */
	struct vdev_pool *pool; /* where instance state comes from; NULL if it has none */
	/*
	 * A record of this kind in VM record vm: NULL if Keel can build it, else
	 * what is wrong (names the field). Pure, host-testable (core/blob.c).
	 */
	const char *(*check)(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec);
	/* Boot-time: set dev->state up from its record (already checked) and reset it. */
	void (*init)(struct vdev *dev, const struct keel_blob_vdev *rec);
	/* Back to power-on state (VM start or reset), keeping the instance's configuration. */
	void (*reset)(struct vdev *dev);
	bool (*read)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value);
	/*
	 * Optional: a read of a register whose value is fixed once the device
	 * is initialised (ID and type registers). True with *value if offset
	 * and width name one, and then exactly what read() would answer (a
	 * unit test holds every kind to that); false for anything else. Takes
	 * no lock and changes nothing: it runs first, on the exit fast path
	 * too (include/keel/exit.h).
	 */
	bool (*read_fixed)(const struct vdev *dev, u64 offset, u32 width, u64 *value);
	bool (*write)(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value);
	/* Write the whole state to buf (save_size bytes, 8-byte aligned); returns the bytes used. */
	u32 (*save)(struct vdev *dev, void *buf);
	/* Load a state save() wrote for an instance configured the same; false if it does not fit. */
	bool (*restore)(struct vdev *dev, const void *buf, u32 len);
	/*
	 * Optional: a vCPU of the VM is about to idle (WFI). Only called while
	 * some device of the VM asked for it with vdev_want_idle(): a vCPU
	 * alone on its CPU otherwise waits in its own WFI, which Keel does not
	 * see (vcpu->wfi_native).
	 */
	void (*idle)(struct vdev *dev, struct vcpu *vcpu);
	/*
	 * Optional, for devices that act on time (a watchdog): called on the
	 * VM's home CPU (its vCPU 0's) at or after the last deadline it gave,
	 * and whenever the device called vm_timer_changed(); takes the
	 * device's own lock. Sets *next to its next deadline (counter ticks,
	 * VDEV_NO_DEADLINE for none) and returns true if the VM has failed
	 * (the caller fails it over or resets it, without the device's lock).
	 */
	bool (*tick)(struct vdev *dev, u64 now, u64 *next);
};

#define VDEV_NO_DEADLINE (~0ull)

/* One device of one VM. */
struct vdev {
	const struct vdev_kind *kind; /* points into a static const table */
	struct vm *vm;
	u64 base; /* IPA */
	u64 size;
	u32 irq; /* INTID it raises, 0 if none */
	void *state; /* a slot of the kind's pool, or NULL */
};

#define VM_MAX_VDEVS KEEL_MAX_VDEVS

/* A trapped guest load or store, decoded once by the arch code. */
struct mmio_access {
	u64 ipa;
	u32 width; /* bytes: 1, 2, 4 or 8 */
	u32 reg; /* general register number, 31 = XZR */
	bool write;
	bool sign_extend; /* loads: sign-extend to the register width */
	bool reg64; /* the register is Xn, not Wn */
};

/* A load's value as the register receives it: cut to the width, sign- or zero-extended. */
static inline u64 mmio_extend_load(const struct mmio_access *a, u64 value)
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

/* What became of a trapped access. */
enum mmio_result {
	MMIO_OK, /* emulated; the caller advances the PC */
	MMIO_NO_DEVICE, /* no device claims the IPA (it may be RAM not yet touched) */
	MMIO_REFUSED, /* a device claims it but refused the access (width, alignment) */
	MMIO_RETRY, /* the device could not finish it yet (guest memory filling): the guest retries it */
};

/*
 * From a write handler that returns true: the access could not be finished
 * now (guest memory it needs is still being filled); the guest re-executes
 * it instead of moving on. vcpu may be NULL (host tests): then nothing.
 */
void vdev_retry_access(struct vcpu *vcpu);

/*
 * Hand the access to the device claiming its IPA, writing a load's result
 * into the register. On anything but MMIO_OK nothing changed and the caller
 * injects an abort (after trying RAM for MMIO_NO_DEVICE).
 */
enum mmio_result mmio_dispatch(struct vcpu *vcpu, const struct mmio_access *access);

/*
 * Boot-time: add an instance of kind to vm from rec (already checked),
 * taking its state from the kind's pool, and init it. Returns it.
 */
struct vdev *vdev_add(struct vm *vm, const struct vdev_kind *kind, const struct keel_blob_vdev *rec);

/* Boot-time: every device record of vm->cfg, instantiated in registry order. */
void vdev_create_all(struct vm *vm);

/* The kind with id, or NULL (core/vdev_kinds.c). */
const struct vdev_kind *vdev_kind_find(u32 id);
/* The registry's index-th kind, or NULL past the last. */
const struct vdev_kind *vdev_kind_at(u32 index);

/* Reset every device of the VM, in instance order (the vGIC first). */
void vdev_reset_all(struct vm *vm);

/*
 * On the VM's home CPU: run every device's tick hook; returns the earliest
 * next deadline and sets *failed if one of them says the VM failed.
 */
u64 vdev_tick_all(struct vm *vm, u64 now, bool *failed);

/* A vCPU of vm goes idle: run every device's idle hook. */
void vdev_idle_all(struct vm *vm, struct vcpu *vcpu);
/*
 * A device of vm holds work for the next time one of its vCPUs idles (a
 * partial console line): until then the VM's WFI traps, so that Keel sees
 * the idle moment and runs the idle hooks (vdev_idle_all clears it first).
 */
void vdev_want_idle(struct vm *vm);

/* The device claiming ipa, or NULL. */
struct vdev *vm_find_vdev(struct vm *vm, u64 ipa);

/* The kinds Keel implements. */
extern const struct vdev_kind vgic_dist_kind;
extern const struct vdev_kind vgic_redist_kind;
extern const struct vdev_kind vuart_pl011_kind;

#endif
