#!/usr/bin/env bash
# Keel's layering, checked on every #include line of the tree:
#   1. generic code (core/ vdev/ drivers/ lib/ platform/) reaches the
#      architecture only through include/keel/arch/*.h, never an arch/aarch64
#      header;
#   2. a virtual device (vdev/) never includes a physical driver's header
#      (keel/drivers/*): devices are reached through core interfaces;
#   3. nothing built for EL2 (the above, arch/, include/keel, include/abi)
#      includes a host tool's header (tools/);
#   4. a guest (guests/) includes only the guest ABI (<abi/...>), its
#      library's headers (<guest/...>), the compiler's freestanding headers
#      and guest headers named without a path ("rtexec.h");
#   5. no #include anywhere climbs with "../".
# Each violation is printed as file:line: rule: the line. Exit status 1 if
# there is any. The last line is "N passed, N failed" (one test: the tree).
#
#   tests/check-layering.sh [--root DIR]   check a tree (default: this one)
#   tests/check-layering.sh --self-test    check the checker on small trees,
#                                          one per rule, each must fail
set -u

FREESTANDING='stdarg|stdbool|stddef|stdint|stdalign|stdnoreturn|limits|float|iso646'
GENERIC_DIRS='core vdev drivers lib platform'
EL2_DIRS="$GENERIC_DIRS arch/aarch64 include/keel include/abi"

# Every #include of the C and assembly files under root's source
# directories, as "file:line:target" (target with its <> or "" delimiters).
includes() {
	(cd "$1" && grep -rn --include='*.c' --include='*.h' --include='*.S' \
		-E '^[[:space:]]*#[[:space:]]*include' core vdev drivers lib platform arch include guests tools tests bench 2>/dev/null |
		sed -E 's/^([^:]+:[0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1:\2/')
}

violations=0
report() { # file:line rule target
	echo "$1: $2: #include $3"
	violations=$((violations + 1))
}

