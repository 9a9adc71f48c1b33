# Host tests of keelcfg (tools/keelcfg): the validator and parser in
# test_keelcfg (with the scheduling rules and the timing check, schedcheck.c),
# placement, blob, checksum and guest trees in test_keelcfg_out, virtio
# devices from parse to blob, guest tree and layout in test_keelcfg_virtio.
UNIT_TESTS += test_keelcfg test_keelcfg_out test_keelcfg_virtio
KEELCFG_TEST_LIB := tools/keelcfg/diag.c tools/keelcfg/validate.c tools/keelcfg/validate_sched.c \
	tools/keelcfg/guest_dt.c tools/keelcfg/schedcheck.c tools/keelcfg/analysis.c \
	tools/keelcfg/srcmap.c tools/keelcfg/s2size.c tools/keelcfg/ipc.c tools/keelcfg/channel.c \
	tools/keelcfg/policy.c tools/keelcfg/ipc_timing.c tools/keelcfg/virtio.c tools/keelcfg/virtio_check.c \
	tools/keelcfg/watchdog.c lib/crc32.c
KEELCFG_TEST_LIB += tools/keelcfg/standby.c
test_keelcfg_SRCS := tests/unit/test_keelcfg.c tools/keelcfg/parse.c $(KEELCFG_TEST_LIB)
test_keelcfg_CFLAGS := -D_GNU_SOURCE -Itools/keelcfg
test_keelcfg_LIBS := -lfdt
test_keelcfg_out_SRCS := tests/unit/test_keelcfg_out.c tools/keelcfg/place.c \
	tools/keelcfg/blob.c tools/keelcfg/images.c $(KEELCFG_TEST_LIB)
test_keelcfg_out_CFLAGS := -D_GNU_SOURCE -Itools/keelcfg
test_keelcfg_out_LIBS := -lfdt
test_keelcfg_virtio_SRCS := tests/unit/test_keelcfg_virtio.c tools/keelcfg/parse.c tools/keelcfg/place.c \
	tools/keelcfg/blob.c tools/keelcfg/output.c $(KEELCFG_TEST_LIB)
test_keelcfg_virtio_CFLAGS := -D_GNU_SOURCE -Itools/keelcfg
test_keelcfg_virtio_LIBS := -lfdt
