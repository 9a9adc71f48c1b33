/*
 * VMs: built once from the configuration blob, then started, reset and
 * powered off as their guests ask (PSCI SYSTEM_RESET / SYSTEM_OFF). Neither
 * touches any other VM: each VM has its own stage-2 tables, VMID, virtual
 * GIC and UART, and its vCPUs park on their own CPUs.
 *
 * Guest RAM is refilled on demand (core/guest_mem.c): a start or reset only
 * unmaps it, and each 2 MiB chunk is zeroed and loaded with its part of the
 * boot images when the guest first touches it, on the VM's own CPU.
 *
 * Reset and power-off are two-phase: the requesting CPU marks the VM and
 * asks every vCPU to stop; each vCPU's own CPU parks it; the last to park
 * finishes the job: power off, or ask vCPU 0's own CPU to restart the VM.
 */
#include <keel/arch/cpu.h>
#include <keel/cpu.h>
#include <keel/hypercall.h>
#include <keel/ipc.h>
#include <keel/irq.h>
#include <keel/log.h>
#include <keel/standby.h>
#include <keel/string.h>
#include <keel/trace.h>
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

/* Passed-through device regions; RAM is mapped as the guest touches it (core/guest_mem.c). */
static void vm_map_devices(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;

	for (u32 i = 0; i < c->nr_mmio; i++)
		if (s2_map(&vm->s2, ipa_of(c->mmio[i].ipa), pa_of(c->mmio[i].pa), c->mmio[i].size,
			   MM_RW | MM_DEVICE))
			panic("vm %s: cannot map device region %u", vm->name, i);
}

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
	channel_map_all(vm); /* shared memory of its notification channels (core/channel.c) */
	vm->s2_pages_at_boot = vm->s2_pool.nr_used;
	if (!gm_init(&vm->mem, &vm->s2, c))
		panic("configuration blob: vm %s: memory regions beyond Keel's limits", vm->name);
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
	standby_init(vm); /* its standby copy's bookkeeping and output commit, if configured */
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

void vm_start(struct vm *vm)
{
	const struct keel_blob_vm *c = vm->cfg;
	u64 dtb_ipa = 0, t0 = arch_counter();

	/*
	 * Devices first, each under its own lock: other CPUs may still inject,
	 * and a virtio peer may be copying into this VM's RAM. Once a device is
	 * reset no peer writes here, so the RAM reset below is the last word.
	 */
	vdev_reset_all(vm);
	/* RAM refills itself from the pristine images as the guest touches it (guest_mem.c). */
	gm_reset(&vm->mem);
	if (vm->s2_pool.nr_used != vm->s2_pages_at_boot) {
		/* Keel's own bug, but one that stays this VM's: stop it rather than every VM. */
		vm_log(vm, "stage-2 tables leaked: %u pages in use with no RAM mapped, %u expected; not restarting",
		       vm->s2_pool.nr_used, vm->s2_pages_at_boot);
		vm->state = VM_POWERED_OFF;
		return;
	}
	for (u32 i = 0; i < c->nr_images; i++)
		if (c->images[i].kind == KEEL_IMAGE_DTB)
			dtb_ipa = c->images[i].dst_ipa;
	hypercall_vm_starting(vm);
	standby_vm_started(vm); /* before RUNNING: the dirty log runs from the first instruction */
	vm->nr_parked = 0;
	vm->state = VM_RUNNING;
	vm->vcpus[0].boot_pc = c->entry_ipa;
	vm->vcpus[0].boot_x0 = dtb_ipa;
	vcpu_request(&vm->vcpus[0], VCPU_REQ_START);
	vm_log_lifecycle(vm, "started on CPU %u in %lu us, stage-2 tables %u of %u pages", arch_cpu_index(),
			 (arch_counter() - t0) * 1000000 / arch_counter_freq(), vm->s2_pool.nr_used,
			 vm->s2_pool.nr_pages);
}

static void vm_stop_all_vcpus(struct vm *vm, enum vm_state next)
{
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return; /* already going down: the first request wins */
	}
	vm->state = next;
	psci_vm_stopping(vm); /* a CPU_ON accepted just before must not start a vCPU in the next run */
	spin_unlock(&vm->lock);
	ipc_vm_stopping(vm); /* after the state change, before parking: every IPC peer gets PEER_GONE */
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_STOP);
}

void vm_power_off(struct vm *vm)
{
	vm_log_lifecycle(vm, "powering off");
	vm_stop_all_vcpus(vm, VM_POWERED_OFF);
}

void vm_reset(struct vm *vm)
{
	vm_log_lifecycle(vm, "resetting");
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
		vm_log_lifecycle(vm, "restarting from its images (reset #%u)", vm->nr_resets);
		/* On its own vCPU 0's CPU, not on whichever CPU parked last. */
		vcpu_request(&vm->vcpus[0], VCPU_REQ_VM_BOOT);
	} else if (vm->state == VM_POWERED_OFF) {
		standby_vm_stopped(vm);
		vm_log_lifecycle(vm, "stopped after %lu exits, %u MiB of its RAM touched", vm_total_exits(vm),
				 vm->mem.nr_chunks_mapped * (u32)(GM_CHUNK / MiB));
		sched_print_stats(vm);
		standby_print_stats(vm);
		trace_vm_stopped(vm);
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

