/*
 * The configuration blob's checks at EL2 (include/keel/blob.h). After the
 * header and the CRC, every count is compared with the array it bounds and
 * every index with what it indexes: CPUs with the platform's, VMs and vCPUs
 * in time-table windows with the blob's own, SPIs with the VM's interrupt
 * space, device kinds with the registry. These are not keelcfg's semantic
 * checks (overlaps with the board, schedulability): a blob keelcfg wrote
 * always passes. They stop a hand-made or damaged blob with a valid CRC from
 * making Keel read past an array or trip a CHECK; the message names the
 * field, as "vms[1].pcpu[0] 9: the platform has 4 CPUs".
 */
#include <keel/blob.h>
#include <keel/cpu.h>
#include <keel/crc32.h>
#include <keel/log.h>
#include <keel/stage2.h>
#include <keel/string.h>
#include <keel/vdev.h>
#include <keel/vgic.h>
#include <keel/vm.h>

/* Format the reason into msg and return it. */
#define BLOB_FAIL(...) (format(msg, msg_size, __VA_ARGS__), (const char *)msg)

#define BLOB_IPA_LIMIT (1ull << STAGE2_IPA_BITS)
#define BLOB_RAM_SPAN (2 * MiB) /* a guest-memory chunk (guest_mem.h) */

static bool blob_range_ok(u64 base, u64 size, u64 limit)
{
	return size != 0 && IS_ALIGNED(base | size, PAGE_SIZE) && base < limit && size <= limit - base;
}

static const char *blob_check_cpu(const struct keel_blob *b, u32 n, u32 nr_cpus, char *msg, u32 msg_size)
{
	const struct keel_blob_cpu *c = &b->cpus[n];

	if (c->policy > KEEL_SCHED_TIME_TABLE)
		return BLOB_FAIL("cpus[%u].policy %u: unknown", n, c->policy);
	if (n >= nr_cpus && c->policy != KEEL_SCHED_STATIC)
		return BLOB_FAIL("cpus[%u].policy %u: the platform has %u CPUs", n, c->policy, nr_cpus);
	if (c->policy != KEEL_SCHED_TIME_TABLE)
		return NULL;
	if (c->nr_windows == 0 || c->nr_windows > KEEL_MAX_WINDOWS)
		return BLOB_FAIL("cpus[%u].nr_windows %u: must be 1..%u", n, c->nr_windows, KEEL_MAX_WINDOWS);
	if (c->major_frame_ns == 0)
		return BLOB_FAIL("cpus[%u].major_frame_ns 0", n);
	for (u32 i = 0; i < c->nr_windows; i++) {
		const struct keel_blob_window *w = &c->windows[i];

		if (w->vm >= b->header.nr_vms)
			return BLOB_FAIL("cpus[%u].windows[%u].vm %u: the blob has %u VMs", n, i, w->vm,
					 b->header.nr_vms);
		if (w->vcpu >= b->vms[w->vm].nr_vcpus || b->vms[w->vm].pcpu[w->vcpu] != n)
			return BLOB_FAIL("cpus[%u].windows[%u].vcpu %u: not a vCPU of vm %u on this CPU", n, i,
					 w->vcpu, w->vm);
		if (w->length_ns == 0 || w->offset_ns >= c->major_frame_ns ||
		    w->length_ns > c->major_frame_ns - w->offset_ns)
			return BLOB_FAIL("cpus[%u].windows[%u]: empty or outside the major frame", n, i);
	}
	return NULL;
}

/* vCPUs, their CPUs and servers. vcpus_on counts the vCPUs pinned to each CPU so far. */
static const char *blob_check_vcpus(const struct keel_blob_vm *v, u32 i, u32 nr_cpus, u32 *vcpus_on,
				    char *msg, u32 msg_size)
{
	if (v->nr_vcpus == 0 || v->nr_vcpus > KEEL_MAX_VCPUS_PER_VM)
		return BLOB_FAIL("vms[%u].nr_vcpus %u: must be 1..%u", i, v->nr_vcpus, KEEL_MAX_VCPUS_PER_VM);
	for (u32 c = 0; c < v->nr_vcpus; c++) {
		const struct keel_blob_server *s = &v->servers[c];

		if (v->pcpu[c] >= nr_cpus)
			return BLOB_FAIL("vms[%u].pcpu[%u] %u: the platform has %u CPUs", i, c, v->pcpu[c], nr_cpus);
		if (++vcpus_on[v->pcpu[c]] > CPU_MAX_VCPUS)
			return BLOB_FAIL("vms[%u].pcpu[%u] %u: more than %u vCPUs on that CPU", i, c, v->pcpu[c],
					 CPU_MAX_VCPUS);
		if (s->budget_ns && (s->period_ns == 0 || s->budget_ns > s->period_ns))
			return BLOB_FAIL("vms[%u].servers[%u]: budget %lu ns, period %lu ns", i, c,
					 (unsigned long)s->budget_ns, (unsigned long)s->period_ns);
	}
	return NULL;
}

