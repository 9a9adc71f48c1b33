# Host tests of the guests' shared-memory ring (guests/lib/ring.c), two threads included.
UNIT_TESTS += test_ring
test_ring_SRCS := tests/unit/test_ring.c guests/lib/ring.c
test_ring_CFLAGS := -Iguests/lib/include -pthread
test_ring_LIBS := -pthread
