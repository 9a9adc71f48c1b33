/*
 * From the compiled system description to struct cfg_system. This stage
 * checks only the shape of what was written: known property names, cell
 * counts and string types. Whether the values make sense (and whether a
 * required property is there at all) is the validator's job, so that every
 * rule lives in one place and can be unit-tested on a hand-made model.
 */
#include <libfdt.h>
#include <string.h>

#include "parse.h"
#include "policy.h"

struct parse_ctx {
	const void *fdt;
	const struct srcmap *map;
	struct diag *d;
};

static u64 parse_cells(const fdt32_t *cells, int n)
{
	u64 v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

/* A string property: NUL-terminated, not empty, one string only. */
static bool parse_string(struct parse_ctx *c, const char *path, const char *name,
			 const void *val, int len, char *out, size_t cap)
{
	struct cfg_loc loc = srcmap_prop(c->map, path, name);

	if (len <= 1 || ((const char *)val)[len - 1] != '\0' || strlen(val) != (size_t)len - 1) {
		diag_error(c->d, &loc, path, "property '%s' must be one non-empty string", name);
		return false;
	}
	if ((size_t)len > cap) {
		diag_error(c->d, &loc, path, "property '%s' is too long (at most %zu characters)", name,
			   cap - 1);
		return false;
	}
	memcpy(out, val, (size_t)len);
	return true;
}

static bool parse_u32(struct parse_ctx *c, const char *path, const char *name, const void *val,
		      int len, u32 *out)
{
	struct cfg_loc loc = srcmap_prop(c->map, path, name);

	if (len != 4) {
		diag_error(c->d, &loc, path, "property '%s' must be one cell (<n>), not %d bytes", name,
			   len);
		return false;
	}
	*out = fdt32_to_cpu(*(const fdt32_t *)val);
	return true;
}

/* parent/name into out (CFG_NODE_LEN bytes), cut short if it is too long. */
static void parse_child_path(char *out, const char *parent, const char *name)
{
	size_t plen = strnlen(parent, CFG_NODE_LEN - 2);

	memcpy(out, parent, plen);
	out[plen] = '/';
	snprintf(out + plen + 1, CFG_NODE_LEN - plen - 1, "%s", name);
}

static void parse_u32_prop(struct parse_ctx *c, const char *path, const char *name,
			   const void *val, int len, struct cfg_u32 *out)
{
	out->loc = srcmap_prop(c->map, path, name);
	out->given = parse_u32(c, path, name, val, len, &out->v);
}

/* A list of cells, one per vCPU; the count is checked by the validator. */
static void parse_list(struct parse_ctx *c, const char *path, const char *name, const void *val,
		       int len, struct cfg_list *out)
{
	out->loc = srcmap_prop(c->map, path, name);
	if (len <= 0 || len % 4) {
		diag_error(c->d, &out->loc, path, "property '%s' must be a list of cells, one per vCPU",
			   name);
		return;
	}
	out->given = true;
	out->nr = (u32)len / 4;
	for (u32 i = 0; i < out->nr && i < CFG_MAX_LIST; i++)
		out->v[i] = fdt32_to_cpu(((const fdt32_t *)val)[i]);
}

static void parse_unknown_prop(struct parse_ctx *c, const char *path, const char *name,
			       const char *hint)
{
	struct cfg_loc loc = srcmap_prop(c->map, path, name);

	diag_error(c->d, &loc, path, "unknown property '%s' (%s)", name, hint);
}

static void parse_unknown_node(struct parse_ctx *c, const char *path, const char *hint)
{
	struct cfg_loc loc = srcmap_node(c->map, path, NULL, NULL);

	diag_error(c->d, &loc, path, "unknown node (%s)", hint);
}

/* Every subnode of node is reported as unknown. */
static void parse_no_subnodes(struct parse_ctx *c, int node, const char *path, const char *hint)
{
	char sub_path[CFG_NODE_LEN];
	int sub;

	fdt_for_each_subnode(sub, c->fdt, node) {
		parse_child_path(sub_path, path, fdt_get_name(c->fdt, sub, NULL));
		parse_unknown_node(c, sub_path, hint);
	}
}

static void parse_task(struct parse_ctx *c, struct cfg_tasks *ts, int node, const char *path)
{
	struct cfg_task *t = ts->nr_tasks < CFG_MAX_TASKS ? &ts->tasks[ts->nr_tasks] : NULL;
	int prop, len;

	ts->nr_tasks++;
	if (!t)
		return; /* the validator reports the count */
	snprintf(t->name, sizeof(t->name), "%s", fdt_get_name(c->fdt, node, NULL));
	snprintf(t->node, sizeof(t->node), "%s", path);
	t->loc = srcmap_node(c->map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

		if (!strcmp(name, "period-us"))
			parse_u32_prop(c, path, name, val, len, &t->period_us);
		else if (!strcmp(name, "wcet-us"))
			parse_u32_prop(c, path, name, val, len, &t->wcet_us);
		else if (!strcmp(name, "deadline-us"))
			parse_u32_prop(c, path, name, val, len, &t->deadline_us);
		else
			parse_unknown_prop(c, path, name, "a task has period-us, wcet-us and deadline-us");
	}
	parse_no_subnodes(c, node, path, "a task holds only properties");
}

static void parse_tasks(struct parse_ctx *c, struct cfg_vm *vm, int node, const char *path)
{
	struct cfg_tasks *ts = &vm->tasks;
	int prop, sub, len;

	ts->given = true;
	snprintf(ts->node, sizeof(ts->node), "%s", path);
	ts->loc = srcmap_node(c->map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

		if (!strcmp(name, "scheduler")) {
			ts->scheduler_loc = srcmap_prop(c->map, path, name);
			ts->has_scheduler = parse_string(c, path, name, val, len, ts->scheduler,
							 sizeof(ts->scheduler));
		} else {
			parse_unknown_prop(c, path, name, "tasks has scheduler and one node per task");
		}
	}
	fdt_for_each_subnode(sub, c->fdt, node) {
		char task_path[CFG_NODE_LEN];

		parse_child_path(task_path, path, fdt_get_name(c->fdt, sub, NULL));
		parse_task(c, ts, sub, task_path);
	}
}

static void parse_memory(struct parse_ctx *c, struct cfg_vm *vm, int node, const char *path)
{
	struct cfg_mem *m = vm->nr_mem < CFG_MAX_MEM ? &vm->mem[vm->nr_mem] : NULL;
	const void *reg, *phys;
	int reg_len, phys_len, prop;

	vm->nr_mem++;
	if (!m)
		return; /* the validator reports the count */
	snprintf(m->node, sizeof(m->node), "%s", path);
	m->loc = srcmap_node(c->map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		int len;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);
		struct cfg_loc loc = srcmap_prop(c->map, path, name);

		if (!strcmp(name, "read-only")) {
			m->read_only = true;
			m->read_only_loc = loc;
			if (len != 0)
				diag_error(c->d, &loc, path, "property 'read-only' takes no value");
		} else if (!strcmp(name, "image")) {
			m->image.loc = loc;
			m->image.given = parse_string(c, path, name, val, len, m->image.path, sizeof(m->image.path));
		} else if (strcmp(name, "reg") && strcmp(name, "phys")) {
			diag_error(c->d, &loc, path,
				   "unknown property '%s' (a memory node has reg, phys, read-only and image)", name);
		}
	}
	struct cfg_loc reg_loc = srcmap_prop(c->map, path, "reg");
	struct cfg_loc phys_loc = srcmap_prop(c->map, path, "phys");

	reg = fdt_getprop(c->fdt, node, "reg", &reg_len);
	phys = fdt_getprop(c->fdt, node, "phys", &phys_len);
	if (!reg)
		diag_error(c->d, &m->loc, path, "missing property 'reg' (IPA base and size, 2 cells each)");
	else if (reg_len != 16)
		diag_error(c->d, &reg_loc, path,
			   "property 'reg' must be 4 cells (IPA base and size, 2 cells each), not %d bytes",
			   reg_len);
	else {
		m->ipa = parse_cells(reg, 2);
		m->size = parse_cells((const fdt32_t *)reg + 2, 2);
	}
	if (!phys)
		diag_error(c->d, &m->loc, path, "missing property 'phys' (physical base, 2 cells)");
	else if (phys_len != 8)
		diag_error(c->d, &phys_loc, path, "property 'phys' must be 2 cells, not %d bytes", phys_len);
	else
		m->pa = parse_cells(phys, 2);
}

