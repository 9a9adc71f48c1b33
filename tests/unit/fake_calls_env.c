/*
 * Fakes behind test_calls: the VM services PSCI and Keel's calls use (VM
 * stop, vCPU requests, guest copies, the console), a scripted firmware for
 * SMCCC's architecture calls, and what core/run_loop.c needs to link.
 * vm_power_off/vm_reset do what core/vm.c's vm_stop_all_vcpus does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/cpu.h>
#include <keel/exit.h>
#include <keel/hypercall.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/stage2.h>
#include <keel/sched.h>
#include <keel/vgic.h>
#include <keel/vuart.h>

#include "fake_calls_env.h"

struct fake_calls fake;
struct vm vms[KEEL_MAX_VMS];
u32 nr_vms;

void fake_vm_reset(struct vm *vm, struct keel_blob_vm *cfg, u32 nr_vcpus)
{
	memset(vm, 0, sizeof(*vm));
	memset(cfg, 0, sizeof(*cfg));
	memset(&fake, 0, sizeof(fake));
	cfg->nr_mem = 2;
	cfg->mem[0] = (struct keel_blob_mem){ .ipa = 0x40000000, .pa = 0x60000000, .size = 16 * MiB };
	cfg->mem[1] = (struct keel_blob_mem){ .ipa = 0x80000000, .pa = 0x70000000, .size = 4 * KiB };
	vm->cfg = cfg;
	strcpy(vm->name, "test");
	vm->state = VM_RUNNING;
	vm->nr_vcpus = nr_vcpus;
	for (u32 i = 0; i < nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].index = i;
		vm->vcpus[i].pcpu = 0;
		vm->vcpus[i].state = i == 0 ? VCPU_RUNNABLE : VCPU_OFF;
	}
}

/* --- VM and vCPU services --- */

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr)
{
	u64 aff = mpidr & 0xff00ffffffull;

	return aff < vm->nr_vcpus ? &vm->vcpus[aff] : NULL;
}

static void fake_stop_all(struct vm *vm, enum vm_state next)
{
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->state = next;
	psci_vm_stopping(vm);
	spin_unlock(&vm->lock);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_STOP);
}

void vm_power_off(struct vm *vm)
{
	fake_stop_all(vm, VM_POWERED_OFF);
}

void vm_reset(struct vm *vm)
{
	fake_stop_all(vm, VM_RESETTING);
}

enum gm_result gm_copy_from_guest(struct guest_mem *gm, void *dst, ipaddr_t at, u64 len, bool preemptible)
{
	u64 ipa = ipa_val(at);

	(void)gm;
	fake.copies++;
	if (preemptible && fake.retries) {
		fake.retries--;
		return GM_RETRY;
	}
	if (fake.unreadable_ipa && fake.unreadable_ipa >= ipa && fake.unreadable_ipa - ipa < len)
		return GM_NOT_RAM;
	for (u64 i = 0; i < len; i++) /* the guest's memory: byte n holds 'a' + n % 26 */
		((char *)dst)[i] = (char)('a' + (ipa + i) % 26);
	return GM_OK;
}

void vcpu_request(struct vcpu *vcpu, u32 req)
{
	__atomic_fetch_or(&vcpu->requests, req, __ATOMIC_SEQ_CST);
}

bool vgic_set_pending(struct vm *vm, u32 intid)
{
	fake.nr_injects++;
	fake.inject_vm = vm->index;
	fake.inject_intid = intid;
	return true;
}

int s2_map(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, u64 size, u32 flags)
{
	(void)s2, (void)ipa, (void)pa, (void)size, (void)flags;
	return 0;
}

void vcpu_power_down(struct vcpu *vcpu)
{
	vcpu->state = VCPU_OFF;
	fake.power_downs++;
}

void vcpu_reset(struct vcpu *vcpu, u64 pc, u64 x0)
{
	vcpu->regs = (struct vcpu_regs){ 0 };
	vcpu->regs.pc = pc;
	vcpu->regs.x[0] = x0;
}

void console_write_line(const char *vm_name, const char *text, u32 len)
{
	(void)vm_name;
	snprintf(fake.lines[fake.nr_lines++ % 4], sizeof(fake.lines[0]), "%.*s", (int)len, text);
}

/* Both of a VM's log calls land here: the tests look at the last message and the count. */
static void fake_log(const char *fmt, va_list ap)
{
	vsnprintf(fake.last_log, sizeof(fake.last_log), fmt, ap);
	fake.nr_logs++;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	fake_log(fmt, ap);
	va_end(ap);
}

void vm_log_lifecycle(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	fake_log(fmt, ap);
	va_end(ap);
}

void klog(const char *fmt, ...)
{
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* --- the firmware under Keel --- */

u64 arch_smc_call(u32 fid, u64 a1, u64 a2, u64 a3)
{
	(void)a2;
	(void)a3;
	switch (fid) {
	case SMCCC_VERSION:
		return SMCCC_VERSION_1_1;
	case SMCCC_ARCH_FEATURES:
		if (a1 == SMCCC_ARCH_WORKAROUND_1)
			return (u64)(s64)FAKE_FW_WA1_ANSWER;
		if (a1 == SMCCC_ARCH_WORKAROUND_2)
			return (u64)(s64)FAKE_FW_WA2_ANSWER;
		if (a1 == SMCCC_ARCH_WORKAROUND_3)
			return (u64)(s64)FAKE_FW_WA3_ANSWER;
		return 0; /* it claims everything else, SOC_ID included */
	case SMCCC_ARCH_WORKAROUND_1:
		fake.firmware_calls[0]++;
		return FAKE_FW_CALL_RET;
	case SMCCC_ARCH_WORKAROUND_2:
		fake.firmware_calls[1]++;
		return FAKE_FW_CALL_RET;
	case SMCCC_ARCH_WORKAROUND_3:
		fake.firmware_calls[2]++;
		return (u64)(s64)SMCCC_RET_NOT_SUPPORTED;
	default:
		fake.firmware_calls[3]++;
		return (u64)(s64)SMCCC_RET_NOT_SUPPORTED;
	}
}

/* --- what core/run_loop.c links against; the loop itself never runs here --- */

u32 arch_cpu_index(void) { return fake.cpu_index; }
u64 arch_counter(void) { return 0; }
u64 arch_counter_freq(void) { return 1; }
void arch_wait_for_interrupt(void) {}
void arch_vcpu_load(struct vcpu *vcpu) { (void)vcpu; }
void arch_vcpu_set_wfi_trap(struct vcpu *vcpu, bool untrap) { vcpu->wfi_untrapped = untrap; }
void arch_vcpu_put(struct vcpu *vcpu) { (void)vcpu; }
enum exit_reason arch_guest_enter(struct vcpu *vcpu) { (void)vcpu; return EXIT_IRQ; }
void exit_handle(struct vcpu *vcpu, enum exit_reason reason) { (void)vcpu; (void)reason; }
struct vcpu *sched_pick(struct cpu *cpu) { (void)cpu; return NULL; }
void sched_arm_timer(struct cpu *cpu) { (void)cpu; }
void sched_entering(struct cpu *cpu, struct vcpu *vcpu) { (void)cpu; (void)vcpu; }
void irq_handle_pending(struct cpu *cpu) { (void)cpu; }
void vgic_flush_lrs_slow(struct vcpu *vcpu) { (void)vcpu; }
void vgic_sync_lrs_slow(struct vcpu *vcpu) { (void)vcpu; }
void vcpu_timers_resample_slow(struct vcpu *vcpu) { (void)vcpu; }
