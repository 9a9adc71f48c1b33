/*
 * EL1 exception dispatch. IRQs go to the installed handler. A synchronous
 * exception on a CPU whose catcher is armed is recorded and skipped; that is
 * how tests check that an access aborts (kvm-unit-tests installs handlers
 * the same way). Anything else is unexpected: it is reported as a failure
 * and the VM is powered off, so a broken guest ends instead of hanging.
 */
#include <stddef.h>

#include <guest/exception.h>
#include <guest/mmio.h>
#include <guest/platform.h>
#include <guest/print.h>
#include <guest/report.h>
#include <guest/sysreg.h>

_Static_assert(offsetof(struct exc_frame, x[30]) == 240, "vectors.S FRAME_X30");
_Static_assert(offsetof(struct exc_frame, elr) == 248, "vectors.S FRAME_ELR");
_Static_assert(offsetof(struct exc_frame, spsr) == 256, "vectors.S FRAME_SPSR");
_Static_assert(sizeof(struct exc_frame) == 272, "vectors.S FRAME_SIZE");

#define A64_INSN_SIZE 4

/* One catcher per CPU, touched only by that CPU. */
struct catcher {
	volatile int armed;
	volatile int caught;
	uint64_t esr, far;
};

static struct catcher catchers[PLAT_MAX_CPUS];
static void (*irq_handler)(void);

static const char *const kind_names[] = {
	"SP0 sync", "SP0 IRQ", "SP0 FIQ", "SP0 SError",
	"SPx sync", "SPx IRQ", "SPx FIQ", "SPx SError",
	"lower A64 sync", "lower A64 IRQ", "lower A64 FIQ", "lower A64 SError",
	"lower A32 sync", "lower A32 IRQ", "lower A32 FIQ", "lower A32 SError",
};

static struct catcher *my_catcher(void)
{
	return &catchers[cpu_id() % PLAT_MAX_CPUS];
}

static void unexpected(struct exc_frame *frame, uint64_t kind)
{
	report(false, "unexpected exception (%s) on cpu %u: ESR 0x%lx ELR 0x%lx FAR 0x%lx",
	       kind < 16 ? kind_names[kind] : "?", cpu_id(), read_sysreg(esr_el1),
	       frame->elr, read_sysreg(far_el1));
	report_summary();
}

void exc_dispatch(struct exc_frame *frame, uint64_t kind)
{
	struct catcher *c;

	if (kind == EXC_SPX_IRQ && irq_handler) {
		irq_handler();
		return;
	}
	c = my_catcher();
	if (kind == EXC_SPX_SYNC && c->armed) {
		c->esr = read_sysreg(esr_el1);
		c->far = read_sysreg(far_el1);
		c->armed = 0;
		c->caught = 1;
		frame->elr += A64_INSN_SIZE;
		return;
	}
	unexpected(frame, kind);
}

void exc_set_irq_handler(void (*handler)(void))
{
	irq_handler = handler;
}

void exc_catch_begin(void)
{
	struct catcher *c = my_catcher();

	c->caught = 0;
	c->esr = 0;
	c->far = 0;
	c->armed = 1;
	isb();
}

bool exc_catch_end(uint64_t *esr, uint64_t *far)
{
	struct catcher *c = my_catcher();

	/* A data abort from an external source may be reported late; make it land here. */
	dsb(sy);
	isb();
	c->armed = 0;
	if (esr)
		*esr = c->esr;
	if (far)
		*far = c->far;
	return c->caught;
}

bool exc_probe_write32(uintptr_t addr, uint32_t val, uint64_t *esr)
{
	exc_catch_begin();
	mmio_write32(addr, val);
	return exc_catch_end(esr, NULL);
}

bool exc_probe_read32(uintptr_t addr, uint64_t *esr)
{
	exc_catch_begin();
	(void)mmio_read32(addr);
	return exc_catch_end(esr, NULL);
}