static void parse_image(struct parse_ctx *c, const char *path, const char *name, const void *val,
			int len, struct cfg_image *img)
{
	img->loc = srcmap_prop(c->map, path, name);
	img->given = parse_string(c, path, name, val, len, img->path, sizeof(img->path));
}

static void parse_passthrough(struct parse_ctx *c, struct cfg_vm *vm, const char *path,
			      const char *val, int len)
{
	vm->pass_loc = srcmap_prop(c->map, path, "passthrough");
	if (len <= 1 || val[len - 1] != '\0') {
		diag_error(c->d, &vm->pass_loc, path,
			   "property 'passthrough' must be a list of device names");
		return;
	}
	for (int off = 0; off < len; off += (int)strlen(val + off) + 1) {
		if (vm->nr_pass < CFG_MAX_PASS)
			snprintf(vm->pass[vm->nr_pass].name, CFG_NAME_LEN, "%s", val + off);
		vm->nr_pass++;
	}
}

/* One property of a VM node; returns false if the name is not known. */
static bool parse_vm_prop(struct parse_ctx *c, struct cfg_vm *vm, const char *name,
			  const void *val, int len)
{
	const char *path = vm->node;

	if (!strcmp(name, "vcpus")) {
		vm->vcpus_loc = srcmap_prop(c->map, path, name);
		vm->has_vcpus = parse_u32(c, path, name, val, len, &vm->nr_vcpus);
	} else if (!strcmp(name, "cpu-affinity")) {
		vm->affinity_loc = srcmap_prop(c->map, path, name);
		if (len <= 0 || len % 4) {
			diag_error(c->d, &vm->affinity_loc, path,
				   "property 'cpu-affinity' must be a list of cells, one per vCPU");
			return true;
		}
		vm->has_affinity = true;
		vm->nr_affinity = (u32)len / 4;
		for (u32 i = 0; i < vm->nr_affinity && i < CFG_MAX_LIST; i++)
			vm->affinity[i] = fdt32_to_cpu(((const fdt32_t *)val)[i]);
	} else if (!strcmp(name, "kernel")) {
		parse_image(c, path, name, val, len, &vm->kernel);
	} else if (!strcmp(name, "initrd")) {
		parse_image(c, path, name, val, len, &vm->initrd);
	} else if (!strcmp(name, "bootargs")) {
		vm->has_bootargs = parse_string(c, path, name, val, len, vm->bootargs,
						sizeof(vm->bootargs));
	} else if (!strcmp(name, "passthrough")) {
		parse_passthrough(c, vm, path, val, len);
	} else if (!strcmp(name, "server-budget-us")) {
		parse_list(c, path, name, val, len, &vm->budget_us);
	} else if (!strcmp(name, "server-period-us")) {
		parse_list(c, path, name, val, len, &vm->period_us);
	} else if (!strcmp(name, "server-priority")) {
		parse_list(c, path, name, val, len, &vm->priority);
	} else if (!strcmp(name, "no-autostart")) {
		vm->autostart = false;
		if (len != 0) {
			struct cfg_loc loc = srcmap_prop(c->map, path, name);
			diag_error(c->d, &loc, path, "property 'no-autostart' takes no value");
		}
	} else {
		return false;
	}
	return true;
}

