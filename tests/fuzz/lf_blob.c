/*
 * lf_blob: a libFuzzer target for Keel's EL2 reading of the configuration
 * blob (issue 12), built for the host against arch/fake and the qemu-virt
 * board file as blobcheck is (tests/fuzz.mk), with ASan and UBSan.
 *
 * The input is a blob, then optionally an MMIO script. The blob's CRC is
 * recomputed before the check (the input's own checksum field is ignored),
 * since a mutation that keeps a valid CRC is all but impossible and the
 * checks after it are what matter; the CRC itself is covered by test_blob.
 * blob_verify (core/blob.c) must either refuse it or accept it; an accepted
 * blob then goes through what vm_create() (core/vm.c) does next at boot
 * with its host-compilable parts: each VM's stage-2 table slice, root and
 * passed-through device mappings, guest memory (gm_init), vCPUs on their
 * CPUs, its device instances from the blob's records (vdev_create_all) and
 * a reset of them as vm_start() does. Where vm_create() panics with a
 * message naming the configuration (stage-2 pages or guest memory beyond
 * Keel's limits) the input stops there: that is Keel's deliberate answer
 * at boot. A CHECK or panic anywhere else, or a sanitizer report, is a bug.
 *
 * The bytes after the blob's total_size are an MMIO script, 8 bytes an
 * access (VM, device, offset, width, direction, value), sent through each
 * device kind's read and write handlers as a guest's trapped access would
 * be. Writes to virtio devices are left out: they reach guest RAM, which on
 * the host would be whatever host memory the blob's addresses name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/blob.h>
#include <keel/cpu.h>
#include <keel/crc32.h>
#include <keel/guest_mem.h>
#include <keel/platform.h>
#include <keel/stage2.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <keel/vdev.h>
#include <keel/vm.h>

#include "fake_console_fakes.h"
#include "fake_gic.h"

#define LF_BLOB_MAX (sizeof(struct keel_blob) + KEEL_MAX_VMS * sizeof(struct keel_blob_vm))
#define LF_MAX_OPS 64

static u8 lf_src[LF_BLOB_MAX] __attribute__((aligned(8)));
static u8 lf_dst[LF_BLOB_MAX] __attribute__((aligned(8)));
static u8 lf_s2_pages[KEEL_STAGE2_POOL_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Empty every pool Keel fills once at boot, so each input boots afresh. */
static void lf_reset(void)
{
	for (u32 k = 0; vdev_kind_at(k); k++)
		if (vdev_kind_at(k)->pool)
			vdev_kind_at(k)->pool->nr_used = 0;
	gm_dirty_pool_reset();
	fake_gic_reset(4);
	fake_sink_reset();
	memset(vms, 0, sizeof(*vms) * KEEL_MAX_VMS);
	nr_vms = 0;
}

/* vm_create() without what has no host build (scheduler, IRQ routing, channels, standby). */
static bool lf_vm_create(struct vm *vm, u32 index, const struct keel_blob_vm *c, u32 *first, u32 *vcpus_on)
{
	if (c->s2_table_pages > KEEL_STAGE2_POOL_PAGES - *first)
		return false; /* vm_create_all() panics naming the VM and its pages */
	pt_pool_init(&vm->s2_pool, lf_s2_pages + (u64)*first * PAGE_SIZE, c->s2_table_pages);
	*first += c->s2_table_pages;
	vm->cfg = c;
	vm->index = index;
	vm->vmid = (u16)(index + 1);
	strlcpy(vm->name, c->name, sizeof(vm->name));
	vm->nr_vcpus = c->nr_vcpus;
	if (s2_init(&vm->s2, vm->vmid, &vm->s2_pool))
		return false; /* panics: no page for the root */
	for (u32 i = 0; i < c->nr_mmio; i++)
		if (s2_map(&vm->s2, ipa_of(c->mmio[i].ipa), pa_of(c->mmio[i].pa), c->mmio[i].size,
			   MM_RW | MM_DEVICE))
			return false; /* panics: cannot map device region (too few table pages) */
	if (!gm_init(&vm->mem, &vm->s2, c))
		return false; /* panics: memory regions beyond Keel's limits */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		*v = (struct vcpu){ .vm = vm, .index = i, .pcpu = c->pcpu[i], .state = VCPU_RUNNABLE,
				    .loaded = true };
		if (++vcpus_on[c->pcpu[i]] > CPU_MAX_VCPUS) {
			fprintf(stderr, "lf_blob: CHECK(cpu->nr_vcpus < CPU_MAX_VCPUS) in vm_create\n");
			abort();
		}
	}
	vdev_create_all(vm);
	vdev_reset_all(vm); /* vm_start() */
	return true;
}

/* One trapped access of the script: VM, device, offset, width, direction from 8 bytes. */
static void lf_mmio(const u8 *op)
{
	struct vm *vm = &vms[op[0] % nr_vms];
	struct vdev *dev;
	struct vcpu *vcpu;
	u32 width = 1u << (op[1] & 3), offset;
	u64 value = (u64)op[4] << 24 | (u64)op[5] << 16 | (u64)op[6] << 8 | op[7];

	if (!vm->nr_vdevs)
		return;
	dev = &vm->vdevs[(op[1] >> 3) % vm->nr_vdevs];
	vcpu = &vm->vcpus[(op[1] >> 2 & 1) % vm->nr_vcpus];
	offset = (u32)((op[2] << 8 | op[3]) * 4 % dev->size);
	if (op[1] & 0x80) {
		if (strncmp(dev->kind->name, "virtio", 6))
			dev->kind->write(dev, vcpu, offset, width, width < 8 ? value & ((1ull << width * 8) - 1) : value);
	} else {
		dev->kind->read(dev, vcpu, offset, width, &value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keel_blob_header *h = (struct keel_blob_header *)lf_src;
	u32 vcpus_on[KEEL_MAX_CPUS] = { 0 }, first = 0;
	const struct keel_blob *b = (const struct keel_blob *)lf_dst;
	char msg[256];
	size_t len;

	if (size < sizeof(*h))
		return -1;
	len = MIN(size, sizeof(lf_src));
	memset(lf_src, 0, sizeof(lf_src));
	memcpy(lf_src, data, len);
	if (h->total_size <= sizeof(lf_src)) { /* sign it, as keelcfg does */
		h->checksum = 0;
		h->checksum = crc32(lf_src, h->total_size);
	}
	if (blob_verify(lf_src, lf_dst, sizeof(lf_dst), &platform, msg, sizeof(msg)))
		return 0;
	lf_reset();
	for (nr_vms = 0; nr_vms < b->header.nr_vms; nr_vms++)
		if (!lf_vm_create(&vms[nr_vms], nr_vms, &b->vms[nr_vms], &first, vcpus_on))
			return 0;
	for (size_t at = h->total_size, n = 0; at + 8 <= size && n < LF_MAX_OPS; at += 8, n++)
		lf_mmio(data + at);
	return 0;
}
