/*
 * Ticket-free test-and-set spinlocks. Keel holds locks only for short,
 * bounded sections with interrupts masked (Keel never takes interrupts at
 * EL2), so a simple lock suffices; fairness is not an issue with 4 CPUs.
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

#endif
