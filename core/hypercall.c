/*
 * Keel's own hypercalls (include/abi/keel/hypercall.h), in SMCCC's
 * vendor-specific hypervisor range. Each call checks its arguments fully
 * before doing anything, and a bad argument is an error code to the guest.
 */
#include <abi/keel/hypercall.h>
#include <keel/exit.h>
#include <keel/guest_mem.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include <keel/vuart.h>

/* Returned by a call that must be made again: the guest re-executes its HVC. */
#define HC_RESTART (-0x7fff)

/* Print a guest buffer through the console, a line at a time, with the VM's name. */
static s64 hc_console_write(struct vcpu *vcpu, u64 ipa, u64 len)
{
	char buf[KEEL_CONSOLE_WRITE_MAX];
	u32 start = 0;
	enum gm_result res;

	if (len > KEEL_CONSOLE_WRITE_MAX || ipa + len < ipa)
		return KEEL_RET_INVALID_PARAMETER;
	if (len == 0)
		return 0;
	/* Copy first, through the checked accessor: the guest may change it while we print. */
	res = gm_copy_from_guest(&vcpu->vm->mem, buf, ipa_of(ipa), len, true);
	if (res == GM_RETRY)
		return HC_RESTART; /* filling the guest's RAM met a pending interrupt */
	if (res != GM_OK)
		return KEEL_RET_INVALID_PARAMETER;
	for (u32 i = 0; i < len; i++) {
		if (buf[i] == '\n' || i == len - 1) {
			u32 end = buf[i] == '\n' ? i : i + 1;

			console_write_line(vcpu->vm->name, buf + start, end - start);
			start = i + 1;
		}
	}
	return (s64)len;
}

void hypercall_keel(struct vcpu *vcpu, u32 fid)
{
	u64 *x = vcpu->regs.x;

	switch (fid) {
	case KEEL_HC_CONSOLE_WRITE: {
		s64 ret = hc_console_write(vcpu, x[1], x[2]);

		if (ret == HC_RESTART)
			vcpu->regs.pc -= 4; /* the HVC again, after the interrupt: x0..x2 are untouched */
		else
			x[0] = (u64)ret;
		break;
	}
	case KEEL_HC_VM_IDENTITY:
		x[0] = KEEL_RET_SUCCESS;
		x[1] = vcpu->vm->index;
		x[2] = vcpu->index;
		x[3] = vcpu->vm->nr_resets;
		break;
	case KEEL_HC_RT_REPORT:
		vcpu->sched.rt_jobs = x[1];
		vcpu->sched.rt_misses = x[2];
		vcpu->sched.rt_worst_response_ns = x[3];
		x[0] = KEEL_RET_SUCCESS;
		break;
	case KEEL_HC_YIELD:
		/* A new scheduling decision: background vCPUs take turns, a server keeps its CPU. */
		vcpu->sched.yielded = true;
		x[0] = KEEL_RET_SUCCESS;
		break;
	case KEEL_HC_NULL:
		x[0] = KEEL_RET_SUCCESS;
		break;
	default:
		x[0] = (u64)(s64)KEEL_RET_NOT_SUPPORTED;
		break;
	}
}
