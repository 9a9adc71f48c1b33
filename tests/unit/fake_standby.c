/*
 * The standby calls for unit tests of the call table that do not build
 * core/standby.c (it needs guest memory, devices and the scheduler): each
 * refuses as it does for a VM without a standby. The stop detector's two
 * entries count their calls, so a test can tell a failure from a declared stop.
 */
#include <keel/hypercall.h>
#include <keel/standby.h>

s64 hc_standby_status_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	(void)vcpu;
	(void)in;
	return KEEL_RET_NOT_SUPPORTED;
}

s64 hc_standby_intend_stop_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	return hc_standby_status_check(vcpu, in);
}

s64 hc_standby_inject_check(const struct vcpu *vcpu, const struct hc_args *in)
{
	(void)vcpu;
	(void)in;
	return KEEL_RET_DENIED;
}

/* Never reached: every check above refuses. */
void hc_standby_status_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	(void)vcpu;
	(void)in;
	out->x0 = KEEL_RET_NOT_SUPPORTED;
}

void hc_standby_intend_stop_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	hc_standby_status_do(vcpu, in, out);
}

void hc_standby_inject_do(struct vcpu *vcpu, const struct hc_args *in, struct hc_result *out)
{
	hc_standby_status_do(vcpu, in, out);
}

u32 fake_standby_failures, fake_standby_stops;

/* No VM in these tests has a standby: every failure is handled as without one. */
bool standby_vm_failed(struct vm *vm, u32 detector, const char *why)
{
	(void)vm;
	(void)detector;
	(void)why;
	fake_standby_failures++;
	return false;
}

void standby_vm_stopped(struct vm *vm)
{
	(void)vm;
	fake_standby_stops++;
}
