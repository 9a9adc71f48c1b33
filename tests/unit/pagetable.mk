# Host tests of the translation-table builder and the stage-2 API.
UNIT_TESTS += test_pagetable test_stage2
test_pagetable_SRCS := tests/unit/test_pagetable.c core/pagetable.c arch/fake/mm.c
test_stage2_SRCS := tests/unit/test_stage2.c core/stage2.c core/pagetable.c arch/fake/mm.c
