# Host tests of the virtio back ends, written as an attacking driver: split
# virtqueues over a real guest_mem (test_virtq), the virtio-mmio register
# file through a device kind with a fake VM and vGIC (test_virtio_mmio), and
# the virtio-net switch between VMs (test_virtio_net).
UNIT_TESTS += test_virtq

test_virtq_SRCS := tests/unit/test_virtq.c vdev/virtio_queue.c core/guest_mem.c core/stage2.c core/pagetable.c \
	arch/fake/mm.c tests/unit/fake_gm_arch.c
test_virtq_CFLAGS := -pthread
test_virtq_LIBS := -pthread
