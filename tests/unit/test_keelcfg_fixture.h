/*
 * Shared fixture for the keelcfg unit tests: a small board and a valid
 * two-VM system built directly as a model (no dtc, no files), which each
 * test then breaks in one way. The board is local to the tests so they do
 * not change when platform/qemu-virt/platform.c does.
 */
#ifndef TEST_KEELCFG_FIXTURE_H
#define TEST_KEELCFG_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "model.h"

#define FIX_FILE "test.dts"

static const struct platform_desc fix_board = {
	.name = "test-board",
	.ram = { 0x40000000, 2 * GiB },
	.keel = { 0x40000000, 64 * MiB },
	.modules = { 0x50000000, 256 * MiB },
	.guest_ram = { 0x60000000, 1536 * MiB },
	.nr_cpus = 4,
	.uart_irq = 33,
	.gic_max_intid = 287,
	.blob_addr = 0x50000000,
	.nr_devices = 5,
	.devices = {
		{ "rtc", { 0x09010000, 0x1000 }, 34 },
		{ "gpio", { 0x09030000, 0x1000 }, 39 },
		{ "clash", { 0x09040000, 0x1000 }, 33 }, /* the UART's IRQ */
		{ "twin", { 0x09050000, 0x1000 }, 34 }, /* the RTC's IRQ */
		{ "far", { 0x09060000, 0x1000 }, 200 }, /* beyond the vGIC's 64 SPIs */
	},
};

static inline struct cfg_loc fix_loc(int line)
{
	return (struct cfg_loc){ FIX_FILE, line };
}

static inline void fix_mem(struct cfg_vm *vm, u64 ipa, u64 size, u64 pa, int line)
{
	struct cfg_mem *m = &vm->mem[vm->nr_mem++];
	char name[CFG_NAME_LEN];

	memcpy(name, vm->name, sizeof(name));
	snprintf(m->node, sizeof(m->node), "/vms/%.32s/memory@%llx", name, (unsigned long long)ipa);
	m->loc = fix_loc(line);
	m->ipa = ipa;
	m->size = size;
	m->pa = pa;
}

static inline void fix_image(struct cfg_image *img, const char *path, u64 size, int line)
{
	img->given = true;
	snprintf(img->path, sizeof(img->path), "%s", path);
	snprintf(img->abs_path, sizeof(img->abs_path), "/abs/%s", path);
	img->loc = fix_loc(line);
	img->readable = true;
	img->file_size = size;
}

/* A VM named name at line with vcpus vCPUs on CPUs first, first + 1, ... */
static inline struct cfg_vm *fix_vm(struct cfg_system *sys, const char *name, u32 vcpus,
				    u32 first, int line)
{
	struct cfg_vm *vm = &sys->vms[sys->nr_vms++];

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	snprintf(vm->node, sizeof(vm->node), "/vms/%s", name);
	vm->loc = fix_loc(line);
	vm->nr_defs = 1;
	vm->has_vcpus = true;
	vm->nr_vcpus = vcpus;
	vm->vcpus_loc = fix_loc(line + 1);
	vm->has_affinity = true;
	vm->nr_affinity = vcpus;
	for (u32 i = 0; i < vcpus; i++)
		vm->affinity[i] = first + i;
	vm->affinity_loc = fix_loc(line + 2);
	vm->pass_loc = fix_loc(line + 3);
	vm->autostart = true;
	vm->guest_props = -1;
	return vm;
}

