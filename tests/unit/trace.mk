# Host tests of the EL2 event trace (core/trace.c): record layout, per-CPU rings, wrap, dumps.
UNIT_TESTS += test_trace
test_trace_SRCS := tests/unit/test_trace.c core/trace.c lib/format.c lib/crc32.c platform/qemu-virt/platform.c
test_trace_CFLAGS := -DKEEL_TRACE_LINKED
