/*
 * The emulated Arm SP805 watchdog a VM may have (vdev/sp805.c, ARM PrimeCell
 * Watchdog Module (SP805) TRM, DDI 0270): its register map, shared with the
 * unit tests, and its device kind. At most one per VM; it is the watchdog
 * failure detector of standby VMs (include/keel/standby.h), and without a
 * standby its expiry resets the VM, as the real one resets the board.
 *
 * Lock: sp805.lock (include/keel/locking.h) protects the registers and the
 * count; under it only the VM's vGIC lock (driving WDOGINT).
 */
#ifndef KEEL_SP805_H
#define KEEL_SP805_H

#include <keel/types.h>
#include <keel/vdev.h>

#define SP805_MMIO_SIZE 0x1000

/* Register offsets (TRM chapter 3, the register summary). */
#define SP805_LOAD 0x000
#define SP805_VALUE 0x004 /* read-only: the current count */
#define SP805_CONTROL 0x008
#define SP805_INTCLR 0x00c /* write-only: clears the interrupt, reloads the count */
#define SP805_RIS 0x010
#define SP805_MIS 0x014
#define SP805_LOCK 0xc00
#define SP805_ITCR 0xf00 /* integration test control: reads 0, writes ignored */
#define SP805_ITOP 0xf04
#define SP805_ID_FIRST 0xfe0 /* PeriphID0-3 then PCellID0-3, one byte per word */
#define SP805_ID_LAST 0xffc

/* WdogControl (TRM, Control Register). */
#define SP805_CTRL_INTEN BIT(0) /* counter and WDOGINT enabled */
#define SP805_CTRL_RESEN BIT(1) /* WDOGRES enabled: a second expiry resets */
#define SP805_CTRL_MASK 0x3u

#define SP805_UNLOCK_KEY 0x1acce551u /* WdogLock (TRM, Lock Register) */
#define SP805_LOAD_RESET 0xffffffffu

extern const struct vdev_kind sp805_kind;

/*
 * After a failover restored the watchdog: count a whole period again, as if
 * the guest had just fed it. The checkpoint may have been taken while the
 * guest hung, with the count nearly run out; without this the restored guest
 * would fail again before it could feed. (core/standby.c)
 */
void sp805_failover_feed(struct vdev *dev);

/*
 * The guest is late: the count reached zero once since the last feed (its
 * interrupt is raised). A checkpoint now could catch it hung: core/standby.c
 * takes none until it feeds again, keeping the last good one.
 */
bool sp805_overdue(struct vdev *dev);

#endif
