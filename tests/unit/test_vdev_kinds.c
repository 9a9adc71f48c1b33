/*
 * Every device kind's save and restore (include/keel/vdev.h), through the
 * registry (core/vdev_kinds.c) and core/vdev.c as Keel builds a VM from its
 * blob records. For each kind: seeded random register writes (and device
 * input: injected interrupts, received bytes), a dump of every readable
 * register, save, reset, restore, and the dump must be the same, and so
 * must a second save. The reset in between must have changed the dump, so
 * a restore that did nothing could not pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/exit.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <keel/vuart.h>

#include "fake_console_fakes.h"
#include "fake_vgic_env.h"

#define NR_VCPUS 2
#define UART_IPA 0x09000000ull
#define UART_IRQ 33
#define MAX_REGS 4096
#define NR_ROUNDS 8
#define WRITES_PER_ROUND 400

static struct vm vm;
static struct keel_blob_vm cfg;
static u64 rng;
static u8 saved[2][16384] __attribute__((aligned(8)));

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u32 rnd_below(u32 n)
{
	return (u32)(rnd() % n);
}

/* A VM as vm_create() builds it: its blob record's devices, instantiated in registry order. */
static int setup(void **state)
{
	(void)state;
	fake_vgic_vm_build(&vm, NR_VCPUS);
	vuart_pl011_kind.pool->nr_used = 0;
	fake_sink_reset();
	cfg = (struct keel_blob_vm){ .nr_vcpus = NR_VCPUS, .nr_spis = 64, .nr_vdevs = 3, .nr_irqs = 3,
				     .irqs = { 40, 41, 42 } }; /* passed through: may be hardware-linked */
	/* Listed out of registry order on purpose: creation sorts them. */
	cfg.vdevs[0] = (struct keel_blob_vdev){ .kind = KEEL_VDEV_PL011, .ipa = UART_IPA, .size = 0x1000,
						.irq = UART_IRQ };
	cfg.vdevs[1] = (struct keel_blob_vdev){ .kind = KEEL_VDEV_GICV3_REDIST, .ipa = FAKE_GICR,
						.size = NR_VCPUS * 0x20000ull };
	cfg.vdevs[2] = (struct keel_blob_vdev){ .kind = KEEL_VDEV_GICV3_DIST, .ipa = FAKE_GICD,
						.size = 0x10000, .args = { 64 } };
	vm.cfg = &cfg;
	vdev_create_all(&vm);
	return 0;
}

/* A register range of a kind: [start, end) in steps of step, accessed with width. */
struct reg_range {
	u64 start, end, step;
	u32 width;
};

/* Registers that read without side effects, per frame of the device. */
static const struct reg_range gicd_regs[] = {
	{ 0x0000, 0x0014, 4, 4 }, { 0x0080, 0x0d00, 4, 4 }, { 0x6100, 0x6300, 4, 4 }, { 0xffd0, 0x10000, 4, 4 },
};
static const struct reg_range gicr_regs[] = {
	{ 0x0000, 0x0018, 4, 4 }, { 0x10080, 0x10100, 4, 4 }, { 0x10100, 0x10400, 0x80, 4 },
	{ 0x10400, 0x10420, 4, 4 }, { 0x10c00, 0x10c08, 4, 4 },
};
static const struct reg_range uart_regs[] = {
	{ 0x004, 0x008, 4, 4 }, { 0x018, 0x01c, 4, 4 }, { 0x020, 0x04c, 4, 4 }, { 0xfe0, 0x1000, 4, 4 },
};

/* Registers random writes go to: the whole programmable part, DR included. */
static const struct reg_range gicd_writable[] = {
	{ 0x0000, 0x0004, 4, 4 }, { 0x0084, 0x0380 + 12, 4, 4 }, { 0x0420, 0x0460, 4, 4 },
	{ 0x0c08, 0x0c18, 4, 4 }, { 0x6100, 0x6300, 8, 8 },
};
static const struct reg_range gicr_writable[] = {
	{ 0x0014, 0x0018, 4, 4 }, { 0x10080, 0x10084, 4, 4 }, { 0x10100, 0x10400, 0x80, 4 },
	{ 0x10400, 0x10420, 4, 4 }, { 0x10c00, 0x10c08, 4, 4 },
};
static const struct reg_range uart_writable[] = {
	{ 0x000, 0x004, 4, 4 }, { 0x024, 0x04c, 4, 4 },
};

struct kind_regs {
	u32 kind;
	const struct reg_range *regs, *writable;
	u32 nr_regs, nr_writable;
	u64 frame; /* the ranges repeat every frame bytes (redistributors), 0 if not */
};

