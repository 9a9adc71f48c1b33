# bench-hv: hypervisor microbenchmarks from a bare-metal guest
# (docs/benchmarks-hv.md). The guest is built with the others by `make
# guests` (guests/guests.mk's rule, sources in guests/bench/).
#
#   make bench-hv          run it under Keel, then directly on QEMU at EL1
#   make bench-hv ICOUNT=1 the same with -icount shift=0,sleep=off (1 insn = 1 ns,
#                          idle time skipped: see the doc on timer_latency)
#
# Each run prints "KHV <metric> ticks <median> <min> <max> <samples>" lines.

bench-hv_SRCS := $(wildcard guests/bench/*.c)
$(eval $(call guest_rule,bench-hv))
guests: $(GUEST_OUT)/bench-hv.bin $(GUEST_OUT)/bench-hv.elf

COMMA := ,
BENCH_HV_QEMU_ARGS := $(if $(ICOUNT),-icount shift=0$(COMMA)sleep=off)

bench-hv: keel tools guests
	$(BUILD)/tools/keelcfg --out $(BUILD)/bench/hv configs/bench/hv.dts
	@echo "== bench-hv under Keel =="
	bash scripts/run-qemu.sh --timeout 120 $(BUILD)/bench/hv -- $(BENCH_HV_QEMU_ARGS) </dev/null | grep -a KHV
	@echo "== bench-hv on QEMU at EL1, no hypervisor =="
	timeout 120 qemu-system-aarch64 -machine virt,gic-version=3 -cpu cortex-a57 -smp 2 -m 1024 \
		-nographic -nic none -no-reboot $(BENCH_HV_QEMU_ARGS) -kernel $(GUEST_OUT)/bench-hv.elf </dev/null | grep -a KHV
.PHONY: bench-hv

# The VM-switch benchmark: two VMs on one CPU taking turns (configs/bench/switch.dts).
bench-switch_SRCS := guests/bench-switch/switch.c guests/bench/sample.c
# It shares the sampling code of guests/bench/ (found by -I, not by a ../ path).
$(GUEST_OUT)/obj/bench-switch/%.o: GUEST_CFLAGS += -Iguests/bench
$(eval $(call guest_rule,bench-switch))
guests: $(GUEST_OUT)/bench-switch.bin $(GUEST_OUT)/bench-switch.elf

# The IPC and channel benchmark (configs/bench/ipc.dts): a server VM with a
# vCPU on each of CPUs 0 and 1 and a client on CPU 0, which times calls,
# sends, doorbells and a stream through a channel's ring.
#
#   make bench-ipc           run it under Keel (wall clock)
#   make bench-ipc ICOUNT=1  the same with -icount shift=0,sleep=off
bench-ipc-server_SRCS := guests/bench-ipc/server.c
bench-ipc-client_SRCS := guests/bench-ipc/client.c guests/bench/sample.c
$(GUEST_OUT)/obj/bench-ipc/%.o: GUEST_CFLAGS += -Iguests/bench
$(eval $(call guest_rule,bench-ipc-server))
$(eval $(call guest_rule,bench-ipc-client))
guests: $(GUEST_OUT)/bench-ipc-server.bin $(GUEST_OUT)/bench-ipc-server.elf \
	$(GUEST_OUT)/bench-ipc-client.bin $(GUEST_OUT)/bench-ipc-client.elf

bench-ipc: keel tools guests
	$(BUILD)/tools/keelcfg --out $(BUILD)/bench/ipc configs/bench/ipc.dts
	bash scripts/run-qemu.sh --timeout 300 $(BUILD)/bench/ipc -- $(BENCH_HV_QEMU_ARGS) </dev/null | grep -a KHV
.PHONY: bench-ipc
