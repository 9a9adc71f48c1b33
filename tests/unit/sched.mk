UNIT_TESTS += test_sched
test_sched_SRCS := tests/unit/test_sched.c core/sched_policy.c