static const struct kind_regs kind_regs[] = {
	{ KEEL_VDEV_GICV3_DIST, gicd_regs, gicd_writable, ARRAY_SIZE(gicd_regs), ARRAY_SIZE(gicd_writable), 0 },
	{ KEEL_VDEV_GICV3_REDIST, gicr_regs, gicr_writable, ARRAY_SIZE(gicr_regs), ARRAY_SIZE(gicr_writable),
	  0x20000 },
	{ KEEL_VDEV_PL011, uart_regs, uart_writable, ARRAY_SIZE(uart_regs), ARRAY_SIZE(uart_writable), 0 },
};

static const struct kind_regs *regs_of(const struct vdev *dev)
{
	for (u32 i = 0; i < ARRAY_SIZE(kind_regs); i++)
		if (kind_regs[i].kind == dev->kind->id)
			return &kind_regs[i];
	fail_msg("no register list for kind %s", dev->kind->name);
	return NULL;
}

static u32 nr_frames(const struct kind_regs *k, const struct vdev *dev)
{
	return k->frame ? (u32)(dev->size / k->frame) : 1;
}

/* Read every side-effect-free register of dev into out; returns how many. */
static u32 dump(struct vdev *dev, u64 *out)
{
	const struct kind_regs *k = regs_of(dev);
	u32 n = 0;

	for (u32 f = 0; f < nr_frames(k, dev); f++)
		for (u32 r = 0; r < k->nr_regs; r++)
			for (u64 off = k->regs[r].start; off < k->regs[r].end; off += k->regs[r].step) {
				assert_true(n < MAX_REGS);
				out[n] = 0;
				if (!dev->kind->read(dev, &vm.vcpus[0], f * k->frame + off, k->regs[r].width, &out[n]))
					fail_msg("%s: read at 0x%llx refused", dev->kind->name,
						 (unsigned long long)(f * k->frame + off));
				n++;
			}
	return n;
}

/*
 * One random write to a programmable register of dev, or some input from
 * outside. Bytes the vUART receives after a save are given back by its
 * restore (input commit, test_vuart): without with_input it receives none,
 * for a restore that must reproduce the saved state exactly.
 */
static void poke(struct vdev *dev, bool with_input)
{
	const struct kind_regs *k = regs_of(dev);
	const struct reg_range *r = &k->writable[rnd_below(k->nr_writable)];
	u64 off = r->start + r->step * rnd_below((u32)((r->end - r->start) / r->step));
	u64 frame = k->frame * rnd_below(nr_frames(k, dev));
	u64 value = rnd() & rnd(); /* fewer bits set: more varied states than all-ones */

	switch (rnd_below(8)) {
	case 0:
		if (dev->kind->id == KEEL_VDEV_PL011 && with_input)
			vuart_receive(dev->state, (u8)value);
		else if (dev->kind->id == KEEL_VDEV_PL011)
			return;
		else
			vgic_set_level(&vm, &vm.vcpus[rnd_below(NR_VCPUS)], 16 + rnd_below(80), value & 1);
		return;
	case 1:
		/* The links Keel makes: a timer PPI or a passed-through SPI, each to the same physical INTID. */
		if (dev->kind->id != KEEL_VDEV_PL011) {
			static const u32 linkable[] = { 27, 30, 40, 41, 42 };
			u32 intid = linkable[rnd_below(ARRAY_SIZE(linkable))];

			vgic_inject_hw(&vm, &vm.vcpus[rnd_below(NR_VCPUS)], intid, intid);
		}
		return;
	default:
		assert_true(dev->kind->write(dev, &vm.vcpus[0], frame + off, r->width, value));
	}
}

static void check_round_trip(struct vdev *dev)
{
	static u64 before[MAX_REGS], after_reset[MAX_REGS], after[MAX_REGS];
	const struct vdev_kind *kind = dev->kind;
	u32 n, len, len2;

	for (u32 i = 0; i < WRITES_PER_ROUND; i++)
		poke(dev, true);
	n = dump(dev, before);
	len = kind->save(dev, saved[0]);
	assert_true(len > 0 && len <= kind->save_size && len <= sizeof(saved[0]));

	kind->reset(dev);
	assert_int_equal(dump(dev, after_reset), n);
	assert_memory_not_equal(before, after_reset, n * sizeof(u64)); /* the reset undid something */
	for (u32 i = 0; i < 50; i++)
		poke(dev, false); /* and the guest went on a little */

	assert_true(kind->restore(dev, saved[0], len));
	assert_int_equal(dump(dev, after), n);
	for (u32 i = 0; i < n; i++)
		if (before[i] != after[i])
			fail_msg("%s: register %u reads 0x%llx after restore, 0x%llx before save", kind->name, i,
				 (unsigned long long)after[i], (unsigned long long)before[i]);
	len2 = kind->save(dev, saved[1]);
	assert_int_equal(len2, len);
	assert_memory_equal(saved[0], saved[1], len);
	assert_false(kind->restore(dev, saved[0], len - 1)); /* a truncated state is refused */
}

