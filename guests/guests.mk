# Bare-metal guests that run as Keel VMs (docs/guests.md): the demo's ticker
# and the system-test guests. Each becomes $(GUEST_OUT)/<name>.elf and a raw
# <name>.bin, linked at the base of a VM's RAM and entered at its first byte.
#
#   make guests                                   build them all
#   make guests GUEST_LINK_ADDR=0x40100000 GUEST_OUT=build/guests-qemu
#       the same guests linked 1 MiB into RAM, to run directly on QEMU at EL1
#       with -kernel X.elf -dtb tree.dtb: QEMU then puts the tree at the base
#       of RAM, where the library looks when x0 is 0.

GUEST_LINK_ADDR ?= 0x40000000
GUEST_OUT ?= $(BUILD)/guests

GUEST_NAMES := ticker rtexec test-hostile test-sentinel test-reset test-smp test-hypercall test-vgic test-passthrough test-vcpuoff

# Sources of each guest: ticker and rtexec in their own directories, test-X in guests/tests/X.c.
ticker_SRCS := $(wildcard guests/ticker/*.c)
rtexec_SRCS := $(wildcard guests/rtexec/*.c)
$(foreach g,$(filter test-%,$(GUEST_NAMES)),$(eval $(g)_SRCS := guests/tests/$(g:test-%=%).c))

GUEST_LIB_SRCS := $(wildcard guests/lib/*.c) $(wildcard guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst guests/%,$(GUEST_OUT)/obj/%.o,$(GUEST_LIB_SRCS))

# No loop-to-memset rewriting: string.c implements memset with a loop.
GUEST_CFLAGS := $(TARGET_CFLAGS) -Iguests/lib/include -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -static -no-pie -T guests/lib/guest.ld -Wl,--defsym=GUEST_LINK_ADDR=$(GUEST_LINK_ADDR) \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

$(GUEST_OUT)/obj/%.c.o: guests/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC_TARGET) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/obj/%.S.o: guests/%.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC_TARGET) $(TARGET_ASFLAGS) -Iguests/lib/include -MMD -MP -c $< -o $@

define guest_rule
$(1)_OBJS := $$(patsubst guests/%,$(GUEST_OUT)/obj/%.o,$$($(1)_SRCS))
$(GUEST_OUT)/$(1).elf: $$($(1)_OBJS) $(GUEST_LIB_OBJS) guests/lib/guest.ld
	@echo "  LD      $$@"
	@$(CC_TARGET) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) $$($(1)_OBJS) $(GUEST_LIB_OBJS) -lgcc -o $$@
-include $$($(1)_OBJS:.o=.d)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_rule,$(g))))

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf
	@$(OBJCOPY) -O binary $< $@

guests: $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).bin $(GUEST_OUT)/$(g).elf)
.PHONY: guests

-include $(GUEST_LIB_OBJS:.o=.d)
