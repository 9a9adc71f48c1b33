# Guest calls: Keel's own, PSCI, the SMCCC decode and the run loop's handoff (tests/unit/test_calls.c).
UNIT_TESTS += test_calls
test_calls_SRCS := tests/unit/test_calls.c tests/unit/fake_calls_env.c core/hypercall.c core/hc_keel.c \
	core/psci.c arch/aarch64/smccc.c core/run_loop.c core/ipc.c core/channel.c tests/unit/fake_standby.c
