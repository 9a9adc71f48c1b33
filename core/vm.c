/*
 * VMs: built once from the configuration blob, then started, reset and
 * powered off as their guests ask (PSCI SYSTEM_RESET / SYSTEM_OFF). Neither
 * touches any other VM: each VM has its own stage-2 tables, VMID, virtual
 * GIC and UART, and its vCPUs park on their own CPUs.
 *
 * Guest RAM is zeroed on demand, 2 MiB at a time: at each start every RAM
 * region is unmapped from stage 2, and the first access to a chunk faults
 * into vm_populate_ram(), which zeroes it and maps it. A guest therefore
 * never sees a byte it did not write, and a 512 MiB VM does not wait for
 * 512 MiB of zeroing before its first instruction. Zeroing goes in 64 KiB
 * steps and stops early when a physical interrupt is pending, so a vCPU
 * sharing the CPU waits for one step (a few microseconds), not for 2 MiB.
 *
 * Reset and power-off are two-phase: the requesting CPU marks the VM and
 * asks every vCPU to stop; each vCPU's own CPU parks it; the last to park
 * finishes the job (restart from the pristine images, or power off).
 */
#include <keel/arch/cpu.h>
#include <keel/cpu.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/string.h>
#include <keel/vm.h>

struct vm vms[KEEL_MAX_VMS];
u32 nr_vms;

/*
 * Table pages for every VM's stage 2. Each VM gets its own slice, sized by
 * keelcfg for its worst case, so VMs never share a free list or a lock and
 * one VM running out of table pages is that VM's problem alone.
 */
static u8 stage2_pool_pages[KEEL_STAGE2_POOL_PAGES * PAGE_SIZE]
	__attribute__((aligned(PAGE_SIZE), section(".noinit.stage2")));

u32 vm_stage2_pages_used(void)
{
	u32 n = 0;

	for (u32 i = 0; i < nr_vms; i++)
		n += vms[i].s2_pool.nr_used;
	return n;
}

/* Passed-through device regions; RAM is mapped as the guest touches it (vm_populate_ram). */
static void vm_map_devices(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;

	for (u32 i = 0; i < c->nr_mmio; i++)
		if (s2_map(&vm->s2, ipa_of(c->mmio[i].ipa), pa_of(c->mmio[i].pa), c->mmio[i].size,
			   MM_RW | MM_DEVICE))
			panic("vm %s: cannot map device region %u", vm->name, i);
}

static u32 vm_chunk_index(const struct vm *vm, const struct keel_blob_mem *m, u64 ipa);

static void vm_create(struct vm *vm, u32 index, const struct keel_blob_vm *c)
{
	vm->cfg = c;
	vm->index = index;
	vm->vmid = (u16)(index + 1); /* VMID 0 is never used by a guest */
	strlcpy(vm->name, c->name, sizeof(vm->name));
	vm->state = VM_STOPPED;
	vm->nr_vcpus = c->nr_vcpus;
	if (s2_init(&vm->s2, vm->vmid, &vm->s2_pool))
		panic("vm %s: no page for its stage-2 root", vm->name);
	vm_map_devices(vm);
	/* keelcfg keeps every VM inside the board's guest RAM, which is smaller. */
	CHECK(vm_chunk_index(vm, &c->mem[c->nr_mem - 1], c->mem[c->nr_mem - 1].ipa + c->mem[c->nr_mem - 1].size - 1) <
	      VM_MAX_CHUNKS);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct cpu *cpu = &cpus[c->pcpu[i]];

		v->vm = vm;
		v->index = i;
		v->pcpu = c->pcpu[i];
		v->state = VCPU_OFF;
		sched_vcpu_init(v, &c->servers[i]);
		CHECK(cpu->nr_vcpus < CPU_MAX_VCPUS);
		cpu->vcpus[cpu->nr_vcpus++] = v;
	}
	vdev_create_all(vm); /* the vGIC first, from the blob's device records */
	for (u32 i = 0; i < c->nr_irqs; i++)
		irq_assign_spi(c->irqs[i], vm);
}

