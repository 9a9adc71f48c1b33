/*
 * PSCI for guests (Arm DEN 0022D, version 1.1), at the level of the VM:
 * CPU_ON starts one of the caller's own vCPUs, CPU_OFF stops the caller,
 * SYSTEM_OFF, SYSTEM_RESET and SYSTEM_RESET2 stop or restart the caller's VM
 * and nothing else. Each call is a check/do pair run by hc_run() (include/keel/hypercall.h);
 * arch/aarch64/smccc.c has already cut SMC32 arguments to 32 bits.
 *
 * Lock: CPU_ON and AFFINITY_INFO run under the caller's vm->lock, and so do
 * the two other places that touch a START request: psci_take_start() (the
 * target's CPU starting it) and psci_vm_stopping() (the VM leaving
 * VM_RUNNING). A vCPU's power state as a guest sees it is therefore always
 * one of OFF, ON_PENDING (OFF with VCPU_REQ_START set) or ON.
 */
#include <keel/hypercall.h>
#include <keel/ipc.h>
#include <keel/log.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

/* A CPU_ON entry point must be an instruction the VM has: 4-byte aligned, in its RAM. */
static bool psci_entry_valid(const struct vm *vm, u64 entry)
{
	if (!IS_ALIGNED(entry, 4))
		return false;
	for (u32 i = 0; i < vm->cfg->nr_mem; i++) {
		const struct keel_blob_mem *m = &vm->cfg->mem[i];

		if (entry >= m->ipa && entry - m->ipa < m->size)
			return true;
	}
	return false;
}

/*
 * CPU_ON (x1 target MPIDR, x2 entry, x3 context ID), under vm->lock: the
 * target must be a vCPU of this VM (INVALID_PARAMS), the entry point in its
 * RAM (INVALID_ADDRESS), the VM running (else a sibling is stopping or
 * resetting it: INVALID_PARAMS), the target OFF (ALREADY_ON) and not already
 * being started (ON_PENDING).
 */
s64 psci_cpu_on_check(const struct vcpu *caller, const struct hc_args *in)
{
	const struct vm *vm = caller->vm;
	const struct vcpu *target = vm_vcpu_by_mpidr(caller->vm, in->x[1]);

	if (!target)
		return PSCI_RET_INVALID_PARAMS;
	if (!psci_entry_valid(vm, in->x[2]))
		return PSCI_RET_INVALID_ADDRESS;
	if (vm->state != VM_RUNNING)
		return PSCI_RET_INVALID_PARAMS;
	if (target->state != VCPU_OFF)
		return PSCI_RET_ALREADY_ON;
	if (__atomic_load_n(&target->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_START)
		return PSCI_RET_ON_PENDING;
	return 0;
}

static void psci_cpu_on_do(struct vcpu *caller, const struct hc_args *in, struct hc_result *out)
{
	struct vcpu *target = vm_vcpu_by_mpidr(caller->vm, in->x[1]);

	target->boot_pc = in->x[2];
	target->boot_x0 = in->x[3];
	vcpu_request(target, VCPU_REQ_START); /* its CPU starts it: psci_take_start() */
	out->x0 = PSCI_RET_SUCCESS;
}

/* AFFINITY_INFO (x1 target MPIDR, x2 lowest affinity level): a vCPU of this VM, level 0 only. */
s64 psci_affinity_info_check(const struct vcpu *caller, const struct hc_args *in)
{
	if (!vm_vcpu_by_mpidr(caller->vm, in->x[1]) || in->x[2] != 0)
		return PSCI_RET_INVALID_PARAMS;
	return 0;
}

static void psci_affinity_info_do(struct vcpu *caller, const struct hc_args *in, struct hc_result *out)
{
	const struct vcpu *target = vm_vcpu_by_mpidr(caller->vm, in->x[1]);

	if (target->state != VCPU_OFF)
		out->x0 = PSCI_AFF_ON;
	else if (__atomic_load_n(&target->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_START)
		out->x0 = PSCI_AFF_ON_PENDING;
	else
		out->x0 = PSCI_AFF_OFF;
}

static void psci_version_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = PSCI_VERSION_1_1; /* 1.1 for SYSTEM_RESET2 (its other additions are optional) */
}

static void psci_cpu_off_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	ipc_vcpu_stopping(vcpu);
	vcpu_power_down(vcpu);
	out->x0 = PSCI_RET_SUCCESS; /* not seen: the vCPU does not run again until CPU_ON */
}

static void psci_migrate_info_type_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = PSCI_TOS_NOT_PRESENT;
}

/*
 * SYSTEM_OFF and SYSTEM_RESET never return to the caller. If a sibling is
 * already stopping or resetting the VM, vm_power_off()/vm_reset() do nothing
 * (the first request wins), and the caller must still not run guest code
 * again: it powers down at once, and the STOP request the winner sends to
 * every vCPU parks it.
 */
static void psci_system_off_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	out->x0 = PSCI_RET_SUCCESS;
	if (standby_vm_failed(vcpu->vm, KEEL_STANDBY_DETECT_STOP, "SYSTEM_OFF not declared"))
		return; /* the VM goes back to its checkpoint instead */
	vm_power_off(vcpu->vm);
	vcpu_power_down(vcpu);
}

