/*
 * SMC Calling Convention services for guests (Arm DEN 0028): the Arm
 * architecture calls, PSCI (Arm DEN 0022) and Keel's own calls. A call
 * from HVC or a trapped SMC lands here with the function ID in w0.
 *
 * PSCI acts on the calling VM only: CPU_ON starts one of its own vCPUs,
 * SYSTEM_OFF and SYSTEM_RESET stop or restart that VM and nothing else.
 */
#include <abi/keel/hypercall.h>
#include <keel/exit.h>
#include <keel/log.h>
#include <keel/vcpu.h>
#include <keel/vm.h>

#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_VERSION_1_1 0x10001u

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0x84000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
#define PSCI_64BIT 0x40000000u

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_VERSION_1_0 0x10000u

#define AFFINITY_ON 0
#define AFFINITY_OFF 1
#define AFFINITY_ON_PENDING 2

u64 arch_smc_call(u32 fid, u64 a1, u64 a2, u64 a3);

static s64 psci_cpu_on(struct vcpu *caller, u64 mpidr, u64 entry, u64 context)
{
	struct vm *vm = caller->vm;
	struct vcpu *target = vm_vcpu_by_mpidr(vm, mpidr);
	s64 ret = PSCI_RET_SUCCESS;

	if (!target)
		return PSCI_RET_INVALID_PARAMETERS;
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		ret = PSCI_RET_INVALID_PARAMETERS;
	} else if (target->state != VCPU_OFF) {
		ret = PSCI_RET_ALREADY_ON;
	} else if (target->requests & VCPU_REQ_START) {
		ret = PSCI_RET_ON_PENDING;
	} else {
		target->boot_pc = entry;
		target->boot_x0 = context;
		vcpu_request(target, VCPU_REQ_START);
	}
	spin_unlock(&vm->lock);
	return ret;
}

static s64 psci_affinity_info(struct vcpu *caller, u64 mpidr, u64 level)
{
	struct vcpu *target = vm_vcpu_by_mpidr(caller->vm, mpidr);

	if (!target || level != 0)
		return PSCI_RET_INVALID_PARAMETERS;
	if (target->state != VCPU_OFF)
		return AFFINITY_ON;
	return (target->requests & VCPU_REQ_START) ? AFFINITY_ON_PENDING : AFFINITY_OFF;
}

static bool psci_implemented(u32 fid)
{
	switch (fid & ~PSCI_64BIT) {
	case PSCI_VERSION:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_AFFINITY_INFO:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

static s64 psci_call(struct vcpu *vcpu, u32 fid)
{
	u64 *x = vcpu->regs.x;

	switch (fid & ~PSCI_64BIT) {
	case PSCI_VERSION:
		return PSCI_VERSION_1_0;
	case PSCI_CPU_ON:
		return psci_cpu_on(vcpu, x[1], x[2], x[3]);
	case PSCI_CPU_OFF:
		vcpu_power_down(vcpu);
		return PSCI_RET_SUCCESS; /* not seen: the vCPU does not run again until CPU_ON */
	case PSCI_AFFINITY_INFO:
		return psci_affinity_info(vcpu, x[1], x[2]);
	case PSCI_MIGRATE_INFO_TYPE:
		return 2; /* no trusted OS that needs migrating */
	case PSCI_SYSTEM_OFF:
		vm_power_off(vcpu->vm);
		return PSCI_RET_SUCCESS;
	case PSCI_SYSTEM_RESET:
		vm_reset(vcpu->vm);
		return PSCI_RET_SUCCESS;
	case PSCI_FEATURES:
		return psci_implemented((u32)x[1]) ? 0 : PSCI_RET_NOT_SUPPORTED;
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

/*
 * SMCCC_ARCH_FEATURES for the Spectre workaround calls: a guest should make
 * them only if the firmware underneath implements them, so Keel asks the
 * firmware once and answers the same. QEMU's firmware reports SMCCC 1.0,
 * in which case no workaround is offered and guests make no such calls.
 */
static s64 arch_features(u32 queried)
{
	static s64 firmware_version = 0;

	if (queried == SMCCC_VERSION || queried == SMCCC_ARCH_FEATURES)
		return 0;
	if (!firmware_version)
		firmware_version = (s64)(s32)arch_smc_call(SMCCC_VERSION, 0, 0, 0);
	if (firmware_version < (s64)SMCCC_VERSION_1_1)
		return -1;
	return (s64)(s32)arch_smc_call(SMCCC_ARCH_FEATURES, queried, 0, 0);
}

void smccc_dispatch(struct vcpu *vcpu)
{
	u32 fid = (u32)vcpu->regs.x[0];
	u32 owner = (fid >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK;
	s64 ret;

	if (!(fid & SMCCC_FAST_CALL)) {
		ret = KEEL_RET_NOT_SUPPORTED; /* Keel offers no yielding calls */
	} else if (owner == SMCCC_OWNER_VENDOR_HYP) {
		hypercall_keel(vcpu, fid);
		return;
	} else if (owner == SMCCC_OWNER_STANDARD && (fid & 0xffff) < 0x20) {
		ret = psci_call(vcpu, fid);
	} else if (fid == SMCCC_VERSION) {
		ret = SMCCC_VERSION_1_1;
	} else if (fid == SMCCC_ARCH_FEATURES) {
		ret = arch_features((u32)vcpu->regs.x[1]);
	} else {
		ret = KEEL_RET_NOT_SUPPORTED;
	}
	vcpu->regs.x[0] = (u64)ret;
}
