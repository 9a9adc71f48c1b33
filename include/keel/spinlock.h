/*
 * Test-and-set spinlocks for locks only one VM's vCPUs (or boot) contend
 * for, and ticket locks for those several VMs' guests can drive. Keel holds
 * locks only for short, bounded sections with interrupts masked (Keel never
 * takes interrupts at EL2).
 */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <keel/types.h>

struct spinlock {
	volatile u32 locked;
};

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/*
 * A FIFO (ticket) lock, for a lock guests of different VMs can make CPUs
 * contend for: a waiting CPU gets it after at most one holder per CPU ahead
 * of it, however often the others come back.
 */
struct ticket_lock {
	volatile u32 next; /* the ticket the next arrival takes */
	volatile u32 serving; /* the ticket that holds the lock */
};

static inline void ticket_lock(struct ticket_lock *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != me)
		;
}

static inline void ticket_unlock(struct ticket_lock *l)
{
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

#endif
