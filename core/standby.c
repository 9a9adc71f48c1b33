/*
 * Standby VMs and per-VM timed events (include/keel/standby.h).
 *
 * Every VM has a home CPU, the one its vCPU 0 is pinned to. Its timed
 * events (the next checkpoint, device deadlines such as a watchdog's) are
 * handled there, from the scheduler's pick (standby_poll), and the EL2
 * timer is armed for the earliest (standby_next_event). Only the home CPU
 * writes a VM's event state; another CPU that moves a deadline earlier
 * (vm_timer_changed) sets `due` and kicks it.
 */
#include <keel/arch/cpu.h>
#include <keel/cpu.h>
#include <keel/hypercall.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

struct vm_events {
	u64 devices_next; /* earliest device deadline (VDEV_NO_DEADLINE for none) */
	volatile bool due; /* a device deadline moved: tick the devices at the next poll */
};

static struct vm_events vm_events[KEEL_MAX_VMS];

static bool vm_homed_on(const struct vm *vm, const struct cpu *cpu)
{
	return vm->nr_vcpus && vm->vcpus[0].pcpu == cpu->index;
}

void vm_timer_changed(struct vm *vm)
{
	__atomic_store_n(&vm_events[vm->index].due, true, __ATOMIC_RELEASE);
	vcpu_request(&vm->vcpus[0], VCPU_REQ_KICK);
}

/* A device said the VM failed: failover, or without a standby a reset (a real watchdog resets the board). */
static void vm_device_failed(struct vm *vm)
{
	if (!standby_vm_failed(vm, KEEL_STANDBY_DETECT_WATCHDOG, "watchdog expired")) {
		vm_log(vm, "watchdog expired: resetting the VM");
		vm_reset(vm);
	}
}

static void vm_events_poll(struct vm *vm, u64 now)
{
	struct vm_events *ev = &vm_events[vm->index];
	bool failed = false;

	if (!__atomic_exchange_n(&ev->due, false, __ATOMIC_ACQ_REL) && now < ev->devices_next)
		return;
	ev->devices_next = vdev_tick_all(vm, now, &failed);
	if (failed && vm->state == VM_RUNNING)
		vm_device_failed(vm);
}

void standby_poll(struct cpu *cpu, u64 now)
{
	for (u32 i = 0; i < nr_vms; i++)
		if (vm_homed_on(&vms[i], cpu))
			vm_events_poll(&vms[i], now);
}

u64 standby_next_event(const struct cpu *cpu)
{
	u64 next = SCHED_NEVER;

	for (u32 i = 0; i < nr_vms; i++)
		if (vm_homed_on(&vms[i], cpu))
			next = MIN(next, vm_events[i].devices_next);
	return next;
}

bool standby_vm_failed(struct vm *vm, u32 detector, const char *why)
{
	(void)vm;
	(void)detector;
	(void)why;
	return false;
}

/* STANDBY_STATUS: only for a VM with a standby. */
s64 hc_standby_status_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	(void)in;
	return vcpu->vm->cfg->standby.flags & KEEL_STANDBY_ON ? 0 : KEEL_RET_NOT_SUPPORTED;
}

void hc_standby_status_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	out->x0 = KEEL_RET_SUCCESS;
	out->x1 = 0;
	out->x2 = 0;
	out->x3 = vcpu->vm->cfg->standby.interval_ns;
}

s64 hc_standby_intend_stop_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return hc_standby_status_check(vcpu, in);
}

void hc_standby_intend_stop_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = KEEL_RET_SUCCESS;
}

/* STANDBY_INJECT: only where the configuration allows it, and a known kind. */
s64 hc_standby_inject_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	const struct keel_blob_standby *sb = &vcpu->vm->cfg->standby;

	if (!(sb->flags & KEEL_STANDBY_INJECT))
		return KEEL_RET_DENIED;
	if (in->x[1] > KEEL_INJECT_FAIL)
		return KEEL_RET_INVALID_PARAMETER;
	return 0;
}

void hc_standby_inject_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = KEEL_RET_NOT_SUPPORTED;
}