static void parse_vm(struct parse_ctx *c, struct cfg_system *sys, int node)
{
	struct cfg_vm *vm = &sys->vms[sys->nr_vms];
	int prop, sub, len;

	memset(vm, 0, sizeof(*vm));
	vm->autostart = true;
	vm->guest_props = -1;
	snprintf(vm->name, sizeof(vm->name), "%s", fdt_get_name(c->fdt, node, NULL));
	snprintf(vm->node, sizeof(vm->node), "/vms/%s", fdt_get_name(c->fdt, node, NULL));
	vm->loc = srcmap_node(c->map, vm->node, &vm->nr_defs, &vm->other_def);

	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

		if (!parse_vm_prop(c, vm, name, val, len) &&
		    !policy_parse_vm_prop(vm, name, val, len, c->map, c->d)) { /* secure, accept-clients */
			struct cfg_loc loc = srcmap_prop(c->map, vm->node, name);
			diag_error(c->d, &loc, vm->node, "unknown property '%s'", name);
		}
	}
	fdt_for_each_subnode(sub, c->fdt, node) {
		const char *name = fdt_get_name(c->fdt, sub, NULL);
		char path[CFG_NODE_LEN];

		snprintf(path, sizeof(path), "%s/%s", vm->node, name);
		if (!strcmp(name, "memory") || !strncmp(name, "memory@", 7)) {
			parse_memory(c, vm, sub, path);
		} else if (!strcmp(name, "guest-properties")) {
			vm->guest_props = sub;
			vm->guest_props_loc = srcmap_node(c->map, path, NULL, NULL);
		} else if (!strcmp(name, "tasks")) {
			parse_tasks(c, vm, sub, path);
		} else if (!strcmp(name, "virtio")) {
			virtio_parse(c->fdt, sub, path, c->map, vm, c->d); /* virtio.c */
		} else if (!strcmp(name, "standby")) {
			standby_parse(c->fdt, sub, path, c->map, vm, c->d); /* standby.c */
		} else if (!strcmp(name, "watchdog")) {
			watchdog_parse(c->fdt, sub, path, c->map, vm, c->d); /* watchdog.c */
		} else {
			parse_unknown_node(c, path, "a VM holds memory@..., guest-properties, tasks, virtio, watchdog and standby");
		}
	}
}

