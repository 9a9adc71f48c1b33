/*
 * Keel's own calls (include/abi/keel/hypercall.h), each a check that changes
 * nothing and a do that cannot fail (include/keel/hypercall.h). Every
 * argument a guest passes is checked here; a bad one is an error code for
 * that guest and a rate-limited log line, never more.
 */
#include <keel/hypercall.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include <keel/vuart.h>

/* CONSOLE_WRITE: at most KEEL_CONSOLE_WRITE_MAX bytes, and an IPA range that does not wrap. */
s64 hc_console_write_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	u64 ipa = in->x[1], len = in->x[2];

	(void)vcpu;
	if (len > KEEL_CONSOLE_WRITE_MAX || ipa + len < ipa)
		return KEEL_RET_INVALID_PARAMETER;
	return 0;
}

/* Print the copied bytes (in->buf) a line at a time, with the VM's name. */
void hc_console_write_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	const char *buf = (const char *)in->buf;
	u32 len = (u32)in->x[2], start = 0;

	for (u32 i = 0; i < len; i++) {
		if (buf[i] == '\n' || i == len - 1) {
			u32 end = buf[i] == '\n' ? i : i + 1;

			console_write_line(vcpu->vm->name, buf + start, end - start);
			start = i + 1;
		}
	}
	out->x0 = (s64)len;
}

void hc_vm_identity_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	out->x0 = KEEL_RET_SUCCESS;
	out->x1 = vcpu->vm->index;
	out->x2 = vcpu->index;
	out->x3 = vcpu->vm->nr_resets;
}

/* A new scheduling decision: background vCPUs take turns, a server keeps its CPU. */
void hc_yield_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)in;
	vcpu->sched.yielded = true;
	out->x0 = KEEL_RET_SUCCESS;
}

void hc_null_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = KEEL_RET_SUCCESS;
}

/*
 * RT_REPORT: counts that never go down within this run of the VM (cleared by
 * hypercall_vm_starting()), no more misses than jobs, a worst response below
 * KEEL_RT_REPORT_WORST_MAX_NS. Keel prints these figures as the guest's own
 * account beside its measurements, so nonsense is refused, not shown.
 */
s64 hc_rt_report_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	const struct sched_entity *e = &vcpu->sched;
	u64 jobs = in->x[1], misses = in->x[2], worst_ns = in->x[3];

	if (jobs < e->rt_jobs || misses < e->rt_misses || misses > jobs ||
	    worst_ns > KEEL_RT_REPORT_WORST_MAX_NS)
		return KEEL_RET_INVALID_PARAMETER;
	return 0;
}

void hc_rt_report_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	vcpu->sched.rt_jobs = in->x[1];
	vcpu->sched.rt_misses = in->x[2];
	vcpu->sched.rt_worst_response_ns = in->x[3];
	out->x0 = KEEL_RET_SUCCESS;
}