# Is path (relative to root) under one of the directories in the list?
under() {
	local path=$1 d
	shift
	for d in "$@"; do
		[[ $path == "$d"/* ]] && return 0
	done
	return 1
}

check_tree() {
	local root=$1 entry loc target name file dir base
	local -A tool_hdr=() guest_hdr=() aarch64_hdr=()

	for f in "$root"/tools/*/*.h; do [ -f "$f" ] && tool_hdr[${f##*/}]=1; done
	for f in "$root"/arch/aarch64/*.h; do [ -f "$f" ] && aarch64_hdr[${f##*/}]=1; done
	while IFS= read -r f; do guest_hdr[${f##*/}]=1; done < <(find "$root/guests" -name '*.h' 2>/dev/null)

	while IFS= read -r entry; do
		loc=${entry%:*}; target=${entry##*:}; file=${loc%:*}; dir=${file%/*}
		name=${target:1:${#target}-2}; base=${name##*/}

		# 5: no "../" anywhere.
		[[ $name == *../* ]] && report "$loc" "climbs with ../" "$target"

		# 1: generic code names only include/keel/arch/*.h of the architecture.
		if under "$file" $GENERIC_DIRS; then
			if [[ $name == *aarch64* ]]; then
				report "$loc" "generic code includes an arch/aarch64 header" "$target"
			elif [[ $target == '<keel/arch/'* ]] && [ ! -f "$root/include/$name" ]; then
				report "$loc" "generic code includes an arch header outside include/keel/arch" "$target"
			elif [[ $target == '"'* ]] && [ ! -f "$root/$dir/$name" ] && [ -n "${aarch64_hdr[$base]:-}" ]; then
				report "$loc" "generic code includes an arch/aarch64 header" "$target"
			fi
		fi

		# 2: vdev/ does not include physical drivers.
		if under "$file" vdev && [[ $name == *keel/drivers/* ]]; then
			report "$loc" "a virtual device includes a physical driver" "$target"
		fi

		# 3: EL2 code does not include host tools.
		if under "$file" $EL2_DIRS; then
			if [[ $name == *tools/* ]] ||
			   { [[ $target == '"'* ]] && [ ! -f "$root/$dir/$name" ] && [ -n "${tool_hdr[$base]:-}" ]; }; then
				report "$loc" "code built for EL2 includes a host tool's header" "$target"
			fi
		fi

		# 4: guests see the ABI, their library and their own headers only.
		if under "$file" guests; then
			if [[ $target =~ ^\<(abi|guest)/ ]] || [[ $target =~ ^\<($FREESTANDING)\.h\>$ ]] ||
			   { [[ $target =~ ^\"[^/]+\"$ ]] && [ -n "${guest_hdr[$name]:-}" ]; }; then
				:
			else
				report "$loc" "a guest includes something other than the ABI or its own headers" "$target"
			fi
		fi
	done < <(includes "$root")
}

# One self-test case: a clean skeleton tree plus file containing line, which
# must fail with file:2 named; "clean" adds nothing and must pass.
self_test_case() {
	local name=$1 file=$2 line=$3 tmp out status ok
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{core,vdev,drivers,lib,platform/b,arch/aarch64,include/keel/arch,include/keel/drivers}
	mkdir -p "$tmp"/{include/abi/keel,tools/keelcfg,guests/lib/include/guest,guests/t}
	touch "$tmp"/arch/aarch64/sysreg.h "$tmp"/include/keel/arch/cpu.h "$tmp"/include/keel/drivers/pl011.h
	touch "$tmp"/include/abi/keel/hypercall.h "$tmp"/tools/keelcfg/model.h "$tmp"/guests/t/own.h
	printf '/* ok */\n#include <keel/arch/cpu.h>\n#include <keel/drivers/pl011.h>\n' > "$tmp"/core/good.c
	printf '/* ok */\n#include <abi/keel/hypercall.h>\n#include <guest/x.h>\n#include "own.h"\n#include <stdint.h>\n' \
		> "$tmp"/guests/t/good.c
	printf '/* ok */\n#include "sysreg.h"\n' > "$tmp"/arch/aarch64/good.c
	[ "$name" = clean ] || { mkdir -p "$(dirname "$tmp/$file")"; printf '/* bad */\n%s\n' "$line" > "$tmp/$file"; }
	out=$(bash "$0" --root "$tmp" 2>&1)
	status=$?
	rm -rf "$tmp"
	if [ "$name" = clean ]; then
		[ $status -eq 0 ] && ok=1 || ok=0
	else
		[ $status -ne 0 ] && grep -q "^$file:2: " <<<"$out" && ok=1 || ok=0
	fi
	if [ $ok -eq 1 ]; then
		echo "PASS: check-layering self-test: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: check-layering self-test: $name (exit $status)"
		echo "$out"
		failed=$((failed + 1))
	fi
}

if [ "${1:-}" = --self-test ]; then
	passed=0 failed=0
	self_test_case clean "" ""
	self_test_case core-includes-aarch64 core/a.c '#include "sysreg.h"'
	self_test_case core-includes-aarch64-path core/b.c '#include <arch/aarch64/sysreg.h>'
	self_test_case driver-includes-aarch64 drivers/c.c '#include <aarch64/sysreg.h>'
	self_test_case vdev-includes-driver vdev/d.c '#include <keel/drivers/pl011.h>'
	self_test_case el2-includes-tool arch/aarch64/e.c '#include "model.h"'
	self_test_case el2-includes-tool-path core/f.c '#include <tools/keelcfg/model.h>'
	self_test_case guest-includes-keel guests/t/g.c '#include <keel/vm.h>'
	self_test_case guest-includes-libc guests/t/h.c '#include <stdio.h>'
	self_test_case dotdot-include tools/keelcfg/i.c '#include "../../include/abi/keel/hypercall.h"'
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
fi

root=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = --root ] && root=$2
check_tree "$root"
if [ $violations -eq 0 ]; then
	echo "PASS: layering of the tree"
	echo "1 passed, 0 failed"
else
	echo "FAIL: layering of the tree: $violations violation(s)"
	echo "0 passed, 1 failed"
	exit 1
fi
