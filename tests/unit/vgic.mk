# Host tests of the virtual GICv3: its registers and SGIs (test_vgic),
# injection with list-register scheduling against arch/fake/gic.c
# (test_vgic_lr), and the per-vCPU want bitmaps that keep guest entry and
# exit proportional to what is pending (test_vgic_want, a seeded property test),
# and the timer's short path against the full one (test_vgic_fastpath).
UNIT_TESTS += test_vgic test_vgic_lr test_vgic_want test_vgic_fastpath

VGIC_TEST_SRCS := core/vdev.c vdev/vgic_irq.c vdev/vgic_irqregs.c vdev/vgic_dist.c vdev/vgic_redist.c vdev/vgic_lr.c \
	vdev/vgic_sgi.c arch/fake/gic.c tests/unit/fake_vgic_env.c

test_vgic_SRCS := tests/unit/test_vgic.c $(VGIC_TEST_SRCS)
test_vgic_lr_SRCS := tests/unit/test_vgic_lr.c $(VGIC_TEST_SRCS)
test_vgic_want_SRCS := tests/unit/test_vgic_want.c $(VGIC_TEST_SRCS)
test_vgic_fastpath_SRCS := tests/unit/test_vgic_fastpath.c $(VGIC_TEST_SRCS)

# Headers the rule in tests/tests.mk does not know about.
VGIC_TEST_HDRS := vdev/vgic_internal.h tests/unit/fake_gic.h tests/unit/fake_vgic_env.h
$(BUILD)/unit/test_vgic $(BUILD)/unit/test_vgic_lr $(BUILD)/unit/test_vgic_want $(BUILD)/unit/test_vgic_fastpath: $(VGIC_TEST_HDRS)
