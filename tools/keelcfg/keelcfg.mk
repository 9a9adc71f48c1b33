# keelcfg, the host configuration compiler (tools/keelcfg), and the rules
# that turn $(CONFIG) into $(CONFIG_OUT): keel.cfg, <vm>.dtb, qemu-loader.args
# and layout.txt. It links the board file of $(PLATFORM) built for the host,
# so the tool and Keel always agree on the board. See docs/configuration.md.

KEELCFG := $(BUILD)/tools/keelcfg
KEELCFG_SRCS := $(wildcard tools/keelcfg/*.c) lib/crc32.c platform/$(PLATFORM)/platform.c
KEELCFG_HDRS := $(wildcard tools/keelcfg/*.h) $(wildcard include/keel/*.h) \
	$(wildcard include/abi/keel/*.h)
KEELCFG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude

tools: $(KEELCFG)
.PHONY: tools

$(KEELCFG): $(KEELCFG_SRCS) $(KEELCFG_HDRS) tools/keelcfg/keelcfg.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(KEELCFG_CFLAGS) $(KEELCFG_SRCS) -o $@ -lfdt

# Images the demo configuration names, built by the guests and linux parts.
CONFIG_IMAGES := $(if $(filter configs/demo.dts,$(CONFIG)), \
	$(BUILD)/linux/Image $(BUILD)/linux/initrd.cpio.gz $(BUILD)/guests/ticker.bin)

$(CONFIG_OUT)/keel.cfg: $(CONFIG) $(KEELCFG) $(CONFIG_IMAGES)
	$(KEELCFG) --platform $(PLATFORM) --out $(CONFIG_OUT) $(CONFIG)

system: guests linux $(CONFIG_OUT)/keel.cfg
.PHONY: system
