/* Fake VM table for test_console, each VM's UART, and a vuart_receive that records what each VM got. */
#include <string.h>

#include <keel/vm.h>

#include "fake_console_fakes.h"

struct vm vms[KEEL_MAX_VMS];
u32 nr_vms;
char fake_rx[8][FAKE_RX_MAX];
static struct vuart fake_uarts[KEEL_MAX_VMS]; /* each VM's console UART, by index */
u32 fake_rx_len[8];

void fake_vms_reset(u32 n, const char *const *names)
{
	memset(vms, 0, sizeof(vms));
	memset(fake_rx, 0, sizeof(fake_rx));
	memset(fake_rx_len, 0, sizeof(fake_rx_len));
	nr_vms = n;
	for (u32 i = 0; i < n; i++) {
		vms[i].index = i;
		strncpy(vms[i].name, names[i], sizeof(vms[i].name) - 1);
		fake_uarts[i].vm = &vms[i];
	}
}

struct vuart *vm_vuart(struct vm *vm)
{
	return &fake_uarts[vm->index];
}

void vuart_receive(struct vuart *u, u8 byte)
{
	u32 i = u->vm->index;

	if (fake_rx_len[i] < FAKE_RX_MAX - 1)
		fake_rx[i][fake_rx_len[i]++] = (char)byte;
}

/* The statistics command: counted, not printed. */
int fake_stats_calls;
void sched_print_stats(const struct vm *vm)
{
	(void)vm;
	fake_stats_calls++;
}
