/*
 * test-smp: two vCPUs. vCPU0 checks PSCI's answers, starts vCPU1 with
 * CPU_ON, and the two exchange SGIs: vCPU0 sends SGI 1 to vCPU1, whose
 * handler counts it and answers with SGI 2. Finally vCPU0 asks vCPU1 to
 * power itself off (CPU_OFF) and checks AFFINITY_INFO says so. Before
 * that, CPU_ON with an entry point outside the VM's RAM must be refused
 * (INVALID_ADDRESS); after it, vCPU1 is started again through the SMC32
 * CPU_ON with garbage in the upper halves of every argument, which must not
 * matter. Every wait is bounded by the timer. Only vCPU0 prints; vCPU1
 * leaves its observations in shared variables.
 *
 * Needs a VM with two vCPUs (MPIDR Aff0 0 and 1).
 */
#include <guest/fdt.h>
#include <guest/gic.h>
#include <guest/guest.h>
#include <guest/print.h>
#include <guest/psci.h>
#include <guest/report.h>
#include <guest/smccc.h>
#include <guest/smp.h>
#include <guest/sysreg.h>
#include <guest/timer.h>

#define CPU1 1u
#define SGI_PING 1u  /* vCPU0 -> vCPU1 */
#define SGI_PONG 2u  /* vCPU1 -> vCPU0 */
#define SGI_STOP 3u  /* vCPU0 -> vCPU1: re-check the stop flag */
#define WAIT_MS 1000
#define PSCI_UNDEFINED_FN 0x8400001fu
#define UPPER_GARBAGE 0xdeadbeef00000000ul

extern char smp_secondary_entry[]; /* guests/lib/start.S: x0 = the CPU's index */

/* Written by one CPU, read by the other. */
static volatile uint32_t cpu1_online, cpu1_stop, ping_count, pong_count;
static volatile uint64_t cpu1_mpidr, cpu1_sp, ping_cpu, pong_cpu;

static void on_ping(uint32_t intid)
{
	(void)intid;
	ping_cpu = cpu_id();
	ping_count++;
	gic_send_sgi(SGI_PONG, 1u << 0);
}

static void on_pong(uint32_t intid)
{
	(void)intid;
	pong_cpu = cpu_id();
	pong_count++;
}

static void on_stop(uint32_t intid)
{
	(void)intid;
}

static void cpu1_main(unsigned int cpu)
{
	uint64_t sp;

	(void)cpu;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	cpu1_sp = sp;
	cpu1_mpidr = read_sysreg(mpidr_el1);
	gic_init_cpu();
	gic_enable_private(SGI_PING, GIC_DEFAULT_PRIO);
	gic_enable_private(SGI_STOP, GIC_DEFAULT_PRIO);
	dsb(sy);
	cpu1_online = 1;
	while (!cpu1_stop)
		irq_wait();
	psci_cpu_off(); /* returns only on failure; smp.c then tries again */
}

static void check_psci(void)
{
	int32_t v = psci_version();

	report(PSCI_VERSION_MAJOR(v) >= 1, "PSCI version %u.%u is at least 1.0",
	       PSCI_VERSION_MAJOR(v), PSCI_VERSION_MINOR(v));
	report(psci_features(PSCI_CPU_ON) == PSCI_RET_SUCCESS, "PSCI_FEATURES: CPU_ON supported");
	report(psci_features(PSCI_CPU_OFF) == PSCI_RET_SUCCESS, "PSCI_FEATURES: CPU_OFF supported");
	report(psci_features(PSCI_AFFINITY_INFO) == PSCI_RET_SUCCESS,
	       "PSCI_FEATURES: AFFINITY_INFO supported");
	report(psci_features(PSCI_UNDEFINED_FN) == PSCI_RET_NOT_SUPPORTED,
	       "PSCI_FEATURES: undefined function 0x%x not supported", PSCI_UNDEFINED_FN);
	report(psci_affinity_info(CPU1) == PSCI_AFF_OFF, "AFFINITY_INFO(vCPU1) is OFF before CPU_ON");
}

