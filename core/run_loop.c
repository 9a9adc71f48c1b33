/*
 * Each physical CPU's loop: let the scheduler act on requests and pick a
 * vCPU (core/sched.c), switch the vCPU's state in if it is not loaded,
 * enter it, handle its exit. With nothing to run the CPU waits for an
 * interrupt: a kick, a device, or the scheduler's own timer.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/exit.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

struct cpu cpus[PLAT_MAX_CPUS];
u64 keel_entry_count; /* CNTVCT when Keel was entered */
static volatile bool first_entry_reported;

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
		sched_entering(cpu, vcpu);
		vgic_flush_lrs(vcpu);
		reason = arch_guest_enter(vcpu);
		vgic_sync_lrs(vcpu); /* first: clears the maintenance condition before IRQs are taken */
		cpu->nr_exits++;
		exit_handle(vcpu, reason);
	}
}
