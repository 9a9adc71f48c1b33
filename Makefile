# Keel: top-level build. Plain GNU Make.
#   make                 cross-build build/keel.bin, the host tools, the guests
#   make run [CONFIG=f]  boot a system interactively in QEMU (Ctrl-A x quits QEMU)
#   make smoke           boot the demo headless and check it end to end
#   make test            unit tests (host, ASan/UBSan) then system tests (QEMU)
#   make debug           boot with QEMU's gdbstub waiting; see docs/debugging.md
# PLATFORM selects the board file under platform/, CONFIG the system description.

PLATFORM ?= qemu-virt
CONFIG ?= configs/demo.dts
BUILD ?= build
CROSS ?= aarch64-linux-gnu-

CC_TARGET := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
HOSTCC ?= gcc

CONFIG_NAME := $(basename $(notdir $(CONFIG)))
# build/configs/demo for configs/demo.dts, build/configs/examples/ipc for configs/examples/ipc.dts:
# configs of one name in two folders (configs/tests/ipc.dts) must not share an output directory.
CONFIG_OUT := $(BUILD)/$(if $(filter configs/%,$(CONFIG)),$(basename $(CONFIG)),configs/$(CONFIG_NAME))

# Flags for everything that runs at EL2 or in a bare-metal guest: no libc, no
# FP/SIMD registers (Keel never touches guest FP state behind its back).
TARGET_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-nostdlib -mgeneral-regs-only -mstrict-align -fno-stack-protector -fno-pic \
	-fno-common -mcpu=cortex-a57 -mno-outline-atomics -Iinclude
TARGET_ASFLAGS := -g -Iinclude -D__ASSEMBLY__
# Keel itself: no frame-pointer chain (nothing at EL2 walks one; gdb unwinds
# with the DWARF tables), which takes two instructions off most calls on
# every exit path; and stack canaries in every function with a byte array
# on its stack (the guard is set at boot, arch/aarch64/head.S). Not
# -fstack-protector-strong: measured under -icount it adds 23 instructions
# to the null hypercall, 45 to an MMIO read and about 125 to an IPI
# (README, "Hardening of Keel itself"), for frames that hold no guest
# bytes (a call's guest buffer is copied to a per-CPU buffer, not the stack).
# Keel is also compiled with -Wconversion -Wsign-conversion, as errors:
# every implicit conversion that can change a value or a sign is spelled out
# (docs/wconversion.md; `make wconversion` counts them per file). The guests
# are not held to it.
KEEL_WCONVERSION := -Wconversion -Wsign-conversion
KEEL_CFLAGS := $(filter-out -fno-stack-protector,$(TARGET_CFLAGS)) -fomit-frame-pointer -fstack-protector \
	$(KEEL_WCONVERSION)

all: deps keel tools guests

# --- dependencies -------------------------------------------------------------
DEPS_STAMP := $(BUILD)/.deps-ok
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/ensure-deps.sh
	@bash scripts/ensure-deps.sh
	@mkdir -p $(dir $@) && touch $@
.PHONY: deps

