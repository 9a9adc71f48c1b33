/*
 * The EL1 virtual timer and counter (Arm ARM D11.2). Times are measured from
 * the count recorded when the guest started, so "uptime" means the guest's.
 */
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK (1u << 1)

static uint64_t boot_count;

uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

uint64_t timer_now(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
	return timer_freq() * ms / 1000;
}

void timer_record_boot(void)
{
	boot_count = timer_now();
}

uint64_t timer_boot_count(void)
{
	return boot_count;
}

void timer_arm_at(uint64_t cval)
{
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
}

void timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);
	isb();
}

bool timer_wait_count(volatile const uint32_t *counter, uint32_t target, uint64_t ms)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(ms);

	while (*counter < target) {
		if (timer_now() >= end)
			return *counter >= target;
	}
	return true;
}

bool timer_wait_flag(volatile const uint32_t *flag, uint64_t ms)
{
	return timer_wait_count(flag, 1, ms);
}

void timer_uptime(uint64_t *secs, uint32_t *msecs)
{
	uint64_t freq = timer_freq();
	uint64_t t = timer_now() - boot_count;

	*secs = t / freq;
	*msecs = (uint32_t)((t % freq) * 1000 / freq);
}
