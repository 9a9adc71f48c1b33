/*
 * test-vgic: more interrupts pending at once than the virtual CPU interface
 * has list registers (QEMU implements 4). With interrupts masked, the guest
 * sends itself eight SGIs of eight different priorities, then unmasks. All
 * eight must arrive, highest priority first: Keel can list only four, so the
 * rest depend on its underflow maintenance interrupt refilling the list
 * registers as the guest completes the first ones.
 */
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/report.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define NR_SGIS 8u
#define WAIT_MS 2000

static volatile uint32_t arrived;
static volatile uint32_t order[NR_SGIS];

static void on_sgi(uint32_t intid)
{
	if (arrived < NR_SGIS)
		order[arrived] = intid;
	arrived++;
}

/* SGI n gets priority 0x80 + (7 - n) * 8: SGI 7 is the most urgent. */
static uint8_t sgi_priority(uint32_t n)
{
	return (uint8_t)(0x80u + (NR_SGIS - 1 - n) * 8u);
}

void guest_main(void)
{
	bool in_order = true;

	gic_init_dist();
	gic_init_cpu();
	for (uint32_t i = 0; i < NR_SGIS; i++) {
		gic_set_handler(i, on_sgi);
		gic_enable_private(i, sgi_priority(i));
	}
	irq_disable();
	for (uint32_t i = 0; i < NR_SGIS; i++)
		gic_send_sgi(i, 1u << 0);
	irq_enable();
	report(timer_wait_count(&arrived, NR_SGIS, WAIT_MS),
	       "all %u SGIs sent while masked arrived (got %u)", NR_SGIS, arrived);
	for (uint32_t i = 0; i < NR_SGIS && i < arrived; i++)
		if (order[i] != NR_SGIS - 1 - i)
			in_order = false;
	report(in_order, "they arrived in priority order (first %u, last %u)", order[0],
	       order[NR_SGIS - 1]);
	report(arrived == NR_SGIS, "none arrived twice (%u deliveries)", arrived);
	report_summary();
}
