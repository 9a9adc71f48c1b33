/*
 * The guest program's contract with the library. start.S sets up the boot
 * CPU (EL1, MMU off, SP_EL1, vector table, zeroed .bss) and calls
 * guest_start(), which reads the device tree, records the boot time and
 * calls guest_main(). If guest_main() returns, the VM is powered off.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>

/* Provided by each guest. */
void guest_main(void);

/* Linker-script symbols (guest.ld). */
extern char __image_start[], __image_end[], __bss_start[], __bss_end[];

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

#endif
