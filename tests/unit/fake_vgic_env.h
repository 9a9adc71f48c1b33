/*
 * The rest of Keel as the vGIC unit tests see it (tests/unit/fake_vgic_env.c):
 * a VM built by hand, vm_add_vdev/vm_find_vdev over vm->vdevs, logging that
 * counts lines, and vcpu_request that only records what was asked.
 */
#ifndef KEEL_TEST_FAKE_VGIC_ENV_H
#define KEEL_TEST_FAKE_VGIC_ENV_H

#include <keel/types.h>
#include <keel/vm.h>

/* Calls to klog and vm_log since the last fake_vgic_vm_setup(), and the last line. */
extern u32 fake_vgic_log_count;
extern char fake_vgic_last_log[256];
/* Calls to vcpu_request(vcpu, VCPU_REQ_KICK) per vCPU index since the last setup. */
extern u32 fake_vgic_kicks[KEEL_MAX_VCPUS_PER_VM];

/* arch_gic_write_hcr calls since the last fake_gic_reset() (arch/fake/gic.c). */
extern u32 fake_gic_hcr_writes;

/* Zero vm, give it nr_vcpus linked vCPUs, call vgic_vm_init() and reset the fakes. */
void fake_vgic_vm_setup(struct vm *vm, u32 nr_vcpus, u32 nr_spis);
/* Forget recorded kicks (and clear the vCPUs' request bits). */
void fake_vgic_clear_kicks(struct vm *vm);

#endif
