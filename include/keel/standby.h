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

/* From the scheduler on each CPU: run due VM events, and the earliest next one (counter ticks). */
void standby_poll(struct cpu *cpu, u64 now);
u64 standby_next_event(const struct cpu *cpu);

#endif
