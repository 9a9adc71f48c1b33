/* From start.S to the guest's main: device tree, boot time, then guest_main(). */
#include <guest/fdt.h>
#include <guest/guest.h>
#include <guest/platform.h>
#include <guest/psci.h>
#include <guest/timer.h>

void guest_start(uintptr_t dtb);

void guest_start(uintptr_t dtb)
{
	timer_record_boot();
	/*
	 * Keel passes the tree in x0. QEMU gives an ELF x0 = 0 and, when the image
	 * does not start at the base of RAM, puts the tree there: accept that too.
	 */
	if (!fdt_init((const void *)dtb) && (uintptr_t)__image_start != PLAT_RAM_BASE)
		fdt_init((const void *)PLAT_RAM_BASE);
	guest_main();
	psci_system_off();
}
