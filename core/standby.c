/*
 * Standby VMs and per-VM timed events (include/keel/standby.h,
 * docs/standby.md).
 *
 * Every VM has a home CPU, the one its vCPU 0 is pinned to. Its timed
 * events (the next checkpoint, device deadlines such as a watchdog's) are
 * handled there, from the scheduler's pick (standby_poll), and the EL2
 * timer is armed for the earliest (standby_next_event). Only the home CPU
 * writes a VM's event state; another CPU that moves a deadline earlier
 * (vm_timer_changed) sets `due` and kicks it.
 *
 * A checkpoint or a failover (an "operation") stops the whole VM at a
 * consistent point: every vCPU gets VCPU_REQ_STANDBY, and its own CPU, at
 * its next scheduling pass (between two guest entries, list registers
 * synced), unloads it, gives up its FP/SIMD registers and holds it (the
 * scheduler skips held vCPUs, so those CPUs run other VMs meanwhile). The
 * last vCPU to be held runs the operation on its CPU, charged to that vCPU's
 * budget, and releases them all. A checkpoint copies the pages written since
 * the last one (the dirty log, core/guest_mem.c) into the standby copy and
 * saves every vCPU's and device's state, then releases the console output
 * held since (output commit). A failover discards that held output, copies
 * back the pages written since the checkpoint, and loads the saved state.
 *
 * Guest time is not rolled back: CNTVOFF stays 0, so after a failover the
 * guest's counter shows the real time and deadlines that passed meanwhile
 * fire at once, as after any long pause. A controller sees the gap.
 */
#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/hypercall.h>
#include <keel/log.h>
#include <keel/sched.h>
#include <keel/sp805.h>
#include <keel/standby.h>
#include <keel/string.h>
#include <keel/trace.h>
#include <keel/vcpu.h>
#include <keel/vm.h>
#include "standby_internal.h"

/* Device state of all standby VMs together; each takes the sum of its kinds' save_size. */
#define SB_DEV_POOL_BYTES (256 * KiB)
#define SB_LOG_EVERY 100 /* checkpoints between two statistics lines */
/*
 * Failovers in a row, each before the VM ran a whole interval again, after
 * which Keel gives up and restarts the VM from its images: its checkpoints
 * hold the failure (a deterministic bug, a hang they caught).
 */
#define SB_MAX_REPEATS 3

/* What an operation was asked to do (bits of standby.want). */
#define SB_WANT_CHECKPOINT (1u << 0)
#define SB_WANT_FAILOVER (1u << 1)
#define SB_WANT_RESET (1u << 2) /* an expired watchdog that is not a detector: reset, after any operation */

struct vm_events {
	u64 devices_next; /* earliest device deadline (VDEV_NO_DEADLINE for none) */
	volatile bool due; /* a device deadline moved: tick the devices at the next poll */
};

static struct vm_events vm_events[KEEL_MAX_VMS];

/*
 * The VMs each CPU is home to that have timed events at all (standby on,
 * or a device with a tick hook), set up at boot: the scheduler polls these
 * on every pick, so a CPU with none pays nothing for the rest.
 */
static u8 timed_vms[PLAT_MAX_CPUS][KEEL_MAX_VMS];
static u32 nr_timed_vms[PLAT_MAX_CPUS];
struct standby standbys[KEEL_MAX_VMS];
static u8 sb_dev_pool[SB_DEV_POOL_BYTES] __attribute__((aligned(8)));
static u32 sb_dev_pool_used;

void vm_timer_changed(struct vm *vm)
{
	__atomic_store_n(&vm_events[vm->index].due, true, __ATOMIC_RELEASE);
	vcpu_request(&vm->vcpus[0], VCPU_REQ_RESCHED); /* its CPU's scheduler polls the events */
}

static void standby_want(struct vm *vm, u32 what);

/* A device said the VM failed: failover, or without a standby a reset (a real watchdog resets the board). */
static void vm_device_failed(struct vm *vm)
{
	if (standby_vm_failed(vm, KEEL_STANDBY_DETECT_WATCHDOG, "watchdog expired"))
		return;
	vm_log(vm, "watchdog expired: resetting the VM");
	if (standbys[vm->index].on)
		standby_want(vm, SB_WANT_RESET); /* not in the middle of a checkpoint or failover on another CPU */
	else
		vm_reset(vm);
}

