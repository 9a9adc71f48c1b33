/*
 * Host fakes of the Keel services the vGIC calls (device registration,
 * logging, vCPU requests), for tests/unit/test_vgic*.c. Named for the vGIC so
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

void fake_vgic_clear_kicks(struct vm *vm)
{
	memset(fake_vgic_kicks, 0, sizeof(fake_vgic_kicks));
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].requests = 0;
}

void fake_vgic_vm_setup(struct vm *vm, u32 nr_vcpus, u32 nr_spis)
{
	memset(vm, 0, sizeof(*vm));
	strcpy(vm->name, "testvm");
	vm->nr_vcpus = nr_vcpus;
	for (u32 i = 0; i < nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].index = i;
		vm->vcpus[i].pcpu = i;
	}
	vgic_vm_init(vm, nr_spis);
	fake_gic_reset(4);
	fake_vgic_log_count = 0;
	fake_vgic_last_log[0] = 0;
	fake_vgic_clear_kicks(vm);
}

void vm_add_vdev(struct vm *vm, const struct vdev_ops *ops, u64 base, u64 size, void *state)
{
	if (vm->nr_vdevs >= VM_MAX_VDEVS)
		panic("too many vdevs");
	vm->vdevs[vm->nr_vdevs++] = (struct vdev){ .ops = ops, .base = base, .size = size, .state = state };
}

struct vdev *vm_find_vdev(struct vm *vm, u64 ipa)
{
	for (u32 i = 0; i < vm->nr_vdevs; i++)
		if (ipa >= vm->vdevs[i].base && ipa - vm->vdevs[i].base < vm->vdevs[i].size)
			return &vm->vdevs[i];
	return NULL;
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
