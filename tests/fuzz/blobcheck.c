/*
 * blobcheck: Keel's own EL2 check of a configuration blob (core/blob.c's
 * blob_verify, the code Keel runs at boot), built for the host against the
 * qemu-virt board file, so the configuration fuzzer (cfgfuzz.py) can hold
 * every blob keelcfg writes to what Keel will accept. keelcfg --check-blob
 * checks with keelcfg's own reader (tools/keelcfg/blob.c); this is the other
 * side of the contract.
 *
 *   blobcheck [--rules|--rules-unsafe] FILE
 *
 * exits 0 with "ok" if Keel accepts FILE, else 1 with "FILE: refused: REASON"
 * on stderr. --rules adds the rules of docs/configuration.md that keelcfg
 * enforces and Keel does not re-check (no physical memory shared, no static
 * CPU given twice, no guest RAM hiding a device, disjoint time-table windows,
 * ...): a blob keelcfg wrote breaking one is a keelcfg bug even though Keel
 * would boot it. --rules-unsafe is the same for a blob built with --unsafe,
 * which may share memory between VMs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <keel/blob.h>
#include <keel/platform.h>

/* Room for the largest blob Keel reads, and a little past it to catch a size mismatch. */
#define BLOBCHECK_MAX (sizeof(struct keel_blob) + KEEL_MAX_VMS * sizeof(struct keel_blob_vm))

static u8 blobcheck_src[BLOBCHECK_MAX + 4096] __attribute__((aligned(8)));
static u8 blobcheck_dst[BLOBCHECK_MAX] __attribute__((aligned(8)));

static bool rules_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Rule 5: no two RAM regions share physical memory (between VMs, unless unsafe); IPA ranges within a VM disjoint. */
static const char *rules_memory(const struct keel_blob *b, bool unsafe)
{
	for (u32 i = 0; i < b->header.nr_vms; i++)
		for (u32 m = 0; m < b->vms[i].nr_mem; m++)
			for (u32 j = i; j < b->header.nr_vms; j++)
				for (u32 n = (j == i ? m + 1 : 0); n < b->vms[j].nr_mem; n++) {
					const struct keel_blob_mem *x = &b->vms[i].mem[m], *y = &b->vms[j].mem[n];

					if ((i == j || !unsafe) && rules_overlap(x->pa, x->size, y->pa, y->size))
						return "two RAM regions share physical memory (rule 5)";
					if (i == j && rules_overlap(x->ipa, x->size, y->ipa, y->size))
						return "two RAM regions of one VM overlap in the IPA space (rule 5)";
				}
	return NULL;
}

/* Rules 10 and 13: guest RAM hides no device; a passed-through device or IRQ belongs to one VM. */
static const char *rules_devices(const struct keel_blob *b)
{
	for (u32 i = 0; i < b->header.nr_vms; i++) {
		const struct keel_blob_vm *v = &b->vms[i];

		for (u32 m = 0; m < v->nr_mem; m++) {
			for (u32 d = 0; d < v->nr_vdevs; d++)
				if (rules_overlap(v->mem[m].ipa, v->mem[m].size, v->vdevs[d].ipa, v->vdevs[d].size))
					return "guest RAM hides an emulated device (rule 13)";
			for (u32 d = 0; d < v->nr_mmio; d++)
				if (rules_overlap(v->mem[m].ipa, v->mem[m].size, v->mmio[d].ipa, v->mmio[d].size))
					return "guest RAM hides a passed-through device (rule 13)";
		}
		for (u32 j = i + 1; j < b->header.nr_vms; j++) {
			for (u32 d = 0; d < v->nr_mmio; d++)
				for (u32 e = 0; e < b->vms[j].nr_mmio; e++)
					if (v->mmio[d].pa == b->vms[j].mmio[e].pa)
						return "a device passed through to two VMs (rule 10)";
			for (u32 d = 0; d < v->nr_irqs; d++)
				for (u32 e = 0; e < b->vms[j].nr_irqs; e++)
					if (v->irqs[d] == b->vms[j].irqs[e])
						return "an IRQ passed through to two VMs (rule 10)";
		}
	}
	return NULL;
}

