/*
 * Text outputs and the all-or-nothing write of the output directory. The
 * loader arguments are what scripts/run-qemu.sh passes to QEMU: its generic
 * loader device puts each file at a physical address before the CPUs start,
 * which is how the blob and the images reach the addresses in the blob;
 * the same file also gives QEMU the board's disks, in Keel's disk order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc_timing.h"
#include "output.h"
#include "validate.h"

/* A growing text buffer; running out of memory ends the tool. */
struct output_text {
	char *buf;
	size_t len;
	size_t cap;
};

static void text_add(struct output_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct output_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n >= 0 && t->buf && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)(n < 0 ? 0 : n) + 256;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf) {
			fputs("keelcfg: out of memory\n", stderr);
			exit(1);
		}
	}
	t->len += (size_t)n;
}

/* One loader line pair; commas in a path are doubled, as QEMU's option syntax wants. */
static void text_loader(struct output_text *t, const char *dir, const char *file, u64 addr)
{
	text_add(t, "-device\nloader,file=");
	for (const char *p = dir; p && *p; p++)
		text_add(t, *p == ',' ? ",," : "%c", *p);
	if (dir)
		text_add(t, "/");
	for (const char *p = file; *p; p++)
		text_add(t, *p == ',' ? ",," : "%c", *p);
	text_add(t, ",addr=0x%llx,force-raw=on\n", (unsigned long long)addr);
}

/*
 * The board's disks: version-2 virtio-mmio transports (all Keel drives),
 * then one drive and one virtio-blk-device per disk in number order, since
 * Keel's disk N is the N-th virtio-blk-device on QEMU's command line. The
 * validator has refused paths with a comma or a control character.
 */
static void text_disks(struct output_text *t, const struct cfg_system *sys)
{
	if (!virtio_nr_disks(sys))
		return;
	text_add(t, "-global\nvirtio-mmio.force-legacy=false\n");
	for (u32 v = 0; v < MIN(sys->nr_vms, (u32)CFG_MAX_VMS); v++)
		for (u32 i = 0; i < virtio_nr(sys, v); i++) {
			const struct cfg_virtio_dev *dev = &sys->vms[v].virtio.devs[i];
			int n = virtio_disk_number(sys, v, i);

			if (n < 0)
				continue;
			text_add(t, "-drive\nif=none,id=keeldisk%d,file=%s,format=raw%s\n", n, dev->file.abs_path,
				 dev->read_only ? ",readonly=on" : "");
			text_add(t, "-device\nvirtio-blk-device,drive=keeldisk%d\n", n);
		}
}

char *output_loader_args(const struct cfg_system *sys, const struct cfg_layout *lays,
			 const struct platform_desc *plat, const char *abs_dir)
{
	struct output_text t = { 0 };
	char dtb[CFG_NAME_LEN + 8];

	text_loader(&t, abs_dir, "keel.cfg", plat->blob_addr);
	for (u32 i = 0; i < sys->nr_vms; i++) {
		const struct cfg_vm *vm = &sys->vms[i];

		text_loader(&t, NULL, vm->kernel.abs_path, lays[i].kernel_src);
		if (vm->initrd.given)
			text_loader(&t, NULL, vm->initrd.abs_path, lays[i].initrd_src);
		snprintf(dtb, sizeof(dtb), "%s.dtb", vm->name);
		text_loader(&t, abs_dir, dtb, lays[i].dtb_src);
		for (u32 m = 0; m < vm->nr_mem; m++)
			if (vm->mem[m].image.given)
				text_loader(&t, NULL, vm->mem[m].image.abs_path, lays[i].mem_src[m]);
	}
	text_disks(&t, sys);
	return t.buf;
}

static void text_image(struct output_text *t, const char *what, const char *path, u64 size,
		       u64 src, u64 dst)
{
	text_add(t, "  %-7s %s\n          %llu bytes, PA 0x%llx -> IPA 0x%llx-0x%llx\n", what, path,
		 (unsigned long long)size, (unsigned long long)src, (unsigned long long)dst,
		 (unsigned long long)(dst + size - 1));
}

/* Each vCPU's scheduling and the VM's task set. */
static void text_sched_vm(struct output_text *t, const struct cfg_system *sys,
			  const struct cfg_vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		u32 policy = validate_cpu_policy(sys, vm->affinity[i]);

		text_add(t, "  vCPU %u  CPU %u, %s", i, vm->affinity[i], validate_policy_name(policy));
		if (policy == KEEL_SCHED_FIXED_PRIORITY && vm->budget_us.v[i])
			text_add(t, ", server budget %u us every %u us, priority %u", vm->budget_us.v[i],
				 vm->period_us.v[i], vm->priority.v[i]);
		else if (policy == KEEL_SCHED_FIXED_PRIORITY)
			text_add(t, ", background (budget 0)");
		text_add(t, "\n");
	}
	for (u32 i = 0; vm->tasks.given && i < vm->tasks.nr_tasks; i++) {
		const struct cfg_task *task = &vm->tasks.tasks[i];

		text_add(t, "  task    %s (%s): period %u us, wcet %u us, deadline %u us\n", task->name,
			 vm->tasks.scheduler, task->period_us.v, task->wcet_us.v,
			 task->deadline_us.given ? task->deadline_us.v : task->period_us.v);
	}
}

