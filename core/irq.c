/*
 * Physical interrupt handling. Keel acknowledges with priority drop only
 * (EOImode 1); it deactivates its own interrupts at once and leaves a
 * guest's interrupts active for the guest to deactivate through a
 * hardware-linked list register, so a level-triggered device cannot
 * interrupt again before its guest has serviced it.
 */
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>

#define IRQ_MAX 1020

void console_poll(void);

static struct vm *spi_owner[IRQ_MAX]; /* written at boot only */

void irq_assign_spi(u32 intid, struct vm *vm)
{
	struct vcpu *target = &vm->vcpus[0];

	CHECK(intid >= 32 && intid < IRQ_MAX);
	spi_owner[intid] = vm;
	gicv3_route_spi(intid, target->pcpu);
	gicv3_enable(intid, true);
}

static void handle_one(struct cpu *cpu, u32 intid)
{
	struct vcpu *current = cpu->current;

	switch (intid) {
	case IRQ_SGI_KICK:
		gicv3_deactivate(intid); /* requests are examined by the run loop */
		return;
	case IRQ_PPI_HYP_TIMER:
		sched_timer_fired(cpu);
		gicv3_deactivate(intid);
		return;
	case IRQ_PPI_MAINTENANCE:
		gicv3_deactivate(intid);
		if (current)
			vgic_maintenance(current);
		return;
	case IRQ_PPI_VIRT_TIMER:
	case IRQ_PPI_PHYS_TIMER: /* backs the loaded vCPU's emulated EL1 physical timer */
		/* The loaded vCPU's timer: its guest deactivates it through the HW bit. */
		if (current && vgic_inject_hw(current->vm, current, intid, intid))
			return;
		gicv3_deactivate(intid);
		return;
	default:
		break;
	}
	if (intid == platform.uart_irq) {
		console_poll();
		gicv3_deactivate(intid);
	} else if (intid < IRQ_MAX && spi_owner[intid]) {
		struct vm *vm = spi_owner[intid];

		if (!vgic_inject_hw(vm, NULL, intid, intid))
			gicv3_deactivate(intid);
	} else {
		klog("CPU %u: unexpected interrupt %u, ignored", cpu->index, intid);
		gicv3_deactivate(intid);
	}
}

void irq_release_vcpu_timer(u32 intid)
{
	gicv3_clear_active(intid);
}

void irq_release_spi(u32 intid)
{
	if (intid >= 32 && intid < IRQ_MAX)
		gicv3_clear_active(intid);
}

void irq_handle_acked(struct cpu *cpu, u32 intid)
{
	cpu->nr_irqs++;
	gicv3_eoi(intid);
	handle_one(cpu, intid);
}

void irq_handle_pending(struct cpu *cpu)
{
	for (;;) {
		u32 intid = gicv3_ack();

		if (intid >= GIC_SPURIOUS)
			return;
		irq_handle_acked(cpu, intid);
	}
}
