/* Fake vGIC for test_vuart: records interrupt line levels. */
#include <stdlib.h>
#include <string.h>

#include <keel/vgic.h>
#include <keel/vm.h>

#include "fake_console_fakes.h"

u32 fake_vgic_calls;
bool fake_vgic_level[FAKE_VGIC_INTIDS];

void fake_vgic_reset(void)
{
	fake_vgic_calls = 0;
	memset(fake_vgic_level, 0, sizeof(fake_vgic_level));
}

bool vgic_set_level(struct vm *vm, struct vcpu *target, u32 intid, bool level)
{
	(void)vm;
	(void)target;
	fake_vgic_calls++;
	if (intid >= FAKE_VGIC_INTIDS)
		return false;
	fake_vgic_level[intid] = level;
	return true;
}

/* core/vdev.c's CHECKs end here: a test that trips one fails loudly (weak: core/log.c has the real one). */
__attribute__((weak)) void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}
