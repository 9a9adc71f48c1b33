# Shared by the scripts that fetch pinned Debian arm64 packages
# (scripts/fetch-debian.sh, bench/fetch-xen.sh). Source it after setting
# TOOL (the name messages start with), DEBS (the .deb cache) and ARCH.

die() { echo "$TOOL: error: $*" >&2; exit 1; }
warn() {
	echo "$TOOL: ************************************************************" >&2
	echo "$TOOL: WARNING: $*" >&2
	echo "$TOOL: ************************************************************" >&2
}

# A .deb in $DEBS whose control fields say package $1 version $2, or nothing.
# The control fields decide, never the file name.
cached_deb() {
	local deb
	for deb in "$DEBS"/*.deb; do
		[ -f "$deb" ] || continue
		if [ "$(dpkg-deb -f "$deb" Package)" = "$1" ] &&
			[ "$(dpkg-deb -f "$deb" Version)" = "$2" ]; then
			echo "$deb"
			return
		fi
	done
}

# The version apt would install of package $1 for $ARCH, or nothing.
candidate() {
	apt-cache policy "$1:$ARCH" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
}

# Does apt know package $1 at version $2 for $ARCH?
apt_has() {
	apt-cache show "$1:$ARCH=$2" >/dev/null 2>&1
}
