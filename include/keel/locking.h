/*
 * Keel's lock order, for the whole system, in one place. Every module that
 * takes a lock names its place here; a new lock gets a place here first.
 *
 * Keel's locks are spinlocks (include/keel/spinlock.h), held for short,
 * bounded sections with interrupts masked (Keel never takes interrupts at
 * EL2). A CPU holding a lock may take only a lock further down this list:
 *
 *   1. vm->lock            a VM's state transitions, PSCI CPU_ON and the
 *                          calls that run under it (core/vm.c, core/psci.c,
 *                          core/hypercall.c HC_LOCKED), and a standby
 *                          checkpoint or failover (core/standby.c), which
 *                          takes its VM's RAM lock and device locks under it
 *                          (every vCPU of the VM is held meanwhile)
 *   1a. vm->mem.lock       a VM's RAM fill state, dirty log, stage-2 tables
 *                          and table pool (core/guest_mem.c): a leaf, with
 *                          nothing taken under it
 *   1b. ipc_lock           synchronous IPC between VMs (core/ipc.c): one
 *                          lock for every endpoint queue and every vCPU's IPC
 *                          state, because an exchange involves two VMs. Taken
 *                          with no other lock held; under it only
 *                          vcpu_request (no lock). A VM's state is read
 *                          there without its lock: stopping changes it
 *                          under vm->lock first, then takes ipc_lock.
 *   2. console_in_lock     console input and focus (core/console.c); it
 *                          delivers a byte to the focused VM's vUART
 *   3. vuart->lock         a VM's emulated PL011 (vdev/vuart_pl011.c); it
 *                          drives the UART's interrupt line in the vGIC and
 *                          prints completed lines
 *   3a. virtio_dev->lock   one virtio device (vdev/virtio_*.c): its registers
 *                          and queues. Under it: its VM's mem.lock (through
 *                          the guest-memory accessor, a leaf), its vGIC lock,
 *                          the console output. The two ends of a console link
 *                          are held together, in VM index order (the one
 *                          place two VMs' locks are held at once); a network
 *                          port lets its own go before taking a receiver's.
 *   3b. sp805->lock        a VM's SP805 watchdog (vdev/sp805.c): its
 *                          registers and count. Under it only its vGIC lock;
 *                          it kicks the home CPU (vm_timer_changed) after
 *                          letting it go
 *   4. vm_vgic(vm)->lock   every interrupt's state in one VM (vdev/vgic_*.c);
 *                          may log a guest's mistake
 *   5. log_lock            per-VM log rate limits (core/log.c), a leaf:
 *                          released before the line is printed
 *   6. console_out_lock    the physical UART's output (core/console.c), a
 *                          ticket lock; a CPU that already holds it (a panic
 *                          while printing) prints without taking it again
 *   7. a console ring's lock  one VM's buffered output (core/console.c): a
 *                          leaf, held only to copy bytes in or out
 *
 * Two VMs: no CPU ever holds a lock of two different VMs at once (any of
 * vm->lock, vm->mem.lock, its vUART's or its vGIC's lock), except the two
 * ports of a virtio console link (3a), in VM index order, and under them
 * each VM's leaf locks one at a time. Code that acts on another VM or
 * vCPU releases its own VM's locks first, then posts a request and kicks
 * (vcpu_request), which takes no lock. If that ever has to change, take
 * the two VMs' locks in VM index order.
 *
 * Locks are never held across a guest entry, and nothing spins on a lock
 * while holding one of a higher number.
 */
#ifndef KEEL_LOCKING_H
#define KEEL_LOCKING_H

#include <keel/spinlock.h>

#endif
