/*
 * test-passthrough: a physical device given to this VM alone. The board's
 * PL031 real-time clock is mapped at its physical address and its interrupt
 * (SPI 2, INTID 34) is forwarded by Keel as a hardware-linked virtual
 * interrupt. The guest arms the RTC's match register twice: the second
 * interrupt arrives only if the guest's completion of the first really
 * deactivated the physical interrupt.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/mmio.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define RTC_BASE 0x09010000u
#define RTC_DR 0x00u /* current time, seconds */
#define RTC_MR 0x04u /* match */
#define RTC_IMSC 0x10u
#define RTC_ICR 0x1cu
#define RTC_INTID 34u
#define GICD_BASE 0x08000000u
#define GICD_IGROUPR(n) (GICD_BASE + 0x080u + 4u * (n))
#define GICD_ISENABLER(n) (GICD_BASE + 0x100u + 4u * (n))
#define GICD_IPRIORITYR(n) (GICD_BASE + 0x400u + (n))
#define GICD_IROUTER(n) (GICD_BASE + 0x6000u + 8u * (n))
#define WAIT_MS 4000

static volatile uint32_t rtc_irqs;

static void on_rtc(uint32_t intid)
{
	(void)intid;
	mmio_write32(RTC_BASE + RTC_ICR, 1); /* lower the line before completing */
	rtc_irqs++;
}

static void enable_spi(uint32_t intid)
{
	*(volatile uint8_t *)(uintptr_t)GICD_IPRIORITYR(intid) = GIC_DEFAULT_PRIO;
	mmio_write64(GICD_IROUTER(intid), 0); /* vCPU 0 */
	mmio_write32(GICD_IGROUPR(intid / 32), mmio_read32(GICD_IGROUPR(intid / 32)) | 1u << (intid % 32));
	mmio_write32(GICD_ISENABLER(intid / 32), 1u << (intid % 32));
}

static void arm_match(void)
{
	mmio_write32(RTC_BASE + RTC_MR, mmio_read32(RTC_BASE + RTC_DR) + 1);
}

void guest_main(void)
{
	uint32_t now = mmio_read32(RTC_BASE + RTC_DR);

	report(now > 1000000000u, "the RTC is readable at its physical address (time %u)", now);
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(RTC_INTID, on_rtc);
	enable_spi(RTC_INTID);
	irq_enable();
	mmio_write32(RTC_BASE + RTC_IMSC, 1);
	arm_match();
	report(timer_wait_count(&rtc_irqs, 1, WAIT_MS), "first RTC match interrupt arrived");
	arm_match();
	report(timer_wait_count(&rtc_irqs, 2, WAIT_MS),
	       "second RTC interrupt arrived: the first was deactivated in hardware (count %u)",
	       rtc_irqs);
	report_summary();
}
