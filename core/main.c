/*
 * Keel's boot: the boot CPU brings up the console, its own page tables and
 * the interrupt controller, checks the configuration blob's header, builds
 * every VM, starts the other CPUs through the firmware and joins the run
 * loop. tools/keelcfg checked the system's meaning; Keel checks that the
 * blob is a whole, unaltered blob for this platform whose every count and
 * index is within Keel's limits (core/blob.c), and refuses it otherwise.
 */
#include <abi/keel/config_blob.h>
#include <keel/arch/cpu.h>
#include <keel/arch/mm.h>
#include <keel/cpu.h>
#include <keel/blob.h>
#include <keel/drivers/gicv3.h>
#include <keel/drivers/pl011.h>
#include <keel/disk.h>
#include <keel/log.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/trace.h>
#include <keel/vm.h>

void boot_main(u64 dtb, u64 entry_count);
void secondary_main(u32 index);

extern u64 keel_entry_count;
extern char _image_start[], _image_file_end[], _image_end[];

/* Keel's own copy of the configuration, taken once the blob checks out. */
static struct {
	struct keel_blob_header header;
	struct keel_blob_cpu cpus[KEEL_MAX_CPUS];
	struct keel_blob_vm vms[KEEL_MAX_VMS];
} config;
_Static_assert(offsetof(struct keel_blob, vms) == sizeof(struct keel_blob_header) +
	       KEEL_MAX_CPUS * sizeof(struct keel_blob_cpu), "config copy matches the blob layout");

/* The blob, checked whole (core/blob.c) before anything in it is used; then only the copy is. */
static const struct keel_blob *blob_load(void)
{
	static char msg[160];
	const char *err = blob_verify(pa_ptr(pa_of(platform.blob_addr)), &config, sizeof(config), &platform, msg,
				     sizeof(msg));

	if (err)
		panic("configuration blob %s (at 0x%lx)", err, platform.blob_addr);
	return (const struct keel_blob *)&config;
}

static void report_memory(void)
{
	u64 image = (u64)(_image_end - _image_start);
	u64 file = (u64)(_image_file_end - _image_start);

	klog("memory: image %lu KiB (%lu KiB loaded), EL2 tables %u pages, stage-2 tables %u pages, "
	     "per-VM state %lu KiB",
	     image / 1024, file / 1024, arch_mmu_pages_used(), vm_stage2_pages_used(),
	     (u64)sizeof(vms) / 1024);
}

static void cpu_bring_up(u32 index)
{
	struct cpu *cpu = &cpus[index];

	cpu->index = index;
	cpu->mpidr = platform.cpu_mpidr[index];
	arch_cpu_init(cpu);
	gicv3_cpu_init(index);
	gicv3_enable(IRQ_SGI_KICK, true);
	gicv3_enable(IRQ_PPI_MAINTENANCE, true);
	gicv3_enable(IRQ_PPI_VIRT_TIMER, true);
	gicv3_enable(IRQ_PPI_PHYS_TIMER, true);
	gicv3_enable(IRQ_PPI_HYP_TIMER, true);
	cpu->online = true;
}

#ifdef KEEL_TEST_STACK_OVERFLOW
/*
 * Test builds only (build/keel-overflow.bin, system test stack-overflow):
 * recurse until the stack runs into its guard page, whose fault must end in
 * a "stack overflow on CPU 1" panic. Never part of build/keel.bin.
 */
static u64 __attribute__((noinline)) overflow_stack(u64 depth)
{
	volatile u8 frame[512];

	frame[0] = (u8)depth;
	if (depth > (1u << 20))
		return depth;
	return overflow_stack(depth + 1) + frame[0];
}
#endif

void boot_main(u64 dtb, u64 entry_count)
{
	const struct keel_blob *blob;

	cpus[0].index = 0;
	arch_cpu_set_self(&cpus[0]); /* first: logging and locks ask which CPU this is */
	keel_entry_count = entry_count;
	arch_mmu_build();
	arch_mmu_enable();
	pl011_init();
	klog("Keel starting on %s, CPU 0 at EL2, firmware device tree at 0x%lx", platform.name, dtb);
	arch_mmu_self_check();
	gicv3_dist_init();
	cpu_bring_up(0);
	blob = blob_load();
	disk_probe_all(); /* before the VMs: their disks' sizes come from here */
	vm_create_all(blob);
	for (u32 i = 0; i < platform.nr_cpus; i++)
		sched_cpu_init(&cpus[i], &blob->cpus[i]);
	if (blob->header.flags & KEEL_BLOB_FLAG_UNSAFE)
		klog("WARNING: this configuration failed schedulability analysis (built with --unsafe)");
	for (u32 i = 0; i < nr_vms; i++) {
		klog("vm %u '%s': %u vCPU(s), %lu MiB", i, vms[i].name, vms[i].nr_vcpus,
		     blob->vms[i].mem[0].size / (1024 * 1024));
	}
	report_memory();
	trace_boot(blob->header.flags & KEEL_BLOB_FLAG_TRACE);
	gicv3_route_spi(platform.uart_irq, 0);
	gicv3_enable(platform.uart_irq, true);
	for (u32 i = 1; i < platform.nr_cpus; i++) {
		int err = arch_cpu_start(i);

		if (err)
			klog("CPU %u did not start (PSCI error %d)", i, err);
	}
	for (u32 i = 0; i < nr_vms; i++)
		if (blob->vms[i].flags & KEEL_VM_FLAG_AUTOSTART)
			vcpu_request(&vms[i].vcpus[0], VCPU_REQ_VM_BOOT);
	cpu_run_loop(&cpus[0]);
}

void secondary_main(u32 index)
{
	cpus[index].index = index;
	arch_cpu_set_self(&cpus[index]);
	arch_mmu_enable();
	cpu_bring_up(index);
#ifdef KEEL_TEST_STACK_OVERFLOW
	if (index == 1)
		klog("test build: overflowing CPU 1's stack on purpose (%lu)", overflow_stack(0));
#endif
	cpu_run_loop(&cpus[index]);
}
