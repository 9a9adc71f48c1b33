#!/usr/bin/env bash
# Builds the Linux guest from pinned Debian arm64 packages:
#   build/linux/Image            Debian's arm64 kernel, an uncompressed arm64 Image
#   build/linux/initrd.cpio.gz   busybox (static), guests/linux/init and the kernel
#                                modules named in guests/linux/modules (with their
#                                dependencies, guests/linux/kmods.py), cpio newc, gzip
#   build/linux/versions.txt     the package versions actually used
#
# Pins come from guests/linux/packages ("name version" per line). Each .deb is
# downloaded with apt-get download into build/debs/ only when no .deb there
# already carries that name and version (dpkg-deb -f is the judge, not the file
# name). When the pinned version has left the apt lists (Debian's security
# archive replaces kernel ABIs), the current candidate of the same family is used
# instead, with a loud warning naming both versions.
#
# Needs the arm64 architecture in apt's lists: as root this script adds it if
# missing; otherwise it prints the commands to run.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PINS=${PINS:-guests/linux/packages}
INIT=guests/linux/init
MODULES=${MODULES:-guests/linux/modules}
DEBS=$BUILD/debs
OUT=$BUILD/linux
ARCH=arm64

TOOL=fetch-debian
# shellcheck source=scripts/debian-lib.sh
. scripts/debian-lib.sh

ensure_lists() {
	[ -n "$(candidate busybox-static)" ] && return
	local cmd="dpkg --add-architecture $ARCH && apt-get update"
	if [ "$(id -u)" -ne 0 ]; then
		echo "fetch-debian: apt has no $ARCH package lists. Run as root:" >&2
		echo "  $cmd" >&2
		echo "then run 'make linux' again (apt-get download itself works as any user)." >&2
		exit 1
	fi
	echo "fetch-debian: adding the $ARCH architecture to apt"
	dpkg --add-architecture "$ARCH"
	apt-get update -qq
	[ -n "$(candidate busybox-static)" ] || die "still no $ARCH lists after: $cmd"
}

# Resolves a pin that apt no longer offers to "name version" of the current
# package of the same family: for a kernel ABI package, what the
# linux-image-arm64 metapackage depends on now; otherwise the candidate of
# the same name.
fallback() {
	local name=$1 dep cand
	if [[ $name == linux-image-*-$ARCH ]]; then
		cand=$(candidate linux-image-$ARCH)
		[ -n "$cand" ] || die "apt knows no linux-image-$ARCH for $ARCH"
		dep=$(apt-cache show "linux-image-$ARCH:$ARCH=$cand" | sed -n 's/^Depends: //p' | head -n 1 |
			tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\) (= \([^)]*\)).*/\1 \2/p' | head -n 1)
		[ -n "$dep" ] || die "cannot read the kernel package linux-image-$ARCH $cand depends on"
		echo "$dep"
	else
		cand=$(candidate "$name")
		[ -n "$cand" ] || die "apt knows no $name for $ARCH"
		echo "$name $cand"
	fi
}

# Makes sure a .deb for one pin is in $DEBS; prints "name version path".
fetch_one() {
	local name=$1 version=$2 deb used_name=$1 used_version=$2
	deb=$(cached_deb "$name" "$version")
	if [ -z "$deb" ]; then
		ensure_lists
		if ! apt_has "$name" "$version"; then
			read -r used_name used_version <<<"$(fallback "$name")"
			warn "pinned $name $version is no longer in the apt lists;" \
				"using $used_name $used_version instead. Update $PINS."
			deb=$(cached_deb "$used_name" "$used_version")
		fi
	fi
	if [ -z "$deb" ]; then
		echo "fetch-debian: downloading $used_name $used_version ($ARCH)" >&2
		local sandbox=()
		[ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
		(cd "$DEBS" && apt-get download -q "${sandbox[@]}" "$used_name:$ARCH=$used_version" >&2) ||
			die "apt-get download $used_name:$ARCH=$used_version failed"
		deb=$(cached_deb "$used_name" "$used_version")
		[ -n "$deb" ] || die "downloaded $used_name but no .deb in $DEBS says Version: $used_version"
	fi
	echo "$used_name $used_version $deb"
}

extract_kernel() {
	local deb=$1 dir=$OUT/extract/kernel img
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards './boot/vmlinuz-*'
	local imgs=("$dir"/boot/vmlinuz-*)
	img=${imgs[0]}
	[ -f "$img" ] || die "no boot/vmlinuz-* in $deb"
	if [ "$(head -c 2 "$img" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
		gzip -dc "$img" >"$OUT/Image.tmp"
	else
		cp "$img" "$OUT/Image.tmp"
	fi
	# arm64 Image header: magic "ARM\x64" at offset 0x38 (Linux booting.rst).
	[ "$(dd if="$OUT/Image.tmp" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')" = "41524d64" ] ||
		die "$img is not an arm64 Image"
	mv "$OUT/Image.tmp" "$OUT/Image"
	rm -rf "$dir"
}

# The initramfs from the busybox .deb $1 and the modules of the kernel .deb $2.
build_initrd() {
	local deb=$1 kernel=$2 dir=$OUT/extract/busybox root=$OUT/initramfs
	rm -rf "$dir" "$root" && mkdir -p "$dir" "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
	dpkg-deb -x "$deb" "$dir"
	[ -x "$dir/bin/busybox" ] || die "no bin/busybox in $deb"
	cp "$dir/bin/busybox" "$root/bin/busybox"
	# The rest of the applet links are made by "busybox --install -s" in /init:
	# the host cannot run an arm64 busybox to list them.
	ln -s busybox "$root/bin/sh"
	install -m 0755 "$INIT" "$root/init"
	python3 guests/linux/kmods.py "$kernel" "$MODULES" "$root" || die "cannot add the modules in $MODULES"
	python3 guests/linux/mkcpio.py "$OUT/initrd.cpio.gz" "$root" \
		--node dev/console:600:c:5:1 --node dev/null:666:c:1:3
	rm -rf "$dir" "$root"
}

main() {
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found: this needs a Debian host"
	mkdir -p "$DEBS" "$OUT"
	local kernel="" busybox="" versions="" name version line
	while read -r name version; do
		[[ -z $name || $name == \#* ]] && continue
		[ -n "$version" ] || die "$PINS: '$name' has no version"
		line=$(fetch_one "$name" "$version")
		versions+="$name $version -> ${line% *}"$'\n'
		case $name in
		linux-image-*) kernel=${line##* } ;;
		busybox-static) busybox=${line##* } ;;
		esac
	done <"$PINS"
	[ -n "$kernel" ] || die "$PINS pins no linux-image-* package"
	[ -n "$busybox" ] || die "$PINS pins no busybox-static package"

	extract_kernel "$kernel"
	build_initrd "$busybox" "$kernel"
	printf '# pinned -> used (name version)\n%s' "$versions" >"$OUT/versions.txt"
	echo "fetch-debian: $OUT/Image ($(($(stat -c %s "$OUT/Image") / 1024 / 1024)) MiB)," \
		"$OUT/initrd.cpio.gz ($(($(stat -c %s "$OUT/initrd.cpio.gz") / 1024)) KiB)"
	sed -n 's/^\([^#].*\)/fetch-debian:   \1/p' "$OUT/versions.txt"
	awk '!/^#/ && ($1 != $4 || $2 != $5) { exit 1 }' "$OUT/versions.txt" ||
		warn "some pins in $PINS were replaced (see above and $OUT/versions.txt)"
}

main "$@"
