/*
 * blobcheck: Keel's own EL2 check of a configuration blob (core/blob.c's
 * blob_verify, the code Keel runs at boot), built for the host against the
 * qemu-virt board file, so the configuration fuzzer (cfgfuzz.py) can hold
 * every blob keelcfg writes to what Keel will accept. keelcfg --check-blob
 * checks with keelcfg's own reader (tools/keelcfg/blob.c); this is the other
 * side of the contract.
 *
 *   blobcheck FILE    exit 0 and "ok" if Keel accepts FILE, else exit 1 and
 *                     "FILE: refused: REASON" on stderr
 */
#include <stdio.h>
#include <string.h>

#include <keel/blob.h>
#include <keel/platform.h>

/* Room for the largest blob Keel reads, and a little past it to catch a size mismatch. */
#define BLOBCHECK_MAX (sizeof(struct keel_blob) + KEEL_MAX_VMS * sizeof(struct keel_blob_vm))

static u8 blobcheck_src[BLOBCHECK_MAX + 4096] __attribute__((aligned(8)));
static u8 blobcheck_dst[BLOBCHECK_MAX] __attribute__((aligned(8)));

int main(int argc, char **argv)
{
	char msg[256];
	const char *why;
	size_t len;
	FILE *f;

	if (argc != 2) {
		fputs("usage: blobcheck FILE\n", stderr);
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
	if (why) {
		fprintf(stderr, "%s: refused: %s\n", argv[1], why);
		return 1;
	}
	printf("%s: ok\n", argv[1]);
	return 0;
}
