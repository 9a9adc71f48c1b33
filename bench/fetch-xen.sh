#!/usr/bin/env bash
# Fetches the Xen hypervisor the benchmarks compare Keel with:
#   build/bench/xen               Debian's boot/xen-4.17-arm64 (an arm64 Image)
#   build/bench/xen-version.txt   the package version pinned and the one used
#
# The pin is in bench/packages ("name version"). The .deb is downloaded with
# apt-get download into build/debs/ only when no .deb there already carries that
# name and version (dpkg-deb -f is the judge, not the file name). When the pinned
# version has left apt's lists, the current candidate is used with a loud warning.
# Exit status 1 with a one-line reason on stderr when Xen cannot be had; the
# benchmark runner then reports Xen as unavailable.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PINS=${PINS:-bench/packages}
DEBS=$BUILD/debs
OUT=$BUILD/bench
ARCH=arm64

TOOL=fetch-xen
# shellcheck source=scripts/debian-lib.sh
. scripts/debian-lib.sh

ensure_lists() {
	[ -n "$(candidate "$1")" ] && return
	local cmd="dpkg --add-architecture $ARCH && apt-get update"
	if [ "$(id -u)" -ne 0 ]; then
		die "apt has no $ARCH package lists offering $1. Run as root: $cmd"
	fi
	echo "fetch-xen: adding the $ARCH architecture to apt" >&2
	dpkg --add-architecture "$ARCH"
	apt-get update -qq || true
	[ -n "$(candidate "$1")" ] || die "apt offers no $1 for $ARCH even after: $cmd"
}

main() {
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found: this needs a Debian host"
	local name="" version="" used deb
	read -r name version < <(grep -v '^[[:space:]]*\(#\|$\)' "$PINS" | grep '^xen-hypervisor-' | head -n 1) ||
		die "$PINS pins no xen-hypervisor-* package"
	[ -n "$version" ] || die "$PINS: '$name' has no version"
	mkdir -p "$DEBS" "$OUT"

	used=$version
	deb=$(cached_deb "$name" "$version")
	if [ -z "$deb" ]; then
		ensure_lists "$name"
		if ! apt-cache show "$name:$ARCH=$version" >/dev/null 2>&1; then
			used=$(candidate "$name")
			warn "pinned $name $version is no longer in the apt lists;" \
				"using $name $used instead. Update $PINS."
			deb=$(cached_deb "$name" "$used")
		fi
	fi
	if [ -z "$deb" ]; then
		echo "fetch-xen: downloading $name $used ($ARCH)" >&2
		local sandbox=()
		[ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
		(cd "$DEBS" && apt-get download -q "${sandbox[@]}" "$name:$ARCH=$used" >&2) ||
			die "apt-get download $name:$ARCH=$used failed"
		deb=$(cached_deb "$name" "$used")
		[ -n "$deb" ] || die "downloaded $name but no .deb in $DEBS says Version: $used"
	fi

	local dir=$OUT/extract-xen
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards './boot/xen-*' ||
		die "no boot/xen-* in $deb"
	local imgs=("$dir"/boot/xen-*-arm64)
	[ -f "${imgs[0]}" ] || die "no boot/xen-*-arm64 in $deb"
	# An arm64 Image header: magic "ARM\x64" at offset 0x38 (Linux booting.rst;
	# Xen uses the same header so that boot loaders can load it like Linux).
	[ "$(dd if="${imgs[0]}" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')" = "41524d64" ] ||
		die "${imgs[0]} is not an arm64 Image"
	mv "${imgs[0]}" "$OUT/xen"
	touch "$OUT/xen" # newer than the pins, for make and bench/run.py
	rm -rf "$dir"
	printf '# pinned -> used (name version)\n%s %s -> %s %s\n' "$name" "$version" "$name" "$used" >"$OUT/xen-version.txt"
	echo "fetch-xen: $OUT/xen ($(($(stat -c %s "$OUT/xen") / 1024)) KiB) from $name $used"
	[ "$used" = "$version" ] || warn "pin in $PINS was replaced (see $OUT/xen-version.txt)"
}

main "$@"
