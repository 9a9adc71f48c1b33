# Synchronous IPC (core/ipc.c): slot checks, the endpoint state machine, wake-ups, handoffs and
# PEER_GONE, through the real SMCCC decode and call table (tests/unit/test_ipc.c).
UNIT_TESTS += test_ipc
test_ipc_SRCS := tests/unit/test_ipc.c tests/unit/fake_calls_env.c core/hypercall.c core/hc_keel.c \
	core/psci.c arch/aarch64/smccc.c core/run_loop.c core/ipc.c core/channel.c tests/unit/fake_standby.c