void vm_create_all(const struct keel_blob *blob)
{
	u32 first = 0;

	nr_vms = blob->header.nr_vms;
	for (u32 i = 0; i < nr_vms; i++) {
		u32 pages = blob->vms[i].s2_table_pages;

		if (pages == 0 || pages > KEEL_STAGE2_POOL_PAGES - first)
			panic("configuration blob: vm %u asks for %u stage-2 table pages, %u of %u left",
			      i, pages, KEEL_STAGE2_POOL_PAGES - first, KEEL_STAGE2_POOL_PAGES);
		pt_pool_init(&vms[i].s2_pool, stage2_pool_pages + (u64)first * PAGE_SIZE, pages);
		first += pages;
		vm_create(&vms[i], i, &blob->vms[i]);
	}
}

/* Physical address of [ipa, ipa + size) if one RAM region holds all of it. */
static void *vm_ram_ptr(const struct vm *vm, u64 ipa, u64 size)
{
	for (u32 i = 0; i < vm->cfg->nr_mem; i++) {
		const struct keel_blob_mem *m = &vm->cfg->mem[i];

		if (ipa >= m->ipa && size <= m->size && ipa - m->ipa <= m->size - size)
			return pa_ptr(pa_of(m->pa + (ipa - m->ipa)));
	}
	return NULL;
}

static const struct keel_blob_mem *vm_ram_region(const struct vm *vm, u64 ipa)
{
	for (u32 i = 0; i < vm->cfg->nr_mem; i++) {
		const struct keel_blob_mem *m = &vm->cfg->mem[i];

		if (ipa >= m->ipa && ipa - m->ipa < m->size)
			return m;
	}
	return NULL;
}

/* Index of the chunk holding ipa among all the VM's chunks (regions in order). */
static u32 vm_chunk_index(const struct vm *vm, const struct keel_blob_mem *m, u64 ipa)
{
	u32 base = 0;

	for (const struct keel_blob_mem *r = vm->cfg->mem; r != m; r++)
		base += (u32)DIV_ROUND_UP(r->size, VM_RAM_CHUNK);
	return base + (u32)((ipa - m->ipa) / VM_RAM_CHUNK);
}

bool vm_populate_ram_step(struct vm *vm, u64 ipa, bool preemptible)
{
	const struct keel_blob_mem *m = vm_ram_region(vm, ipa);
	u64 start, end, pa;
	u32 *done;

	if (!m)
		return false;
	start = MAX(ALIGN_DOWN(ipa, VM_RAM_CHUNK), m->ipa);
	end = MIN(ALIGN_DOWN(ipa, VM_RAM_CHUNK) + VM_RAM_CHUNK, m->ipa + m->size);
	pa = m->pa + (start - m->ipa);
	/* Under the VM lock: two vCPUs faulting on one chunk must not zero it twice. */
	spin_lock(&vm->lock);
	done = &vm->chunk_zeroed[vm_chunk_index(vm, m, ipa)];
	if (!s2_walk(&vm->s2, ipa_of(ipa), NULL, NULL)) {
		while (*done < end - start) {
			u64 step = MIN((u64)VM_RAM_ZERO_STEP, end - start - *done);

			arch_memzero(pa_ptr(pa_of(pa + *done)), step);
			*done += (u32)step;
			if (preemptible && *done < end - start && arch_irq_pending()) {
				/* Let the interrupt in: the guest retries the access and we go on from here. */
				spin_unlock(&vm->lock);
				return true;
			}
		}
		CHECK(s2_map(&vm->s2, ipa_of(start), pa_of(pa), end - start, MM_RWX) == PT_OK);
		vm->nr_chunks_populated++;
	}
	spin_unlock(&vm->lock);
	return true;
}

bool vm_populate_ram(struct vm *vm, u64 ipa)
{
	return vm_populate_ram_step(vm, ipa, true);
}

