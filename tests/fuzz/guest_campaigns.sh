#!/usr/bin/env bash
# `make fuzz-guests FUZZ_OPS=N SEED=S` (issue 12): the guest-side campaigns `fuzz`, `fuzz-smp`
# and `fuzz-standby` with N operations (default 10^6; fuzz-smp's are per vCPU and run) from
# seed S, each judged by its own markers in tests/system/manifest (no panic, the sentinel's
# canaries and ticks, every answer as expected), then a table and "N passed, N failed".
# Each runs a copy of its configuration under build/fuzz/guests/ with the seed and the
# operation count replaced, its sentinel living long enough for the longer run, and the
# timeout scaled; logs in build/tests/<name>-long.log. Run `make keel tools guests` first.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ops=${1:-1000000}
seed=${2:-1}
dir=$BUILD/fuzz/guests
manifest=$dir/manifest
mkdir -p "$dir"
: >"$manifest"
rows=()
passed=0
failed=0
scale=$(( ops / 100000 + 1 )) # timeouts and sentinel lifetimes grow with the run

# config NAME: a copy of configs/tests/NAME.dts with seed, operations and sentinel ticks replaced.
config() {
	local name=$1 out=$dir/$1.dts
	sed -e "s/keel-test,seed = <[^>]*>/keel-test,seed = <$seed>/" \
	    -e "s/keel-test,ops = <[^>]*>/keel-test,ops = <$ops>/" \
	    -e "s/keel-test,ticks = <\([0-9]*\)>/keel-test,ticks = <\$((\1 * $scale))>/" \
	    "configs/tests/$name.dts" >"$out.tmp"
	# The fuzz configuration has no ops property (its guest's default): give it one.
	grep -q 'keel-test,ops = <' "$out.tmp" ||
		sed -i "0,/keel-test,seed = <$seed>;/s//keel-test,seed = <$seed>; keel-test,ops = <$ops>;/" "$out.tmp"
	# Sentinel ticks: evaluate the $((...)) left by the substitution above.
	while grep -q '<\$((' "$out.tmp"; do
		expr=$(grep -o '<\$(([0-9]* \* [0-9]*))>' "$out.tmp" | head -n 1)
		value=$(( $(sed 's/<\$((\(.*\)))>/\1/' <<<"$expr") ))
		sed -i "0,/<\$(([0-9]* \* [0-9]*))>/s//<$value>/" "$out.tmp"
	done
	mv "$out.tmp" "$out"
	echo "$out"
}

for name in fuzz fuzz-smp fuzz-standby; do
	line=$(grep "^$name |" tests/system/manifest)
	cfg=$(config "$name")
	timeout=$(( $(cut -d'|' -f3 <<<"$line") * scale ))
	# Markers that count operations are about make test's run: any count here.
	markers=$(cut -d'|' -f4 <<<"$line" | sed 's/done: run 2 of 2, [0-9]* operations/done: run 2 of 2, [0-9]+ operations/')
	echo "$name-long | $cfg | $timeout |$markers|$(cut -d'|' -f5 <<<"$line")" >>"$manifest"
	start=$(date +%s)
	if MANIFEST=$manifest bash tests/system/run.sh "$name-long" >/dev/null 2>&1; then
		result=pass
		passed=$((passed + 1))
	else
		result=FAIL
		failed=$((failed + 1))
	fi
	log=$BUILD/tests/$name-long.log
	panics=$(grep -ac 'PANIC' "$log" 2>/dev/null)
	victim=$(grep -ac 'sentinel.*\(FAIL\|corrupt\|mismatch\)\|vm sentinel: restarting' "$log" 2>/dev/null)
	rows+=("$(printf '%-13s %10s %8s %7s %11s %-10s %s' "$name" "$ops" "$(( $(date +%s) - start ))s" \
		"${panics:-0}" "${victim:-0}" "$seed" "$result")")
done

echo
printf '%-13s %10s %8s %7s %11s %-10s %s\n' campaign operations time panics cross-VM seed result
printf '%s\n' "${rows[@]}"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
