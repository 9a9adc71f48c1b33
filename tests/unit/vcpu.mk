# vcpu_request()'s kick logic (core/vcpu.c), with the few arch and device calls vcpu.c makes stubbed.
UNIT_TESTS += test_vcpu_kick

test_vcpu_kick_SRCS := tests/unit/test_vcpu_kick.c core/vcpu.c
test_vcpu_kick_LIBS := -lpthread
