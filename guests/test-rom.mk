# The read-only region test (guests/tests/rom.c, configs/tests/standby-rom.dts):
# its guest, and the region's content, made here and never committed: 1.5 MiB
# and 11 bytes of 32-bit words (the last one cut short), word i = i * 2654435761 (mod 2^32), little
# endian; the size is the guest's keel-test,rom-bytes in the configuration.
# Included after guests.mk (make sorts the names), whose guest_rule it uses.

ROM_PATTERN := $(GUEST_OUT)/rom-pattern.bin
ROM_PATTERN_BYTES := 1572875

test-rom_SRCS := guests/tests/rom.c
$(eval $(call guest_rule,test-rom))

$(ROM_PATTERN): guests/test-rom.mk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@python3 -c 'import struct, sys; n = $(ROM_PATTERN_BYTES); \
		w = b"".join(struct.pack("<I", i * 2654435761 % 2**32) for i in range((n + 3) // 4)); \
		sys.stdout.buffer.write(w[:n])' >$@.tmp && mv $@.tmp $@

guests: $(GUEST_OUT)/test-rom.bin $(GUEST_OUT)/test-rom.elf $(ROM_PATTERN)