bool vm_copy_from_guest(struct vm *vm, void *dst, u64 ipa, u64 len)
{
	u8 *out = dst;

	while (len > 0) {
		u64 chunk = MIN(len, PAGE_SIZE - (ipa & (PAGE_SIZE - 1)));
		paddr_t pa;
		u32 flags;

		if (!s2_walk(&vm->s2, ipa_of(ipa), &pa, &flags) &&
		    !(vm_populate_ram_step(vm, ipa, false) && s2_walk(&vm->s2, ipa_of(ipa), &pa, &flags)))
			return false;
		if (!(flags & MM_READ) || (flags & MM_DEVICE))
			return false;
		memcpy(out, pa_ptr(pa), chunk);
		out += chunk;
		ipa += chunk;
		len -= chunk;
	}
	return true;
}

void vm_start(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;
	u64 dtb_ipa = 0, t0 = arch_counter();

	for (u32 i = 0; i < c->nr_mem; i++)
		s2_unmap(&vm->s2, ipa_of(c->mem[i].ipa), c->mem[i].size); /* forget the last run */
	vm->nr_chunks_populated = 0;
	memset(vm->chunk_zeroed, 0, sizeof(vm->chunk_zeroed));
	for (u32 i = 0; i < c->nr_images; i++) {
		const struct keel_blob_image *img = &c->images[i];
		void *dst = vm_ram_ptr(vm, img->dst_ipa, img->size);

		CHECK(dst); /* keelcfg placed it inside the VM's RAM */
		for (u64 off = 0; off < img->size; off += VM_RAM_CHUNK)
			vm_populate_ram_step(vm, img->dst_ipa + off, false);
		vm_populate_ram_step(vm, img->dst_ipa + img->size - 1, false);
		memcpy(dst, pa_ptr(pa_of(img->src_pa)), img->size);
		arch_dcache_clean(dst, img->size);
		if (img->kind == KEEL_IMAGE_DTB)
			dtb_ipa = img->dst_ipa;
	}
	vdev_reset_all(vm); /* each under its own lock: other CPUs may still inject */
	vm->nr_parked = 0;
	vm->state = VM_RUNNING;
	vm->vcpus[0].boot_pc = c->entry_ipa;
	vm->vcpus[0].boot_x0 = dtb_ipa;
	vcpu_request(&vm->vcpus[0], VCPU_REQ_START);
	vm_log(vm, "loaded in %lu us on CPU %u (not preemptible)", (arch_counter() - t0) * 1000000 / arch_counter_freq(),
	       arch_cpu_index());
}

static void vm_stop_all_vcpus(struct vm *vm, enum vm_state next)
{
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return; /* already going down: the first request wins */
	}
	vm->state = next;
	spin_unlock(&vm->lock);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_STOP);
}

void vm_power_off(struct vm *vm)
{
	vm_log(vm, "powering off");
	vm_stop_all_vcpus(vm, VM_POWERED_OFF);
}

void vm_reset(struct vm *vm)
{
	vm_log(vm, "resetting");
	vm_stop_all_vcpus(vm, VM_RESETTING);
}

static bool all_vms_off(void)
{
	for (u32 i = 0; i < nr_vms; i++)
		if (vms[i].state != VM_POWERED_OFF)
			return false;
	return true;
}

void vm_vcpu_parked(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool last;

	spin_lock(&vm->lock);
	last = ++vm->nr_parked == vm->nr_vcpus;
	spin_unlock(&vm->lock);
	if (!last)
		return;
	if (vm->state == VM_RESETTING) {
		vm->nr_resets++;
		vm_log(vm, "restarting from its images (reset #%u)", vm->nr_resets);
		vm_start(vm);
	} else if (vm->state == VM_POWERED_OFF) {
		vm_log(vm, "stopped after %lu exits, %u MiB of its RAM touched", vm_total_exits(vm),
		       vm->nr_chunks_populated * (u32)(VM_RAM_CHUNK / MiB));
		sched_print_stats(vm);
		if (all_vms_off()) {
			klog("every VM is off: powering the machine off");
			arch_system_off();
		}
	}
}

u64 vm_total_exits(const struct vm *vm)
{
	u64 n = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].nr_exits;
	return n;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr)
{
	u64 aff = mpidr & 0xff00ffffffull;

	if (aff >= vm->nr_vcpus)
		return NULL; /* vCPU n has Aff0 = n and higher affinity levels 0 */
	return &vm->vcpus[aff];
}

