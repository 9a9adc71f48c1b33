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

GUEST_NAMES := ticker rtexec ipcdemo test-standby test-hostile test-sentinel test-reset test-smp test-hypercall test-vgic test-passthrough \
	test-sysreg test-forge test-vcpuoff test-vtimer test-churn test-churn-odd test-flood test-ipc_server test-ipc_client \
	test-channel test-fuzz test-fuzz_smp test-stream test-hostile_ipc test-hostile_peers test-fpsimd test-aarch32 \
	test-virtio_net_pair test-virtio_hostile test-virtio_console test-watchdog test-fastpath test-standby_spin

# Sources of each guest: ticker, rtexec and ipcdemo in their own directories, test-X in guests/tests/X.c.
ticker_SRCS := $(wildcard guests/ticker/*.c)
rtexec_SRCS := $(wildcard guests/rtexec/*.c)
ipcdemo_SRCS := $(wildcard guests/ipcdemo/*.c)
$(foreach g,$(filter test-%,$(GUEST_NAMES)),$(eval $(g)_SRCS := guests/tests/$(g:test-%=%).c))
# The churn test again, linked for RAM at an IPA that is not 2 MiB aligned (configs/tests/churn.dts).
test-fpsimd_SRCS := guests/tests/fpsimd.c guests/tests/fpsimd_regs.S
test-fuzz_SRCS := guests/tests/fuzz.c guests/tests/fuzz_ops.c guests/tests/fuzz_dev.c
test-fuzz_smp_SRCS := guests/tests/fuzz_smp.c guests/tests/fuzz_smp_gic.c guests/tests/fuzz_ops.c guests/tests/fuzz_dev.c \
	guests/tests/fuzz_smp_entry.S
test-churn-odd_SRCS := guests/tests/churn.c
test-churn-odd_LINK_ADDR := 0x40100000
# The virtio driver's static queues (about 0.5 MiB of .bss) go only into the guests that use it.
$(foreach g,rtexec test-virtio_net_pair test-virtio_hostile test-virtio_console,$(eval $(g)_SRCS += guests/lib/virtio.c))

GUEST_LIB_SRCS := $(filter-out guests/lib/virtio.c,$(wildcard guests/lib/*.c)) $(wildcard guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst guests/%,$(GUEST_OUT)/obj/%.o,$(GUEST_LIB_SRCS))

# Guests see only the guest ABI (include/abi, as <abi/keel/...>) and their own
# library's headers, never Keel's EL2 headers: their include root is a copy of
# include/abi made under $(GUEST_OUT), and -Iinclude is taken out of the
# target flags (tests/check-layering.sh checks the include lines).
# No loop-to-memset rewriting: string.c implements memset with a loop.
GUEST_ABI_ROOT := $(GUEST_OUT)/abi-root
GUEST_ABI_HDRS := $(patsubst include/%,$(GUEST_ABI_ROOT)/%,$(wildcard include/abi/keel/*.h))
GUEST_INCLUDES := -I$(GUEST_ABI_ROOT) -Iguests/lib/include
GUEST_CFLAGS := $(filter-out -Iinclude,$(TARGET_CFLAGS)) $(GUEST_INCLUDES) -fno-tree-loop-distribute-patterns
GUEST_ASFLAGS := $(filter-out -Iinclude,$(TARGET_ASFLAGS)) $(GUEST_INCLUDES)

$(GUEST_ABI_HDRS): $(GUEST_ABI_ROOT)/abi/keel/%.h: include/abi/keel/%.h
	@mkdir -p $(dir $@)
	@cp $< $@
GUEST_LDFLAGS := -static -no-pie -T guests/lib/guest.ld \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

$(GUEST_OUT)/obj/%.c.o: guests/%.c $(GUEST_ABI_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC_TARGET) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/obj/%.S.o: guests/%.S $(GUEST_ABI_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC_TARGET) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@

define guest_rule
$(1)_OBJS := $$(patsubst guests/%,$(GUEST_OUT)/obj/%.o,$$($(1)_SRCS))
$(GUEST_OUT)/$(1).elf: $$($(1)_OBJS) $(GUEST_LIB_OBJS) guests/lib/guest.ld
	@echo "  LD      $$@"
	@$(CC_TARGET) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -Wl,--defsym=GUEST_LINK_ADDR=$$(or $$($(1)_LINK_ADDR),$(GUEST_LINK_ADDR)) \
		$$($(1)_OBJS) $(GUEST_LIB_OBJS) -lgcc -o $$@
-include $$($(1)_OBJS:.o=.d)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_rule,$(g))))

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf
	@$(OBJCOPY) -O binary $< $@

guests: $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).bin $(GUEST_OUT)/$(g).elf)
.PHONY: guests

-include $(GUEST_LIB_OBJS:.o=.d)
