/*
 * The test report (modelled on kvm-unit-tests' lib/report.c, written anew):
 * counts checks and failures and ends the VM with a summary line. Only the
 * boot CPU reports; secondary CPUs hand their observations to it.
 */
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>

static unsigned int tests, failures;

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!pass)
		failures++;
	printf("%s: ", pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return pass;
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	printf("INFO: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void report_summary(void)
{
	printf("SUMMARY: %u tests, %u failures\n", tests, failures);
	psci_system_off();
}