/* Time tables, one line per window. */
static void text_tables(struct output_text *t, const struct cfg_system *sys,
			const struct platform_desc *plat)
{
	for (u32 n = 0; n < plat->nr_cpus; n++) {
		const struct cfg_cpu *cpu = validate_find_cpu(sys, n);

		if (validate_cpu_policy(sys, n) != KEEL_SCHED_TIME_TABLE)
			continue;
		text_add(t, "\nCPU %u: time table, major frame %u us\n", n, cpu->frame_us.v);
		for (u32 i = 0; i < cpu->nr_windows; i++)
			text_add(t, "  window  [%u, %u) us: VM %s vCPU %u\n", cpu->windows[i].offset_us.v,
				 cpu->windows[i].offset_us.v + cpu->windows[i].length_us.v,
				 cpu->windows[i].vm, cpu->windows[i].vcpu.v);
	}
}

/* Each virtio device: where it is, and what it is connected to. */
static void text_virtio(struct output_text *t, const struct cfg_system *sys, const struct cfg_vm *vm,
			const struct platform_desc *plat)
{
	struct virtio_place place[CFG_MAX_VIRTIO];
	u32 idx = (u32)(vm - sys->vms);
	char mac[18];

	virtio_place_vm(sys, plat, idx, place);
	for (u32 i = 0; i < virtio_nr(sys, idx); i++) {
		const struct cfg_virtio_dev *v = &vm->virtio.devs[i];
		const struct virtio_place *p = &place[i];

		text_add(t, "  virtio  %s: %s, IPA 0x%llx, IRQ %u, ", v->name, v->device, (unsigned long long)p->ipa,
			 p->irq);
		virtio_mac_text(p->mac, mac);
		if (v->kind == KEEL_VDEV_VIRTIO_NET)
			text_add(t, "network %s (%d), MAC %s\n", v->network, p->network, mac);
		else if (v->kind == KEEL_VDEV_VIRTIO_BLK)
			text_add(t, "disk %d, image %s, %llu bytes%s%s\n", p->disk, v->image,
				 (unsigned long long)(v->file.err ? (u64)v->size_mib * MiB : v->file.size),
				 v->file.err ? " (created sparse)" : "", v->read_only ? ", read-only" : "");
		else if (p->peer_vm >= 0)
			text_add(t, "linked to %s\n", v->connect);
		else
			text_add(t, "on Keel's console\n");
	}
}

static void text_vm(struct output_text *t, const struct cfg_system *sys, const struct cfg_vm *vm,
		    const struct cfg_layout *lay, const struct platform_desc *plat)
{
	char dtb[CFG_NAME_LEN + 8];

	text_add(t, "\nVM %s: %u vCPU%s on physical CPU%s", vm->name, vm->nr_vcpus,
		 vm->nr_vcpus == 1 ? "" : "s", vm->nr_vcpus == 1 ? "" : "s");
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		text_add(t, " %u", vm->affinity[i]);
	text_add(t, ", %s\n", vm->autostart ? "starts at boot" : "does not start at boot");
	for (u32 i = 0; i < vm->nr_mem; i++) {
		const struct cfg_mem *m = &vm->mem[i];

		text_add(t, "  memory  IPA 0x%llx-0x%llx -> PA 0x%llx-0x%llx (%llu %s)%s\n",
			 (unsigned long long)m->ipa, (unsigned long long)(m->ipa + m->size - 1),
			 (unsigned long long)m->pa, (unsigned long long)(m->pa + m->size - 1),
			 (unsigned long long)(m->size % MiB ? m->size / KiB : m->size / MiB), m->size % MiB ? "KiB" : "MiB",
			 m->read_only ? ", read-only" : "");
		if (m->image.given)
			text_image(t, "image", m->image.path, m->image.file_size, lay->mem_src[i], m->ipa);
	}
	text_image(t, "kernel", vm->kernel.path, vm->kernel.file_size, lay->kernel_src,
		   lay->kernel_ipa);
	if (vm->kernel.linux_header)
		text_add(t, "          arm64 Image, text_offset 0x%llx, image_size 0x%llx\n",
			 (unsigned long long)vm->kernel.text_offset,
			 (unsigned long long)vm->kernel.image_size);
	if (vm->initrd.given)
		text_image(t, "initrd", vm->initrd.path, vm->initrd.file_size, lay->initrd_src,
			   lay->initrd_ipa);
	snprintf(dtb, sizeof(dtb), "%s.dtb", vm->name);
	text_image(t, "dtb", dtb, lay->dtb_size, lay->dtb_src, lay->dtb_ipa);
	text_add(t, "  entry   IPA 0x%llx, x0 = 0x%llx (device tree)\n",
		 (unsigned long long)lay->entry_ipa, (unsigned long long)lay->dtb_ipa);
	text_add(t, "  devices PL011 (emulated) IPA 0x%llx IRQ %u; GICv3 distributor 0x%llx, "
		    "redistributors 0x%llx; %u SPIs\n",
		 CFG_VUART_IPA, CFG_VUART_INTID, CFG_GICD_IPA, CFG_GICR_IPA, CFG_NR_SPIS);
	text_add(t, "  stage 2 up to %u table pages (%u KiB), reserved for this VM\n",
		 validate_s2_tables(vm, plat), validate_s2_tables(vm, plat) * 4);
	for (u32 i = 0; i < vm->nr_pass; i++) {
		const struct plat_device *dev = validate_find_device(plat, vm->pass[i].name);

		text_add(t, "  passthrough %s: MMIO 0x%llx-0x%llx, IRQ %u\n", dev->name,
			 (unsigned long long)dev->mmio.base,
			 (unsigned long long)(dev->mmio.base + dev->mmio.size - 1), dev->irq);
	}
	text_virtio(t, sys, vm, plat);
	{
		char wd[160];

		watchdog_text_vm(sys, plat, (u32)(vm - sys->vms), wd, sizeof(wd)); /* watchdog.c */
		text_add(t, "%s", wd);
	}
	text_sched_vm(t, sys, vm);
	{
		char ipc[KEEL_MAX_IPC_SLOTS * 160]; /* its IPC capability slots (ipc.c) */

		ipc_text_vm(sys, (u32)(vm - sys->vms), ipc, sizeof(ipc));
		text_add(t, "%s", ipc);
		ipc_timing_text_vm(sys, (u32)(vm - sys->vms), ipc, sizeof(ipc)); /* ipc_timing.c */
		text_add(t, "%s", ipc);
		standby_text_vm(sys, plat, (u32)(vm - sys->vms), ipc, sizeof(ipc)); /* standby.c */
		text_add(t, "%s", ipc);
	}
}