/* RAM and the images copied into it. */
/* Whether [base, base + size) lies inside region r. */
static bool blob_inside(u64 base, u64 size, const struct plat_region *r)
{
	return base >= r->base && size <= r->size && base - r->base <= r->size - size;
}

static const char *blob_check_memory(const struct keel_blob_vm *v, u32 i, const struct platform_desc *plat,
				     char *msg, u32 msg_size)
{
	u64 chunks = 0;

	if (v->nr_mem == 0 || v->nr_mem > KEEL_MAX_MEM_REGIONS)
		return BLOB_FAIL("vms[%u].nr_mem %u: must be 1..%u", i, v->nr_mem, KEEL_MAX_MEM_REGIONS);
	if (v->mem_read_only >> v->nr_mem)
		return BLOB_FAIL("vms[%u].mem_read_only 0x%x: a bit beyond its %u RAM regions", i, v->mem_read_only,
				 v->nr_mem);
	for (u32 m = 0; m < v->nr_mem; m++) {
		if (!blob_range_ok(v->mem[m].ipa, v->mem[m].size, BLOB_IPA_LIMIT) ||
		    !blob_range_ok(v->mem[m].pa, v->mem[m].size, ~0ull))
			return BLOB_FAIL("vms[%u].mem[%u]: empty, unaligned or beyond the IPA space", i, m);
		if (!blob_inside(v->mem[m].pa, v->mem[m].size, &plat->guest_ram))
			return BLOB_FAIL("vms[%u].mem[%u]: physical 0x%lx+0x%lx is not the board's guest RAM", i, m,
					 (unsigned long)v->mem[m].pa, (unsigned long)v->mem[m].size);
		chunks += (ALIGN_UP(v->mem[m].ipa + v->mem[m].size, BLOB_RAM_SPAN) -
			   ALIGN_DOWN(v->mem[m].ipa, BLOB_RAM_SPAN)) / BLOB_RAM_SPAN;
	}
	if (chunks > KEEL_MAX_RAM_SPANS_PER_VM)
		return BLOB_FAIL("vms[%u].mem: RAM touches %lu 2 MiB spans, Keel keeps books for %u", i,
				 (unsigned long)chunks, KEEL_MAX_RAM_SPANS_PER_VM);
	if (v->s2_table_pages == 0 || v->s2_table_pages > KEEL_STAGE2_POOL_PAGES)
		return BLOB_FAIL("vms[%u].s2_table_pages %u: must be 1..%u", i, v->s2_table_pages,
				 KEEL_STAGE2_POOL_PAGES);
	if (v->nr_images > KEEL_MAX_IMAGES)
		return BLOB_FAIL("vms[%u].nr_images %u: above %u", i, v->nr_images, KEEL_MAX_IMAGES);
	for (u32 k = 0; k < v->nr_images; k++) {
		const struct keel_blob_image *img = &v->images[k];
		bool inside = false;

		if (img->kind < KEEL_IMAGE_KERNEL || img->kind > KEEL_IMAGE_DATA)
			return BLOB_FAIL("vms[%u].images[%u].kind %u: unknown", i, k, img->kind);
		for (u32 m = 0; m < v->nr_mem && img->size; m++)
			inside |= img->dst_ipa >= v->mem[m].ipa && img->size <= v->mem[m].size &&
				  img->dst_ipa - v->mem[m].ipa <= v->mem[m].size - img->size;
		if (!inside)
			return BLOB_FAIL("vms[%u].images[%u]: empty or not inside the VM's RAM", i, k);
		/* Its pristine copy is where the loader puts modules: never Keel's memory or a VM's RAM. */
		if (!blob_inside(img->src_pa, img->size, &plat->modules))
			return BLOB_FAIL("vms[%u].images[%u]: source 0x%lx+0x%lx is outside the boot modules", i, k,
					 (unsigned long)img->src_pa, (unsigned long)img->size);
	}
	return NULL;
}

