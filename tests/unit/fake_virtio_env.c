/*
 * VMs with RAM and a vGIC for the virtio device tests, and a driver that
 * uses the devices as Linux does (see fake_virtio_env.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/guest_mem.h>

#include "fake_gic.h"
#include "fake_gm.h"
#include "fake_vgic_env.h"
#include "fake_virtio_env.h"

#define FV_POOL_PAGES 32

/* Per VM, kept across tests: RAM, table pages, its configuration record. */
static u8 *fv_ram_of[KEEL_MAX_VMS], *fv_slow_of[KEEL_MAX_VMS];
static void *fv_pool_of[KEEL_MAX_VMS];
static struct keel_blob_vm fv_cfg[KEEL_MAX_VMS];

void fv_reset(void)
{
	const struct vdev_kind *kinds[] = { &virtio_net_kind, &virtio_console_kind };

	fake_vdev_pools_reset();
	/* Zeroed too: the switch keeps every port it ever saw, and an old port must be a stopped one. */
	for (u32 i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct vdev_pool *p = kinds[i]->pool;

		memset(p->slots, 0, (u64)p->nr_slots * p->slot_size);
		p->nr_used = 0;
	}
	gm_dirty_pool_reset();
	fake_gic_reset(4);
	fake_vgic_this_cpu = KEEL_MAX_CPUS - 1; /* the frame buffers are per CPU: a real one, running no test vCPU */
	fake_gm_irq_after = 0;
	fake_vgic_log_count = 0;
	fake_vgic_last_log[0] = 0;
	memset(vms, 0, sizeof(vms));
	nr_vms = 0;
}

static void fv_vcpus(struct vm *vm)
{
	vm->nr_vcpus = 1;
	vm->vcpus[0].vm = vm;
	vm->vcpus[0].index = 0;
	vm->vcpus[0].pcpu = vm->index;
	vm->vcpus[0].state = VCPU_RUNNABLE;
	vm->vcpus[0].loaded = true;
}

static void fv_vgic(struct vm *vm)
{
	struct keel_blob_vdev dist = { .kind = KEEL_VDEV_GICV3_DIST, .ipa = FAKE_GICD, .size = 0x10000,
				       .args = { FV_NR_SPIS } };
	struct keel_blob_vdev redist = { .kind = KEEL_VDEV_GICV3_REDIST, .ipa = FAKE_GICR, .size = 0x20000 };

	vdev_add(vm, &vgic_dist_kind, &dist);
	vdev_add(vm, &vgic_redist_kind, &redist);
}

/* RAM: a real guest_mem over host buffers; the first region filled (as a booted guest has it) and zero. */
static void fv_mem(struct vm *vm, u32 index)
{
	struct keel_blob_vm *cfg = &fv_cfg[index];
	void *host;

	if (!fv_ram_of[index]) {
		fv_ram_of[index] = aligned_alloc(2 * MiB, FV_RAM_BYTES);
		fv_slow_of[index] = aligned_alloc(2 * MiB, FV_SLOW_BYTES);
		assert_non_null(fv_slow_of[index]);
		fv_pool_of[index] = aligned_alloc(PAGE_SIZE, FV_POOL_PAGES * PAGE_SIZE);
		assert_non_null(fv_ram_of[index]);
		assert_non_null(fv_pool_of[index]);
	}
	memset(fv_ram_of[index], 0x5a, FV_RAM_BYTES); /* the last test's leftovers: the fill must zero them */
	pt_pool_init(&vm->s2_pool, fv_pool_of[index], FV_POOL_PAGES);
	assert_int_equal(s2_init(&vm->s2, (u16)(index + 1), &vm->s2_pool), PT_OK);
	cfg->nr_mem = 2;
	cfg->mem[0] = (struct keel_blob_mem){ FV_RAM_IPA, (u64)(uintptr_t)fv_ram_of[index], FV_RAM_BYTES };
	cfg->mem[1] = (struct keel_blob_mem){ FV_SLOW_IPA, (u64)(uintptr_t)fv_slow_of[index], FV_SLOW_BYTES };
	assert_true(gm_init(&vm->mem, &vm->s2, cfg));
	gm_reset(&vm->mem);
	assert_int_equal(gm_access(&vm->mem, ipa_of(FV_RAM_IPA), FV_RAM_BYTES, GM_READ, false, &host), GM_OK);
	assert_ptr_equal(host, fv_ram_of[index]);
}

struct vm *fv_vm(u32 index)
{
	struct vm *vm = &vms[index];
	struct keel_blob_vm *cfg = &fv_cfg[index];

	assert_int_equal(index, nr_vms);
	memset(vm, 0, sizeof(*vm));
	memset(cfg, 0, sizeof(*cfg));
	snprintf(vm->name, sizeof(vm->name), "vm%u", index);
	vm->index = index;
	vm->cfg = cfg;
	cfg->nr_vcpus = 1;
	cfg->nr_spis = FV_NR_SPIS;
	fv_vcpus(vm);
	fv_vgic(vm);
	fv_mem(vm, index);
	nr_vms++;
	return vm;
}

struct vdev *fv_add(struct vm *vm, const struct vdev_kind *kind, u32 a0, u32 a1, u32 a2)
{
	struct keel_blob_vm *cfg = &fv_cfg[vm->index];
	u32 n = vm->nr_vdevs - 2; /* after the distributor and the redistributor */
	struct keel_blob_vdev *rec = &cfg->vdevs[cfg->nr_vdevs++];

