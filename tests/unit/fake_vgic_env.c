/*
 * Host fakes of the Keel services the vGIC calls (building a VM with its
 * vGIC device instances, logging, vCPU requests, releasing physical
 * interrupts), for tests/unit/test_vgic*.c and the device-kind tests. Named for the vGIC so
 * they do not clash with other tests' fakes or with core/.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_gic.h"
#include "fake_vgic_env.h"

u32 fake_vgic_log_count;
char fake_vgic_last_log[256];
u32 fake_vgic_kicks[KEEL_MAX_VCPUS_PER_VM];
u32 fake_irq_released[16];
u32 fake_irq_released_count;

void fake_vgic_clear_kicks(struct vm *vm)
{
	memset(fake_vgic_kicks, 0, sizeof(fake_vgic_kicks));
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].requests = 0;
}

void fake_vdev_pools_reset(void)
{
	const struct vdev_kind *kinds[] = { &vgic_dist_kind, &vgic_redist_kind };

	for (u32 i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i]->pool)
			kinds[i]->pool->nr_used = 0;
}

void fake_vgic_vm_build(struct vm *vm, u32 nr_vcpus)
{
	static struct keel_blob_vm cfg;

	fake_vdev_pools_reset();
	memset(vm, 0, sizeof(*vm));
	memset(&cfg, 0, sizeof(cfg));
	strcpy(vm->name, "testvm");
	cfg.nr_vcpus = nr_vcpus;
	vm->cfg = &cfg;
	vm->nr_vcpus = nr_vcpus;
	for (u32 i = 0; i < nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].index = i;
		vm->vcpus[i].pcpu = i;
		/* Each running on its own CPU, so interrupt changes kick it (vgic_kick_mask). */
		vm->vcpus[i].state = VCPU_RUNNABLE;
		vm->vcpus[i].loaded = true;
	}
}

void fake_vgic_vm_setup(struct vm *vm, u32 nr_vcpus, u32 nr_spis)
{
	struct keel_blob_vdev dist = { .kind = KEEL_VDEV_GICV3_DIST, .ipa = FAKE_GICD, .size = 0x10000,
				       .args = { nr_spis } };
	struct keel_blob_vdev redist = { .kind = KEEL_VDEV_GICV3_REDIST, .ipa = FAKE_GICR,
					 .size = nr_vcpus * 0x20000ull };

	fake_vgic_vm_build(vm, nr_vcpus);
	vdev_add(vm, &vgic_dist_kind, &dist);
	vdev_add(vm, &vgic_redist_kind, &redist);
	fake_gic_reset(4);
	fake_vgic_log_count = 0;
	fake_vgic_last_log[0] = 0;
	fake_irq_released_count = 0;
	fake_vgic_clear_kicks(vm);
}

void irq_release_spi(u32 intid)
{
	if (fake_irq_released_count < ARRAY_SIZE(fake_irq_released))
		fake_irq_released[fake_irq_released_count] = intid;
	fake_irq_released_count++;
}

u32 fake_vgic_this_cpu = 0xff; /* by default no vCPU is on the CPU that injects */

u32 arch_cpu_index(void)
{
	return fake_vgic_this_cpu;
}

void vcpu_request(struct vcpu *vcpu, u32 req)
{
	__atomic_fetch_or(&vcpu->requests, req, __ATOMIC_SEQ_CST);
	if ((req & VCPU_REQ_KICK) && vcpu->index < KEEL_MAX_VCPUS_PER_VM)
		fake_vgic_kicks[vcpu->index]++;
}

static void fake_vgic_record(const char *fmt, va_list ap)
{
	vsnprintf(fake_vgic_last_log, sizeof(fake_vgic_last_log), fmt, ap);
	fake_vgic_log_count++;
}

void klog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fake_vgic_record(fmt, ap);
	va_end(ap);
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	fake_vgic_record(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