/* Passed-through interrupts and device regions, and the VM's interrupt space. */
/* Whether a passed-through region is exactly one of the board's devices, at its own address. */
static bool blob_board_device(const struct keel_blob_mmio *m, const struct platform_desc *plat)
{
	for (u32 d = 0; d < plat->nr_devices && d < ARRAY_SIZE(plat->devices); d++)
		if (m->pa == plat->devices[d].mmio.base && m->size == plat->devices[d].mmio.size && m->ipa == m->pa)
			return true;
	return false;
}

static const char *blob_check_passthrough(const struct keel_blob_vm *v, u32 i, const struct platform_desc *plat,
					  char *msg, u32 msg_size)
{
	if (v->nr_spis % 32 || v->nr_spis > VGIC_MAX_SPIS)
		return BLOB_FAIL("vms[%u].nr_spis %u: must be a multiple of 32 up to %u", i, v->nr_spis,
				 VGIC_MAX_SPIS);
	if (v->nr_irqs > KEEL_MAX_PASSTHROUGH_IRQS)
		return BLOB_FAIL("vms[%u].nr_irqs %u: above %u", i, v->nr_irqs, KEEL_MAX_PASSTHROUGH_IRQS);
	for (u32 k = 0; k < v->nr_irqs; k++)
		if (v->irqs[k] < 32 || v->irqs[k] >= 32 + v->nr_spis)
			return BLOB_FAIL("vms[%u].irqs[%u] %u: not an SPI of the VM (32..%u)", i, k, v->irqs[k],
					 32 + v->nr_spis - 1);
	if (v->nr_mmio > KEEL_MAX_PASSTHROUGH_MMIO)
		return BLOB_FAIL("vms[%u].nr_mmio %u: above %u", i, v->nr_mmio, KEEL_MAX_PASSTHROUGH_MMIO);
	for (u32 k = 0; k < v->nr_mmio; k++)
		if (!blob_range_ok(v->mmio[k].ipa, v->mmio[k].size, BLOB_IPA_LIMIT) ||
		    !blob_range_ok(v->mmio[k].pa, v->mmio[k].size, ~0ull))
			return BLOB_FAIL("vms[%u].mmio[%u]: empty, unaligned or beyond the IPA space", i, k);
		else if (!blob_board_device(&v->mmio[k], plat))
			return BLOB_FAIL("vms[%u].mmio[%u]: 0x%lx+0x%lx is not a device of the board", i, k,
					 (unsigned long)v->mmio[k].pa, (unsigned long)v->mmio[k].size);
	return NULL;
}

/* One device record: a known kind, a range, an SPI of the VM, and the kind's own rules. */
static const char *blob_check_vdev(const struct keel_blob_vm *v, u32 i, u32 d, char *msg, u32 msg_size)
{
	const struct keel_blob_vdev *r = &v->vdevs[d];
	const struct vdev_kind *kind = vdev_kind_find(r->kind);
	const char *why;

	if (!kind)
		return BLOB_FAIL("vms[%u].vdevs[%u].kind %u: unknown device kind", i, d, r->kind);
	if (!blob_range_ok(r->ipa, r->size, BLOB_IPA_LIMIT))
		return BLOB_FAIL("vms[%u].vdevs[%u] (%s): size 0, unaligned or beyond the IPA space", i, d,
				 kind->name);
	if (r->irq && (r->irq < 32 || r->irq >= 32 + v->nr_spis))
		return BLOB_FAIL("vms[%u].vdevs[%u].irq %u: not an SPI of the VM (32..%u)", i, d, r->irq,
				 32 + v->nr_spis - 1);
	why = kind->check(v, r);
	if (why)
		return BLOB_FAIL("vms[%u].vdevs[%u] (%s): %s", i, d, kind->name, why);
	for (u32 e = 0; e < d; e++)
		if (r->ipa < v->vdevs[e].ipa + v->vdevs[e].size && v->vdevs[e].ipa < r->ipa + r->size)
			return BLOB_FAIL("vms[%u].vdevs[%u]: overlaps vdevs[%u]", i, d, e);
	return NULL;
}