static void parse_window(struct parse_ctx *c, struct cfg_cpu *cpu, int node, const char *path)
{
	struct cfg_window *w = cpu->nr_windows < CFG_MAX_WINDOWS ? &cpu->windows[cpu->nr_windows] : NULL;
	int prop, len;

	cpu->nr_windows++;
	if (!w)
		return; /* the validator reports the count */
	snprintf(w->node, sizeof(w->node), "%s", path);
	w->loc = srcmap_node(c->map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

		if (!strcmp(name, "vm")) {
			w->vm_loc = srcmap_prop(c->map, path, name);
			w->has_vm = parse_string(c, path, name, val, len, w->vm, sizeof(w->vm));
		} else if (!strcmp(name, "vcpu")) {
			parse_u32_prop(c, path, name, val, len, &w->vcpu);
		} else if (!strcmp(name, "offset-us")) {
			parse_u32_prop(c, path, name, val, len, &w->offset_us);
		} else if (!strcmp(name, "length-us")) {
			parse_u32_prop(c, path, name, val, len, &w->length_us);
		} else {
			parse_unknown_prop(c, path, name, "a window has vm, vcpu, offset-us and length-us");
		}
	}
	parse_no_subnodes(c, node, path, "a window holds only properties");
}

static void parse_cpu(struct parse_ctx *c, struct cfg_cpu *cpu, int node, const char *path)
{
	int prop, sub, len;

	memset(cpu, 0, sizeof(*cpu));
	snprintf(cpu->node, sizeof(cpu->node), "%s", path);
	cpu->loc = srcmap_node(c->map, path, NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

		if (!strcmp(name, "policy")) {
			cpu->policy_loc = srcmap_prop(c->map, path, name);
			cpu->has_policy = parse_string(c, path, name, val, len, cpu->policy,
						       sizeof(cpu->policy));
		} else if (!strcmp(name, "major-frame-us")) {
			parse_u32_prop(c, path, name, val, len, &cpu->frame_us);
		} else {
			parse_unknown_prop(c, path, name, "a CPU has policy and major-frame-us");
		}
	}
	fdt_for_each_subnode(sub, c->fdt, node) {
		const char *name = fdt_get_name(c->fdt, sub, NULL);
		char sub_path[CFG_NODE_LEN];

		parse_child_path(sub_path, path, name);
		if (!strncmp(name, "window@", 7) || !strcmp(name, "window"))
			parse_window(c, cpu, sub, sub_path);
		else
			parse_unknown_node(c, sub_path, "a CPU holds window@... nodes");
	}
}

