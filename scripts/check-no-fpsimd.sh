#!/usr/bin/env bash
# Fails if the EL2 image uses FP/SIMD registers anywhere but in
# arch_fpsimd_save/arch_fpsimd_restore: such code would corrupt the FP state
# of whichever guest's registers are loaded (they are switched lazily).
set -euo pipefail
elf=$1
objdump=${OBJDUMP:-aarch64-linux-gnu-objdump}
# An operand that names a SIMD/FP register: v0.8b, q1, d0, s31, h2, b0.
bad=$("$objdump" -d --no-show-raw-insn "$elf" | awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; next }
	fn == "<arch_fpsimd_save>:" || fn == "<arch_fpsimd_restore>:" { next }
	{
		n = split($0, f, "\t")
		if (n < 3) next
		ops = f[3]
		if (ops ~ /(^|[ ,{\[])[vqdshb][0-9]+([.,} \]]|$)/) print fn " " f[2] " " ops
	}' | head -n 5)
if [ -n "$bad" ]; then
	echo "check-no-fpsimd: $elf uses FP/SIMD registers outside arch_fpsimd_save/restore:" >&2
	echo "$bad" >&2
	exit 1
fi
