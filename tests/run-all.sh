#!/usr/bin/env bash
# Runs every test tier and adds up their results:
#   0. the include layering of the tree        tests/check-layering.sh (and its self-test)
#   1. host unit tests (cmocka, ASan/UBSan)    build/unit/*
#   2. configuration checks (tools/keelcfg)    tests/config/run.sh
#      and a short configuration fuzzing run    tests/fuzz/run.sh
#   3. system tests booting Keel under QEMU    tests/system/run.sh
# Each tier prints its own lines; the last line here is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0
failed=0

# Count a tier's result from its closing "N passed, N failed" line.
add_tier() {
	local name=$1 log=$2 status=$3 line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL: $name ended without a result line (exit $status)"
		failed=$((failed + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited $status"
		failed=$((failed + 1))
	fi
}

echo "== layering"
mkdir -p "$BUILD"
for mode in --self-test ""; do
	log=$BUILD/layering${mode:+-self-test}.log
	bash tests/check-layering.sh $mode 2>&1 | tee "$log"
	add_tier "layering check${mode:+ self-test}" "$log" "${PIPESTATUS[0]}"
done

echo "== unit tests"
for t in "$BUILD"/unit/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$BUILD/unit/$name.log
	CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
	status=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or a sanitizer stopped it
	fi
	echo "$name: $p passed, $f failed"
	[ "$f" -eq 0 ] || cat "$log"
	passed=$((passed + p))
	failed=$((failed + f))
done

for tier in config fuzz system; do
	script=tests/$tier/run.sh
	[ -f "$script" ] || continue
	echo "== $tier tests"
	log=$BUILD/$tier-tests.log
	mkdir -p "$BUILD"
	bash "$script" 2>&1 | tee "$log"
	add_tier "$tier tests" "$log" "${PIPESTATUS[0]}"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
