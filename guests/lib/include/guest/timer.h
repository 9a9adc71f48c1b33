/* The EL1 virtual timer (CNTV_*, PPI 27) and the virtual counter. */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/* Counter frequency in Hz (CNTFRQ_EL0). */
uint64_t timer_freq(void);
/* Virtual count now (CNTVCT_EL0), after an ISB so it is not read early. */
uint64_t timer_now(void);
/* Counter ticks in ms milliseconds. */
uint64_t timer_ms_to_ticks(uint64_t ms);
/* Records the start of guest time; the library calls it once before guest_main(). */
void timer_record_boot(void);
/* Counter value recorded by timer_record_boot(). */
uint64_t timer_boot_count(void);
/* Fires PPI 27 when the virtual count reaches cval (unmasked, enabled). */
void timer_arm_at(uint64_t cval);
void timer_stop(void);
/* Busy-waits until *flag != 0 or ms milliseconds passed; returns whether it became set. */
bool timer_wait_flag(volatile const uint32_t *flag, uint64_t ms);
/* Busy-waits until *counter >= target or ms milliseconds passed; returns whether it got there. */
bool timer_wait_count(volatile const uint32_t *counter, uint32_t target, uint64_t ms);
/* Splits a count since boot into whole seconds and milliseconds. */
void timer_uptime(uint64_t *secs, uint32_t *msecs);

#endif
