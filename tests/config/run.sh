#!/usr/bin/env bash
# Configuration checks for keelcfg (tools/keelcfg), run from the repository root.
#
# bad-*.dts   must fail: exit status 1, stderr containing the text of the file's
#             "// expect: TEXT" line (and "FILE:N:" for a "// line: N" line), and
#             nothing written in the output directory or beside it.
# good-*.dts  must build: every output file present, the blob accepted by
#             "keelcfg --check-blob", every guest tree readable by dtc, and stderr
#             containing the "// expect:" text if there is one, and layout.txt
#             the "// layout:" text if there is one.
# configs/demo.dts and configs/rt/*.dts are also built, against dummy images,
# so they stay valid; rt-bad.dts must be refused unless forced with --unsafe,
# and a forced blob must carry the UNSAFE flag.
# A "// args: ..." line adds keelcfg options. Images are small dummy files made
# here under build/tests/config/img (the big ones sparse), so no kernel is needed.
# Prints PASS/FAIL per case and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
root=$PWD
work=build/tests/config
img=$work/img
keelcfg=${KEELCFG:-build/tools/keelcfg}
passed=0
failed=0

if [ ! -x "$keelcfg" ]; then
	make -s "$keelcfg" >/dev/null || { echo "FAIL: cannot build $keelcfg"; echo "0 passed, 1 failed"; exit 1; }
fi
keelcfg=$(realpath "$keelcfg")

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

# Dummy images: an arm64 Image (header only, image_size 4 MiB), an initrd, a raw
# binary, and sparse files too big for a VM (20 MiB) or for the modules (150 MiB).
make_images() {
	rm -rf "$img" && mkdir -p "$img" || exit 1
	truncate -s 1M "$img/Image"
	printf '\x00\x00\x40\x00' | dd of="$img/Image" bs=1 seek=16 conv=notrunc status=none
	printf 'ARM\x64' | dd of="$img/Image" bs=1 seek=56 conv=notrunc status=none
	head -c 100000 /dev/urandom >"$img/initrd.cpio.gz"
	printf '\x00\x00\x00\x14' >"$img/raw.bin" # "b ." at the entry
	truncate -s 20M "$img/big.bin"
	truncate -s 150M "$img/huge.bin"
}

# The value of a "// key: value" header line of a case.
header() {
	sed -n "s|^// $2: ||p" "$1" | head -n 1
}

# Runs keelcfg on a case: sets $status and leaves stderr in $out.err.
run_keelcfg() {
	local dts=$1 out=$2 args
	args=$(header "$dts" args)
	rm -rf "$out" "$out".tmp* "$out.err"
	# shellcheck disable=SC2086 # args is a word list on purpose
	"$keelcfg" $args --out "$out" "$dts" 2>"$out.err" >/dev/null
	status=$?
}

check_bad() {
	local dts=$1 name out expect line
	name=$(basename "$dts" .dts)
	out=$work/out/$name
	expect=$(header "$dts" expect)
	line=$(header "$dts" line)
	if [ -z "$expect" ]; then
		fail "$name" "no '// expect:' line in $dts"
		return
	fi
	run_keelcfg "$dts" "$out"
	if [ "$status" -ne 1 ]; then
		fail "$name" "exit status $status, want 1"
	elif ! grep -qF -- "$expect" "$out.err"; then
		fail "$name" "stderr lacks '$expect'; got: $(head -c 600 "$out.err")"
	elif [ -n "$line" ] && ! grep -qF -- "$dts:$line: " "$out.err"; then
		fail "$name" "no message at $dts:$line; got: $(head -c 600 "$out.err")"
	elif [ -e "$out" ] || compgen -G "$out.tmp*" >/dev/null; then
		fail "$name" "output written despite the error"
	else
		pass "$name"
	fi
}

# Checks a built output directory: $1 case name, $2 dir, $3... VM names.
check_outputs() {
	local name=$1 out=$2 why="" vm
	shift 2
	for f in keel.cfg qemu-loader.args layout.txt; do
		[ -s "$out/$f" ] || why="$why missing $f;"
	done
	"$keelcfg" --check-blob "$out/keel.cfg" >/dev/null 2>"$out.blob-err" ||
		why="$why blob rejected: $(cat "$out.blob-err");"
	for vm in "$@"; do
		dtc -q -I dtb -O dts -o /dev/null "$out/$vm.dtb" 2>/dev/null || why="$why bad $vm.dtb;"
		grep -qF "loader,file=$root/$out/$vm.dtb,addr=0x" "$out/qemu-loader.args" ||
			why="$why no loader line for $vm.dtb;"
	done
	grep -qx -- "-device" "$out/qemu-loader.args" || why="$why loader args not one per line;"
	# No two loader lines at one address.
	[ "$(grep -o 'addr=0x[0-9a-f]*' "$out/qemu-loader.args" | sort | uniq -d)" = "" ] ||
		why="$why two images at one address;"
	if [ -n "$why" ]; then
		fail "$name" "$why"
	else
		pass "$name"
	fi
}

check_good() {
	local dts=$1 name out expect vms
	name=$(basename "$dts" .dts)
	out=$work/out/$name
	expect=$(header "$dts" expect)
	run_keelcfg "$dts" "$out"
	if [ "$status" -ne 0 ]; then
		fail "$name" "exit status $status: $(head -c 600 "$out.err")"
		return
	fi
	if [ -n "$expect" ] && ! grep -qF -- "$expect" "$out.err"; then
		fail "$name" "stderr lacks '$expect'"
		return
	fi
	expect=$(header "$dts" layout)
	if [ -n "$expect" ] && ! grep -qF -- "$expect" "$out/layout.txt"; then
		fail "$name" "layout.txt lacks '$expect'"
		return
	fi
	vms=$(sed -n 's/^VM \([a-z0-9_-]*\):.*/\1/p' "$out/layout.txt")
	# shellcheck disable=SC2086
	check_outputs "$name" "$out" $vms
}