static const char *blob_check_vdevs(const struct keel_blob_vm *v, u32 i, char *msg, u32 msg_size)
{
	const char *err;

	if (v->nr_vdevs > KEEL_MAX_VDEVS)
		return BLOB_FAIL("vms[%u].nr_vdevs %u: above %u", i, v->nr_vdevs, KEEL_MAX_VDEVS);
	for (u32 d = 0; d < v->nr_vdevs; d++)
		if ((err = blob_check_vdev(v, i, d, msg, msg_size)))
			return err;
	for (u32 k = 0; vdev_kind_at(k); k++) {
		const struct vdev_kind *kind = vdev_kind_at(k);
		u32 n = 0;

		for (u32 d = 0; d < v->nr_vdevs; d++)
			n += v->vdevs[d].kind == kind->id;
		if (n < kind->min_per_vm || n > kind->max_per_vm)
			return BLOB_FAIL("vms[%u].vdevs: %u of kind %s, must be %u..%u", i, n, kind->name,
					 kind->min_per_vm, kind->max_per_vm);
	}
	return NULL;
}

/*
 * Notification channels (core/channel.c): a range in the IPA space clear of
 * the VM's RAM and devices, physical memory that is the board's guest RAM
 * (keelcfg keeps it clear of every VM's RAM), known flags, a doorbell that
 * is an SPI of the VM.
 */
static const char *blob_check_channels(const struct keel_blob_vm *v, u32 i, const struct platform_desc *plat,
				       char *msg, u32 msg_size)
{
	if (v->nr_channels > KEEL_MAX_CHANNELS_PER_VM)
		return BLOB_FAIL("vms[%u].nr_channels %u: above %u", i, v->nr_channels, KEEL_MAX_CHANNELS_PER_VM);
	for (u32 k = 0; k < v->nr_channels; k++) {
		const struct keel_blob_channel *ch = &v->channels[k];

		if (!blob_range_ok(ch->ipa, ch->size, BLOB_IPA_LIMIT) || !blob_range_ok(ch->pa, ch->size, ~0ull))
			return BLOB_FAIL("vms[%u].channels[%u]: empty, unaligned or beyond the IPA space", i, k);
		if (!blob_inside(ch->pa, ch->size, &plat->guest_ram))
			return BLOB_FAIL("vms[%u].channels[%u]: physical 0x%lx+0x%lx is not the board's guest RAM", i,
					 k, (unsigned long)ch->pa, (unsigned long)ch->size);
		if (ch->flags & ~KEEL_CHANNEL_WRITE)
			return BLOB_FAIL("vms[%u].channels[%u].flags 0x%x: unknown", i, k, ch->flags);
		if (ch->doorbell && (ch->doorbell < 32 || ch->doorbell >= 32 + v->nr_spis))
			return BLOB_FAIL("vms[%u].channels[%u].doorbell %u: not an SPI of the VM", i, k, ch->doorbell);
		for (u32 m = 0; m < v->nr_mem; m++)
			if (ch->ipa < v->mem[m].ipa + v->mem[m].size && v->mem[m].ipa < ch->ipa + ch->size)
				return BLOB_FAIL("vms[%u].channels[%u]: IPA overlaps mem[%u]", i, k, m);
		for (u32 d = 0; d < v->nr_vdevs; d++)
			if (ch->ipa < v->vdevs[d].ipa + v->vdevs[d].size && v->vdevs[d].ipa < ch->ipa + ch->size)
				return BLOB_FAIL("vms[%u].channels[%u]: IPA overlaps vdevs[%u]", i, k, d);
		for (u32 d = 0; d < v->nr_mmio; d++)
			if (ch->ipa < v->mmio[d].ipa + v->mmio[d].size && v->mmio[d].ipa < ch->ipa + ch->size)
				return BLOB_FAIL("vms[%u].channels[%u]: IPA overlaps mmio[%u]", i, k, d);
		for (u32 o = 0; o < k; o++)
			if (ch->ipa < v->channels[o].ipa + v->channels[o].size && v->channels[o].ipa < ch->ipa + ch->size)
				return BLOB_FAIL("vms[%u].channels[%u]: IPA overlaps channels[%u]", i, k, o);
	}
	return NULL;
}

/*
 * IPC capability slots (core/ipc.c), once every VM's own counts passed: a
 * slot names an endpoint that exists, holds RECV exactly on the VM's own
 * endpoints and CALL/SEND only on other VMs', and nothing else.
 */
