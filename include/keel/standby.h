/*
 * Standby VMs (core/standby.c, docs/standby.md): a VM configured with a
 * standby has a second copy of its RAM that Keel brings up to date every
 * interval with the pages the VM wrote since the last checkpoint (the stage-2
 * dirty log of core/guest_mem.c), together with its vCPU, vGIC, timer and
 * device state. When a failure detector fires, the VM is switched back to
 * that copy and goes on from the checkpoint; nothing it printed after the
 * checkpoint was ever shown (output commit, core/console.c).
 *
 * The same per-VM timer drives devices that act on time (vdev_kind.tick,
 * a watchdog): each VM's events are handled on its home CPU, the CPU of its
 * vCPU 0, from the scheduler (standby_poll / standby_next_event).
 */
#ifndef KEEL_STANDBY_H
#define KEEL_STANDBY_H

#include <keel/types.h>

struct cpu;
struct vm;
struct vcpu;

/*
 * A detector (KEEL_STANDBY_DETECT_*) saw vm fail, for reason why. If the VM
 * has a standby and that detector is configured, its failover is started
 * (it happens on the VM's home CPU once every vCPU is out of the guest) and
 * true is returned; otherwise false, and the caller does what it would do
 * without a standby (inject the abort, reset the VM, power it off).
 */
bool standby_vm_failed(struct vm *vm, u32 detector, const char *why);

/* A device's deadline moved (vdev_kind.tick): have the VM's home CPU look again soon. */
void vm_timer_changed(struct vm *vm);

/*
 * On the vCPU's own CPU, from the scheduler, when it sees VCPU_REQ_STANDBY:
 * unload the vCPU and hold it. The last of the VM's vCPUs to be held runs
 * the checkpoint or failover, then releases them all.
 */
void standby_vcpu_hold(struct vcpu *vcpu);

/* Boot: set up the VM's standby (output commit, state storage). After VM creation, before any VM starts. */
void standby_init(struct vm *vm);
/* On the VM's home CPU after vm_start(): start the dirty log; the first checkpoint is one interval on. */
void standby_vm_started(struct vm *vm);
/* The VM powered off or reset as it declared (not a failure): release its held console output. */
void standby_vm_stopped(struct vm *vm);
/* The VM's held console output fills its ring: take a checkpoint soon, which releases it. */
void standby_output_pressure(struct vm *vm);
/* Console commands (Ctrl-A): inject a fault of kind KEEL_INJECT_* into vm. False if it has no standby. */
bool standby_console_inject(struct vm *vm, u32 kind);
/* One line per standby VM (or only for `only`): checkpoints, pages, pauses, failovers. */
void standby_print_stats(const struct vm *only);

/* From the scheduler on each CPU: run due VM events, and the earliest next one (counter ticks). */
void standby_poll(struct cpu *cpu, u64 now);
u64 standby_next_event(const struct cpu *cpu);

#endif
