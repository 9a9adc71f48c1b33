/*
 * The rest of Keel as the vGIC unit tests see it (tests/unit/fake_vgic_env.c):
 * a VM built by hand with its vGIC instances made by core/vdev.c, logging
 * that counts lines, a vcpu_request that only records what was asked and an
 * irq_release_spi that records which physical SPIs were deactivated.
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
/* What arch_cpu_index() answers: the physical CPU the code under test runs on. */
extern u32 fake_vgic_this_cpu;

/* irq_release_spi calls since the last setup, and the first 16 INTIDs released. */
extern u32 fake_irq_released[16];
extern u32 fake_irq_released_count;

/* Where fake_vgic_vm_setup() puts the distributor and redistributors (QEMU virt's addresses). */
#define FAKE_GICD 0x08000000ull
#define FAKE_GICR 0x080a0000ull

/* arch_gic_write_hcr calls since the last fake_gic_reset() (arch/fake/gic.c). */
extern u32 fake_gic_hcr_writes;

/* Empty the state pools of the vGIC kinds, so each test can build VMs afresh. */
void fake_vdev_pools_reset(void);
/* Zero vm and give it nr_vcpus linked vCPUs and a configuration record, no devices yet. */
void fake_vgic_vm_build(struct vm *vm, u32 nr_vcpus);
/* fake_vgic_vm_build, then its distributor (nr_spis) and redistributors, and reset the fakes. */
void fake_vgic_vm_setup(struct vm *vm, u32 nr_vcpus, u32 nr_spis);
/* Forget recorded kicks (and clear the vCPUs' request bits). */
void fake_vgic_clear_kicks(struct vm *vm);

#endif
