/*
 * A virtual machine: its configuration record, its stage-2 address space,
 * its vCPUs and its virtual devices. VMs live in a static array sized by
 * KEEL_MAX_VMS and are set up once from the configuration blob.
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <abi/keel/config_blob.h>
#include <keel/guest_mem.h>
#include <keel/spinlock.h>
#include <keel/stage2.h>
#include <keel/types.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vuart.h>

enum vm_state {
	VM_STOPPED,
	VM_RUNNING,
	VM_RESETTING, /* vCPUs are parking; the last one to park restarts it */
	VM_POWERED_OFF,
};

struct vm {
	const struct keel_blob_vm *cfg;
	char name[KEEL_VM_NAME_LEN];
	u32 index;
	u16 vmid;
	struct spinlock lock; /* state transitions; order: include/keel/locking.h */
	volatile enum vm_state state;
	struct stage2 s2;
	struct pt_pool s2_pool; /* this VM's own table pages; used only under mem.lock */
	u32 s2_pages_at_boot; /* in use with no RAM mapped: root and device tables */
	struct guest_mem mem; /* its RAM: the only way to reach it */
	u32 nr_vcpus;
	bool idle_work; /* atomic: a device waits for an idle vCPU (vdev_want_idle): WFI traps */
	struct vcpu vcpus[KEEL_MAX_VCPUS_PER_VM];
	u32 nr_vdevs; /* fixed after boot */
	struct vdev vdevs[VM_MAX_VDEVS]; /* in registry order (core/vdev_kinds.c): vGIC distributor first */
	u32 nr_resets;
	u32 nr_parked; /* vCPUs that have stopped for a reset or power-off, under lock */
};

/*
 * The VM's virtual GIC distributor state. Every VM has exactly one (the blob
 * check requires it) and it is its first device instance.
 */
static inline struct vgic_dist *vm_vgic(const struct vm *vm)
{
	return (struct vgic_dist *)vm->vdevs[0].state;
}

/* The VM's console UART (its first PL011), or NULL if it has none. */
struct vuart *vm_vuart(struct vm *vm);

extern struct vm vms[KEEL_MAX_VMS];
extern u32 nr_vms;

/* Build every VM from the configuration blob (stage-2, devices), boot-time. */
void vm_create_all(const struct keel_blob *blob);
/* Zero RAM, copy images, reset devices and start vCPU 0. */
void vm_start(struct vm *vm);
/* PSCI SYSTEM_OFF / SYSTEM_RESET from one of the VM's vCPUs. */
void vm_power_off(struct vm *vm);
void vm_reset(struct vm *vm);
/* vCPU with MPIDR affinity mpidr in this VM, or NULL. */
struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr);
/* Exits taken by all the VM's vCPUs so far. */
u64 vm_total_exits(const struct vm *vm);
/* Table pages used by all VMs' stage 2. */
u32 vm_stage2_pages_used(void);
/* Called on a vCPU's own CPU when it sees VCPU_REQ_STOP. */
void vm_vcpu_parked(struct vcpu *vcpu);

#endif
