/*
 * A virtual machine: its configuration record, its stage-2 address space,
 * its vCPUs and its virtual devices. VMs live in a static array sized by
 * KEEL_MAX_VMS and are set up once from the configuration blob.
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <abi/keel/config_blob.h>
#include <keel/spinlock.h>
#include <keel/stage2.h>
#include <keel/types.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vuart.h>

/* Guest RAM is zeroed and mapped on first touch, this many bytes at a time. */
#define VM_RAM_CHUNK (2 * MiB)
#define VM_RAM_ZERO_STEP (64 * KiB) /* zeroed without looking for interrupts */
#define VM_MAX_CHUNKS 1024 /* 2 GiB of RAM per VM */

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
	struct spinlock lock; /* state transitions; before the vGIC's lock */
	volatile enum vm_state state;
	struct stage2 s2;
	struct pt_pool s2_pool; /* this VM's own table pages; changed only under lock */
	u32 nr_vcpus;
	struct vcpu vcpus[KEEL_MAX_VCPUS_PER_VM];
	u32 nr_vdevs; /* fixed after boot */
	struct vdev vdevs[VM_MAX_VDEVS]; /* in registry order (core/vdev_kinds.c): vGIC distributor first */
	u32 nr_resets;
	u32 nr_parked; /* vCPUs that have stopped for a reset or power-off, under lock */
	u32 nr_chunks_populated; /* RAM chunks touched since the last start, under lock */
	u32 chunk_zeroed[VM_MAX_CHUNKS]; /* bytes of each RAM chunk zeroed so far, under lock */
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
/*
 * A stage-2 fault at ipa: if it lies in the VM's RAM, zero and map the chunk
 * around it and return true (the guest retries the access); false if ipa is
 * not RAM.
 */
bool vm_populate_ram(struct vm *vm, u64 ipa);
/* The same; if preemptible, it may return early (chunk not yet mapped) when an interrupt is pending. */
bool vm_populate_ram_step(struct vm *vm, u64 ipa, bool preemptible);
/* Copy len bytes the guest has at ipa (readable RAM only); false if any of it is not. */
bool vm_copy_from_guest(struct vm *vm, void *dst, u64 ipa, u64 len);
/* Exits taken by all the VM's vCPUs so far. */
u64 vm_total_exits(const struct vm *vm);
/* Table pages used by all VMs' stage 2. */
u32 vm_stage2_pages_used(void);
/* Called on a vCPU's own CPU when it sees VCPU_REQ_STOP. */
void vm_vcpu_parked(struct vcpu *vcpu);

#endif
