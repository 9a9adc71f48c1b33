# Test build and runners. Each tests/unit/*.mk fragment adds its programs:
#     UNIT_TESTS += test_foo
#     test_foo_SRCS := tests/unit/test_foo.c core/foo.c arch/fake/foo.c
# and each is built for the host with ASan and UBSan and linked with cmocka.

UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)

HOST_TEST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all -Iinclude -Itests/unit -DKEEL_HOST_TEST

define unit_test_rule
$(BUILD)/unit/$(1): $$($(1)_SRCS) $(wildcard include/keel/*.h include/keel/arch/*.h include/abi/keel/*.h) | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	@$(HOSTCC) $(HOST_TEST_CFLAGS) $$($(1)_CFLAGS) $$($(1)_SRCS) -o $$@ -lcmocka $$($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

unit-tests: $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
.PHONY: unit-tests test smoke check-layering

# The include layering (tests/check-layering.sh): the checker's own cases, then the tree.
check-layering:
	@bash tests/check-layering.sh --self-test
	@bash tests/check-layering.sh

# Everything, ending with "N passed, N failed".
test: all unit-tests
	bash tests/run-all.sh
