# Host test of the SP805 watchdog (vdev/sp805.c) on a VM with a real vGIC and
# a counter the test sets (tests/unit/fake_timer.c).
UNIT_TESTS += test_sp805

test_sp805_SRCS := tests/unit/test_sp805.c vdev/sp805.c tests/unit/fake_timer.c core/vdev.c vdev/vgic_irq.c \
	vdev/vgic_irqregs.c vdev/vgic_dist.c vdev/vgic_redist.c vdev/vgic_lr.c vdev/vgic_sgi.c arch/fake/gic.c \
	tests/unit/fake_vgic_env.c

# Headers the rule in tests/tests.mk does not know about.
$(BUILD)/unit/test_sp805: tests/unit/fake_timer.h tests/unit/fake_vgic_env.h tests/unit/fake_gic.h vdev/vgic_internal.h
