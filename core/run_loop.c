/*
 * Each physical CPU's loop: act on requests, pick a vCPU, enter it, handle
 * its exit. Picking lives in sched_pick() alone so a real scheduler can
 * replace the static partitioning used now (one vCPU pinned per CPU, or a
 * few pinned vCPUs taken in order).
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

struct cpu cpus[PLAT_MAX_CPUS];
u64 keel_entry_count; /* CNTVCT when Keel was entered */
static volatile bool first_entry_reported;

/* Act on what other CPUs asked of this vCPU (VCPU_REQ_*), in this order. */
static void vcpu_handle_requests(struct vcpu *v)
{
	u32 req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_ACQUIRE);

	if (req & VCPU_REQ_STOP) {
		vcpu_power_down(v);
		vm_vcpu_parked(v);
	}
	if (req & VCPU_REQ_VM_BOOT) {
		/* Zero and load the VM on its own CPU, in parallel with other VMs; it asks for START. */
		vm_start(v->vm);
		req |= __atomic_exchange_n(&v->requests, 0, __ATOMIC_ACQUIRE);
	}
	if ((req & VCPU_REQ_START) && v->vm->state == VM_RUNNING) {
		vcpu_reset(v, v->boot_pc, v->boot_x0);
		v->state = VCPU_RUNNABLE;
	}
	if (v->state == VCPU_WAITING && vgic_vcpu_has_pending(v))
		v->state = VCPU_RUNNABLE;
}

/* The vCPU this CPU runs next, or NULL to idle. The one place a scheduler plugs in. */
static struct vcpu *sched_pick(struct cpu *cpu)
{
	struct vcpu *pick = NULL;

	for (u32 i = 0; i < cpu->nr_vcpus; i++) {
		struct vcpu *v = cpu->vcpus[i];

		vcpu_handle_requests(v);
		if (!pick && v->state == VCPU_RUNNABLE)
			pick = v;
	}
	return pick;
}

static bool cpu_has_requests(const struct cpu *cpu)
{
	for (u32 i = 0; i < cpu->nr_vcpus; i++)
		if (__atomic_load_n(&cpu->vcpus[i]->requests, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

static void report_first_entry(void)
{
	u64 ticks;

	if (first_entry_reported)
		return;
	first_entry_reported = true;
	ticks = arch_counter() - keel_entry_count;
	klog("first guest instruction %lu us after Keel's entry", ticks * 1000000 / arch_counter_freq());
}

void cpu_run_loop(struct cpu *cpu)
{
	for (;;) {
		struct vcpu *vcpu = sched_pick(cpu);
		enum exit_reason reason;

		if (!vcpu) {
			if (cpu_has_requests(cpu))
				continue; /* posted by this CPU itself (e.g. a VM restart): no kick will come */
			arch_wait_for_interrupt();
			irq_handle_pending(cpu);
			continue;
		}
		if (vcpu != cpu->current) {
			if (cpu->current)
				arch_vcpu_put(cpu->current);
			cpu->current = vcpu;
			arch_vcpu_load(vcpu);
		}
		report_first_entry();
		vgic_flush_lrs(vcpu);
		reason = arch_guest_enter(vcpu);
		vgic_sync_lrs(vcpu); /* first: clears the maintenance condition before IRQs are taken */
		cpu->nr_exits++;
		exit_handle(vcpu, reason);
	}
}
