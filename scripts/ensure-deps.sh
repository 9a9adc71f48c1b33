#!/usr/bin/env bash
# Makes sure the Debian packages Keel builds and tests with are installed.
# As root it installs what is missing; otherwise it prints the exact command.
set -euo pipefail

packages=(qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	device-tree-compiler libfdt-dev libcmocka-dev cpio gdb-multiarch
	libc6-dev-arm64-cross gcc make python3
	clang libclang-rt-14-dev) # clang and its runtime: the libFuzzer targets (tests/fuzz.mk)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
need_arm64=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arm64=1

if [ ${#missing[@]} -eq 0 ] && [ $need_arm64 -eq 0 ]; then
	exit 0
fi

cmd="dpkg --add-architecture arm64 && apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "Keel needs Debian packages that are not installed. Run as root:" >&2
	echo "  $cmd" >&2
	exit 1
fi
echo "installing: ${missing[*]:-(arm64 architecture only)}"
[ $need_arm64 -eq 1 ] && dpkg --add-architecture arm64
apt-get update -qq
[ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