char *output_layout(const struct cfg_system *sys, const struct cfg_layout *lays,
		    const struct platform_desc *plat, u64 blob_size)
{
	struct output_text t = { 0 };

	text_add(&t, "Keel system %s for platform %s: %u VM%s\n", sys->file, plat->name, sys->nr_vms,
		 sys->nr_vms == 1 ? "" : "s");
	text_add(&t, "blob    keel.cfg, %llu bytes at PA 0x%llx\n", (unsigned long long)blob_size,
		 (unsigned long long)plat->blob_addr);
	if (sys->sched_forced)
		text_add(&t, "UNSAFE: the schedulability analysis failed (forced with --unsafe)\n");
	for (u32 i = 0; i < sys->nr_vms; i++)
		text_vm(&t, sys, &sys->vms[i], &lays[i], plat);
	text_tables(&t, sys, plat);
	return t.buf;
}

char *output_abs_dir(const char *dir)
{
	char cwd[4096];
	char *out;
	size_t len;

	if (dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		out = strdup(dir);
	else if (asprintf(&out, "%s/%s", cwd, dir) < 0)
		out = NULL;
	if (!out)
		return NULL;
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	return out;
}

/* mkdir -p */
static int output_mkdirs(const char *dir)
{
	char *copy = strdup(dir);
	int ret = 0;

	if (!copy)
		return -1;
	for (char *p = copy + 1; ret == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(copy, 0777) && errno != EEXIST)
			ret = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return ret;
}

static int output_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok ? 0 : -1;
}

int output_write(const char *dir, const struct output_file *files, u32 nr_files)
{
	char *abs = output_abs_dir(dir), *stage = NULL, *slash, path[8192], dst[8192];
	int ret = -1;
	u32 written = 0;

	if (!abs || asprintf(&stage, "%s.tmpXXXXXX", abs) < 0) {
		fprintf(stderr, "keelcfg: out of memory\n");
		free(abs);
		return -1;
	}
	slash = strrchr(abs, '/');
	*slash = '\0';
	if (slash != abs && output_mkdirs(abs))
		goto fail;
	*slash = '/';
	if (!mkdtemp(stage))
		goto fail;
	for (; written < nr_files; written++) {
		snprintf(path, sizeof(path), "%s/%s", stage, files[written].name);
		if (output_write_file(path, files[written].data, files[written].len))
			goto fail;
	}
	if (output_mkdirs(abs))
		goto fail;
	for (u32 i = 0; i < nr_files; i++) {
		snprintf(path, sizeof(path), "%s/%s", stage, files[i].name);
		snprintf(dst, sizeof(dst), "%s/%s", abs, files[i].name);
		if (rename(path, dst))
			goto fail;
	}
	ret = 0;
	goto clean;
fail:
	fprintf(stderr, "keelcfg: cannot write %s: %s\n", dir, strerror(errno));
clean:
	for (u32 i = 0; i < written; i++) {
		snprintf(path, sizeof(path), "%s/%s", stage, files[i].name);
		unlink(path);
	}
	rmdir(stage);
	free(abs);
	free(stage);
	return ret;
}
