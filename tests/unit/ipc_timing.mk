# Host tests of synchronous IPC in keelcfg's analysis (tools/keelcfg/ipc_timing.c).
# KEELCFG_TEST_LIB comes from keelcfg.mk, read after this file: hence "=".
UNIT_TESTS += test_ipc_timing
test_ipc_timing_SRCS = tests/unit/test_ipc_timing.c $(KEELCFG_TEST_LIB)
test_ipc_timing_CFLAGS := -D_GNU_SOURCE -Itools/keelcfg
test_ipc_timing_LIBS := -lfdt
