#!/usr/bin/env bash
# System tests: each line of tests/system/manifest is one Keel boot on QEMU.
#
#   tests/system/run.sh [--list] [NAME...]     (no NAME: every test)
#
# For each test the configuration is compiled with
#   build/tools/keelcfg --out build/tests/NAME CONFIG
# and booted with scripts/run-qemu.sh, stdin from /dev/null, the console going
# to build/tests/NAME.log. The log is watched while QEMU runs: QEMU is stopped
# early when a failure line shows up, when the time is up, or (for kill-ok
# tests, whose guests run forever) as soon as everything the test waits for has
# been seen. A test passes only when
#   - every marker was seen (and in order, for "ordered" tests),
#   - no line matches FAIL:, PANIC or panic (except the kernel command line
#     Linux echoes, which may say panic=),
#   - for "summary" tests, some line says "SUMMARY: N tests, 0 failures" and
#     none reports failures,
#   - QEMU ended by itself with status 0, or was stopped by the runner after
#     everything was seen in a kill-ok test. A timeout is a failure.
# Tests of kind "smoke" run scripts/smoke.py on the compiled configuration.
# Flag "corrupt-blob" flips one byte of the compiled blob before booting, and
# "expect-panic" makes Keel's PANIC line an expected marker, not a failure.
# "guest-panic-ok": lines the Linux VM prints ("[linux] ...") may say panic
# (a test that crashes the guest's kernel on purpose); Keel's may not.
# "sequence": the lines "[VM] seq N" must count 1, 2, 3, ... per VM with no
# number repeated, skipped or out of order (tests/system/check_sequence.py).
# "icount" boots under -icount shift=0,sleep=off (deterministic time), and
# "unsafe" compiles the configuration with keelcfg --unsafe; "keel=FILE" boots FILE instead of
# build/keel.bin (a test build, e.g. build/keel-overflow.bin).
# Tests of kind "native" run no Keel: the config column names a Python script,
# run as `python3 SCRIPT --timeout SEC --out build/tests/NAME`, its output the
# log; it passes when it exits 0, the markers are in its output and no failure
# line is.
# Prints "PASS: NAME (Xs)" or "FAIL: NAME: reason" (and the last 40 lines of
# the log) per test and ends with "N passed, N failed"; exits 1 on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
MANIFEST=${MANIFEST:-tests/system/manifest}
KEELCFG=${KEELCFG:-$BUILD/tools/keelcfg}
OUT=$BUILD/tests
FAIL_RE='FAIL:|PANIC|panic'
FAIL_EXCEPT_RE='Kernel command line:'
SUMMARY_OK_RE='SUMMARY: [0-9]+ tests?, 0 failures?'
SUMMARY_BAD_RE='SUMMARY: [0-9]+ tests?, [1-9][0-9]* failures?'

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	echo "${s%"${s##*[![:space:]]}"}"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Line number of the first line of $log matching marker $1 ("re:" ERE,
# "once:" exactly one matching line, "!" no matching line -> prints 0),
# or nothing when the marker is not satisfied.
marker_line() {
	local m=$1 n
	case $m in
	re:*) grep -a -n -m 1 -E -- "${m#re:}" "$log" | cut -d: -f1 ;;
	once:*)
		n=$(grep -a -c -F -- "${m#once:}" "$log")
		[ "$n" -eq 1 ] && grep -a -n -m 1 -F -- "${m#once:}" "$log" | cut -d: -f1
		;;
	!*) grep -a -q -F -- "${m#!}" "$log" || echo 0 ;;
	*) grep -a -n -m 1 -F -- "$m" "$log" | cut -d: -f1 ;;
	esac
}

# Empty when every marker is satisfied, else the reason.
markers_missing() {
	local m line last=0
	for m in "${markers[@]}"; do
		line=$(marker_line "$m")
		if [ -z "$line" ]; then
			echo "marker not seen: '$m'"
			return
		fi
		if [ "$ordered" -eq 1 ] && [ "$line" -ne 0 ]; then
			if [ "$line" -lt "$last" ]; then
				echo "marker out of order: '$m'"
				return
			fi
			last=$line
		fi
	done
	if [ "$summary" -eq 1 ] && ! grep -a -q -E "$SUMMARY_OK_RE" "$log"; then
		echo "no 'SUMMARY: N tests, 0 failures' line"
	fi
	if [ "$sequence" -eq 1 ]; then
		local seq_msg
		seq_msg=$(python3 tests/system/check_sequence.py "$log") || echo "$seq_msg"
	fi
}

failure_line() {
	if [ "$expect_panic" -eq 1 ]; then
		grep -a -E -- 'FAIL:' "$log" | head -n 1 # the panic is what this test waits for
		return
	fi
	local except=$FAIL_EXCEPT_RE

	[ "$guest_panic_ok" -eq 1 ] && except="$except|^\[linux\] "
	grep -a -E -- "$FAIL_RE" "$log" | grep -a -v -E -- "$except" | head -n 1
	grep -a -m 1 -E -- "$SUMMARY_BAD_RE" "$log"
}

# Boots the compiled config in $cfg_out, watching $log. Sets $ended to
# "exit N", "stopped" (all seen, kill-ok), "failure" or "timeout".
boot_and_watch() {
	local pid start=$SECONDS
	bash scripts/run-qemu.sh "${keel_extra[@]}" "$cfg_out" -- "${qemu_extra[@]}" </dev/null >"$log" 2>&1 &
	pid=$! # run-qemu.sh execs QEMU, so this is QEMU
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.25
		if [ -n "$(failure_line)" ]; then
			ended=failure
		elif [ "$kill_ok" -eq 1 ] && [ -z "$(markers_missing)" ]; then
			ended=stopped
		elif [ $((SECONDS - start)) -ge "$timeout" ]; then
			ended=timeout
		else
			continue
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return
	done
	wait "$pid"
	ended="exit $?"
}

