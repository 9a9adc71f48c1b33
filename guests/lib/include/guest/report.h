/*
 * Test reporting in the kvm-unit-tests style: one "PASS: ..." or "FAIL: ..."
 * line per check, then "SUMMARY: N tests, M failures", then PSCI SYSTEM_OFF.
 * A system test passes only on a summary with 0 failures and no FAIL line.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdbool.h>

#include <guest/print.h>

/* Records one check; returns pass so callers can branch on it. */
bool report(bool pass, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* An "INFO: ..." line that counts as nothing. */
void report_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Prints the summary line and powers the VM off. */
__attribute__((noreturn)) void report_summary(void);

#endif
