# Host tests of the virtio back ends, written as an attacking driver: split
# virtqueues over a real guest_mem (test_virtq), the virtio-mmio register
# file through a device kind with a fake VM and vGIC (test_virtio_mmio), the
# virtio-net switch between VMs (test_virtio_net) and the virtio console, to
# Keel's console and linked between VMs (test_virtio_console).
UNIT_TESTS += test_virtq

test_virtq_SRCS := tests/unit/test_virtq.c vdev/virtio_queue.c core/guest_mem.c core/stage2.c core/pagetable.c \
	arch/fake/mm.c tests/unit/fake_gm_arch.c
test_virtq_CFLAGS := -pthread
test_virtq_LIBS := -pthread

UNIT_TESTS += test_virtio_mmio test_virtio_net test_virtio_console test_virtio_blk

VIRTIO_TEST_SRCS := tests/unit/fake_virtio_env.c vdev/virtio_mmio.c vdev/virtio_queue.c vdev/virtio_console.c \
	vdev/virtio_net.c vdev/virtio_blk.c tests/unit/fake_disk.c lib/format.c core/vdev.c vdev/vgic_irq.c vdev/vgic_irqregs.c vdev/vgic_dist.c vdev/vgic_redist.c \
	vdev/vgic_lr.c vdev/vgic_sgi.c arch/fake/gic.c core/guest_mem.c core/stage2.c core/pagetable.c arch/fake/mm.c \
	tests/unit/fake_gm_arch.c tests/unit/fake_vms_table.c tests/unit/fake_vgic_env.c tests/unit/fake_console_sink.c

test_virtio_mmio_SRCS := tests/unit/test_virtio_mmio.c $(VIRTIO_TEST_SRCS)
test_virtio_net_SRCS := tests/unit/test_virtio_net.c $(VIRTIO_TEST_SRCS)
test_virtio_console_SRCS := tests/unit/test_virtio_console.c $(VIRTIO_TEST_SRCS)
test_virtio_blk_SRCS := tests/unit/test_virtio_blk.c $(VIRTIO_TEST_SRCS)

# Headers the rule in tests/tests.mk does not know about.
$(BUILD)/unit/test_virtq: tests/unit/fake_gm.h
$(BUILD)/unit/test_virtio_mmio $(BUILD)/unit/test_virtio_net $(BUILD)/unit/test_virtio_console $(BUILD)/unit/test_virtio_blk: \
	tests/unit/fake_virtio_env.h vdev/vgic_internal.h \
	tests/unit/fake_gic.h tests/unit/fake_vgic_env.h tests/unit/fake_gm.h