# --- Keel itself ---------------------------------------------------------------
KEEL_SRCS := $(wildcard core/*.c) $(filter-out arch/aarch64/asm-offsets.c,$(wildcard arch/aarch64/*.c)) $(wildcard vdev/*.c) \
	$(wildcard drivers/*.c) $(wildcard lib/*.c) $(wildcard platform/$(PLATFORM)/*.c)
KEEL_ASMS := $(wildcard arch/aarch64/*.S)
KEEL_OBJS := $(patsubst %,$(BUILD)/keel/%.o,$(KEEL_SRCS) $(KEEL_ASMS))

keel: $(BUILD)/keel.bin $(BUILD)/keel-overflow.bin
.PHONY: keel

$(BUILD)/keel/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC_TARGET) $(KEEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/keel/%.S.o: %.S $(BUILD)/keel/asm-offsets.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC_TARGET) $(TARGET_ASFLAGS) -I$(BUILD)/keel -MMD -MP -c $< -o $@

# Struct offsets for assembly, generated from C (never committed).
$(BUILD)/keel/asm-offsets.h: arch/aarch64/asm-offsets.c include/keel/vcpu.h include/keel/cpu.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(CC_TARGET) $(TARGET_CFLAGS) -S $< -o $(BUILD)/keel/asm-offsets.s
	@sed -n 's/.*@@OFFSET \([A-Z_0-9]*\) #\{0,1\}\([0-9-]*\).*/#define \1 \2/p' $(BUILD)/keel/asm-offsets.s > $@

$(BUILD)/keel.elf: $(KEEL_OBJS) arch/aarch64/keel.ld
	@echo "  LD      $@"
	@$(CC_TARGET) $(TARGET_CFLAGS) -T arch/aarch64/keel.ld -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,--no-warn-rwx-segments $(KEEL_OBJS) -lgcc -o $@

# Keel must never touch FP/SIMD registers behind a guest's back: only the two
# routines that save and restore a vCPU's FP state may. (libgcc's helpers,
# e.g. __popcountdi2, are not built with -mgeneral-regs-only.)
$(BUILD)/keel.bin: $(BUILD)/keel.elf
	@bash scripts/check-no-fpsimd.sh $<
	@$(OBJCOPY) -O binary $< $@
	@echo "keel.bin: $$(( $$(stat -c %s $@) / 1024 )) KiB"

# A test build that overflows CPU 1's stack on purpose (core/main.c, KEEL_TEST_STACK_OVERFLOW), for
# the system test stack-overflow: the guard page must stop it with a clear panic. Only main.c differs.
KEEL_OVERFLOW_OBJS := $(filter-out $(BUILD)/keel/core/main.c.o,$(KEEL_OBJS)) $(BUILD)/keel-overflow/core/main.c.o

$(BUILD)/keel-overflow/core/main.c.o: core/main.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (stack overflow test build)"
	@$(CC_TARGET) $(KEEL_CFLAGS) -DKEEL_TEST_STACK_OVERFLOW -MMD -MP -c $< -o $@

$(BUILD)/keel-overflow.elf: $(KEEL_OVERFLOW_OBJS) arch/aarch64/keel.ld
	@echo "  LD      $@"
	@$(CC_TARGET) $(TARGET_CFLAGS) -T arch/aarch64/keel.ld -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,--no-warn-rwx-segments $(KEEL_OVERFLOW_OBJS) -lgcc -o $@

$(BUILD)/keel-overflow.bin: $(BUILD)/keel-overflow.elf
	@$(OBJCOPY) -O binary $< $@

-include $(KEEL_OBJS:.o=.d)
-include $(BUILD)/keel-overflow/core/main.c.d

# The conversion warnings of every Keel source, not fatal, counted per file (docs/wconversion.md).
wconversion: | $(DEPS_STAMP)
	@total=0; for f in $(KEEL_SRCS); do \
		n=$$($(CC_TARGET) $(filter-out -Werror,$(KEEL_CFLAGS)) -fsyntax-only $$f 2>&1 | grep -c 'warning:'); \
		printf '%4d  %s\n' "$$n" "$$f"; total=$$((total + n)); \
	done; echo "$$total warnings ($(KEEL_WCONVERSION)) in $(words $(KEEL_SRCS)) files"
.PHONY: wconversion

# --- host tools, guests, tests (each part keeps its own fragment) --------------
include $(wildcard tools/*/*.mk)
include $(wildcard guests/*.mk)
include $(wildcard tests/*.mk)
include $(wildcard bench/*.mk)

# A compiled configuration places the guest images by their sizes: redo it when one changes.
$(CONFIG_OUT)/keel.cfg: $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).bin)

# --- running -------------------------------------------------------------------
run: all system
	bash scripts/run-qemu.sh $(CONFIG_OUT)

debug: all system
	bash scripts/run-qemu.sh --debug $(CONFIG_OUT)

.PHONY: all run debug clean
clean:
	rm -rf $(BUILD)