	*rec = (struct keel_blob_vdev){ .kind = kind->id, .ipa = FV_DEV_IPA + 0x1000ull * n, .size = VIRTIO_MMIO_SIZE,
					.irq = FV_DEV_IRQ + n, .args = { a0, a1, a2 } };
	assert_null(kind->check(cfg, rec));
	return vdev_add(vm, kind, rec);
}

u8 *fv_ram(struct vm *vm, u64 ipa)
{
	assert_true(ipa >= FV_RAM_IPA && ipa < FV_RAM_IPA + FV_RAM_BYTES);
	return fv_ram_of[vm->index] + (ipa - FV_RAM_IPA);
}

bool fv_line(struct vdev *dev)
{
	return vm_vgic(dev->vm)->spis[dev->irq - 32].line_level;
}

u32 fv_r(struct vdev *dev, u64 off)
{
	u64 v = 0xdeadbeefdeadbeefull;

	assert_true(dev->kind->read(dev, &dev->vm->vcpus[0], off, 4, &v));
	assert_true(v <= 0xffffffffull);
	return (u32)v;
}

void fv_w(struct vdev *dev, u64 off, u32 value)
{
	assert_true(dev->kind->write(dev, &dev->vm->vcpus[0], off, 4, value));
}

void fv_negotiate(struct vdev *dev, u64 features)
{
	fv_w(dev, FV_STATUS, 0);
	fv_w(dev, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	fv_w(dev, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (u32 sel = 0; sel < 2; sel++) {
		fv_w(dev, FV_DRIVER_FEATURES_SEL, sel);
		fv_w(dev, FV_DRIVER_FEATURES, (u32)(features >> (32 * sel)));
	}
	fv_w(dev, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(fv_r(dev, FV_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

void fv_queue(struct fv_queue *q, struct vdev *dev, u32 index, u32 num, u64 base)
{
	*q = (struct fv_queue){ .dev = dev, .index = index, .num = num, .desc = base, .avail = base + 0x1000,
				.used = base + 0x2000 };
	fv_w(dev, FV_QUEUE_SEL, index);
	assert_int_equal(fv_r(dev, FV_QUEUE_READY), 0);
	assert_true(fv_r(dev, FV_QUEUE_NUM_MAX) >= num);
	fv_w(dev, FV_QUEUE_NUM, num);
	fv_w(dev, FV_QUEUE_DESC_LOW, (u32)q->desc);
	fv_w(dev, FV_QUEUE_DESC_HIGH, (u32)(q->desc >> 32));
	fv_w(dev, FV_QUEUE_DRIVER_LOW, (u32)q->avail);
	fv_w(dev, FV_QUEUE_DRIVER_HIGH, (u32)(q->avail >> 32));
	fv_w(dev, FV_QUEUE_DEVICE_LOW, (u32)q->used);
	fv_w(dev, FV_QUEUE_DEVICE_HIGH, (u32)(q->used >> 32));
	fv_w(dev, FV_QUEUE_READY, 1);
	assert_int_equal(fv_r(dev, FV_QUEUE_READY), 1);
}

void fv_start(struct vdev *dev)
{
	fv_w(dev, FV_STATUS, fv_r(dev, FV_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	assert_true(fv_r(dev, FV_STATUS) & VIRTIO_STATUS_DRIVER_OK);
}

static void fv_desc(struct fv_queue *q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = fv_ram(q->dev->vm, q->desc + 16ull * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void fv_offer_chain(struct fv_queue *q, const struct fv_buf *bufs, u32 n)
{
	u16 head = q->next_desc;
	struct vm *vm = q->dev->vm;

	for (u32 i = 0; i < n; i++) {
		u16 d = q->next_desc, next = (u16)((d + 1) % q->num);

		fv_desc(q, d, bufs[i].ipa, bufs[i].len, (u16)((bufs[i].write ? FV_F_WRITE : 0) | (i + 1 < n ? FV_F_NEXT : 0)),
			i + 1 < n ? next : 0);
		q->next_desc = next;
	}
	memcpy(fv_ram(vm, q->avail + 4 + 2 * (q->avail_idx % q->num)), &head, 2);
	q->avail_idx++;
	memcpy(fv_ram(vm, q->avail + 2), &q->avail_idx, 2);
}

void fv_offer(struct fv_queue *q, u64 ipa, u32 len, u64 wipa, u32 wlen)
{
	struct fv_buf bufs[2];
	u32 n = 0;

	if (len)
		bufs[n++] = (struct fv_buf){ ipa, len, false };
	if (wlen)
		bufs[n++] = (struct fv_buf){ wipa, wlen, true };
	fv_offer_chain(q, bufs, n);
}

void fv_notify(struct fv_queue *q)
{
	fv_w(q->dev, FV_QUEUE_NOTIFY, q->index);
}

bool fv_take_used(struct fv_queue *q, u32 *id, u32 *len)
{
	struct vm *vm = q->dev->vm;
	u16 idx;

	memcpy(&idx, fv_ram(vm, q->used + 2), 2);
	if (idx == q->used_seen)
		return false;
	memcpy(id, fv_ram(vm, q->used + 4 + 8 * (q->used_seen % q->num)), 4);
	memcpy(len, fv_ram(vm, q->used + 8 + 8 * (q->used_seen % q->num)), 4);
	q->used_seen++;
	return true;
}