# configs/demo.dts and configs/rt/*.dts name build/linux/Image etc.; build
# them in a scratch root holding dummy files at those paths. $1 case name,
# $2 source, $3 extra keelcfg options, then the VM names. Sets $status.
build_scratch() {
	local name=$1 dts=$2 args=$3 root_dir=$work/scratch-root out
	rm -rf "$root_dir" && mkdir -p "$root_dir/build/linux" "$root_dir/build/guests"
	cp "$img/Image" "$root_dir/build/linux/Image"
	cp "$img/initrd.cpio.gz" "$root_dir/build/linux/initrd.cpio.gz"
	cp "$img/raw.bin" "$root_dir/build/guests/ticker.bin"
	cp "$img/raw.bin" "$root_dir/build/guests/rtexec.bin"
	out=$root/$work/out/$name
	rm -rf "$out"
	# shellcheck disable=SC2086 # args is a word list on purpose
	(cd "$root_dir" && "$keelcfg" $args --out "$out" "$root/$dts") 2>"$out.err"
	status=$?
}

check_scratch() {
	local name=$1 dts=$2 args=$3
	shift 3
	build_scratch "$name" "$dts" "$args"
	if [ "$status" -ne 0 ]; then
		fail "$name" "$(head -c 600 "$work/out/$name.err")"
		return
	fi
	check_outputs "$name" "$work/out/$name" "$@"
}

# The blob of a built case is (not) marked UNSAFE: $1 case, $2 dir, $3 yes|no.
check_unsafe_flag() {
	local got=no
	"$keelcfg" --check-blob "$2/keel.cfg" 2>/dev/null | grep -q "UNSAFE" && got=yes
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "blob UNSAFE flag: $got, want $3"
	fi
}

make_images
mkdir -p "$work/out"
for dts in tests/config/bad-*.dts; do
	check_bad "$dts"
done
for dts in tests/config/good-*.dts; do
	check_good "$dts"
done
check_scratch demo configs/demo.dts "" linux ticker
check_scratch rt-fp configs/rt/rt-fp.dts "" linux rtos ticker
check_scratch rt-tt configs/rt/rt-tt.dts "" linux rtos ticker

# The real-time guest finds its task set in its tree, in the shape of the source.
if dtc -q -I dtb -O dts "$work/out/rt-fp/rtos.dtb" 2>/dev/null |
	grep -A4 'ctrl {' | grep -q 'deadline-us = <0x1194>'; then
	pass "rt-fp-keel-tasks"
else
	fail "rt-fp-keel-tasks" "no /keel-tasks/ctrl with deadline-us 4500 in rtos.dtb"
fi

# rt-bad fails the analysis: refused, unless forced with --unsafe (then marked).
build_scratch rt-bad configs/rt/rt-bad.dts ""
if [ "$status" -eq 1 ] && grep -qF "task ctrl can miss its 4.5 ms deadline" "$work/out/rt-bad.err" &&
	[ ! -e "$work/out/rt-bad" ]; then
	pass "rt-bad-refused"
else
	fail "rt-bad-refused" "status $status: $(head -c 600 "$work/out/rt-bad.err")"
fi
check_scratch rt-bad-unsafe configs/rt/rt-bad.dts --unsafe linux rtos ticker
if grep -qF "warning: vm rtos: task ctrl can miss" "$work/out/rt-bad-unsafe.err"; then
	check_unsafe_flag rt-bad-unsafe-flag "$work/out/rt-bad-unsafe" yes
else
	fail rt-bad-unsafe-flag "no warning for the forced analysis"
fi
check_unsafe_flag good-sched-unsafe-flag "$work/out/good-sched-unsafe" yes
check_unsafe_flag rt-fp-not-unsafe "$work/out/rt-fp" no
# Shared memory forced with --unsafe is not a timing failure: no flag.
check_unsafe_flag good-unsafe-no-flag "$work/out/good-unsafe" no

# --unsafe is what makes good-unsafe pass: without it, it is an error.
run_keelcfg tests/config/good-unsafe.dts "$work/out/unsafe-off"
rm -f "$work/out/unsafe-off.err"
sed '/^\/\/ args:/d' tests/config/good-unsafe.dts >"$work/out/unsafe-off.dts"
run_keelcfg "$work/out/unsafe-off.dts" "$work/out/unsafe-off"
if [ "$status" -eq 1 ] && grep -qF "overlaps /vms/a/memory@40000000" "$work/out/unsafe-off.err"; then
	pass "unsafe-needed"
else
	fail "unsafe-needed" "shared memory accepted without --unsafe"
fi

# A corrupted blob is refused.
if [ -s "$work/out/good-full/keel.cfg" ]; then
	cp "$work/out/good-full/keel.cfg" "$work/out/corrupt.cfg"
	printf '\xff' | dd of="$work/out/corrupt.cfg" bs=1 seek=100 conv=notrunc status=none
	if "$keelcfg" --check-blob "$work/out/corrupt.cfg" 2>&1 | grep -q "bad checksum"; then
		pass "check-blob-corrupt"
	else
		fail "check-blob-corrupt" "a corrupted blob was accepted"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
