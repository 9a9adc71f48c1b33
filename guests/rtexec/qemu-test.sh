#!/bin/sh
# Runs rtexec directly on QEMU at EL1, without Keel (docs/rtexec.md), with a
# task set added to QEMU's own device tree, and checks the result:
#   feasible-rm, feasible-edf   utilisation 0.50: no deadline may be missed
#   overload-rm, overload-edf   utilisation 1.20: there must be misses
#   u93-edf                     utilisation 0.93 that only EDF schedules:
#                               no deadline may be missed
#   u93-rm                      the same set by RM: there must be misses
#
#   guests/rtexec/qemu-test.sh [--icount] [--jobs N] CASE...
#
# Builds the guests linked 1 MiB into RAM (build/guests-qemu) so QEMU puts the
# tree at the base of RAM. Prints each run's summary, its wall-clock time and
# PASS or FAIL; exits non-zero if any case failed.
set -eu

QEMU=${QEMU:-qemu-system-aarch64}
OUT=${OUT:-build/guests-qemu}
WORK=${WORK:-build/rtexec-test}
ICOUNT=
JOBS=12000
TIMEOUT=${TIMEOUT:-300}

while [ $# -gt 0 ]; do
	case $1 in
	--icount) ICOUNT="-icount shift=0,sleep=off"; shift ;;
	--jobs) JOBS=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- feasible-rm feasible-edf overload-rm overload-edf

make -s guests GUEST_LINK_ADDR=0x40100000 GUEST_OUT="$OUT" >/dev/null
mkdir -p "$WORK"
MACHINE="-cpu cortex-a57 -m 256 -smp 1 -machine virt,gic-version=3"
# shellcheck disable=SC2086
$QEMU $MACHINE,dumpdtb="$WORK/virt.dtb" -nographic >/dev/null 2>&1
dtc -q -I dtb -O dts "$WORK/virt.dtb" > "$WORK/virt.dts"

task() { # name period wcet [deadline]
	printf '\t\t%s { period-us = <%s>; wcet-us = <%s>;%s };\n' "$1" "$2" "$3" \
		"${4:+ deadline-us = <$4>;}"
}

tasks() { # case
	case $1 in
	feasible-*)
		task ctrl 1000 150 500; task sense 4000 800; task log 10000 1500 ;;
	overload-*)
		task ctrl 1000 500 500; task sense 4000 1600; task log 10000 3000 ;;
	u93-*) # RM: b's worst-case response is 2400 + 3 * 900 = 5100 us > 5000 us
		task a 2000 900; task b 5000 2400 ;;
	esac
}

fails=0
for c in "$@"; do
	sched=${c##*-}
	{
		cat "$WORK/virt.dts"
		printf '/ {\n\tchosen { keel-test,jobs = <%s>; keel-test,summary-every = <4000>; };\n' "$JOBS"
		printf '\tkeel-tasks {\n\t\tscheduler = "%s";\n' "$sched"
		tasks "$c"
		printf '\t};\n};\n'
	} > "$WORK/$c.dts"
	dtc -q -I dts -O dtb "$WORK/$c.dts" -o "$WORK/$c.dtb"
	start=$(date +%s)
	# shellcheck disable=SC2086
	timeout "$TIMEOUT" $QEMU $MACHINE $ICOUNT -nographic -nic none -no-reboot \
		-dtb "$WORK/$c.dtb" -kernel "$OUT/rtexec.elf" > "$WORK/$c.log" 2>&1 || true
	secs=$(( $(date +%s) - start ))
	echo "== $c${ICOUNT:+ (icount)}: ${secs} s"
	grep -E '^(rtexec: (started|task|total|done)|KRT)' "$WORK/$c.log" | tail -n 7
	misses=$(sed -n 's/^rtexec: total jobs [0-9]* misses \([0-9]*\).*/\1/p' "$WORK/$c.log" | tail -n 1)
	ok=no
	if grep -q '^rtexec: done' "$WORK/$c.log" && [ -n "$misses" ]; then
		case $c in
		overload-* | u93-rm) [ "$misses" -gt 0 ] && ok=yes ;;
		*) [ "$misses" -eq 0 ] && ok=yes ;;
		esac
	fi
	if [ $ok = yes ]; then echo "PASS: $c"; else echo "FAIL: $c"; fails=$((fails + 1)); fi
done
exit $fails
