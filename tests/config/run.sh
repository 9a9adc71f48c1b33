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
# good-secure's comm.txt holds the communication table; --graph is run on
# configs/tests/ipc.dts and channel.dts and their edges checked, with and
# without (a stand-in for) Graphviz's dot on PATH.
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
# binary, sparse files too big for a VM (20 MiB) or for the modules (150 MiB), and
# disk images: a good one (1 MiB) and one of 1000 bytes.
make_images() {
	rm -rf "$img" && mkdir -p "$img" || exit 1
	truncate -s 1M "$img/Image"
	printf '\x00\x00\x40\x00' | dd of="$img/Image" bs=1 seek=16 conv=notrunc status=none
	printf 'ARM\x64' | dd of="$img/Image" bs=1 seek=56 conv=notrunc status=none
	head -c 100000 /dev/urandom >"$img/initrd.cpio.gz"
	printf '\x00\x00\x00\x14' >"$img/raw.bin" # "b ." at the entry
	truncate -s 20M "$img/big.bin"
	truncate -s 150M "$img/huge.bin"
	truncate -s 1M "$img/disk.img" # an existing disk image
	head -c 1000 /dev/zero >"$img/odd.img" # not whole 512-byte sectors
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

# Disks (good-virtio-blk): the image keelcfg created is sparse and of size-mib; QEMU
# gets version-2 transports, then a drive and a virtio-blk-device per disk in number
# order, with absolute paths. A second run takes the existing image as it is: not
# created again, not truncated (a marker written into it survives).
blk=$work/out/good-virtio-blk
want=$(printf '%s\n' -global virtio-mmio.force-legacy=false \
	-drive "if=none,id=keeldisk0,file=$(realpath "$blk")/a.img,format=raw" -device virtio-blk-device,drive=keeldisk0 \
	-drive "if=none,id=keeldisk1,file=$(realpath "$img/disk.img"),format=raw,readonly=on" \
	-device virtio-blk-device,drive=keeldisk1)
if [ "$(sed -n '/^-global$/,$p' "$blk/qemu-loader.args" 2>/dev/null)" != "$want" ]; then
	fail blk-loader-args "$blk/qemu-loader.args lacks, as its last lines: $want"
elif [ "$(stat -c %s "$blk/a.img")" != 4194304 ] || [ "$(stat -c %b "$blk/a.img")" -ge 64 ]; then
	fail blk-loader-args "$blk/a.img is not a sparse 4 MiB file"
else
	pass blk-loader-args
fi
printf 'KEEL' | dd of="$blk/a.img" bs=1 conv=notrunc status=none
"$keelcfg" --out "$blk" tests/config/good-virtio-blk.dts >/dev/null 2>"$blk.err2"
status=$?
if [ "$status" -eq 0 ] && ! grep -q "created" "$blk.err2" && [ "$(head -c 4 "$blk/a.img")" = KEEL ] &&
	[ "$(stat -c %s "$blk/a.img")" = 4194304 ] && grep -qF "a.img, 4194304 bytes" "$blk/layout.txt"; then
	pass blk-image-kept
else
	fail blk-image-kept "status $status, the rebuild changed or recreated $blk/a.img: $(head -c 600 "$blk.err2")"
fi
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

# The communication table: comm.txt beside the other outputs, secure VMs marked;
# none for a system without endpoints or channels.
if grep -Eq '^store +vault\* +a +call/send +0x51$' "$work/out/good-secure/comm.txt" 2>/dev/null &&
	grep -Eq '^private +vault2\* +rw +none$' "$work/out/good-secure/comm.txt" &&
	[ ! -e "$work/out/good-full/comm.txt" ]; then
	pass "comm-table"
else
	fail "comm-table" "comm.txt of good-secure lacks its grants and channels, or good-full has one"
fi

# keelcfg --graph on a system test's configuration, alone (no --out), in a scratch
# root holding dummy images at the paths it names. $1 case, $2 source, $3 the PATH
# keelcfg runs with. Leaves $work/out/$1.dot, .table (stdout), .err; sets $status.
graph_scratch() {
	local name=$1 dts=$2 root_dir=$work/scratch-root f
	rm -rf "$root_dir" "$work/out/$name".* && mkdir -p "$root_dir/build/guests"
	while read -r f; do
		cp "$img/raw.bin" "$root_dir/build/guests/$f"
	done < <(sed -n 's|.*kernel = "build/guests/\([^"]*\)".*|\1|p' "$dts" | sort -u)
	(cd "$root_dir" && PATH=$3 "$keelcfg" --graph "$root/$work/out/$name.dot" "$root/$dts") \
		>"$work/out/$name.table" 2>"$work/out/$name.err"
	status=$?
}

# Passes $1 if the graph $1.dot has exactly the edges given as $2..., one per line.
check_edges() {
	local name=$1 dot=$work/out/$1.dot missing="" e
	shift
	for e in "$@"; do
		grep -qxF -- "$(printf '\t%s' "$e")" "$dot" || missing="$missing [$e]"
	done
	if [ -n "$missing" ]; then
		fail "$name" "edges missing from $dot:$missing"
	elif [ "$(grep -c -- ' -> ' "$dot")" -ne $# ]; then
		fail "$name" "$(grep -c -- ' -> ' "$dot") edges in $dot, want $#"
	else
		pass "$name"
	fi
}

# PATH directories: dtc alone (no Graphviz), and dtc with a stand-in for dot that
# records its arguments and writes the SVG, so both paths are tested on any machine.
mkdir -p "$work/bin-nodot" "$work/bin-fakedot"
ln -sf "$(command -v dtc)" "$work/bin-nodot/dtc"
ln -sf "$(command -v dtc)" "$work/bin-fakedot/dtc"
cat >"$work/bin-fakedot/dot" <<'FAKE'
#!/bin/bash
printf '%s\n' "$@" >"${0%/*}/dot.args"
while [ $# -gt 1 ]; do [ "$1" = -o ] && printf '<svg/>\n' >"$2"; shift; done
FAKE
chmod +x "$work/bin-fakedot/dot"

graph_scratch graph-ipc configs/tests/ipc.dts "$root/$work/bin-nodot"
if [ "$status" -ne 0 ]; then
	fail graph-ipc "status $status: $(head -c 600 "$work/out/graph-ipc.err")"
else
	check_edges graph-ipc \
		'"ep:near-ep" -> "vm:server" [style=dashed, label="receives"];' \
		'"vm:near" -> "ep:near-ep" [label="call/send\nbadge 0x11"];' \
		'"vm:far" -> "ep:near-ep" [label="call/send\nbadge 0x22"];' \
		'"ep:far-ep" -> "vm:server" [style=dashed, label="receives"];' \
		'"vm:far" -> "ep:far-ep" [label="call\nbadge 0x23"];' \
		'"ep:idle" -> "vm:server" [style=dashed, label="receives"];' \
		'"vm:near" -> "ep:idle" [label="send\nbadge 0x1"];'
fi
# Without Graphviz: one line saying so with the command, no SVG, and not an error.
if [ "$status" -eq 0 ] && grep -qF "(apt-get install graphviz)" "$work/out/graph-ipc.err" &&
	[ "$(wc -l <"$work/out/graph-ipc.err")" -eq 1 ] && [ ! -e "$work/out/graph-ipc.svg" ] &&
	grep -Eq '^far-ep +server +far +call +0x23$' "$work/out/graph-ipc.table"; then
	pass graph-no-graphviz
else
	fail graph-no-graphviz "status $status: $(head -c 600 "$work/out/graph-ipc.err")"
fi

graph_scratch graph-channel configs/tests/channel.dts "$root/$work/bin-fakedot"
if [ "$status" -ne 0 ]; then
	fail graph-channel "status $status: $(head -c 600 "$work/out/graph-channel.err")"
else
	check_edges graph-channel \
		'"ch:data" -> "vm:producer" [dir=both, label="rw\ndoorbell INTID 40"];' \
		'"ch:data" -> "vm:consumer" [label="ro\ndoorbell INTID 41"];'
fi
# With dot on PATH: the SVG is drawn beside the .dot, from it.
if [ -s "$work/out/graph-channel.svg" ] && [ ! -s "$work/out/graph-channel.err" ] &&
	grep -qxF -- "-Tsvg" "$work/bin-fakedot/dot.args" &&
	grep -qxF -- "$root/$work/out/graph-channel.dot" "$work/bin-fakedot/dot.args"; then
	pass graph-svg
else
	fail graph-svg "no $work/out/graph-channel.svg drawn by dot: $(head -c 600 "$work/out/graph-channel.err")"
fi

# Virtio console links and networks are edges of the communication graph: in
# comm.txt and in the --graph file (next to the channel's two edges).
if grep -qxF "linux/link <-> rtos/link" "$work/out/good-virtio/comm.txt" 2>/dev/null &&
	grep -Eq '^lan +rtos +net0 +02:4b:45:01:00:00$' "$work/out/good-virtio/comm.txt"; then
	pass "comm-table-virtio"
else
	fail "comm-table-virtio" "comm.txt of good-virtio lacks its console link or network ports"
fi
PATH=$root/$work/bin-nodot "$keelcfg" --graph "$work/out/graph-virtio.dot" tests/config/good-virtio.dts \
	>/dev/null 2>"$work/out/graph-virtio.err"
check_edges graph-virtio \
	'"ch:data" -> "vm:linux" [dir=both, label="rw\ndoorbell INTID 40"];' \
	'"ch:data" -> "vm:rtos" [dir=both, label="rw\ndoorbell INTID 48"];' \
	'"vm:linux" -> "vm:rtos" [dir=both, style=dotted, label="console\nlink <-> link"];' \
	'"net:lan" -> "vm:linux" [dir=both, label="eth0\n02:00:00:00:00:01"];' \
	'"net:lan" -> "vm:rtos" [dir=both, label="net0\n02:4b:45:01:00:00"];'

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
