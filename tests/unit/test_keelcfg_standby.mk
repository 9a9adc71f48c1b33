# Host tests of keelcfg's standby VMs (tools/keelcfg/standby.c): parsing, the
# rules, where the copies go, the blob record and the layout lines.
UNIT_TESTS += test_keelcfg_standby
test_keelcfg_standby_SRCS := tests/unit/test_keelcfg_standby.c tools/keelcfg/parse.c tools/keelcfg/place.c \
	tools/keelcfg/blob.c tools/keelcfg/output.c $(KEELCFG_TEST_LIB)
test_keelcfg_standby_CFLAGS := -D_GNU_SOURCE -Itools/keelcfg
test_keelcfg_standby_LIBS := -lfdt