# Runs the test described by the globals; prints nothing, sets $reason
# (empty on a pass).
run_one() {
	reason=""
	mkdir -p "$OUT"
	rm -rf "${cfg_out:?}" "$log"
	if [ "$kind" = native ]; then
		timeout -k 5 $((timeout + 30)) python3 "$config" --timeout "$timeout" --out "$cfg_out" >"$log" 2>&1
		local status=$?
		reason=$(failure_line | head -n 1)
		[ -z "$reason" ] && [ $status -ne 0 ] && reason="$config exited with status $status"
		[ -z "$reason" ] && reason=$(markers_missing)
		return
	fi
	if [ ! -x "$KEELCFG" ]; then
		reason="$KEELCFG is missing (make tools)"
		return
	fi
	if ! "$KEELCFG" "${keelcfg_extra[@]}" --out "$cfg_out" "$config" >"$OUT/$name.keelcfg.log" 2>&1; then
		reason="keelcfg failed on $config: $(head -n 3 "$OUT/$name.keelcfg.log" | tr '\n' ' ')"
		cp "$OUT/$name.keelcfg.log" "$log"
		return
	fi
	if [ "$kind" = smoke ]; then
		python3 scripts/smoke.py --config-out "$cfg_out" --timeout "$timeout" \
			--log "$log" "${smoke_extra[@]}" >"$OUT/$name.smoke.out" 2>&1 ||
			reason=$(grep -a '^SMOKE FAILED' "$OUT/$name.smoke.out" || echo "smoke.py failed")
		return
	fi
	if [ "$corrupt_blob" -eq 1 ]; then
		# One flipped byte inside the first VM record: Keel must refuse the blob.
		printf '\xa5' | dd of="$cfg_out/keel.cfg" bs=1 seek=100 conv=notrunc status=none
	fi
	boot_and_watch
	local fl
	fl=$(failure_line | head -n 1)
	if [ -n "$fl" ]; then
		reason="failure line: $(echo "$fl" | tr -d '\r')"
		return
	fi
	case $ended in
	"exit 0" | stopped) reason=$(markers_missing) ;;
	timeout) reason="timed out after ${timeout}s; $(markers_missing)" ;;
	exit*) reason="QEMU (or run-qemu.sh) ended with status ${ended#exit }; $(markers_missing)" ;;
	failure) reason="failure line" ;;
	esac
	reason=${reason%; }
}

# Parses one manifest line into the globals; returns 1 for blanks/comments.
parse() {
	local line=$1 f flag m
	[[ -z ${line//[[:space:]]/} || $(trim "$line") == \#* ]] && return 1
	IFS='|' read -r -a f <<<"$line"
	name=$(trim "${f[0]}")
	config=$(trim "${f[1]:-}")
	timeout=$(trim "${f[2]:-}")
	markers=()
	IFS=';' read -r -a ms <<<"${f[3]:-}"
	for m in "${ms[@]}"; do
		m=$(trim "$m")
		[ -n "$m" ] && markers+=("$m")
	done
	kind=boot kill_ok=0 summary=0 ordered=0 corrupt_blob=0 expect_panic=0 sequence=0 guest_panic_ok=0
	qemu_extra=() keelcfg_extra=() smoke_extra=() keel_extra=()
	for flag in ${f[4]:-}; do
		case $flag in
		kill-ok) kill_ok=1 ;;
		summary) summary=1 ;;
		ordered) ordered=1 ;;
		sequence) sequence=1 ;;
		smoke) kind=smoke ;;
		native) kind=native ;;
		reboot-poweroff) smoke_extra=(--reboots 2 --poweroff) ;;
		corrupt-blob) corrupt_blob=1 ;;
		expect-panic) expect_panic=1 ;;
		guest-panic-ok) guest_panic_ok=1 ;;
		icount) qemu_extra=(-icount shift=0,sleep=off) ;;
		unsafe) keelcfg_extra=(--unsafe) ;;
		keel=*) keel_extra=(--keel "${flag#keel=}") ;;
		*) echo "run.sh: $MANIFEST: $name: unknown flag '$flag'" >&2 ;;
		esac
	done
	[[ $timeout =~ ^[0-9]+$ ]] || timeout=120
	cfg_out=$OUT/$name
	log=$OUT/$name.log
}

list=0
want=()
for a in "$@"; do
	case $a in
	--list) list=1 ;;
	*) want+=("$a") ;;
	esac
done

passed=0
failed=0
while IFS= read -r mline || [ -n "$mline" ]; do
	parse "$mline" || continue
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	if [ $list -eq 1 ]; then
		echo "$name ($config, ${timeout}s, $kind)"
		continue
	fi
	t0=$(now_ms)
	run_one </dev/null
	dt=$(($(now_ms) - t0))
	secs="$((dt / 1000)).$((dt % 1000 / 100))"
	if [ -z "$reason" ]; then
		echo "PASS: $name (${secs}s)"
		passed=$((passed + 1))
	else
		echo "FAIL: $name: $reason (${secs}s)"
		if [ -f "$log" ]; then
			echo "---- last 40 lines of $log"
			tail -n 40 "$log" | tr -d '\r'
			echo "----"
		fi
		failed=$((failed + 1))
	fi
done <"$MANIFEST"

[ $list -eq 1 ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