static void test_round_trip_every_kind(void **state)
{
	(void)state;
	assert_int_equal(vm.nr_vdevs, 3);
	assert_ptr_equal(vm.vdevs[0].kind, &vgic_dist_kind); /* registry order, not record order */
	assert_ptr_equal(vm_vgic(&vm), vm.vdevs[0].state);
	assert_ptr_equal(vm_vuart(&vm), vm.vdevs[2].state);
	for (u32 d = 0; d < vm.nr_vdevs; d++) {
		rng = 0x9e3779b97f4a7c15ull + d; /* reproducible: same writes on every run */
		for (u32 round = 0; round < NR_ROUNDS; round++)
			check_round_trip(&vm.vdevs[d]);
	}
}

/*
 * A saved state can only restore the hardware links Keel itself makes: a
 * link to a physical interrupt this VM does not own (an SPI not passed
 * through to it, or another INTID) comes back unlinked.
 */
static void test_restore_refuses_foreign_links(void **state)
{
	struct vdev *dist = &vm.vdevs[0];
	u32 len;

	(void)state;
	assert_true(vgic_inject_hw(&vm, NULL, 40, 40)); /* passed through: kept */
	assert_true(vgic_inject_hw(&vm, NULL, 50, 50)); /* not this VM's */
	assert_true(vgic_inject_hw(&vm, NULL, 41, 60)); /* another INTID */
	len = dist->kind->save(dist, saved[0]);
	dist->kind->reset(dist);
	assert_true(dist->kind->restore(dist, saved[0], len));
	assert_true(vm_vgic(&vm)->spis[40 - 32].hw);
	assert_false(vm_vgic(&vm)->spis[50 - 32].hw);
	assert_false(vm_vgic(&vm)->spis[41 - 32].hw);
}

/* The vUART's receive FIFO comes back in order, and so does its unfinished output line. */
static void test_vuart_fifo_and_line(void **state)
{
	struct vdev *dev = &vm.vdevs[2];
	struct vuart *u = dev->state;
	u32 len;
	u64 v;

	(void)state;
	for (u32 i = 0; i < 300; i++)
		vuart_receive(u, (u8)i); /* wraps the FIFO: the oldest 256 stay */
	for (u32 i = 0; i < 10; i++)
		assert_true(dev->kind->read(dev, NULL, 0x0, 4, &v)); /* the head moves off slot 0 */
	for (const char *p = "prompt$ "; *p; p++)
		assert_true(dev->kind->write(dev, NULL, 0x0, 4, (u8)*p));
	len = dev->kind->save(dev, saved[0]);
	fake_sink_reset();
	dev->kind->reset(dev); /* prints the partial line */
	assert_int_equal(fake_sink_count, 1);
	assert_true(dev->kind->restore(dev, saved[0], len));
	for (u32 i = 10; i < 256; i++) {
		assert_true(dev->kind->read(dev, NULL, 0x0, 4, &v));
		assert_int_equal(v, (u8)i);
	}
	vdev_idle_all(&vm, &vm.vcpus[0]); /* the idle hook shows the restored prompt */
	assert_string_equal(fake_sink_lines[1], "[testvm] prompt$ <partial>");
}

/*
 * vdev_kind.read_fixed answers only what read() answers, the same way, and
 * does not change: for every offset and width of every device, before and
 * after random writes. It must answer the registers the exit fast path is
 * for (GICD_TYPER, each GICR_TYPER with its Last bit), never a register a
 * guest can write (GICD_CTLR, GICR_WAKER).
 */
static u32 check_fixed_reads(struct vdev *dev, u64 *values)
{
	static const u32 widths[] = { 1, 2, 4, 8 };
	u32 n = 0;

	for (u64 off = 0; off < dev->size; off++)
		for (u32 w = 0; w < ARRAY_SIZE(widths); w++) {
			u64 fixed = 0, read = 0;

			if (!dev->kind->read_fixed || !dev->kind->read_fixed(dev, off, widths[w], &fixed))
				continue;
			if (!dev->kind->read(dev, &vm.vcpus[0], off, widths[w], &read) || read != fixed)
				fail_msg("%s: read_fixed at 0x%llx width %u gives 0x%llx, read 0x%llx", dev->kind->name,
					 (unsigned long long)off, widths[w], (unsigned long long)fixed,
					 (unsigned long long)read);
			if (values[n] != ~0ull && values[n] != fixed)
				fail_msg("%s: fixed register at 0x%llx changed", dev->kind->name, (unsigned long long)off);
			values[n++] = fixed;
		}
	return n;
}

