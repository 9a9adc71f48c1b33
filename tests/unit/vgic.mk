# Host tests of the virtual GICv3: its registers and SGIs (test_vgic), and
# injection with list-register scheduling against arch/fake/gic.c (test_vgic_lr).
UNIT_TESTS += test_vgic test_vgic_lr

VGIC_TEST_SRCS := vdev/vgic_irq.c vdev/vgic_dist.c vdev/vgic_redist.c vdev/vgic_lr.c \
	vdev/vgic_sgi.c arch/fake/gic.c tests/unit/fake_vgic_env.c

test_vgic_SRCS := tests/unit/test_vgic.c $(VGIC_TEST_SRCS)
test_vgic_lr_SRCS := tests/unit/test_vgic_lr.c $(VGIC_TEST_SRCS)