/* The demo: "linux" (2 vCPUs, 512 MiB, Image + initrd) and "ticker" (1 vCPU, 16 MiB). */
static inline void fix_system(struct cfg_system *sys)
{
	struct cfg_vm *vm;

	memset(sys, 0, sizeof(*sys));
	sys->file = FIX_FILE;
	sys->root_loc = fix_loc(2);
	sys->has_compatible = sys->compatible_ok = true;
	sys->has_platform = true;
	snprintf(sys->platform, sizeof(sys->platform), "%s", fix_board.name);
	sys->platform_loc = fix_loc(4);
	sys->has_vms_node = true;
	snprintf(sys->vms_node, sizeof(sys->vms_node), "/vms");
	sys->vms_loc = fix_loc(5);

	vm = fix_vm(sys, "linux", 2, 0, 10);
	fix_mem(vm, 0x40000000, 512 * MiB, 0x80000000, 20);
	fix_image(&vm->kernel, "Image", 20 * MiB, 14);
	vm->kernel.linux_header = true;
	vm->kernel.text_offset = 0;
	vm->kernel.image_size = 24 * MiB;
	fix_image(&vm->initrd, "initrd.cpio.gz", 3 * MiB + 5, 15);

	vm = fix_vm(sys, "ticker", 1, 2, 30);
	fix_mem(vm, 0x40000000, 16 * MiB, 0x60000000, 35);
	fix_image(&vm->kernel, "ticker.bin", 8 * KiB, 33);
}

/* Physical CPU n described in /cpus with policy, at line 60 + n. */
static inline struct cfg_cpu *fix_cpu(struct cfg_system *sys, u32 n, const char *policy)
{
	struct cfg_cpu *c = &sys->cpus[sys->nr_cpus++];

	memset(c, 0, sizeof(*c));
	snprintf(c->node, sizeof(c->node), "/cpus/cpu@%u", n);
	c->loc = fix_loc(60 + (int)n);
	c->has_policy = true;
	snprintf(c->policy, sizeof(c->policy), "%s", policy);
	c->policy_loc = c->loc;
	sys->has_cpus_node = true;
	return c;
}

static inline void fix_list(struct cfg_list *l, u32 n, const u32 *v, int line)
{
	l->given = true;
	l->nr = n;
	memcpy(l->v, v, n * sizeof(*v));
	l->loc = fix_loc(line);
}

static inline void fix_task(struct cfg_vm *vm, const char *name, u32 period, u32 wcet,
			    u32 deadline, int line)
{
	struct cfg_task *t = &vm->tasks.tasks[vm->tasks.nr_tasks++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->node, sizeof(t->node), "%.64s/tasks/%.64s", vm->node, name);
	t->loc = fix_loc(line);
	t->period_us = (struct cfg_u32){ true, period, fix_loc(line + 1) };
	t->wcet_us = (struct cfg_u32){ true, wcet, fix_loc(line + 2) };
	t->deadline_us = (struct cfg_u32){ deadline != 0, deadline, fix_loc(line + 3) };
}

/*
 * configs/rt/rt-fp.dts on the fixture: CPU 1 fixed-priority, shared by
 * linux vCPU 1 (background) and ticker, a server of 2 ms every 5 ms at
 * priority 10 running ctrl (5 ms, 1 ms, deadline 4.5 ms) and log (20 ms,
 * 2 ms) by rate monotonic.
 */
static inline void fix_rt_system(struct cfg_system *sys)
{
	static const u32 zero[2] = { 0, 0 }, budget[1] = { 2000 }, period[1] = { 5000 },
			 prio[1] = { 10 };
	struct cfg_vm *rt = &sys->vms[1];

	fix_system(sys);
	fix_cpu(sys, 1, "fixed-priority");
	fix_list(&sys->vms[0].budget_us, 2, zero, 16);
	rt->affinity[0] = 1;
	fix_list(&rt->budget_us, 1, budget, 40);
	fix_list(&rt->period_us, 1, period, 41);
	fix_list(&rt->priority, 1, prio, 42);
	rt->tasks.given = true;
	snprintf(rt->tasks.node, sizeof(rt->tasks.node), "/vms/ticker/tasks");
	rt->tasks.loc = fix_loc(45);
	rt->tasks.has_scheduler = true;
	snprintf(rt->tasks.scheduler, sizeof(rt->tasks.scheduler), "rm");
	fix_task(rt, "ctrl", 5000, 1000, 4500, 47);
	fix_task(rt, "log", 20000, 2000, 0, 52);
}

#endif
