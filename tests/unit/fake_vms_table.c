/* The VM table for device tests that build their VMs by hand (weak: a test may define its own). */
#include <keel/vm.h>

__attribute__((weak)) struct vm vms[KEEL_MAX_VMS];
__attribute__((weak)) u32 nr_vms;
