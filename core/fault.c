/*
 * What a stage-2 fault means, decided in core: the arch code decodes the
 * syndrome into a struct s2_fault (and, for a data access it could decode,
 * a struct mmio_access) and asks here. A fault is one of: an access to an
 * emulated device (emulated, the caller skips the instruction), a touch of
 * RAM that is not filled yet or is write-protected for the dirty log
 * (handled, the guest retries it), or a mistake of the guest (an abort is
 * injected into it and logged under its name). Nothing here can stop Keel.
 */
#include <keel/exit.h>
#include <keel/guest_mem.h>
#include <keel/log.h>
#include <keel/standby.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vm.h>

static const char *fault_reason(struct vm *vm, const struct s2_fault *f, enum gm_result res, enum mmio_result mmio)
{
	if (mmio == MMIO_REFUSED)
		return "refused by the device";
	if (res == GM_NOMEM)
		return "the VM's stage-2 table pool is exhausted";
	if (res == GM_DENIED)
		return f->exec ? "not executable" : "not writable";
	if (vm_find_vdev(vm, ipa_val(f->ipa)))
		return "instruction not decodable";
	return "no memory or device there";
}

enum fault_outcome fault_data_abort(struct vcpu *vcpu, const struct s2_fault *f, const struct mmio_access *access,
				    u64 far)
{
	struct vm *vm = vcpu->vm;
	enum gm_result res = GM_NOT_RAM;
	enum mmio_result mmio = MMIO_NO_DEVICE;

	/* Emulated devices first: they are the common case of a translation fault that is not RAM. */
	if (access && f->kind == S2_FAULT_TRANSLATION)
		mmio = mmio_dispatch(vcpu, access);
	if (mmio == MMIO_OK)
		return FAULT_EMULATED;
	if (mmio == MMIO_RETRY)
		return FAULT_RETRY;
	if (mmio == MMIO_NO_DEVICE) {
		res = gm_fault(&vm->mem, f);
		if (res == GM_OK || res == GM_RETRY)
			return FAULT_RETRY;
	}
	/* Only an access where the VM has nothing: a device's refusal or a full table pool would fail again. */
	if (res == GM_NOT_RAM && mmio == MMIO_NO_DEVICE && !vm_find_vdev(vm, ipa_val(f->ipa)) &&
	    standby_vm_failed(vm, KEEL_STANDBY_DETECT_ABORT, "data abort outside its memory"))
		return FAULT_RETRY; /* held before it runs again, then back to its checkpoint */
	vm_log(vm, "vcpu %u: %s at IPA 0x%lx (pc 0x%lx): %s; abort injected", vcpu->index,
	       f->write ? "write" : "read", ipa_val(f->ipa), vcpu->regs.pc, fault_reason(vm, f, res, mmio));
	vcpu_inject_dabt(vcpu, far);
	return FAULT_ABORTED;
}

enum fault_outcome fault_insn_abort(struct vcpu *vcpu, const struct s2_fault *f, u64 far)
{
	enum gm_result res = gm_fault(&vcpu->vm->mem, f);

	if (res == GM_OK || res == GM_RETRY)
		return FAULT_RETRY;
	if (res == GM_NOT_RAM && !vm_find_vdev(vcpu->vm, ipa_val(f->ipa)) &&
	    standby_vm_failed(vcpu->vm, KEEL_STANDBY_DETECT_ABORT, "instruction fetch outside its memory"))
		return FAULT_RETRY;
	vm_log(vcpu->vm, "vcpu %u: instruction fetch from IPA 0x%lx: %s; abort injected", vcpu->index,
	       ipa_val(f->ipa), res == GM_NOMEM ? "the VM's stage-2 table pool is exhausted" : "nothing executable there");
	vcpu_inject_iabt(vcpu, far);
	return FAULT_ABORTED;
}