static void test_read_fixed_is_read(void **state)
{
	static u64 values[3][MAX_REGS];
	struct vdev *gicd = &vm.vdevs[0], *gicr = &vm.vdevs[1];
	u64 v;

	(void)state;
	memset(values, 0xff, sizeof(values));
	for (u32 d = 0; d < vm.nr_vdevs; d++)
		check_fixed_reads(&vm.vdevs[d], values[d]);
	rng = 7;
	for (u32 i = 0; i < 2000; i++)
		poke(&vm.vdevs[i % vm.nr_vdevs], true);
	for (u32 d = 0; d < vm.nr_vdevs; d++)
		check_fixed_reads(&vm.vdevs[d], values[d]);

	assert_true(gicd->kind->read_fixed(gicd, 0x4, 4, &v)); /* GICD_TYPER: 64 SPIs, 10 ID bits */
	assert_int_equal(v, (9u << 19) | 2);
	assert_false(gicd->kind->read_fixed(gicd, 0x0, 4, &v)); /* GICD_CTLR */
	assert_true(gicr->kind->read_fixed(gicr, 0x8, 8, &v)); /* vCPU 0's GICR_TYPER: not the last */
	assert_int_equal(v & (1u << 4), 0);
	assert_true(gicr->kind->read_fixed(gicr, 0x20008, 8, &v)); /* vCPU 1's: Aff0 1, Last */
	assert_int_equal(v, (1ull << 32) | (1u << 8) | (1u << 4));
	assert_true(gicr->kind->read_fixed(gicr, 0x2000c, 4, &v)); /* its upper half */
	assert_int_equal(v, 1);
	assert_false(gicr->kind->read_fixed(gicr, 0x14, 4, &v)); /* GICR_WAKER */
	assert_false(gicr->kind->read_fixed(gicr, 0x40008, 8, &v)); /* past the last redistributor */
}

/*
 * The exit fast path answers a fixed register from the vCPU's cache, which
 * only the ordinary path fills (mmio_dispatch): not before the first read,
 * never for a register that can change, and per width and sign extension.
 */
static void test_fixed_read_cache(void **state)
{
	struct vcpu *vcpu = &vm.vcpus[1];
	struct mmio_access typer = { .ipa = FAKE_GICR + 0x20008, .width = 8, .reg = 5, .reg64 = true };
	struct mmio_access typer_lo = { .ipa = FAKE_GICR + 0x20008, .width = 4, .reg = 6 };
	struct mmio_access ctlr = { .ipa = FAKE_GICD, .width = 4, .reg = 7 };

	(void)state;
	memset(&vcpu->fixed_reads, 0, sizeof(vcpu->fixed_reads));
	assert_false(mmio_read_fast(vcpu, &typer));
	assert_int_equal(mmio_dispatch(vcpu, &typer), MMIO_OK);
	vcpu->regs.x[5] = 0;
	assert_true(mmio_read_fast(vcpu, &typer));
	assert_int_equal(vcpu->regs.x[5], (1ull << 32) | (1u << 8) | (1u << 4));
	assert_false(mmio_read_fast(vcpu, &typer_lo)); /* another width: another key */
	assert_false(mmio_read_fast(&vm.vcpus[0], &typer)); /* another vCPU's cache */
	assert_int_equal(mmio_dispatch(vcpu, &ctlr), MMIO_OK);
	assert_false(mmio_read_fast(vcpu, &ctlr)); /* GICD_CTLR is the guest's to change */
	/* The low half of the same TYPER into a W register: its own entry, zero-extended. */
	assert_int_equal(mmio_dispatch(vcpu, &typer_lo), MMIO_OK);
	vcpu->regs.x[6] = ~0ull;
	assert_true(mmio_read_fast(vcpu, &typer_lo));
	assert_int_equal(vcpu->regs.x[6], (1u << 8) | (1u << 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip_every_kind, setup),
		cmocka_unit_test_setup(test_restore_refuses_foreign_links, setup),
		cmocka_unit_test_setup(test_vuart_fifo_and_line, setup),
		cmocka_unit_test_setup(test_read_fixed_is_read, setup),
		cmocka_unit_test_setup(test_fixed_read_cache, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
