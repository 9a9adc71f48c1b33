/*
 * The emulated Arm SP805 watchdog (include/keel/sp805.h; ARM PrimeCell
 * Watchdog Module TRM, DDI 0270), modelled for Linux's sp805_wdt driver and
 * bare-metal guests:
 *
 *  - The count is not ticked. With INTEN set it is derived from the
 *    counter: `start` is when it last held `from` (a write of WdogLoad or
 *    WdogIntClr, or enabling, loads WdogLoad), and it drops by one per
 *    WDOGCLK period (args[0] Hz) from there. It reaches 0 at `from`
 *    periods, then every WdogLoad + 1 periods (the reload takes one).
 *  - Each time it reaches 0 the raw interrupt is set (WDOGINT is RIS &
 *    INTEN, a level SPI through the vGIC); if RIS was already set and
 *    RESEN is, the VM has failed. Every register access first brings the
 *    count up to date (sp805_advance), and the tick hook does it at the
 *    next zero, so both happen on time and exactly once each.
 *  - Clearing INTEN stops the count where it is; setting it again reloads.
 *  - WdogLock: writing 0x1ACCE551 unlocks, any other value locks; writes
 *    to the other registers are ignored while locked.
 *
 * A failure is reported from the tick hook on the VM's home CPU
 * (core/standby.c fails the VM over or resets it); one a register access
 * found is held in `failed` until then. Lock order: sp805.lock, then the
 * vGIC lock (vgic_set_level); vm_timer_changed() is called after unlocking.
 */
#include <keel/arch/cpu.h>
#include <keel/sp805.h>
#include <keel/spinlock.h>
#include <keel/standby.h>
#include <keel/vgic.h>
#include <keel/vm.h>

struct sp805 {
	struct spinlock lock;
	struct vm *vm; /* fixed at boot, as are irq and rate */
	u32 irq;
	u64 rate; /* WDOGCLK, Hz */
	/* Registers, under lock. */
	u32 load, control;
	bool ris, locked;
	/* The count, under lock: it held `from` at counter value `start`, and reached 0 `zeros` times since. */
	u64 start;
	u32 from;
	u64 zeros;
	bool failed; /* a second expiry with RESEN, not reported by tick yet */
};

