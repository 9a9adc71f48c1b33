# The initramfs for the real-time system tests: the Linux guest's own, plus
# an /etc/keel-rc that starts a CPU, memory and pipe load (tests/rt/load-rc).

RT_LOAD_INITRD := $(BUILD)/tests/initrd-load.cpio.gz

$(RT_LOAD_INITRD): tests/rt/load-rc $(LINUX_INITRD) guests/linux/mkcpio.py
	@echo "  CPIO    $@"
	@rm -rf $(BUILD)/tests/load-root
	@mkdir -p $(BUILD)/tests/load-root/etc
	@cp tests/rt/load-rc $(BUILD)/tests/load-root/etc/keel-rc
	@chmod 755 $(BUILD)/tests/load-root/etc
	@chmod 644 $(BUILD)/tests/load-root/etc/keel-rc
	@python3 guests/linux/mkcpio.py $(BUILD)/tests/load-extra.cpio.gz $(BUILD)/tests/load-root
	@cat $(LINUX_INITRD) $(BUILD)/tests/load-extra.cpio.gz > $@.tmp
	@mv $@.tmp $@

rt-load-initrd: $(RT_LOAD_INITRD)
test: rt-load-initrd
.PHONY: rt-load-initrd
