# tests/fuzz.mk: the configuration fuzzer (tests/fuzz/cfgfuzz.py, issue 12): keelcfg built for
# the host with ASan and UBSan, and blobcheck, Keel's own EL2 blob check
# (core/blob.c) built for the host the way test_blob is. `make test` runs a short
# fixed-seed campaign (tests/fuzz/run.sh); `make fuzz-config` runs a longer one:
#     make fuzz-config SECONDS=600 SEED=7
# (SECONDS of mutated inputs from seed SEED; failures are kept in build/fuzz/crashes).

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

# `make fuzz FUZZ_TIME=seconds` (default 600): the configuration campaign for that long. The
# guest-side campaigns (fuzz, fuzz-smp, ipc-hostile) are system tests; their seeds and
# operation counts are set in their configurations (docs/testing.md).
FUZZ_TIME ?= 600
fuzz: fuzz-tools
	$(MAKE) fuzz-config SECONDS=$(FUZZ_TIME) SEED=$(SEED)

.PHONY: fuzz-tools fuzz-config fuzz
