# Host test of the standby calls' EL2 argument checks and fault injection (core/standby_calls.c),
# against fakes of guest memory, the standby table and the failure path.
UNIT_TESTS += test_standby_calls
test_standby_calls_SRCS := tests/unit/test_standby_calls.c tests/unit/fake_standby_calls_env.c core/standby_calls.c \
	tests/unit/fake_vms_table.c
test_standby_calls_CFLAGS := -Icore

# Headers the rule in tests/tests.mk does not know about.
$(BUILD)/unit/test_standby_calls: tests/unit/fake_standby_calls_env.h core/standby_internal.h
