# Host test of the stack layout's guard lookup (arch/aarch64/stacks.h), which
# turns an EL2 data abort's address into "stack overflow on CPU n".
UNIT_TESTS += test_stacks
test_stacks_SRCS := tests/unit/test_stacks.c
test_stacks_CFLAGS := -Iarch/aarch64

$(BUILD)/unit/test_stacks: arch/aarch64/stacks.h
