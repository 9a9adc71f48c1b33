# The guest side of the benchmarks: keel-bench, a static aarch64 Linux program
# (bench/guest/*.c), and an initramfs that runs it at boot and powers off.
#   make bench-guest   build/bench/keel-bench, build/bench/initrd-bench.cpio.gz
# The initramfs is the Linux guest's (build/linux/initrd.cpio.gz) with a second
# gzip'd cpio archive appended (Linux unpacks concatenated archives in turn)
# holding /bin/keel-bench and /etc/keel-rc. Pass options to keel-bench with the
# kernel command line: keelbench=--quick, keelbench="--only pipe_lat,ctx_2".

BENCH_OUT := $(BUILD)/bench
BENCH_GUEST := $(BENCH_OUT)/keel-bench
BENCH_INITRD := $(BENCH_OUT)/initrd-bench.cpio.gz
BENCH_GUEST_SRCS := $(wildcard bench/guest/*.c)
BENCH_GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -static

bench-guest: $(BENCH_GUEST) $(BENCH_INITRD)
.PHONY: bench-guest

$(BENCH_GUEST): $(BENCH_GUEST_SRCS) $(wildcard bench/guest/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC_TARGET) $(BENCH_GUEST_CFLAGS) $(BENCH_GUEST_SRCS) -o $@

$(BENCH_INITRD): $(BENCH_GUEST) bench/guest/keel-rc $(LINUX_INITRD) guests/linux/mkcpio.py
	@echo "  CPIO    $@"
	@rm -rf $(BENCH_OUT)/guest-root
	@mkdir -p $(BENCH_OUT)/guest-root/bin $(BENCH_OUT)/guest-root/etc
	@cp $(BENCH_GUEST) $(BENCH_OUT)/guest-root/bin/keel-bench
	@cp bench/guest/keel-rc $(BENCH_OUT)/guest-root/etc/keel-rc
	@chmod 755 $(BENCH_OUT)/guest-root/bin $(BENCH_OUT)/guest-root/etc $(BENCH_OUT)/guest-root/bin/keel-bench
	@chmod 644 $(BENCH_OUT)/guest-root/etc/keel-rc
	@python3 guests/linux/mkcpio.py $(BENCH_OUT)/guest-extra.cpio.gz $(BENCH_OUT)/guest-root
	@cat $(LINUX_INITRD) $(BENCH_OUT)/guest-extra.cpio.gz > $@.tmp
	@mv $@.tmp $@