/* The TRM's identification registers: part 0x805, designer ARM (0x41), revision 1; PrimeCell 0xB105F00D. */
static const u8 sp805_id[8] = { 0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* WDOGCLK periods in d counter ticks, without overflowing for any d (rate <= counter frequency). */
static u64 sp805_periods(const struct sp805 *w, u64 d)
{
	u64 freq = arch_counter_freq();

	return d / freq * w->rate + d % freq * w->rate / freq;
}

/* The fewest counter ticks holding n WDOGCLK periods: the inverse of sp805_periods. */
static u64 sp805_ticks(const struct sp805 *w, u64 n)
{
	u64 freq = arch_counter_freq();

	return n / w->rate * freq + (n % w->rate * freq + w->rate - 1) / w->rate;
}

/* How many times the count has reached 0 after `periods` periods from `from`. */
static u64 sp805_zeros_at(const struct sp805 *w, u64 periods)
{
	return periods < w->from ? 0 : (periods - w->from) / ((u64)w->load + 1) + 1;
}

static void sp805_update_irq(struct sp805 *w)
{
	vgic_set_level(w->vm, NULL, w->irq, w->ris && (w->control & SP805_CTRL_INTEN));
}

/* Restart the count from value at now. Called with w->lock held. */
static void sp805_restart(struct sp805 *w, u32 value, u64 now)
{
	w->start = now;
	w->from = value;
	w->zeros = 0;
}

/* Bring the count up to now: raise the interrupt, or fail the VM, for each zero since. Lock held. */
static void sp805_advance(struct sp805 *w, u64 now)
{
	u64 zeros;

	if (!(w->control & SP805_CTRL_INTEN) || now < w->start)
		return;
	zeros = sp805_zeros_at(w, sp805_periods(w, now - w->start));
	if (zeros == w->zeros)
		return;
	/* Only the first two zeros can change anything: the first sets RIS, a later one finds it set. */
	if (w->ris || zeros - w->zeros > 1)
		w->failed |= (w->control & SP805_CTRL_RESEN) != 0;
	w->zeros = zeros;
	if (!w->ris) {
		w->ris = true;
		sp805_update_irq(w);
	}
}

/* The count at now (already advanced to now). Lock held. */
static u32 sp805_value(const struct sp805 *w, u64 now)
{
	u64 periods;

	if (!(w->control & SP805_CTRL_INTEN))
		return w->from;
	periods = now > w->start ? sp805_periods(w, now - w->start) : 0;
	if (periods <= w->from)
		return (u32)(w->from - periods);
	return (u32)(w->load - (periods - w->from - 1) % ((u64)w->load + 1));
}

/* The counter value of the next zero that can change something, or VDEV_NO_DEADLINE. Lock held. */
static u64 sp805_deadline(const struct sp805 *w)
{
	u64 periods;

	if (!(w->control & SP805_CTRL_INTEN) || (w->ris && !(w->control & SP805_CTRL_RESEN)))
		return VDEV_NO_DEADLINE;
	periods = w->from + w->zeros * ((u64)w->load + 1);
	return w->start + sp805_ticks(w, periods);
}

static bool sp805_read_reg(struct sp805 *w, u64 offset, u64 now, u32 *value)
{
	switch (offset) {
	case SP805_LOAD:
		*value = w->load;
		return true;
	case SP805_VALUE:
		*value = sp805_value(w, now);
		return true;
	case SP805_CONTROL:
		*value = w->control;
		return true;
	case SP805_RIS:
		*value = w->ris;
		return true;
	case SP805_MIS:
		*value = w->ris && (w->control & SP805_CTRL_INTEN);
		return true;
	case SP805_LOCK:
		*value = w->locked;
		return true;
	case SP805_INTCLR: /* write-only */
	case SP805_ITCR: /* no integration test mode */
	case SP805_ITOP:
		*value = 0;
		return true;
	}
	if (offset >= SP805_ID_FIRST && offset <= SP805_ID_LAST) {
		*value = sp805_id[(offset - SP805_ID_FIRST) / 4];
		return true;
	}
	return false;
}

/* WdogControl: enabling reloads the count, disabling stops it where it is. Lock held. */
static void sp805_write_control(struct sp805 *w, u32 value, u64 now)
{
	bool was_on = w->control & SP805_CTRL_INTEN, on = value & SP805_CTRL_INTEN;

	if (was_on && !on)
		sp805_restart(w, sp805_value(w, now), now);
	else if (!was_on && on)
		sp805_restart(w, w->load, now);
	w->control = value & SP805_CTRL_MASK;
	sp805_update_irq(w);
}

/* A write; *moved says the deadline may have changed. Lock held, count advanced to now. */
static bool sp805_write_reg(struct sp805 *w, u64 offset, u64 now, u32 value, bool *moved)
{
	if (offset == SP805_LOCK) {
		w->locked = value != SP805_UNLOCK_KEY;
		return true;
	}
	if (offset >= SP805_ID_FIRST && offset <= SP805_ID_LAST)
		return true; /* read-only */
	switch (offset) {
	case SP805_VALUE:
	case SP805_RIS:
	case SP805_MIS:
	case SP805_ITCR:
	case SP805_ITOP:
		return true; /* read-only, or no test mode */
	case SP805_LOAD:
	case SP805_CONTROL:
	case SP805_INTCLR:
		break;
	default:
		return false;
	}
	if (w->locked)
		return true;
	*moved = true;
	if (offset == SP805_LOAD) {
		/* TRM, Load Register: the count restarts from the new value at once. */
		w->load = value;
		sp805_restart(w, value, now);
	} else if (offset == SP805_CONTROL) {
		sp805_write_control(w, value, now);
	} else {
		/* TRM, Interrupt Clear Register: any value clears the interrupt and reloads the count. */
		w->ris = false;
		sp805_restart(w, w->load, now);
		sp805_update_irq(w);
	}
	return true;
}

/* 32-bit accesses at a register's own offset only (the APB slave is 32 bits wide). */
static bool sp805_access_ok(u64 offset, u32 width)
{
	return width == 4 && IS_ALIGNED(offset, 4) && offset < SP805_MMIO_SIZE;
}

static bool sp805_read(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 *value)
{
	struct sp805 *w = dev->state;
	u32 v = 0;
	bool ok;
	u64 now;

	(void)vcpu;
	if (!sp805_access_ok(offset, width))
		return false;
	spin_lock(&w->lock);
	now = arch_counter();
	sp805_advance(w, now);
	ok = sp805_read_reg(w, offset, now, &v);
	spin_unlock(&w->lock);
	*value = v;
	return ok;
}

static bool sp805_write(struct vdev *dev, struct vcpu *vcpu, u64 offset, u32 width, u64 value)
{
	struct sp805 *w = dev->state;
	bool ok, moved = false, failed;
	u64 now;

	(void)vcpu;
	if (!sp805_access_ok(offset, width))
		return false;
	spin_lock(&w->lock);
	now = arch_counter();
	sp805_advance(w, now);
	ok = sp805_write_reg(w, offset, now, (u32)value, &moved);
	failed = w->failed;
	spin_unlock(&w->lock);
	/* The home CPU re-reads the deadline (and reports a failure this access found). */
	if (moved || failed)
		vm_timer_changed(dev->vm);
	return ok;
}

static bool sp805_tick(struct vdev *dev, u64 now, u64 *next)
{
	struct sp805 *w = dev->state;
	bool failed;

	spin_lock(&w->lock);
	sp805_advance(w, now);
	failed = w->failed;
	w->failed = false;
	*next = sp805_deadline(w);
	spin_unlock(&w->lock);
	return failed;
}

/* The TRM's reset values; the count is stopped, WDOGINT low. */
static void sp805_reset(struct vdev *dev)
{
	struct sp805 *w = dev->state;

	spin_lock(&w->lock);
	w->load = SP805_LOAD_RESET;
	w->control = 0;
	w->ris = false;
	w->locked = false;
	w->failed = false;
	sp805_restart(w, SP805_LOAD_RESET, arch_counter());
	sp805_update_irq(w);
	spin_unlock(&w->lock);
}

/*
 * What save() writes: the registers and the count now, no time: a restored
 * watchdog counts on from `value` from the moment restore() runs. A value
 * of 0 is a zero already counted (it set RIS, or failed the VM).
 */
struct sp805_saved {
	u32 load, control, ris, locked;
	u32 value, failed;
	u64 rate; /* must match: the restored instance is configured the same */
};

static u32 sp805_save(struct vdev *dev, void *buf)
{
	struct sp805 *w = dev->state;
	struct sp805_saved *out = buf;
	u64 now;

	spin_lock(&w->lock);
	now = arch_counter();
	sp805_advance(w, now);
	*out = (struct sp805_saved){ .load = w->load, .control = w->control, .ris = w->ris, .locked = w->locked,
				     .value = sp805_value(w, now), .failed = w->failed, .rate = w->rate };
	spin_unlock(&w->lock);
	return sizeof(*out);
}

static bool sp805_restore(struct vdev *dev, const void *buf, u32 len)
{
	struct sp805 *w = dev->state;
	const struct sp805_saved *in = buf;

	if (len != sizeof(*in) || in->rate != w->rate)
		return false;
	spin_lock(&w->lock);
	w->load = in->load;
	w->control = in->control & SP805_CTRL_MASK;
	w->ris = in->ris != 0;
	w->locked = in->locked != 0;
	w->failed = in->failed != 0;
	sp805_restart(w, in->value, arch_counter());
	w->zeros = in->value == 0 && (w->control & SP805_CTRL_INTEN);
	sp805_update_irq(w);
	spin_unlock(&w->lock);
	vm_timer_changed(dev->vm); /* a new deadline for the home CPU */
	return true;
}

bool sp805_overdue(struct vdev *dev)
{
	struct sp805 *w = dev->state;
	bool late;

	spin_lock(&w->lock);
	sp805_advance(w, arch_counter());
	late = (w->control & SP805_CTRL_INTEN) && w->ris;
	spin_unlock(&w->lock);
	return late;
}

void sp805_failover_feed(struct vdev *dev)
{
	struct sp805 *w = dev->state;

	spin_lock(&w->lock);
	w->ris = false;
	w->failed = false;
	w->zeros = false;
	sp805_restart(w, w->load, arch_counter());
	sp805_update_irq(w);
	spin_unlock(&w->lock);
	vm_timer_changed(dev->vm);
}

/* One per VM, 4 KiB, an SPI, a WDOGCLK the counter can time: 1 Hz up to its own frequency. */
static const char *sp805_check(const struct keel_blob_vm *vm, const struct keel_blob_vdev *rec)
{
	(void)vm;
	if (rec->size != SP805_MMIO_SIZE)
		return "size is not the SP805's 4 KiB";
	if (rec->irq == 0)
		return "irq missing: the SP805 raises one";
	if (rec->args[0] == 0 || rec->args[0] > arch_counter_freq())
		return "args[0] (WDOGCLK Hz) outside 1 .. the counter frequency";
	for (u32 a = 1; a < KEEL_VDEV_NR_ARGS; a++)
		if (rec->args[a])
			return "args[1..] must be 0";
	return NULL;
}

static void sp805_init(struct vdev *dev, const struct keel_blob_vdev *rec)
{
	struct sp805 *w = dev->state;

	*w = (struct sp805){ .lock = SPINLOCK_INIT, .vm = dev->vm, .irq = rec->irq, .rate = rec->args[0] };
	sp805_reset(dev);
}

VDEV_POOL(sp805_pool, struct sp805, KEEL_MAX_VMS);

const struct vdev_kind sp805_kind = {
	.id = KEEL_VDEV_SP805,
	.name = "sp805",
	.max_per_vm = 1,
	.min_per_vm = 0,
	.save_size = sizeof(struct sp805_saved),
	.pool = &sp805_pool,
	.check = sp805_check,
	.init = sp805_init,
	.reset = sp805_reset,
	.read = sp805_read,
	.write = sp805_write,
	.save = sp805_save,
	.restore = sp805_restore,
	.tick = sp805_tick,
};
