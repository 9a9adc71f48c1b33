# tests/fuzz.mk: the configuration fuzzer (tests/fuzz/cfgfuzz.py, issue 12): keelcfg built for
# the host with ASan and UBSan, and blobcheck, Keel's own EL2 blob check
# (core/blob.c) built for the host the way test_blob is. `make test` runs a short
# fixed-seed campaign (tests/fuzz/run.sh); `make fuzz-config` runs a longer one:
#     make fuzz-config SECONDS=600 SEED=7
# (SECONDS of mutated inputs from seed SEED; failures are kept in build/fuzz/crashes).
#
# And the coverage-guided targets (libFuzzer, clang with ASan/UBSan, tests/fuzz/lf_*.c):
# build/fuzz/lf-keelcfg (keelcfg after dtc, a flattened tree in), lf-srcmap (dtc's annotated
# source), lf-analysis (the schedulability analysis) and lf-blob (Keel's EL2 blob check and
# the boot steps after it). `make fuzz FUZZ_TIME=N` runs the configuration campaign and each
# target for N seconds (tests/fuzz/lf_campaign.sh); `make fuzz-corpus` rebuilds
# tests/fuzz/corpus/ from every configuration and what the campaigns found (lf_corpus.sh).

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_KEELCFG := $(FUZZ_DIR)/keelcfg
FUZZ_BLOBCHECK := $(FUZZ_DIR)/blobcheck
FUZZ_SAN_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
	-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(FUZZ_KEELCFG): $(KEELCFG_SRCS) $(KEELCFG_HDRS) tests/fuzz.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (ASan/UBSan)"
	@$(HOSTCC) $(FUZZ_SAN_CFLAGS) $(KEELCFG_SRCS) -o $@ -lfdt

# Keel's blob check and what it links on the host, as test_blob (keep in step with
# VDEV_KINDS_TEST_SRCS in tests/unit/vdev.mk).
FUZZ_BLOBCHECK_SRCS := tests/fuzz/blobcheck.c core/blob.c lib/crc32.c lib/format.c \
	platform/qemu-virt/platform.c core/vdev.c core/vdev_kinds.c vdev/vgic_irq.c vdev/vgic_irqregs.c vdev/vgic_dist.c \
	vdev/vgic_redist.c vdev/vgic_lr.c vdev/vgic_sgi.c vdev/vuart_pl011.c arch/fake/gic.c \
	vdev/virtio_mmio.c vdev/virtio_queue.c vdev/virtio_console.c vdev/virtio_net.c vdev/virtio_blk.c \
	vdev/sp805.c tests/unit/fake_timer.c tests/unit/fake_disk.c core/guest_mem.c core/stage2.c \
	core/pagetable.c arch/fake/mm.c tests/unit/fake_gm_arch.c tests/unit/fake_vms_table.c \
	tests/unit/fake_vgic_env.c tests/unit/fake_console_sink.c

$(FUZZ_BLOBCHECK): $(FUZZ_BLOBCHECK_SRCS) $(KEELCFG_HDRS) tests/fuzz.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (ASan/UBSan)"
	@$(HOSTCC) $(FUZZ_SAN_CFLAGS) -DKEEL_HOST_TEST -Itests/unit $(FUZZ_BLOBCHECK_SRCS) -o $@

fuzz-tools: $(FUZZ_KEELCFG) $(FUZZ_BLOBCHECK)

SECONDS ?= 600
SEED ?= 1
fuzz-config: fuzz-tools
	nice python3 tests/fuzz/cfgfuzz.py --keelcfg $(FUZZ_KEELCFG) --blobcheck $(FUZZ_BLOBCHECK) \
		--seconds $(SECONDS) --seed $(SEED) --work $(FUZZ_DIR)

# libFuzzer targets. clang's -Wunused-function is off for keelcfg's main.c without main() and
# -Wbitwise-instead-of-logical for the virtio devices' deliberate non-short-circuit & and |.
LF_CC := clang
LF_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-function -Wno-bitwise-instead-of-logical \
	-D_GNU_SOURCE -Iinclude -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LF_TARGETS := keelcfg srcmap analysis blob
LF_BINS := $(addprefix $(FUZZ_DIR)/lf-,$(LF_TARGETS))