/* Rule 4 and the blob's own comment: a static CPU runs one vCPU; time-table windows sorted and disjoint. */
static const char *rules_cpus(const struct keel_blob *b)
{
	for (u32 n = 0; n < KEEL_MAX_CPUS; n++) {
		const struct keel_blob_cpu *c = &b->cpus[n];
		u32 on = 0;

		for (u32 i = 0; i < b->header.nr_vms; i++)
			for (u32 k = 0; k < b->vms[i].nr_vcpus; k++)
				on += b->vms[i].pcpu[k] == n;
		if (c->policy == KEEL_SCHED_STATIC && on > 1)
			return "a static CPU runs more than one vCPU (rule 4)";
		for (u32 w = 1; c->policy == KEEL_SCHED_TIME_TABLE && w < c->nr_windows; w++)
			if (c->windows[w].offset_ns < c->windows[w - 1].offset_ns + c->windows[w - 1].length_ns)
				return "time-table windows not sorted or overlapping";
	}
	return NULL;
}

/* Channels: physical memory clear of every VM's RAM and of other channels (docs/configuration.md). */
static const char *rules_channels(const struct keel_blob *b)
{
	for (u32 i = 0; i < b->header.nr_vms; i++)
		for (u32 k = 0; k < b->vms[i].nr_channels; k++) {
			const struct keel_blob_channel *ch = &b->vms[i].channels[k];

			for (u32 j = 0; j < b->header.nr_vms; j++) {
				for (u32 m = 0; m < b->vms[j].nr_mem; m++)
					if (rules_overlap(ch->pa, ch->size, b->vms[j].mem[m].pa, b->vms[j].mem[m].size))
						return "a channel's physical memory overlaps a VM's RAM";
				for (u32 o = 0; o < b->vms[j].nr_channels; o++) {
					const struct keel_blob_channel *x = &b->vms[j].channels[o];

					if (x->id != ch->id && rules_overlap(ch->pa, ch->size, x->pa, x->size))
						return "two channels share physical memory";
					if (x->id == ch->id && (x->pa != ch->pa || x->size != ch->size))
						return "one channel's members see different memory";
				}
			}
		}
	return NULL;
}

/* Images: each VM's images disjoint in its IPA space (rule 9) and all sources disjoint in the modules (14). */
static const char *rules_images(const struct keel_blob *b)
{
	for (u32 i = 0; i < b->header.nr_vms; i++)
		for (u32 k = 0; k < b->vms[i].nr_images; k++) {
			const struct keel_blob_image *x = &b->vms[i].images[k];

			if (rules_overlap(x->src_pa, x->size, platform.blob_addr,
					  b->header.total_size))
				return "an image's source overlaps the blob";
			for (u32 j = i; j < b->header.nr_vms; j++)
				for (u32 l = (j == i ? k + 1 : 0); l < b->vms[j].nr_images; l++) {
					const struct keel_blob_image *y = &b->vms[j].images[l];

					if (rules_overlap(x->src_pa, x->size, y->src_pa, y->size))
						return "two images' sources overlap in the boot modules (rule 14)";
					if (i == j && rules_overlap(x->dst_ipa, x->size, y->dst_ipa, y->size))
						return "two images of one VM overlap in its RAM (rule 9)";
				}
		}
	return NULL;
}

static const char *rules_check(const struct keel_blob *b, bool unsafe)
{
	const char *why;

	if ((why = rules_memory(b, unsafe)) || (why = rules_devices(b)) || (why = rules_cpus(b)) ||
	    (why = rules_channels(b)) || (why = rules_images(b)))
		return why;
	return NULL;
}

int main(int argc, char **argv)
{
	bool rules = false, unsafe = false;
	char msg[256];
	const char *why;
	size_t len;
	FILE *f;

	if (argc == 3 && (!strcmp(argv[1], "--rules") || !strcmp(argv[1], "--rules-unsafe"))) {
		rules = true;
		unsafe = !strcmp(argv[1], "--rules-unsafe");
		argv++;
		argc--;
	}
	if (argc != 2) {
		fputs("usage: blobcheck [--rules|--rules-unsafe] FILE\n", stderr);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	len = fread(blobcheck_src, 1, sizeof(blobcheck_src), f);
	fclose(f);
	if (len < sizeof(struct keel_blob_header)) {
		fprintf(stderr, "%s: refused: %zu bytes, shorter than a header\n", argv[1], len);
		return 1;
	}
	why = blob_verify(blobcheck_src, blobcheck_dst, sizeof(blobcheck_dst), &platform, msg, sizeof(msg));
	if (!why && ((const struct keel_blob_header *)blobcheck_src)->total_size != len)
		why = "the file is longer than the blob's total_size";
	if (!why && rules)
		why = rules_check((const struct keel_blob *)blobcheck_dst, unsafe);
	if (why) {
		fprintf(stderr, "%s: refused: %s\n", argv[1], why);
		return 1;
	}
	printf("%s: ok\n", argv[1]);
	return 0;
}
