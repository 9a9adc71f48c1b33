#!/usr/bin/env bash
# `make fuzz FUZZ_TIME=N SEED=S` (issue 12): the configuration campaign (cfgfuzz.py) and
# each libFuzzer target for N seconds (default 600) from seed S, one after the other,
# then a table and "N passed, N failed". A libFuzzer target starts from the committed
# corpus (tests/fuzz/corpus/<target>) and its regressions (tests/fuzz/regress/<target>)
# and grows build/fuzz/lf/<target>, which `make fuzz-corpus` folds into the committed
# corpus. A crash stops that target; its input is kept as
# build/fuzz/lf/crashes/<target>-crash-<sha1> (reproduce: build/fuzz/lf-<target> FILE).
# Logs: build/fuzz/lf/<target>.log and build/fuzz/cfgfuzz.log.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
secs=${1:-600}
seed=${2:-1}
out=$BUILD/fuzz/lf
mkdir -p "$out/crashes"
passed=0
failed=0
rows=()

FMT='%-9s %-34s %10s %7s %6s %7s %8s %5s'
row() { # target surface execs exec/s cov crashes corpus seed
	rows+=("$(printf "$FMT" "$@")")
}

log=$BUILD/fuzz/cfgfuzz.log
nice python3 tests/fuzz/cfgfuzz.py --keelcfg "$BUILD/fuzz/keelcfg" --blobcheck "$BUILD/fuzz/blobcheck" \
	--seconds "$secs" --seed "$seed" --work "$BUILD/fuzz" >"$log" 2>&1
status=$?
last=$(tail -n 1 "$log")
inputs=$(sed -n 's/^cfgfuzz: \([0-9]*\) inputs.*/\1/p' <<<"$last")
fails=$(sed -n 's/.* \([0-9]*\) failures\?.*/\1/p' <<<"$last")
row cfgfuzz "keelcfg+blobcheck, DTS mutations" "${inputs:-?}" "$(( ${inputs:-0} / (secs > 0 ? secs : 1) ))" \
	- "${fails:-?}" - "$seed"
if [ "$status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: cfgfuzz: $last"; fi

declare -A surface=([keelcfg]="keelcfg after dtc (DTB in)" [srcmap]="keelcfg srcmap (dtc -T -T text)"
	[analysis]="keelcfg schedulability analysis" [blob]="Keel EL2 blob check + vm create")
for t in keelcfg srcmap analysis blob; do
	log=$out/$t.log
	mkdir -p "$out/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"
	dict=()
	[ -f "$BUILD/fuzz/lf-$t.dict" ] && dict=("-dict=$BUILD/fuzz/lf-$t.dict")
	nice "$BUILD/fuzz/lf-$t" -max_total_time="$secs" -seed="$seed" -timeout=25 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t-" "${dict[@]}" \
		"$out/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	crashes=$(grep -c '^artifact_prefix=\|Test unit written to' "$log")
	row "$t" "${surface[$t]}" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$crashes" \
		"$(ls "$out/$t" | wc -l)" "$seed"
	if [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: lf-$t (exit $status):"
		grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|lf_[a-z]*: |Test unit written' "$log" | head -n 10
	fi
done

echo
printf "$FMT\n" target surface executions exec/s cov crashes corpus seed
printf '%s\n' "${rows[@]}"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