static const char *blob_check_ipc(const struct keel_blob *b, u32 i, const struct platform_desc *plat, char *msg,
				  u32 msg_size)
{
	const struct keel_blob_vm *v = &b->vms[i];
	const char *err;

	if (v->nr_endpoints > KEEL_MAX_ENDPOINTS_PER_VM)
		return BLOB_FAIL("vms[%u].nr_endpoints %u: above %u", i, v->nr_endpoints, KEEL_MAX_ENDPOINTS_PER_VM);
	if (v->nr_ipc_slots > KEEL_MAX_IPC_SLOTS)
		return BLOB_FAIL("vms[%u].nr_ipc_slots %u: above %u", i, v->nr_ipc_slots, KEEL_MAX_IPC_SLOTS);
	if ((err = blob_check_channels(v, i, plat, msg, msg_size)))
		return err;
	for (u32 k = 0; k < v->nr_ipc_slots; k++) {
		const struct keel_blob_ipc_slot *s = &v->ipc_slots[k];
		bool own = s->vm == i;

		if (s->vm >= b->header.nr_vms)
			return BLOB_FAIL("vms[%u].ipc_slots[%u].vm %u: the blob has %u VMs", i, k, s->vm,
					 b->header.nr_vms);
		if (s->endpoint >= b->vms[s->vm].nr_endpoints || s->endpoint >= KEEL_MAX_ENDPOINTS_PER_VM)
			return BLOB_FAIL("vms[%u].ipc_slots[%u].endpoint %u: vm %u has %u endpoints", i, k,
					 s->endpoint, s->vm, b->vms[s->vm].nr_endpoints);
		if (!s->rights || (s->rights & ~KEEL_IPC_RIGHTS_ALL) ||
		    (own ? s->rights != KEEL_IPC_RIGHT_RECV : (s->rights & KEEL_IPC_RIGHT_RECV)))
			return BLOB_FAIL("vms[%u].ipc_slots[%u].rights 0x%x: RECV on its own endpoints, CALL/SEND on others'",
					 i, k, s->rights);
	}
	return NULL;
}

/* Console links: each end names an existing virtio console that names it back. */
static const char *blob_check_links(const struct keel_blob *b, u32 i, char *msg, u32 msg_size)
{
	const struct keel_blob_vm *v = &b->vms[i];

	for (u32 d = 0; d < v->nr_vdevs; d++) {
		const struct keel_blob_vdev *r = &v->vdevs[d], *p;

		if (r->kind != KEEL_VDEV_VIRTIO_CONSOLE || r->args[0] != KEEL_VIRTIO_CONSOLE_TO_PEER)
			continue;
		if (r->args[1] >= b->header.nr_vms || r->args[2] >= b->vms[r->args[1]].nr_vdevs ||
		    (r->args[1] == i && r->args[2] == d))
			return BLOB_FAIL("vms[%u].vdevs[%u]: console peer vms[%u].vdevs[%u] does not exist", i, d,
					 r->args[1], r->args[2]);
		p = &b->vms[r->args[1]].vdevs[r->args[2]];
		if (p->kind != KEEL_VDEV_VIRTIO_CONSOLE || p->args[0] != KEEL_VIRTIO_CONSOLE_TO_PEER ||
		    p->args[1] != i || p->args[2] != d)
			return BLOB_FAIL("vms[%u].vdevs[%u]: console peer vms[%u].vdevs[%u] does not name it back", i,
					 d, r->args[1], r->args[2]);
	}
	return NULL;
}

/* Whether mem[m] of a standby VM has a standby copy: every RAM region but a read-only one. */
static bool blob_has_copy(const struct keel_blob_vm *v, u32 m)
{
	return (v->standby.flags & KEEL_STANDBY_ON) && m < v->nr_mem && !(v->mem_read_only & (1u << m));
}

/*
 * Standby protection (core/standby.c): with it off every field is 0; with
 * it on, known flags and detectors, an interval within the limits, and for
 * each RAM region but a read-only one (mem_pa 0: it is never copied) a
 * page-aligned copy in the board's guest RAM clear of the VM's own RAM
 * (keelcfg keeps it clear of everything else).
 */