static void psci_system_reset_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	out->x0 = PSCI_RET_SUCCESS;
	if (standby_vm_failed(vcpu->vm, KEEL_STANDBY_DETECT_STOP, "SYSTEM_RESET not declared"))
		return; /* a guest panic ends here: the VM goes back to its checkpoint */
	vm_reset(vcpu->vm);
	vcpu_power_down(vcpu);
}

/*
 * SYSTEM_RESET2 with the warm type is how a guest says a reset is meant: a
 * Linux guest makes it for `reboot` when its reboot mode is warm (`reboot=w`
 * on its command line, or /sys/kernel/reboot/mode), and plain SYSTEM_RESET
 * for a panic when `reboot=panic_cold` is given too. Keel has one kind of
 * reset (the VM starts again from its images), so the two differ only for
 * standby's stop detector, which counts SYSTEM_RESET as a failure and
 * SYSTEM_RESET2 as a declared stop. x1 is the 32-bit reset type in both
 * widths; the cookie (x2) means nothing for a warm reset.
 */
static s64 psci_system_reset2_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	u32 type = (u32)in->x[1];

	(void)vcpu;
	if (type == PSCI_RESET2_WARM)
		return PSCI_RET_SUCCESS;
	return type & PSCI_RESET2_VENDOR ? PSCI_RET_NOT_SUPPORTED : PSCI_RET_INVALID_PARAMS;
}

static void psci_system_reset2_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	out->x0 = PSCI_RET_SUCCESS;
	vm_log_lifecycle(vcpu->vm, "SYSTEM_RESET2 (warm): a reset the guest meant");
	standby_vm_stopped(vcpu->vm); /* declared: what the VM printed before it stands */
	vm_reset(vcpu->vm);
	vcpu_power_down(vcpu);
}

static void psci_features_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	out->x0 = psci_features((u32)in->x[1]);
}

/* By PSCI function number. HC_SMC64: the function has an SMC64 form (PSCI 5.1). */
static const struct hc_call psci_calls[] = {
	[0x00] = { hc_check_none, psci_version_do, "PSCI_VERSION", 0 },
	[0x02] = { hc_check_none, psci_cpu_off_do, "CPU_OFF", 0 },
	[0x03] = { psci_cpu_on_check, psci_cpu_on_do, "CPU_ON", HC_LOCKED | HC_SMC64 },
	[0x04] = { psci_affinity_info_check, psci_affinity_info_do, "AFFINITY_INFO", HC_LOCKED | HC_SMC64 },
	[0x06] = { hc_check_none, psci_migrate_info_type_do, "MIGRATE_INFO_TYPE", 0 },
	[0x08] = { hc_check_none, psci_system_off_do, "SYSTEM_OFF", 0 },
	[0x09] = { hc_check_none, psci_system_reset_do, "SYSTEM_RESET", 0 },
	[0x0a] = { hc_check_none, psci_features_do, "PSCI_FEATURES", 0 },
	[0x12] = { psci_system_reset2_check, psci_system_reset2_do, "SYSTEM_RESET2", HC_SMC64 },
};

/* The call fid names exactly, or NULL: a fast call, no stray bits, SMC64 only where PSCI has it. */
static const struct hc_call *psci_call_of(u32 fid)
{
	u32 nr = fid & SMCCC_FN_MASK;
	const struct hc_call *c;

	if (nr >= ARRAY_SIZE(psci_calls) || (fid & ~SMCCC_64BIT) != PSCI_FN(nr))
		return NULL;
	c = &psci_calls[nr];
	if (!c->check || ((fid & SMCCC_64BIT) && !(c->flags & HC_SMC64)))
		return NULL;
	return c;
}

/* PSCI 5.1.14: FEATURES also answers for SMCCC_VERSION, which is how a guest finds SMCCC 1.1. */
s64 psci_features(u32 fid)
{
	return fid == SMCCC_VERSION || psci_call_of(fid) ? PSCI_RET_SUCCESS : PSCI_RET_NOT_SUPPORTED;
}

void psci_dispatch(struct vcpu *vcpu, struct hc_args *in, struct hc_result *out)
{
	const struct hc_call *c = psci_call_of(in->fid);

	if (!c) {
		out->x0 = PSCI_RET_NOT_SUPPORTED;
		return;
	}
	hc_run(c, vcpu, in, out);
}

bool psci_take_start(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool start;

	spin_lock(&vm->lock);
	start = (__atomic_fetch_and(&vcpu->requests, ~VCPU_REQ_START, __ATOMIC_ACQ_REL) & VCPU_REQ_START) &&
		vm->state == VM_RUNNING && vcpu->state == VCPU_OFF;
	if (start) {
		vcpu_reset(vcpu, vcpu->boot_pc, vcpu->boot_x0);
		vcpu->state = VCPU_RUNNABLE;
	}
	spin_unlock(&vm->lock);
	return start;
}

void psci_vm_stopping(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		__atomic_fetch_and(&v->requests, ~VCPU_REQ_START, __ATOMIC_ACQ_REL);
		v->boot_pc = v->boot_x0 = 0;
	}
}