# keelcfg, and Keel's blob check with what it links on the host (blobcheck's list, less
# what keelcfg has too), to hold every blob keelcfg builds to what Keel accepts.
LF_KEEL_SRCS := $(filter-out tests/fuzz/blobcheck.c lib/crc32.c platform/%,$(FUZZ_BLOBCHECK_SRCS))
$(FUZZ_DIR)/lf-keelcfg: tests/fuzz/lf_keelcfg.c $(KEELCFG_SRCS) $(LF_KEEL_SRCS) $(KEELCFG_HDRS) tests/fuzz.mk \
		| $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  LF      $@"
	@$(LF_CC) $(LF_CFLAGS) -DKEEL_HOST_TEST -Itests/unit -Itools/keelcfg -DKEELCFG_NO_MAIN $< $(KEELCFG_SRCS) \
		$(LF_KEEL_SRCS) -o $@ -lfdt

$(FUZZ_DIR)/lf-srcmap: tests/fuzz/lf_srcmap.c tools/keelcfg/srcmap.c tools/keelcfg/diag.c $(KEELCFG_HDRS) \
		tests/fuzz.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  LF      $@"
	@$(LF_CC) $(LF_CFLAGS) -Itools/keelcfg $(filter %.c,$^) -o $@

$(FUZZ_DIR)/lf-analysis: tests/fuzz/lf_analysis.c tools/keelcfg/analysis.c $(KEELCFG_HDRS) tests/fuzz.mk \
		| $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  LF      $@"
	@$(LF_CC) $(LF_CFLAGS) -Itools/keelcfg $(filter %.c,$^) -o $@

$(FUZZ_DIR)/lf-blob: tests/fuzz/lf_blob.c $(filter-out tests/fuzz/blobcheck.c,$(FUZZ_BLOBCHECK_SRCS)) \
		$(KEELCFG_HDRS) tests/fuzz.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  LF      $@"
	@$(LF_CC) $(LF_CFLAGS) -DKEEL_HOST_TEST -Itests/unit $(filter %.c,$^) -o $@

# The DTS target's dictionary: every node and property name keelcfg's readers look for (the
# string literals of the files that read the tree), and the root property lf_keelcfg.c knows.
LF_DICT_SRCS := $(addprefix tools/keelcfg/,parse.c ipc.c channel.c virtio.c standby.c watchdog.c policy.c)
$(FUZZ_DIR)/lf-keelcfg.dict: $(LF_DICT_SRCS) tests/fuzz.mk
	@mkdir -p $(dir $@)
	@{ echo '"fuzz-unsafe"'; grep -ohE '"[a-z][a-z0-9@,.-]*[a-z0-9]"' $(LF_DICT_SRCS) | \
		grep -v '\.h"$$'; } | sort -u >$@

lf-tools: $(LF_BINS) $(FUZZ_DIR)/lf-keelcfg.dict

# Rebuild tests/fuzz/corpus/<target> from every configuration in the tree (and the blobs
# keelcfg makes of them), the committed corpus and build/fuzz/lf/<target> (grown by
# `make fuzz`), minimised with libFuzzer's -merge=1.
fuzz-corpus: lf-tools fuzz-tools $(KEELCFG)
	bash tests/fuzz/lf_corpus.sh

# `make fuzz FUZZ_TIME=seconds` (default 600): the configuration campaign and each libFuzzer
# target for that long each, then a table and "N passed, N failed"; then the guest-side
# campaigns with FUZZ_OPS operations each (fuzz-guests below).
FUZZ_TIME ?= 600
fuzz: fuzz-tools lf-tools keel tools guests
	bash tests/fuzz/lf_campaign.sh $(FUZZ_TIME) $(SEED)
	bash tests/fuzz/guest_campaigns.sh $(FUZZ_OPS) $(SEED)

# `make fuzz-guests FUZZ_OPS=N SEED=S`: only the guest-side campaigns (fuzz, fuzz-smp,
# fuzz-standby) with N operations each (default 10^6) from seed S, and their table.
FUZZ_OPS ?= 1000000
fuzz-guests: keel tools guests
	bash tests/fuzz/guest_campaigns.sh $(FUZZ_OPS) $(SEED)

.PHONY: fuzz-tools fuzz-config fuzz fuzz-guests lf-tools fuzz-corpus
