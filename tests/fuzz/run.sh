#!/usr/bin/env bash
# The configuration fuzzer's part of `make test` (issue 12), run from anywhere:
#   1. every committed configuration (tests/config/*.dts, configs/**/*.dts) and
#      every input a fuzzing run found a bug with (tests/fuzz/regress/*.dts.gz) once
#      through keelcfg built with ASan/UBSan, with cfgfuzz.py's checks: no
#      sanitizer report, exit 0 or a refusal naming file and line, and an accepted
#      blob that Keel's own check (core/blob.c, as build/fuzz/blobcheck) accepts;
#   2. a short fuzzing run from a fixed seed (CFGFUZZ_SECONDS, default 20 s;
#      CFGFUZZ_SEED, default 1).
# Longer runs: make fuzz-config SECONDS=600 SEED=N (see docs/testing.md).
# Prints PASS/FAIL per part and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
work=$BUILD/fuzz/ci
passed=0
failed=0

if ! MAKEFLAGS= make -s "$BUILD/fuzz/keelcfg" "$BUILD/fuzz/blobcheck" >/dev/null; then
	echo "FAIL: cannot build the sanitized keelcfg and blobcheck"
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
part cfgfuzz-replay --replay tests/config/*.dts configs/**/*.dts tests/fuzz/regress/*
part cfgfuzz-seed --seed "${CFGFUZZ_SEED:-1}" --seconds "${CFGFUZZ_SECONDS:-20}"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
