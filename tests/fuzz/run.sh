#!/usr/bin/env bash
# The configuration fuzzer's part of `make test` (issue 12), run from anywhere:
#   1. every committed configuration (tests/config/*.dts, configs/**/*.dts) and
#      every input a fuzzing run found a bug with (tests/fuzz/regress/*.dts.gz) once
#      through keelcfg built with ASan/UBSan, with cfgfuzz.py's checks: no
#      sanitizer report, exit 0 or a refusal naming file and line, and an accepted
#      blob that Keel's own check (core/blob.c, as build/fuzz/blobcheck) accepts;
#   2. a short fuzzing run from a fixed seed (CFGFUZZ_SECONDS, default 20 s;
#      CFGFUZZ_SEED, default 1);
#   3. for each libFuzzer target (build/fuzz/lf-*, tests/fuzz/lf_*.c): its committed
#      corpus (tests/fuzz/corpus/<target>) and regressions (tests/fuzz/regress/<target>)
#      replayed one by one, then a short run from them (LF_SECONDS, default 20 s; LF_SEED,
#      default 1) whose new inputs go to build/fuzz/ci/lf-<target>.
# Longer runs: make fuzz FUZZ_TIME=600 SEED=N (see docs/testing.md).
# Prints PASS/FAIL per part and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
work=$BUILD/fuzz/ci
passed=0
failed=0

lf_targets=(keelcfg srcmap analysis blob)
if ! MAKEFLAGS= make -s "$BUILD/fuzz/keelcfg" "$BUILD/fuzz/blobcheck" "${lf_targets[@]/#/$BUILD/fuzz/lf-}" \
	"$BUILD/fuzz/lf-keelcfg.dict" >/dev/null; then
	echo "FAIL: cannot build the sanitized keelcfg, blobcheck and libFuzzer targets"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -rf "$work" && mkdir -p "$work"

part() { # $1 name, then the cfgfuzz.py arguments
	local name=$1 log=$work/$1.log
	shift
	if nice python3 tests/fuzz/cfgfuzz.py --keelcfg "$BUILD/fuzz/keelcfg" \
		--blobcheck "$BUILD/fuzz/blobcheck" --work "$work" "$@" >"$log" 2>&1; then
		echo "PASS: $name: $(tail -n 1 "$log")"
		passed=$((passed + 1))
	else
		echo "FAIL: $name:"
		grep -v ': \(accepted\|refused\)$' "$log" | head -n 40
		failed=$((failed + 1))
	fi
}

shopt -s globstar
part cfgfuzz-replay --replay tests/config/*.dts configs/**/*.dts tests/fuzz/regress/*.dts.gz
part cfgfuzz-seed --seed "${CFGFUZZ_SEED:-1}" --seconds "${CFGFUZZ_SECONDS:-20}"

# A libFuzzer target: replay, then the short run; any crash or sanitizer report fails it.
lf_part() {
	local t=$1 bin=$BUILD/fuzz/lf-$t log=$work/lf-$t.log inputs dict=()
	shopt -s nullglob
	inputs=(tests/fuzz/corpus/"$t"/* tests/fuzz/regress/"$t"/*)
	shopt -u nullglob
	[ -f "$BUILD/fuzz/lf-$t.dict" ] && dict=("-dict=$BUILD/fuzz/lf-$t.dict")
	mkdir -p "$work/lf-$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"
	if { [ ${#inputs[@]} -eq 0 ] || nice "$bin" -artifact_prefix="$work/lf-$t-" "${inputs[@]}"; } >"$log" 2>&1 &&
		nice "$bin" -max_total_time="${LF_SECONDS:-20}" -seed="${LF_SEED:-1}" -timeout=25 -rss_limit_mb=4096 \
			-print_final_stats=1 -artifact_prefix="$work/lf-$t-" "${dict[@]}" "$work/lf-$t" \
			"tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" >>"$log" 2>&1; then
		echo "PASS: lf-$t: ${#inputs[@]} inputs replayed; $(sed -n 's/^stat::number_of_executed_units: *//p' "$log")" \
			"runs, $(grep -o 'cov: [0-9]*' "$log" | tail -n 1), $(ls "$work/lf-$t" | wc -l) new inputs"
		passed=$((passed + 1))
	else
		echo "FAIL: lf-$t (reproduce: $bin FILE; inputs kept as $work/lf-$t-*):"
		grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|lf_[a-z]*: |Running: |Test unit written' "$log" | tail -n 20
		failed=$((failed + 1))
	fi
}

for t in "${lf_targets[@]}"; do
	lf_part "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
