# insn_path.py: count the instructions of one round of a guest loop, per function, EL2 included.
# Used from gdb-multiarch (docs/debugging.md, "Counting a path"). Optional: $stop, a PC that ends
# the round instead of $start (a path from one point to another), and $first, a PC to reach once
# before the warm-up (to get into the right phase of a benchmark). Single-stepping through a WFI
# does not wait in QEMU: start a path after it, at the instruction that follows the WFI.
#   gdb-multiarch -batch -ex "set \$start=0x40000160" -ex "set \$warm=50" -x scripts/insn_path.py build/keel.elf
# with QEMU started halted (scripts/run-qemu.sh --debug). It continues to the guest PC $start
# $warm times (QEMU translates the code), then single-steps one round until $start again and
# prints each function's instruction count and the total. Symbols: Keel's from the ELF given to
# gdb, the guest's from $guest_elf if set (add-symbol-file).
import gdb
from collections import OrderedDict

def conv(name, default):
    try:
        return int(gdb.parse_and_eval(name))
    except gdb.error:
        return default

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote :1234")
# QEMU steps with interrupts and timers off unless told: a path that waits for one needs them.
gdb.execute("maint packet Qqemu.sstep=0x1", to_string=True)
start = conv("$start", None)
stop = conv("$stop", start)
first = conv("$first", None)
warm = conv("$warm", 20)
limit = conv("$limit", 20000)
if first is not None:
    gdb.execute("break *0x%x" % first)
    gdb.execute("continue", to_string=True)
    gdb.execute("delete")
gdb.execute("break *0x%x" % start)
for _ in range(warm):
    gdb.execute("continue", to_string=True)
gdb.execute("delete")
counts = OrderedDict()
trace = []
n = 0
while True:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc"))
    n += 1
    if pc == stop or n >= limit:
        break
    sym = gdb.execute("info symbol 0x%x" % pc, to_string=True).split(" in section")[0].strip()
    sym = sym.split(" + ")[0] if "No symbol" not in sym else "0x%x" % pc
    counts[sym] = counts.get(sym, 0) + 1
    trace.append((pc, sym))
for sym, c in counts.items():
    print("%6d  %s" % (c, sym))
print("%6d  total instructions in one round" % n)
import os
if os.environ.get("INSN_TRACE"):
    with open(os.environ["INSN_TRACE"], "w") as f:
        for pc, sym in trace:
            f.write("0x%x %s\n" % (pc, sym))
gdb.execute("kill")
