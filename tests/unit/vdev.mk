# Host tests of the device model: every device kind's save/reset/restore
# round trip through the registry (test_vdev_kinds), the blob checks Keel
# makes at EL2 (test_blob), and the vGIC's reset holes and RES0 registers
# (test_vgic_reset).
UNIT_TESTS += test_vdev_kinds test_blob test_vgic_reset

VDEV_KINDS_TEST_SRCS := core/vdev.c core/vdev_kinds.c vdev/vgic_irq.c vdev/vgic_irqregs.c vdev/vgic_dist.c \
	vdev/vgic_redist.c vdev/vgic_lr.c vdev/vgic_sgi.c vdev/vuart_pl011.c arch/fake/gic.c \
	vdev/virtio_mmio.c vdev/virtio_queue.c vdev/virtio_console.c vdev/virtio_net.c vdev/virtio_blk.c \
	vdev/sp805.c tests/unit/fake_timer.c tests/unit/fake_disk.c core/guest_mem.c core/stage2.c \
	core/pagetable.c arch/fake/mm.c tests/unit/fake_gm_arch.c tests/unit/fake_vms_table.c \
	tests/unit/fake_vgic_env.c tests/unit/fake_console_sink.c

test_vdev_kinds_SRCS := tests/unit/test_vdev_kinds.c lib/format.c $(VDEV_KINDS_TEST_SRCS)
test_blob_SRCS := tests/unit/test_blob.c core/blob.c lib/crc32.c lib/format.c platform/qemu-virt/platform.c $(VDEV_KINDS_TEST_SRCS)
test_vgic_reset_SRCS := tests/unit/test_vgic_reset.c lib/format.c $(VDEV_KINDS_TEST_SRCS)

test_vgic_reset_LIBS := -lpthread

# Headers the rule in tests/tests.mk does not know about.
$(BUILD)/unit/test_vdev_kinds $(BUILD)/unit/test_blob $(BUILD)/unit/test_vgic_reset: vdev/vgic_internal.h \
	tests/unit/fake_gic.h tests/unit/fake_vgic_env.h tests/unit/fake_console_fakes.h