static const char *blob_check_standby(const struct keel_blob_vm *v, u32 i, const struct platform_desc *plat,
				      char *msg, u32 msg_size)
{
	const struct keel_blob_standby *sb = &v->standby;
	const u32 known = KEEL_STANDBY_ON | KEEL_STANDBY_INJECT | KEEL_STANDBY_HOLD_CONSOLE;

	if (!(sb->flags & KEEL_STANDBY_ON)) {
		if (sb->flags || sb->detectors || sb->interval_ns)
			return BLOB_FAIL("vms[%u].standby: settings without KEEL_STANDBY_ON", i);
		for (u32 m = 0; m < KEEL_MAX_MEM_REGIONS; m++)
			if (sb->mem_pa[m])
				return BLOB_FAIL("vms[%u].standby.mem_pa[%u] set without KEEL_STANDBY_ON", i, m);
		return NULL;
	}
	if ((sb->flags & ~known) || (sb->detectors & ~KEEL_STANDBY_DETECT_ALL))
		return BLOB_FAIL("vms[%u].standby: unknown flags 0x%x or detectors 0x%x", i, sb->flags, sb->detectors);
	if (sb->interval_ns < KEEL_STANDBY_MIN_INTERVAL_NS || sb->interval_ns > KEEL_STANDBY_MAX_INTERVAL_NS)
		return BLOB_FAIL("vms[%u].standby.interval_ns %lu: outside 1 ms .. 1 s", i, (unsigned long)sb->interval_ns);
	for (u32 m = 0; m < KEEL_MAX_MEM_REGIONS; m++) {
		u64 pa = sb->mem_pa[m], size = m < v->nr_mem ? v->mem[m].size : 0;

		if (!blob_has_copy(v, m)) {
			if (pa)
				return BLOB_FAIL("vms[%u].standby.mem_pa[%u]: a copy of no region, or of a read-only one", i,
						 m);
			continue;
		}
		if (!blob_range_ok(pa, size, ~0ull) || !blob_inside(pa, size, &plat->guest_ram))
			return BLOB_FAIL("vms[%u].standby.mem_pa[%u] 0x%lx: unaligned or not the board's guest RAM", i,
					 m, (unsigned long)pa);
	}
	/* What a checkpoint does not cover yet (docs/standby.md): keelcfg refuses these too. */
	if (v->nr_endpoints || v->nr_ipc_slots || v->nr_channels || v->nr_irqs || v->nr_mmio)
		return BLOB_FAIL("vms[%u].standby: a standby VM may not have IPC, channels or passthrough", i);
	for (u32 d = 0; d < v->nr_vdevs; d++)
		if (v->vdevs[d].kind >= KEEL_VDEV_VIRTIO_CONSOLE && v->vdevs[d].kind <= KEEL_VDEV_VIRTIO_BLK)
			return BLOB_FAIL("vms[%u].standby: a standby VM may not have virtio devices", i);
	return NULL;
}

/* Whether [a, a + as) and [b, b + bs) overlap. */
static bool blob_overlap(u64 a, u64 as, u64 b, u64 bs)
{
	return a < b + bs && b < a + as;
}

/*
 * Every standby copy is clear of every VM's RAM and channel memory and of
 * every other copy: each checkpoint writes all over it, so an overlap would
 * be one VM writing into another's memory.
 */
static const char *blob_check_standby_copies(const struct keel_blob *b, char *msg, u32 msg_size)
{
	for (u32 i = 0; i < b->header.nr_vms; i++) {
		const struct keel_blob_vm *v = &b->vms[i];

		for (u32 m = 0; m < v->nr_mem; m++) {
			u64 pa = v->standby.mem_pa[m], size = v->mem[m].size;

			for (u32 j = 0; j < b->header.nr_vms && blob_has_copy(v, m); j++) {
				const struct keel_blob_vm *o = &b->vms[j];

				for (u32 k = 0; k < o->nr_mem; k++) {
					if (blob_overlap(pa, size, o->mem[k].pa, o->mem[k].size))
						return BLOB_FAIL("vms[%u].standby.mem_pa[%u]: overlaps vms[%u].mem[%u]", i,
								 m, j, k);
					if (blob_has_copy(o, k) && (j != i || k != m) &&
					    blob_overlap(pa, size, o->standby.mem_pa[k], o->mem[k].size))
						return BLOB_FAIL("vms[%u].standby.mem_pa[%u]: overlaps the copy of vms[%u].mem[%u]",
								 i, m, j, k);
				}
				for (u32 c = 0; c < o->nr_channels; c++)
					if (blob_overlap(pa, size, o->channels[c].pa, o->channels[c].size))
						return BLOB_FAIL("vms[%u].standby.mem_pa[%u]: overlaps vms[%u].channels[%u]", i,
								 m, j, c);
			}
		}
	}
	return NULL;
}

