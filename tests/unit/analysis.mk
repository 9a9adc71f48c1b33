# Host tests of keelcfg's schedulability analysis (tools/keelcfg/analysis.c).
UNIT_TESTS += test_analysis
test_analysis_SRCS := tests/unit/test_analysis.c tools/keelcfg/analysis.c
test_analysis_CFLAGS := -Itools/keelcfg