/* /cpus: one cpu@N node per physical CPU that is not static. */
static void parse_cpus(struct parse_ctx *c, struct cfg_system *sys, int node)
{
	int prop, sub;

	sys->has_cpus_node = true;
	sys->cpus_loc = srcmap_node(c->map, "/cpus", NULL, NULL);
	fdt_for_each_property_offset(prop, c->fdt, node) {
		const char *name;

		fdt_getprop_by_offset(c->fdt, prop, &name, NULL);
		if (strcmp(name, "#address-cells") && strcmp(name, "#size-cells"))
			parse_unknown_prop(c, "/cpus", name, "/cpus holds cpu@N nodes");
	}
	fdt_for_each_subnode(sub, c->fdt, node) {
		const char *name = fdt_get_name(c->fdt, sub, NULL);
		char path[CFG_NODE_LEN];

		snprintf(path, sizeof(path), "/cpus/%s", name);
		if (strncmp(name, "cpu@", 4)) {
			parse_unknown_node(c, path, "/cpus holds cpu@N nodes, N the physical CPU");
			continue;
		}
		if (sys->nr_cpus < CFG_MAX_CPU_NODES)
			parse_cpu(c, &sys->cpus[sys->nr_cpus], sub, path);
		sys->nr_cpus++;
	}
}

static void parse_root(struct parse_ctx *c, struct cfg_system *sys)
{
	const char *compat;
	const void *val;
	int len;

	compat = fdt_getprop(c->fdt, 0, "compatible", &len);
	sys->has_compatible = compat != NULL;
	for (int off = 0; compat && off < len; off += (int)strlen(compat + off) + 1)
		if (!strcmp(compat + off, "keel,system-v1"))
			sys->compatible_ok = true;

	sys->trace = fdt_getprop(c->fdt, 0, "trace", NULL) != NULL;
	sys->platform_loc = srcmap_prop(c->map, "/", "platform");
	val = fdt_getprop(c->fdt, 0, "platform", &len);
	if (val)
		sys->has_platform = parse_string(c, "/", "platform", val, len, sys->platform,
						 sizeof(sys->platform));
}

void parse_system(const void *fdt, const struct srcmap *map, struct cfg_system *sys,
		  struct diag *d)
{
	struct parse_ctx c = { fdt, map, d };
	int vms, node;

	memset(sys, 0, sizeof(*sys));
	sys->fdt = fdt;
	sys->file = map->fallback_file;
	sys->root_loc = srcmap_node(map, "/", NULL, NULL);
	if (fdt_check_header(fdt)) {
		diag_error(d, &sys->root_loc, "/", "dtc produced a tree libfdt cannot read");
		return;
	}
	parse_root(&c, sys);
	ipc_parse(fdt, map, sys, d); /* /ipc: endpoints (ipc.c) */
	channel_parse(fdt, map, sys, d); /* /channels: shared memory and doorbells (channel.c) */
	node = fdt_subnode_offset(fdt, 0, "cpus");
	if (node >= 0)
		parse_cpus(&c, sys, node);

	snprintf(sys->vms_node, sizeof(sys->vms_node), "/vms"); /* VM nodes are named from it */
	vms = fdt_subnode_offset(fdt, 0, "vms");
	if (vms < 0)
		return; /* the validator says that there are no VMs */
	sys->has_vms_node = true;
	sys->vms_loc = srcmap_node(map, sys->vms_node, NULL, NULL);
	fdt_for_each_subnode(node, fdt, vms) {
		if (sys->nr_vms < CFG_MAX_VMS)
			parse_vm(&c, sys, node);
		sys->nr_vms++;
	}
}
