#!/usr/bin/env bash
# Rebuilds the committed libFuzzer corpus, tests/fuzz/corpus/<target> (make fuzz-corpus):
#   keelcfg   every configs/**/*.dts and tests/config/*.dts that dtc compiles, as a DTB;
#   srcmap    dtc's annotated source of the same ("dtc -O dts -T -T");
#   blob      the keel.cfg keelcfg writes for each one it accepts (with cfgfuzz.py's
#             dummy images, so every configuration that should compile does);
#   analysis  no seeds of its own (the input is a byte encoding);
# together with the corpus already committed and what `make fuzz` grew in
# build/fuzz/lf/<target>, minimised with -merge=1 (the smallest set with the same
# coverage; -use_counters=0 counts edges, not how often each runs, which keeps the
# committed corpus small). Run from anywhere; needs the targets built (make lf-tools fuzz-tools).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
seeds=$BUILD/fuzz/lf-seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{keelcfg,srcmap,blob,analysis}

shopt -s globstar nullglob
configs=(configs/**/*.dts tests/config/*.dts)
for c in "${configs[@]}"; do
	n=$(echo "$c" | tr / _)
	dtc -q -I dts -O dtb -o "$seeds/keelcfg/$n.dtb" "$c" 2>/dev/null || rm -f "$seeds/keelcfg/$n.dtb"
	dtc -q -I dts -O dts -T -T -o "$seeds/srcmap/$n.txt" "$c" 2>/dev/null || rm -f "$seeds/srcmap/$n.txt"
done
root=$(python3 -c 'import sys; sys.path.insert(0, "tests/fuzz"); import cfgfuzz
print(cfgfuzz.make_root(sys.argv[1], sys.argv[2:]))' "$seeds" "${configs[@]}")
keelcfg=$PWD/$BUILD/tools/keelcfg
for c in "${configs[@]}"; do
	n=$(echo "$c" | tr / _)
	if (cd "$root" && "$keelcfg" --out "$OLDPWD/$seeds/out" "$OLDPWD/$c") >/dev/null 2>&1; then
		cp "$seeds/out/keel.cfg" "$seeds/blob/$n.cfg"
	fi
	rm -rf "$seeds/out"
done

for t in keelcfg srcmap analysis blob; do
	new=$BUILD/fuzz/lf-merge/$t
	rm -rf "$new" && mkdir -p "$new" "$BUILD/fuzz/lf/$t" "tests/fuzz/corpus/$t"
	nice "$BUILD/fuzz/lf-$t" -merge=1 -use_counters=0 -timeout=25 "$new" "tests/fuzz/corpus/$t" "$BUILD/fuzz/lf/$t" \
		"$seeds/$t" >"$BUILD/fuzz/lf-merge/$t.log" 2>&1
	rm -rf "tests/fuzz/corpus/$t" && mv "$new" "tests/fuzz/corpus/$t"
	echo "$t: $(ls "tests/fuzz/corpus/$t" | wc -l) inputs, $(du -sk "tests/fuzz/corpus/$t" | cut -f1) KiB" \
		"(from $(ls "$seeds/$t" | wc -l) seeds)"
done
