# Host tests of guest memory: demand filling, the checked accessor, the dirty log, and
# keelcfg's worst-case table count (tools/keelcfg/s2size.c) against the real table code.
UNIT_TESTS += test_guest_mem
test_guest_mem_SRCS := tests/unit/test_guest_mem.c tests/unit/fake_gm_arch.c core/guest_mem.c core/stage2.c \
	core/pagetable.c arch/fake/mm.c tools/keelcfg/s2size.c
test_guest_mem_CFLAGS := -Itools/keelcfg -pthread
test_guest_mem_LIBS := -pthread
