#!/usr/bin/env bash
# Boots Keel with a compiled system configuration on QEMU's virt board.
#
#   scripts/run-qemu.sh [--debug] [--timeout SEC] [--log FILE] [--keel BIN]
#                       CONFIG_OUT_DIR [-- EXTRA_QEMU_ARGS...]
#
# CONFIG_OUT_DIR is what "keelcfg --out DIR" wrote; its qemu-loader.args holds
# one QEMU argument per line (blank lines and lines starting with # are skipped),
# e.g. the -device loader,... lines that place the configuration blob and the
# guest images in memory.
#
# Interactive by default: the console is QEMU's -nographic multiplexer on this
# terminal with its escape moved to Ctrl-]: Ctrl-] x quits QEMU and Ctrl-] c
# reaches QEMU's monitor, while Ctrl-A belongs to Keel's console (Ctrl-A 1
# sends input to VM 1, Ctrl-A ? lists the VMs).
#   --debug        start halted with the gdbstub on :1234 (see docs/debugging.md)
#   --timeout SEC  stop QEMU after SEC seconds (exit status 124)
#   --log FILE     also write everything the console prints to FILE
#   --keel BIN     boot BIN instead of build/keel.bin
# Environment: QEMU (default qemu-system-aarch64), BUILD (default build).
# Exit status: QEMU's, 124 on timeout, 2 on a usage or missing-file error.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-aarch64}
keel=$BUILD/keel.bin
debug=0
timeout=""
log=""

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
die() { echo "run-qemu: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--debug) debug=1 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	--log) log=${2:?--log needs a file}; shift ;;
	--keel) keel=${2:?--keel needs a file}; shift ;;
	-h | --help) usage ;;
	--) break ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) break ;;
	esac
	shift
done
if [ $# -lt 1 ] || [ "$1" = -- ]; then usage; fi
config_out=$1
shift
[ "${1:-}" = -- ] && shift

[ -f "$keel" ] || die "$keel is missing: build it with 'make keel'"
[ -d "$config_out" ] || die "$config_out is missing: build it with 'make system' (or keelcfg --out $config_out ...)"
loader=$config_out/qemu-loader.args
[ -f "$loader" ] || die "$loader is missing: keelcfg did not finish for $config_out"
command -v "$QEMU" >/dev/null || die "$QEMU not found: run scripts/ensure-deps.sh"

# shellcheck disable=SC2054 # commas inside QEMU option values
# QEMU's own console escape moves to Ctrl-] so that Ctrl-A reaches Keel's
# console multiplexer (Ctrl-A <digit> picks the VM that gets the input).
args=(-machine virt,virtualization=on,gic-version=3 -cpu cortex-a57 -smp 4 -m 2048
	-nographic -echr 0x1d -nic none -no-reboot -kernel "$keel")
while IFS= read -r line || [ -n "$line" ]; do
	[[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
	args+=("$line")
done <"$loader"

if [ -n "$log" ]; then
	# Same multiplexed console as -nographic gives, plus a copy into the log.
	mkdir -p "$(dirname "$log")"
	# shellcheck disable=SC2054
	args+=(-chardev "stdio,id=con0,mux=on,signal=off,logfile=$log"
		-serial chardev:con0 -mon chardev=con0,mode=readline)
fi
if [ $debug -eq 1 ]; then
	args+=(-s -S)
	echo "run-qemu: QEMU waits for a debugger on tcp::1234. In another terminal:" >&2
	echo "  gdb-multiarch $BUILD/keel.elf -ex 'target remote :1234'" >&2
	echo "run-qemu: (see docs/debugging.md; Ctrl-] x quits QEMU)" >&2
fi
args+=("$@")

if [ -n "$timeout" ]; then
	fg=()
	[ -t 0 ] && fg=(--foreground)
	exec timeout "${fg[@]}" -k 5 "$timeout" "$QEMU" "${args[@]}"
fi
exec "$QEMU" "${args[@]}"