/* CPU_ON may only enter the VM's own RAM: anywhere else is INVALID_ADDRESS, and vCPU1 stays off. */
static void check_cpu_on_bad_entry(void)
{
	uint64_t ram_base = 0x40000000, ram_size = 0x1000000;
	const uint64_t bad[] = { 0x0a000000, 0, 0x40000002 };
	int32_t ret;

	fdt_memory(&ram_base, &ram_size);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = psci_cpu_on(CPU1, bad[i], CPU1);
		report(ret == PSCI_RET_INVALID_ADDRESS, "CPU_ON(vCPU1) at 0x%lx: INVALID_ADDRESS (got %d)", bad[i], ret);
	}
	ret = psci_cpu_on(CPU1, ram_base + ram_size, CPU1);
	report(ret == PSCI_RET_INVALID_ADDRESS, "CPU_ON(vCPU1) just past RAM (0x%lx): INVALID_ADDRESS (got %d)",
	       ram_base + ram_size, ret);
	report(psci_affinity_info(CPU1) == PSCI_AFF_OFF, "AFFINITY_INFO(vCPU1) still OFF");
}

static void start_cpu1(void)
{
	int32_t ret = smp_start_cpu(CPU1, cpu1_main);
	uintptr_t stack = (uintptr_t)smp_stacks[CPU1];

	report(ret == PSCI_RET_SUCCESS, "CPU_ON(vCPU1) returns 0 (got %d)", ret);
	report(timer_wait_flag(&cpu1_online, WAIT_MS), "vCPU1 reported in");
	report((cpu1_mpidr & MPIDR_AFF0_MASK) == CPU1, "vCPU1 sees MPIDR 0x%lx", cpu1_mpidr);
	report(cpu1_sp > stack && cpu1_sp <= stack + SMP_STACK_SIZE,
	       "vCPU1 runs on its own stack (sp 0x%lx)", cpu1_sp);
	report(psci_affinity_info(CPU1) == PSCI_AFF_ON, "AFFINITY_INFO(vCPU1) is ON");
	ret = smp_start_cpu(CPU1, cpu1_main);
	report(ret == PSCI_RET_ALREADY_ON, "CPU_ON(vCPU1) again returns ALREADY_ON (got %d)", ret);
}

static void check_sgis(void)
{
	gic_send_sgi(SGI_PING, 1u << CPU1);
	report(timer_wait_count(&ping_count, 1, WAIT_MS) && ping_cpu == CPU1,
	       "SGI %u from vCPU0 arrived on vCPU1 (count %u, cpu %lu)", SGI_PING, ping_count,
	       ping_cpu);
	report(timer_wait_count(&pong_count, 1, WAIT_MS) && pong_cpu == 0,
	       "SGI %u from vCPU1 arrived on vCPU0 (count %u, cpu %lu)", SGI_PONG, pong_count,
	       pong_cpu);
}

static void stop_cpu1(void)
{
	uint64_t end = timer_now() + timer_ms_to_ticks(WAIT_MS);
	int32_t state;

	cpu1_stop = 1;
	gic_send_sgi(SGI_STOP, 1u << CPU1);
	do {
		state = psci_affinity_info(CPU1);
	} while (state != PSCI_AFF_OFF && timer_now() < end);
	report(state == PSCI_AFF_OFF, "after CPU_OFF, AFFINITY_INFO(vCPU1) is OFF (got %d)", state);
}

/* Start vCPU1 again (cpu1_main is still registered) through SMC32 CPU_ON with upper-half garbage. */
static void restart_cpu1_smc32(void)
{
	int32_t ret;

	cpu1_online = 0;
	cpu1_stop = 0;
	dsb(sy);
	ret = (int32_t)smccc_hvc(PSCI_CPU_ON, UPPER_GARBAGE | CPU1, UPPER_GARBAGE | (uintptr_t)smp_secondary_entry,
				 UPPER_GARBAGE | CPU1).a0;
	report(ret == PSCI_RET_SUCCESS, "SMC32 CPU_ON(vCPU1) with upper-half garbage returns 0 (got %d)", ret);
	report(timer_wait_flag(&cpu1_online, WAIT_MS), "vCPU1 reported in again, context ID cut to %u", CPU1);
	if (cpu1_online)
		stop_cpu1();
}

void guest_main(void)
{
	check_psci();
	gic_init_dist();
	gic_init_cpu();
	gic_set_handler(SGI_PING, on_ping);
	gic_set_handler(SGI_PONG, on_pong);
	gic_set_handler(SGI_STOP, on_stop);
	gic_enable_private(SGI_PONG, GIC_DEFAULT_PRIO);
	irq_enable();

	check_cpu_on_bad_entry();
	start_cpu1();
	if (cpu1_online) {
		check_sgis();
		stop_cpu1();
		restart_cpu1_smc32();
	}
	report(ping_count == 1 && pong_count == 1, "exactly one SGI each way (%u, %u)", ping_count,
	       pong_count);
	report_summary();
}
