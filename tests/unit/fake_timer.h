/*
 * A settable counter and a recorder of vm_timer_changed() for host tests of
 * devices that act on time (tests/unit/fake_timer.c): the SP805 watchdog
 * (test_sp805) and the device-kind tests that link every kind.
 */
#ifndef KEEL_TEST_FAKE_TIMER_H
#define KEEL_TEST_FAKE_TIMER_H

#include <keel/types.h>

#define FAKE_TIMER_FREQ 62500000ull /* QEMU virt's counter, 62.5 MHz */

/* What arch_counter() returns; starts far from 0 so nothing relies on a zero origin. */
extern u64 fake_timer_now;
/* vm_timer_changed() calls since the test last cleared it. */
extern u32 fake_timer_changes;

#endif