static void vm_events_poll(struct vm *vm, u64 now)
{
	struct vm_events *ev = &vm_events[vm->index];
	bool failed = false;

	if (!__atomic_exchange_n(&ev->due, false, __ATOMIC_ACQ_REL) && now < ev->devices_next)
		return;
	if (vm->state != VM_RUNNING) {
		/* A stopped VM's devices wait for its restart (which resets them and says so): no timer for them. */
		ev->devices_next = VDEV_NO_DEADLINE;
		return;
	}
	ev->devices_next = vdev_tick_all(vm, now, &failed);
	if (failed && vm->state == VM_RUNNING)
		vm_device_failed(vm);
}

/* Every vCPU of the VM: stop for the operation now wanted. */
static void standby_request_all(struct vm *vm)
{
	standbys[vm->index].op_started = arch_counter();
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_STANDBY);
}

/*
 * Want operation `what` (SB_WANT_*). The CPU that finds no operation under
 * way starts one; otherwise the one under way takes it (it reads `want` once
 * every vCPU is held) or the CPU ending it starts another.
 */
static void standby_want(struct vm *vm, u32 what)
{
	struct standby *sb = &standbys[vm->index];
	u32 idle = 0;

	__atomic_fetch_or(&sb->want, what, __ATOMIC_ACQ_REL);
	if (__atomic_compare_exchange_n(&sb->busy, &idle, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		standby_request_all(vm);
}

/* A watchdog says the guest is late feeding it: it may be hung, so its state is not worth a checkpoint. */
static bool standby_guest_late(struct vm *vm)
{
	for (u32 d = 0; d < vm->nr_vdevs; d++)
		if (vm->vdevs[d].kind == &sp805_kind && sp805_overdue(&vm->vdevs[d]))
			return true;
	return false;
}

static void standby_poll_vm(struct vm *vm, u64 now)
{
	struct standby *sb = &standbys[vm->index];

	vm_events_poll(vm, now);
	if (sb->on && vm->state == VM_RUNNING && now >= sb->next_checkpoint) {
		sb->next_checkpoint = now + sb->interval;
		if (standby_guest_late(vm))
			sb->nr_skipped++;
		else
			standby_want(vm, SB_WANT_CHECKPOINT);
	}
}

void standby_poll(struct cpu *cpu, u64 now)
{
	for (u32 k = 0; k < nr_timed_vms[cpu->index]; k++)
		standby_poll_vm(&vms[timed_vms[cpu->index][k]], now);
}

u64 standby_next_event(const struct cpu *cpu)
{
	u64 next = SCHED_NEVER;

	for (u32 k = 0; k < nr_timed_vms[cpu->index]; k++) {
		u32 i = timed_vms[cpu->index][k];

		next = MIN(next, vm_events[i].devices_next);
		if (standbys[i].on && vms[i].state == VM_RUNNING)
			next = MIN(next, standbys[i].next_checkpoint);
	}
	return next;
}

static void timed_vm_add(const struct vm *vm)
{
	u32 cpu = vm->vcpus[0].pcpu;
	bool timed = standbys[vm->index].on;

	for (u32 d = 0; d < vm->nr_vdevs && !timed; d++)
		timed = vm->vdevs[d].kind->tick != NULL;
	if (timed && vm->nr_vcpus && cpu < PLAT_MAX_CPUS && nr_timed_vms[cpu] < KEEL_MAX_VMS)
		timed_vms[cpu][nr_timed_vms[cpu]++] = (u8)vm->index;
}

static void standby_setup(struct vm *vm);

void standby_init(struct vm *vm)
{
	standby_setup(vm);
	timed_vm_add(vm);
}

static void standby_setup(struct vm *vm)
{
	struct standby *sb = &standbys[vm->index];
	const struct keel_blob_standby *cfg = &vm->cfg->standby;
	u32 need = 0;

	vm_events[vm->index].devices_next = VDEV_NO_DEADLINE;
	if (!(cfg->flags & KEEL_STANDBY_ON))
		return;
	for (u32 d = 0; d < vm->nr_vdevs; d++) {
		sb->dev_off[d] = need;
		need += (u32)ALIGN_UP(vm->vdevs[d].kind->save_size, 8); /* a kind's constant, a few KiB */
	}
	if (need > SB_DEV_POOL_BYTES - sb_dev_pool_used) {
		vm_log(vm, "standby off: its devices' state needs %u bytes, Keel has %u left", need,
		       (u32)(SB_DEV_POOL_BYTES - sb_dev_pool_used));
		return;
	}
	sb->dev_state = &sb_dev_pool[sb_dev_pool_used];
	sb_dev_pool_used += need;
	sb->interval = cfg->interval_ns * arch_counter_freq() / 1000000000ull;
	sb->on = true;
	if (cfg->flags & KEEL_STANDBY_HOLD_CONSOLE)
		console_hold_output(vm->index);
	vm_log(vm, "standby on: checkpoint every %lu ms, %u bytes of device state, console output %s",
	       cfg->interval_ns / 1000000, need, cfg->flags & KEEL_STANDBY_HOLD_CONSOLE ? "held" : "immediate");
}

void standby_vm_started(struct vm *vm)
{
	struct standby *sb = &standbys[vm->index];

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].standby_held = vm->vcpus[i].standby_hung = false;
	sb->failure_claimed = false;
	if (!sb->on)
		return;
	__atomic_store_n(&sb->want, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&sb->busy, 0, __ATOMIC_RELEASE);
	sb->nr_held = 0;
	sb->valid = false; /* a failure before the first checkpoint restarts the VM from its images */
	sb->repeats = sb->since_failover = 0;
	sb->intend_stop = false;
	if (gm_dirty_start(&vm->mem) != GM_OK)
		panic("vm %s: dirty log: stage-2 pool exhausted with no RAM mapped", vm->name);
	gm_mirror_fills(&vm->mem, vm->cfg->standby.mem_pa); /* a first checkpoint copies writes, not fills */
	sb->next_checkpoint = arch_counter() + sb->interval;
}

/* Save the unloaded vCPU's state into the checkpoint. */
static void standby_save_vcpu(struct standby_vcpu *out, const struct vcpu *v)
{
	out->regs = v->regs;
	out->sys = v->sys;
	out->fp = v->fp;
	out->vmcr = v->vgic.vmcr;
	out->hcr = v->vgic.hcr;
	memcpy(out->ap0r, v->vgic.ap0r, sizeof(out->ap0r));
	memcpy(out->ap1r, v->vgic.ap1r, sizeof(out->ap1r));
	out->state = v->state;
	out->vtimer_hw_active = v->vtimer_hw_active;
	out->ptimer_hw_active = v->ptimer_hw_active;
	out->boot_pc = v->boot_pc;
	out->boot_x0 = v->boot_x0;
	out->start_pending = (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_START) != 0;
}

static void standby_load_vcpu(struct vcpu *v, const struct standby_vcpu *in)
{
	v->regs = in->regs;
	v->sys = in->sys;
	v->fp = in->fp;
	v->vgic.vmcr = in->vmcr;
	v->vgic.hcr = in->hcr;
	memcpy(v->vgic.ap0r, in->ap0r, sizeof(in->ap0r));
	memcpy(v->vgic.ap1r, in->ap1r, sizeof(in->ap1r));
	v->vgic.lr_used = 0; /* list registers are refilled from the restored interrupts at entry */
	v->state = in->state;
	v->vtimer_hw_active = in->vtimer_hw_active;
	v->ptimer_hw_active = in->ptimer_hw_active;
	v->boot_pc = in->boot_pc;
	v->boot_x0 = in->boot_x0;
	v->mmio_retry = false;
	v->standby_hung = false;
	/* A CPU_ON pending then is pending again; one accepted since never was (under vm->lock, as PSCI). */
	if (in->start_pending)
		__atomic_fetch_or(&v->requests, VCPU_REQ_START, __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&v->requests, ~VCPU_REQ_START, __ATOMIC_ACQ_REL);
}

static void standby_checkpoint(struct vm *vm, struct standby *sb)
{
	u64 t0 = arch_counter(), pages;

	trace_vm(TRACE_CHECKPOINT_START, vm, 0, 0);
	pages = gm_checkpoint(&vm->mem, vm->cfg->standby.mem_pa, sb->chunks);
	for (u32 d = 0; d < vm->nr_vdevs; d++)
		sb->dev_len[d] = vm->vdevs[d].kind->save(&vm->vdevs[d], sb->dev_state + sb->dev_off[d]);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		standby_save_vcpu(&sb->vcpus[i], &vm->vcpus[i]);
	sb->cp_intend_stop = __atomic_load_n(&sb->intend_stop, __ATOMIC_ACQUIRE); /* every vCPU held: none declares now */
	sb->valid = true;
	if (++sb->since_failover >= 2)
		sb->repeats = 0; /* it ran a whole interval from the last failover: that one worked */
	sb->taken_at = arch_counter();
	sb->nr_checkpoints++;
	sb->pages_copied += pages;
	sb->last_pages = pages;
	sb->last_copy = sb->taken_at - t0;
	sb->last_pause = sb->taken_at - sb->op_started;
	sb->worst_pause = MAX(sb->worst_pause, sb->last_pause);
	trace_vm(TRACE_CHECKPOINT_END, vm, pages, sb->last_copy);
	if (sb->nr_checkpoints <= 5 || sb->nr_checkpoints % SB_LOG_EVERY == 0)
		vm_log(vm, "checkpoint #%lu: %lu pages copied, pause %lu us (copy %lu us), worst pause %lu us", sb->nr_checkpoints,
		       pages, ticks_to_us(sb->last_pause), ticks_to_us(sb->last_copy), ticks_to_us(sb->worst_pause));
}

/* Back to the last checkpoint. False if there is none yet: the caller restarts the VM instead. */
static bool standby_failover(struct vm *vm, struct standby *sb)
{
	u64 t0 = arch_counter(), pages, age;
	u32 lost = 0;

	if (!sb->valid) {
		vm_log_lifecycle(vm, "failed before its first checkpoint");
		return false;
	}
	sb->since_failover = 0;
	if (++sb->repeats > SB_MAX_REPEATS) {
		vm_log_lifecycle(vm, "failed %u times in a row, each within an interval of a failover: its checkpoints "
				 "hold the failure", sb->repeats);
		return false;
	}
	if (vm->cfg->standby.flags & KEEL_STANDBY_HOLD_CONSOLE)
		lost = console_discard_output(vm->index);
	pages = gm_rollback(&vm->mem, vm->cfg->standby.mem_pa, sb->chunks);
	for (u32 d = 0; d < vm->nr_vdevs; d++) {
		if (!vm->vdevs[d].kind->restore(&vm->vdevs[d], sb->dev_state + sb->dev_off[d], sb->dev_len[d]))
			panic("vm %s: device %u refused its own saved state", vm->name, d);
		if (vm->vdevs[d].kind == &sp805_kind)
			sp805_failover_feed(&vm->vdevs[d]);
	}
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		standby_load_vcpu(&vm->vcpus[i], &sb->vcpus[i]);
	/* A stop announced after the checkpoint never was; one announced before it stands (the guest's memory says so). */
	sb->intend_stop = sb->cp_intend_stop;
	sb->nr_failovers++;
	sb->pages_restored += pages;
	sb->worst_failover = MAX(sb->worst_failover, arch_counter() - t0);
	/* A failure seen by a device or the console while a checkpoint was taken: that checkpoint is the one. */
	age = sb->failed_at > sb->taken_at ? sb->failed_at - sb->taken_at : 0;
	vm_log_lifecycle(vm, "failover #%lu (%s): back to checkpoint #%lu of %lu us before, %lu pages copied back, "
			 "%u bytes of output discarded; %lu us from detection, %lu us of copying",
			 sb->nr_failovers, sb->why, sb->nr_checkpoints, ticks_to_us(age), pages,
			 lost, ticks_to_us(arch_counter() - sb->failed_at), ticks_to_us(arch_counter() - t0));
	return true;
}

/*
 * Under vm->lock: the VM is still running (a reset or power-off that came
 * meanwhile parks the vCPUs itself and must find them off, not restored).
 */
static bool standby_vm_running_locked(struct vm *vm)
{
	return vm->state == VM_RUNNING;
}

/* The last vCPU is held: do what was asked, then let every vCPU go. */
static void standby_run_op(struct vm *vm, struct vcpu *last)
{
	struct standby *sb = &standbys[vm->index];
	u32 want = __atomic_exchange_n(&sb->want, 0, __ATOMIC_ACQ_REL);
	u64 t0 = arch_counter();
	bool restart = false;

	spin_lock(&vm->lock);
	/* Holding vm->lock keeps a reset from parking vCPUs between the check and the state load. */
	if (standby_vm_running_locked(vm)) {
		if (want & SB_WANT_FAILOVER)
			restart = !standby_failover(vm, sb);
		else if (want & SB_WANT_CHECKPOINT)
			standby_checkpoint(vm, sb);
		restart |= (want & SB_WANT_RESET) != 0;
	}
	spin_unlock(&vm->lock);
	/* Failures of the failed run seen while it was undone were this one: the next is a new failure. */
	if (want & SB_WANT_FAILOVER)
		__atomic_store_n(&sb->failure_claimed, false, __ATOMIC_RELEASE);
	sched_charge(&last->sched, arch_counter() - t0); /* the protected VM pays for its copies */
	sb->nr_held = 0;
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].standby_held = false;
		vcpu_request(&vm->vcpus[i], VCPU_REQ_RESCHED);
	}
	if ((want & SB_WANT_CHECKPOINT) && !(want & SB_WANT_FAILOVER) &&
	    (vm->cfg->standby.flags & KEEL_STANDBY_HOLD_CONSOLE))
		console_commit_output(vm->index); /* printed after the release: the copy's pause stays short */
	__atomic_store_n(&sb->busy, 0, __ATOMIC_RELEASE);
	if (__atomic_load_n(&sb->want, __ATOMIC_ACQUIRE)) {
		u32 idle = 0;

		/* Wanted while this one ran (a failure during a checkpoint): another operation. */
		if (__atomic_compare_exchange_n(&sb->busy, &idle, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			standby_request_all(vm);
	}
	if (restart) {
		if (vm->cfg->standby.flags & KEEL_STANDBY_HOLD_CONSOLE)
			console_discard_output(vm->index); /* the failed run's, not yet shown */
		vm_log_lifecycle(vm, "%s: restarting it from its images", want & SB_WANT_FAILOVER ? sb->why : "reset");
		vm_reset(vm);
	}
}

void standby_vcpu_hold(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct standby *sb = &standbys[vm->index];
	struct cpu *cpu = this_cpu();

	if (!__atomic_load_n(&sb->busy, __ATOMIC_ACQUIRE) || vcpu->standby_held)
		return; /* a stale request: the operation it was for is over */
	if (cpu->current == vcpu) {
		arch_vcpu_put(vcpu);
		cpu->current = NULL; /* the run loop loads it again when it next runs */
	}
	arch_vcpu_fpsimd_release(vcpu);
	vcpu->standby_held = true;
	if (__atomic_add_fetch(&sb->nr_held, 1, __ATOMIC_ACQ_REL) == vm->nr_vcpus)
		standby_run_op(vm, vcpu);
}

bool standby_vm_failed(struct vm *vm, u32 detector, const char *why)
{
	struct standby *sb = &standbys[vm->index];

	if (!sb->on || (detector && !(vm->cfg->standby.detectors & detector)))
		return false;
	if (detector == KEEL_STANDBY_DETECT_STOP && __atomic_exchange_n(&sb->intend_stop, false, __ATOMIC_ACQ_REL)) {
		/* Declared: a stop, not a failure, and what the VM printed before it stands. */
		if (vm->cfg->standby.flags & KEEL_STANDBY_HOLD_CONSOLE)
			console_commit_output(vm->index);
		return false;
	}
	/*
	 * A failover already wanted keeps the first detector's reason and time:
	 * a guest that goes on between its failure and the failover (Linux
	 * tries its next restart handler, the SP805's, when SYSTEM_RESET
	 * returns) would otherwise blame what it did next.
	 */
	if (__atomic_exchange_n(&sb->failure_claimed, true, __ATOMIC_ACQ_REL))
		return true;
	sb->failed_at = arch_counter();
	strlcpy(sb->why, why, sizeof(sb->why));
	standby_want(vm, SB_WANT_FAILOVER);
	return true;
}

void standby_vm_stopped(struct vm *vm)
{
	if (standbys[vm->index].on && (vm->cfg->standby.flags & KEEL_STANDBY_HOLD_CONSOLE))
		console_commit_output(vm->index); /* a power-off that is not a failure: what it printed stands */
}

void standby_output_pressure(struct vm *vm)
{
	if (standbys[vm->index].on && vm->state == VM_RUNNING)
		standby_want(vm, SB_WANT_CHECKPOINT);
}