static const char *blob_check_vm(const struct keel_blob *b, u32 i, const struct platform_desc *plat, u32 nr_cpus,
				 u32 *vcpus_on, char *msg, u32 msg_size)
{
	const struct keel_blob_vm *v = &b->vms[i];
	const char *err;

	if (strnlen(v->name, sizeof(v->name)) == sizeof(v->name))
		return BLOB_FAIL("vms[%u].name: not NUL-terminated", i);
	if (v->s2_table_pages == 0)
		return BLOB_FAIL("vms[%u].s2_table_pages 0", i);
	if ((err = blob_check_vcpus(v, i, nr_cpus, vcpus_on, msg, msg_size)) ||
	    (err = blob_check_memory(v, i, plat, msg, msg_size)) ||
	    (err = blob_check_passthrough(v, i, plat, msg, msg_size)) ||
	    (err = blob_check_vdevs(v, i, msg, msg_size)) || (err = blob_check_standby(v, i, plat, msg, msg_size)))
		return err;
	return NULL;
}

const char *blob_verify_contents(const struct keel_blob *b, const struct platform_desc *plat, char *msg, u32 msg_size)
{
	u32 vcpus_on[KEEL_MAX_CPUS] = { 0 };
	u32 nr_cpus = plat->nr_cpus;
	const char *err;

	if (nr_cpus > KEEL_MAX_CPUS)
		nr_cpus = KEEL_MAX_CPUS; /* the blob describes no more */
	for (u32 i = 0; i < b->header.nr_vms; i++)
		if ((err = blob_check_vm(b, i, plat, nr_cpus, vcpus_on, msg, msg_size)))
			return err;
	for (u32 i = 0; i < b->header.nr_vms; i++)
		if ((err = blob_check_ipc(b, i, plat, msg, msg_size)) || (err = blob_check_links(b, i, msg, msg_size)))
			return err;
	if ((err = blob_check_standby_copies(b, msg, msg_size)))
		return err;
	for (u32 n = 0; n < KEEL_MAX_CPUS; n++)
		if ((err = blob_check_cpu(b, n, nr_cpus, msg, msg_size)))
			return err;
	return NULL;
}

const char *blob_verify(const void *src, void *dst, u32 dst_size, const struct platform_desc *plat, char *msg,
			u32 msg_size)
{
	struct keel_blob_header h;
	u32 sum;

	/* Read the header once: everything after is checked against this copy and then the copy of the blob. */
	memcpy(&h, src, sizeof(h));
	if (h.magic != KEEL_BLOB_MAGIC)
		return BLOB_FAIL("magic 0x%x: not a Keel configuration blob", h.magic);
	if (h.version != KEEL_BLOB_VERSION)
		return BLOB_FAIL("version %u, Keel reads version %u", h.version, KEEL_BLOB_VERSION);
	if (h.nr_vms == 0 || h.nr_vms > KEEL_MAX_VMS ||
	    h.total_size != sizeof(h) + KEEL_MAX_CPUS * sizeof(struct keel_blob_cpu) +
				    h.nr_vms * sizeof(struct keel_blob_vm) ||
	    h.total_size > dst_size)
		return BLOB_FAIL("size %u for %u VMs is inconsistent", h.total_size, h.nr_vms);
	if (strnlen(h.platform, KEEL_PLATFORM_NAME_LEN) == KEEL_PLATFORM_NAME_LEN ||
	    strncmp(h.platform, plat->name, KEEL_PLATFORM_NAME_LEN) != 0)
		return BLOB_FAIL("is for platform '%.16s', this Keel is for '%s'", h.platform, plat->name);
	memcpy(dst, src, h.total_size);
	if (memcmp(dst, &h, sizeof(h)) != 0)
		return BLOB_FAIL("changed while it was being read");
	/* The checksum covers the blob with its own field zero: check the copy, then use only that. */
	((struct keel_blob_header *)dst)->checksum = 0;
	sum = crc32(dst, h.total_size);
	if (sum != h.checksum)
		return BLOB_FAIL("checksum 0x%x, expected 0x%x: corrupted", sum, h.checksum);
	((struct keel_blob_header *)dst)->checksum = sum;
	return blob_verify_contents(dst, plat, msg, msg_size);
}
