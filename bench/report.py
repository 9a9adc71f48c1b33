"""The report of make bench: tables of medians and ratios, the issue's goals,
the memory section and the chart (build/bench/results.md, results.png).

bench/run.py collects the boots; this module only reads what it collected
(Bench.boots, Bench.hv, Bench.unavailable) and writes the files.
"""
import os
import platform
import shutil
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
# The systems of the main table, in its order: keel and xen on machines
# matched to native's; keel+nb is Keel with the ticker VM beside Linux.
SYSTEMS = ("native", "keel", "keel+nb", "xen")
SHORT = {"native": "n", "keel": "k", "keel+nb": "k+nb", "xen": "x"}


def log(msg):
    print("bench: " + msg, flush=True)


def path(*parts):
    return os.path.join(ROOT, *parts)


# The goals of the benchmark issue. Linux rows compare keel/native on the
# nokaslr variant (the cost of virtualization alone); "vs-xen" rows compare
# with Xen's ratio on the same variant. Goals are reported, never asserted.
LOW_OVERHEAD = ("null_syscall", "read_zero", "write_null", "pipe_lat", "pipe_bw",
                "mem_read", "mem_write", "mem_copy")
MEDIUM_OVERHEAD = ("ctx_2", "ctx_8", "ctx_16", "fork_exit", "fork_exec", "page_fault")
GOALS = [
    ("keel/native at most 1.02 for system calls, read/write, pipe and memory bandwidth",
     "ratio-max", "nokaslr", LOW_OVERHEAD, 1.02),
    ("keel/native at most 1.10 for context switch, fork, exec and page faults",
     "ratio-max", "nokaslr", MEDIUM_OVERHEAD, 1.10),
    ("every row at or below Xen's ratio (nokaslr)", "vs-xen", "nokaslr", None, 0.0),
    ("standby at 20 ms (keel-sb20, --standby): keel-sb20/keel at most 1.05 for system calls, read/write, pipe "
     "and memory bandwidth", "sb-ratio-max", "nokaslr", LOW_OVERHEAD, 1.05),
    ("every row at or below Xen's ratio (default command line)", "vs-xen", "default", None, 0.0),
    ("Linux boot to init under Keel at most 1.05x native on matched machines (issue 13, 6)", "ratio-max",
     "default", ("boot_to_init",), 1.05),
    ("the same with the ticker VM beside Linux (keel+nb/native, issue 13, 6)", "nb-ratio-max",
     "default", ("boot_to_init",), 1.05),
    ("null hypercall round trip under 250 instructions (-icount)", "hv-insns-max", "icount",
     ("hypercall_null",), 250),
    ("trapped MMIO read under 250 instructions (-icount)", "hv-insns-max", "icount", ("mmio_read",), 250),
    ("virtual timer interrupt latency under 2x bare QEMU (-icount)", "hv-vs-native", "icount",
     ("timer_latency",), 2.0),
    # IPC and channels (bench-ipc, issue 9): judged within each bench-ipc boot.
    ("IPC call+reply on one CPU at most 500 instructions, Keel's whole path and the guests' loops "
     "included (-icount)", "ipc-insns-max", "icount", ("ipc_call_same_cpu",), 500),
    ("doorbell latency at most 2x the null hypercall of the same boot (-icount)", "ipc-ratio-max", "icount",
     ("doorbell_latency", "hypercall_null"), 2.0),
    ("channel throughput at least 0.5x the same guest's memcpy (-icount)", "ipc-ratio-min", "icount",
     ("channel_throughput", "guest_memcpy"), 0.5),
    ("channel throughput at least 0.5x the same guest's memcpy (wall clock)", "ipc-ratio-min", "wall",
     ("channel_throughput", "guest_memcpy"), 0.5),
]

# bench-ipc's rows in the hv table, in this order, then two ratios of the same
# boot's medians (row name, numerator, denominator).
IPC_METRICS = ("ipc_call_same_cpu", "ipc_call_cross_cpu", "ipc_send", "doorbell_latency", "hypercall_null",
               "channel_throughput", "guest_memcpy")
IPC_RATIOS = (("doorbell_latency / hypercall_null", "doorbell_latency", "hypercall_null"),
              ("channel_throughput / guest_memcpy", "channel_throughput", "guest_memcpy"))


def summary(values):
    """Median, min, max and spread ((max-min)/median) of per-boot medians."""
    if not values:
        return None
    med = statistics.median(values)
    lo, hi = min(values), max(values)
    return {"median": med, "min": lo, "max": hi, "n": len(values),
            "spread": (hi - lo) / med if med else 0.0}


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    return f"{v:.3f}"


def best(unit, s):
    """The best round of a summary: the highest MB/s, else the lowest figure."""
    return s["max"] if unit == "MB/s" else s["min"]


def ratio(unit, base, other, which="median"):
    """>1 means slower than native, whatever the unit. which: "median" takes
    the median rounds, "best" each system's best round (the least touched
    by the host's slow stretches)."""
    if base is None or other is None:
        return None
    b, o = (x["median"] if which == "median" else best(unit, x) for x in (base, other))
    if not b or not o:
        return None
    return b / o if unit == "MB/s" else o / b


def cell(unit, s):
    """A system's median and, when there were several rounds, its best: "12.3 (11.9)"."""
    if not s:
        return "n/a"
    return fmt(s["median"]) + (f" ({fmt(best(unit, s))})" if s["n"] > 1 else "")


def ratio_cell(unit, base, other):
    """A ratio of medians and, beside it, the ratio of best rounds."""
    rm = ratio(unit, base, other)
    if rm is None:
        return "n/a"
    if base["n"] > 1 or other["n"] > 1:
        return f"{fmt(rm)} ({fmt(ratio(unit, base, other, 'best'))})"
    return fmt(rm)


def collect(boots, mode, variant):
    """metric -> (unit, {system: summary})."""
    table = {}
    for b in boots:
        if b["mode"] != mode or b["variant"] != variant or not b["ok"]:
            continue
        for name, m in b["metrics"].items():
            unit, per = table.setdefault(name, (m["unit"], {}))
            per.setdefault(b["system"], []).append(m["median"])
    order = ["boot_to_init", "kernel_to_init"]
    names = sorted(table, key=lambda n: (n in order, order.index(n) if n in order else 0, n))
    return {n: (table[n][0], {s: summary(v) for s, v in table[n][1].items()}) for n in names}


def standby_systems(bench):
    """The keel-sbMS systems of this run, by interval."""
    return sorted((s for s in bench.systems if s.startswith("keel-sb")), key=lambda s: int(s[7:]))


def suite_range(boots, mode, variant, system, name):
    """The lowest min and highest max the suite printed for one metric over a system's boots."""
    lo = [b["metrics"][name]["min"] for b in boots if b["mode"] == mode and b["variant"] == variant and
          b["ok"] and b["system"] == system and b["metrics"].get(name, {}).get("min") is not None]
    hi = [b["metrics"][name]["max"] for b in boots if b["mode"] == mode and b["variant"] == variant and
          b["ok"] and b["system"] == system and b["metrics"].get(name, {}).get("max") is not None]
    return (min(lo), max(hi)) if lo and hi else None


def pause_buckets(checkpoints):
    """(pages label, count, median pause, median copy, max pause) per range of pages copied."""
    edges = [(0, 0, "0"), (1, 99, "1-99"), (100, 999, "100-999"), (1000, 9999, "1000-9999"),
             (10000, 10 ** 9, ">= 10000")]
    out = []
    for lo, hi, label in edges:
        sel = [c for c in checkpoints if lo <= c[1] <= hi]
        if sel:
            out.append((label, len(sel), statistics.median(c[1] for c in sel),
                        statistics.median(c[2] for c in sel), statistics.median(c[3] for c in sel),
                        max(c[2] for c in sel)))
    return out


def qemu_version():
    try:
        out = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Report:
    def __init__(self, bench, modes, variants, started):
        self.b, self.modes, self.variants, self.started = bench, modes, variants, started
        self.main = [s for s in SYSTEMS if s in bench.systems]  # the main table's systems
        self.lines = []
        self.tables = {}

    def w(self, s=""):
        self.lines.append(s)

    def header(self):
        a = self.b.args
        self.w("# Keel benchmarks")
        self.w()
        self.w(f"- date: {self.started.strftime('%Y-%m-%d %H:%M:%S %Z').strip()}, "
               f"{(time.time() - self.started.timestamp()) / 60:.1f} minutes")
        self.w(f"- QEMU: {qemu_version()}")
        un = platform.uname()
        self.w(f"- host: {un.system} {un.release} {un.machine}, {cpu_model()}, {os.cpu_count()} CPUs")
        sbs = standby_systems(self.b)
        self.w(f"- rounds: {a.rounds} (icount: {min(a.rounds, a.icount_rounds)}), interleaved "
               f"{', '.join(self.main + sbs)}; "
               f"modes: {', '.join(self.modes)}; variants: {', '.join(self.variants)}; "
               f"keelbench={a.bench_args or '(none)'} (icount: {a.icount_bench_args or '(none)'})")
        versions = path(BUILD, "linux", "versions.txt")
        if os.path.isfile(versions):
            used = [l.split("->")[1].strip() for l in open(versions) if "->" in l and not l.startswith("#")]
            self.w(f"- Linux guest: {', '.join(used)}")
        xv = path(BUILD, "bench", "xen-version.txt")
        if "xen" in self.b.unavailable:
            self.w(f"- **xen: unavailable ({self.b.unavailable['xen']})**")
        elif os.path.isfile(xv):
            used = [l.split("->")[1].strip() for l in open(xv) if "->" in l and not l.startswith("#")]
            self.w(f"- Xen: {', '.join(used)}")
        self.w("- machines (QEMU virt, cortex-a57, GICv3), Linux with 2 (v)CPUs and 512 MiB in each: "
               "native `-smp 2 -m 512`; keel `-smp 2 -m 1024`, Linux alone (configs/bench/linux-alone.dts); "
               "xen `-smp 2 -m 1024` (`-smp 1` under icount: Xen 4.17 hangs at boot there with 2), dom0; "
               "keel+nb `-smp 4 -m 2048`, Linux on CPUs 0-1 and the ticker VM on CPU 2 "
               "(configs/bench/linux.dts, Keel with a neighbour)")
        if sbs:
            self.w("- standby systems: keel (Linux alone; `-smp 2 -m 2048`, room for the standby copy) with "
                   "`standby { interval-ms = <MS>; "
                   "detectors = \"abort\"; console-output = \"immediate\"; }` added to the linux VM, nothing "
                   "else changed")
        begins = sorted({b["begin"] for b in self.b.boots if b.get("begin")})
        if begins:
            self.w(f"- suite: {'; '.join(begins)}")
        failed = [b for b in self.b.boots + self.b.hv + self.b.ipc if not b["ok"]]
        self.w(f"- boots: {len(self.b.boots) + len(self.b.hv) + len(self.b.ipc)}, failed: {len(failed)}")
        for f in failed:
            what = f.get("variant", "hv")
            self.w(f"  - round {f['round']} {f['mode']} {what} {f['system']}: {f['reason']} ({f['log']})")
        self.w()
        self.w("Values are medians over rounds of each boot's median, with the best round in brackets "
               "(the lowest figure, or the highest MB/s); ratios are oriented so that >1 means slower than "
               "native (for MB/s, native/system), the ratio of the best rounds in brackets: this host has "
               "slow stretches that hit whole boots, which the best rounds are least touched by. spread = "
               "(max-min)/median over rounds, per system. boot_to_init: host seconds from QEMU's start to `KEEL-LINUX-UP` "
               "(wall clock only); kernel_to_init: the guest's own clock at `Run /init` (Linux's boot alone). "
               "See docs/benchmarks.md for what these mean under emulation.")
        self.w()

    def linux_tables(self):
        for mode in self.modes:
            for variant in self.variants:
                rows = collect(self.b.boots, mode, variant)
                self.tables[(mode, variant)] = rows
                cl = self.b.cmdline("native", variant, mode)
                self.w(f"## Linux, {'wall clock' if mode == 'wall' else '-icount shift=0'}, "
                       f"variant {variant}")
                self.w()
                self.w(f"Command line: `{cl}` (console=hvc0 under Xen)")
                self.w()
                if not rows:
                    self.w("No successful boot.")
                    self.w()
                    continue
                others = [s for s in self.main if s != "native"]
                self.w(f"| metric | unit | {' | '.join(self.main)} | {' | '.join(s + '/native' for s in others)} "
                       f"| spread {'/'.join(SHORT[s] for s in self.main)} |")
                self.w("|---|---|" + "---|" * (len(self.main) + len(others) + 1))
                for name, (unit, per) in rows.items():
                    vals = [cell(unit, per.get(s)) for s in self.main]
                    ratios = [ratio_cell(unit, per.get("native"), per.get(s)) for s in others]
                    spread = "/".join(f"{per[s]['spread'] * 100:.0f}" if per.get(s) and per[s]["n"] > 1 else "-"
                                      for s in self.main)
                    self.w(f"| {name} | {unit} | {' | '.join(vals)} | {' | '.join(ratios)} | {spread}% |")
                self.w()
                self.standby_table(mode, variant, rows)

    def standby_table(self, mode, variant, rows):
        """Keel with standby against plain Keel (and native), the same boots' medians."""
        sbs = standby_systems(self.b)
        if not sbs or not rows:
            return
        short = [s[len("keel-"):] for s in sbs]
        self.w(f"### Standby, {'wall clock' if mode == 'wall' else '-icount shift=0'}, variant {variant}")
        self.w()
        self.w("Ratios >1 are slower than plain Keel (or native); `*` marks the rows of the 5% goal at 20 ms. "
               "range: the lowest min and highest max sample the suite printed over the boots, per standby system.")
        self.w()
        self.w(f"| metric | unit | keel | {' | '.join(short)} | {' | '.join(s + '/keel' for s in short)} | "
               f"{' | '.join(s + '/native' for s in short)} | range {' / '.join(short)} | "
               f"spread k/{'/'.join(short)} |")
        self.w("|---|---|---|" + "---|" * (3 * len(sbs) + 2))
        for name, (unit, per) in rows.items():
            vals = [fmt(per[s]["median"]) if per.get(s) else "n/a" for s in ["keel"] + sbs]
            vk = [fmt(ratio(unit, per.get("keel"), per.get(s))) for s in sbs]
            vn = [fmt(ratio(unit, per.get("native"), per.get(s))) for s in sbs]
            rng = [suite_range(self.b.boots, mode, variant, s, name) for s in sbs]
            rng = " / ".join(f"{fmt(r[0])}-{fmt(r[1])}" if r else "-" for r in rng)
            spread = "/".join(f"{per[s]['spread'] * 100:.0f}" if per.get(s) and per[s]["n"] > 1 else "-"
                              for s in ["keel"] + sbs)
            mark = "*" if name in LOW_OVERHEAD else ""
            self.w(f"| {name}{mark} | {unit} | {' | '.join(vals)} | {' | '.join(vk)} | {' | '.join(vn)} | {rng} | "
                   f"{spread}% |")
        self.w()

    def checkpoint_section(self):
        """Keel's checkpoint lines and statistics from the standby boots' consoles."""
        sbs = standby_systems(self.b)
        if not sbs:
            return
        self.w("## Standby checkpoints (Keel's log)")
        self.w()
        self.w("From each standby boot's console: the statistics line Keel prints at the VM's power-off, and "
               "the checkpoint lines it prints for the first 5 and every 100th checkpoint "
               "(`checkpoint #N: P pages copied, pause X us (copy Y us)`).")
        self.w()
        self.w("| system | mode | boots | checkpoints | pages copied | pages per checkpoint | worst pause us | "
               "failovers |")
        self.w("|---|---|---|---|---|---|---|---|")
        for s in sbs:
            for mode in self.modes:
                boots = [b for b in self.b.boots if b["system"] == s and b["mode"] == mode and b.get("standby")]
                stats = [b["standby"]["stats"] for b in boots if b["standby"]["stats"]]
                fails = sum(len(b["standby"]["failovers"]) for b in boots)
                if not boots:
                    continue
                if not stats:
                    self.w(f"| {s} | {mode} | {len(boots)} | no statistics line | | | | {fails} logged |")
                    continue
                n = sum(x["checkpoints"] for x in stats)
                pages = sum(x["pages"] for x in stats)
                self.w(f"| {s} | {mode} | {len(boots)} ({len(stats)} with statistics) | {n} | {pages} | "
                       f"{pages / n if n else 0:.0f} | {max(x['worst_pause_us'] for x in stats)} | "
                       f"{sum(x['failovers'] for x in stats)} |")
        self.w()
        for mode in self.modes:
            cps = [c for b in self.b.boots if b["mode"] == mode and b.get("standby") and b["system"] in sbs
                   for c in b["standby"]["checkpoints"]]
            if not cps:
                continue
            self.w(f"Pause against pages copied, {'wall clock' if mode == 'wall' else '-icount shift=0'} "
                   f"({len(cps)} logged checkpoints of every standby boot; us of "
                   f"{'host time' if mode == 'wall' else 'virtual time, one instruction per ns'}):")
            self.w()
            self.w("| pages copied | checkpoints | median pages | median pause us | median copy us | max pause us |")
            self.w("|---|---|---|---|---|---|")
            for label, n, pages, pause, copy, worst in pause_buckets(cps):
                self.w(f"| {label} | {n} | {pages:.0f} | {pause:.0f} | {copy:.0f} | {worst} |")
            self.w()

    def hv_section(self):
        self.w("## Hypervisor microbenchmarks (bench-hv)")
        self.w()
        if self.b.hv_reason:
            self.w(f"Not run: {self.b.hv_reason}.")
            self.w()
            return
        self.w("CNTVCT ticks (62.5 MHz) converted: x16 = ns of virtual time in wall-clock mode, "
               "x16 = guest instructions under -icount shift=0. Natively the guest runs at EL1 "
               "without a hypervisor. Rows marked (bench-ipc) come from their own boot under Keel "
               "(configs/bench/ipc.dts; there is no IPC without Keel); its MB/s rows show ticks per KiB "
               "moved (MB/s = 64000 / ticks; under -icount, MB per second of virtual time at one "
               "instruction per ns), and its ratios are taken within each boot (docs/benchmarks-hv.md).")
        self.w()
        for mode in self.modes:
            per = {}
            for r in self.b.hv:
                if r["mode"] != mode or not r["ok"]:
                    continue
                for name, m in r["metrics"].items():
                    per.setdefault(name, {}).setdefault(r["system"], []).append(m)
            self.w(f"### {'wall clock' if mode == 'wall' else '-icount shift=0'}")
            self.w()
            if not per:
                self.w("No successful boot.")
                self.w()
                continue
            unit = "insns" if mode == "icount" else "ns"
            self.w(f"| metric | unit | native | keel | keel ticks | keel spread |")
            self.w("|---|---|---|---|---|---|")
            for name, sys_vals in sorted(per.items()):
                self.hv_row(name, unit, sys_vals)
            self.ipc_rows(mode, unit)
            self.w()

    def hv_row(self, name, unit, sys_vals):
        n, k, ticks = (summary([m[key] for m in sys_vals.get(s, []) if m])
                       for s, key in (("native", "median"), ("keel", "median"), ("keel", "ticks")))
        med = lambda x: fmt(x["median"]) if x else "n/a"
        spread = f"{k['spread'] * 100:.0f}%" if k and k["n"] > 1 else "-"
        self.w(f"| {name} | {unit} | {med(n)} | {med(k)} | {med(ticks)} | {spread} |")

    def ipc_rows(self, mode, unit):
        """bench-ipc's metrics (Keel only: "ticks" is per KiB for the MB/s rows), then its ratios."""
        if self.b.ipc_reason:
            self.w(f"| bench-ipc | | not run: {self.b.ipc_reason} | | | |")
            return
        boots = [r for r in self.b.ipc if r["mode"] == mode and r["ok"]]
        if not boots:
            self.w("| bench-ipc | | no successful boot | | | |")
            return
        for name in IPC_METRICS:
            vals = [r["metrics"][name] for r in boots if r["metrics"].get(name)]
            u = vals[0]["unit"] if vals else unit
            self.hv_row(f"{name} (bench-ipc)", u, {"keel": vals})
        for label, a, b in IPC_RATIOS:
            r = summary(self.ipc_ratios(mode, a, b))
            spread = f"{r['spread'] * 100:.0f}%" if r and r["n"] > 1 else "-"
            self.w(f"| {label} (bench-ipc) | ratio | - | {fmt(r['median']) if r else 'n/a'} | - | {spread} |")

    def ipc_ratios(self, mode, a, b):
        """Per successful bench-ipc boot of mode: the median of a over the median of b."""
        out = []
        for r in self.b.ipc:
            ma, mb = r["metrics"].get(a), r["metrics"].get(b)
            if r["mode"] == mode and r["ok"] and ma and mb and ma["median"] and mb["median"]:
                out.append(ma["median"] / mb["median"])
        return out

    def memtotal(self, system, variant="default"):
        vals = [b["mem"]["MemTotal"] for b in self.b.boots
                if b["system"] == system and b["variant"] == variant and "MemTotal" in b["mem"]]
        return statistics.median(vals) if vals else None

    def memory_section(self):
        self.w("## Memory")
        self.w()
        km = sorted({b["keel_memory"] for b in self.b.boots if b.get("keel_memory")})
        for line in km:
            self.w(f"- Keel at boot: `{line}`")
        self.w()
        self.w(f"| Linux (2 vCPUs, 512 MiB) | {' | '.join(self.main)} |")
        self.w("|---|" + "---|" * len(self.main))
        for key in ("MemTotal", "MemFree"):
            cells = []
            for s in self.main:
                vals = [b["mem"][key] for b in self.b.boots if b["system"] == s and key in b["mem"]]
                cells.append(f"{statistics.median(vals):.0f} kB" if vals else "n/a")
            if any(c != "n/a" for c in cells):
                self.w(f"| {key} | {' | '.join(cells)} |")
        self.w()
        self.w("MemTotal from the `KEEL-LINUX-UP` line /init prints; MemFree only when the suite prints a "
               "`KBENCH-MEM MemTotal: N kB MemFree: N kB` line.")
        self.w()

    def goals_section(self):
        self.w("## Goals")
        self.w()
        for desc, kind, variant, metric, limit in GOALS:
            verdict, detail = self.check_goal(kind, variant, metric, limit)
            self.w(f"- **{verdict}**: {desc}. {detail}")
        self.w()

    def hv_medians(self, mode, name, system, key="median"):
        vals = [r["metrics"][name][key] for r in self.b.hv
                if r["mode"] == mode and r["ok"] and r["system"] == system
                and r["metrics"].get(name) and r["metrics"][name].get(key) is not None]
        return statistics.median(vals) if vals else None

    def check_hv_goal(self, kind, mode, names, limit):
        checks = []
        for name in names:
            k = self.hv_medians(mode, name, "keel")
            if kind == "hv-insns-max" and k is not None:
                checks.append((k <= limit, f"{name} {fmt(k)} instructions"))
            elif kind == "hv-vs-native":
                n = self.hv_medians(mode, name, "native")
                if k is not None and n:
                    checks.append((k <= limit * n, f"{name} keel {fmt(k)} vs bare {fmt(n)} ({fmt(k / n)}x)"))
        if not checks:
            return "not measured", ""
        missed = [d for ok, d in checks if not ok]
        return ("missed", "Missed: " + ", ".join(missed) + ".") if missed else \
            ("met", ", ".join(d for _, d in checks) + ".")

    def check_ipc_goal(self, kind, mode, names, limit):
        if kind == "ipc-insns-max":
            vals = [r["metrics"][names[0]]["median"] for r in self.b.ipc
                    if r["mode"] == mode and r["ok"] and r["metrics"].get(names[0])]
            if not vals:
                return "not measured", ""
            k = statistics.median(vals)
            return ("met" if k <= limit else "missed"), f"{names[0]} {fmt(k)} instructions (limit {limit})."
        ratios = self.ipc_ratios(mode, *names)
        if not ratios:
            return "not measured", ""
        r = statistics.median(ratios)
        ok = r <= limit if kind == "ipc-ratio-max" else r >= limit
        return ("met" if ok else "missed"), f"{names[0]} / {names[1]} = {fmt(r)} (limit {limit})."

    def check_goal(self, kind, variant, metric, limit):
        if kind.startswith("ipc-"):
            return self.check_ipc_goal(kind, variant, metric, limit)
        if kind.startswith("hv-"):
            return self.check_hv_goal(kind, variant, metric, limit)
        rows = self.tables.get(("wall", variant))
        if kind == "memtotal-min":
            n, k = self.memtotal("native", variant), self.memtotal("keel", variant)
            if n is None or k is None:
                return "not measured", ""
            return ("met" if k >= limit * n else "missed"), f"keel {k:.0f} kB, native {n:.0f} kB."
        if kind == "mem-max":
            return "not measured", ""
        if not rows:
            return "not measured", f"(no wall-clock {variant} run)"
        checks = [c for name, (unit, per) in rows.items() if metric is None or name in metric
                  for c in [self.row_check(kind, name, unit, per, limit)] if c]
        if not checks:
            return "not measured", ""
        missed = [d for ok, d in checks if not ok]
        if missed:
            return "missed", "Missed on: " + ", ".join(missed) + "."
        return "met", ", ".join(d for _, d in checks) + "."

    @staticmethod
    def row_check(kind, name, unit, per, limit):
        """(met, detail) for one row of a wall-clock table, or None when not
        measured. Judged on the medians; the best rounds' figure follows in
        brackets."""
        def both(base, other):
            rm = ratio(unit, per.get(base), per.get(other))
            return rm, ratio(unit, per.get(base), per.get(other), "best")
        if kind in ("ratio-max", "nb-ratio-max"):
            rm, rb = both("native", "keel" if kind == "ratio-max" else "keel+nb")
            return None if rm is None else (rm <= limit, f"{name} {fmt(rm)}" + (f" (best {fmt(rb)})" if rb != rm else ""))
        if kind == "vs-xen":
            (rk, kb), (rx, xb) = both("native", "keel"), both("native", "xen")
            if rk is None or rx is None:
                return None
            bests = f" (best {fmt(kb)} vs {fmt(xb)})" if (kb, xb) != (rk, rx) else ""
            return rk <= rx + limit, f"{name} keel {fmt(rk)} vs xen {fmt(rx)}{bests}"
        if kind == "sb-ratio-max":
            rs, _ = both("keel", "keel-sb20")
            return None if rs is None else (rs <= limit, f"{name} {fmt(rs)}")
        return None

    def boot_section(self):
        """Boot to init per system (wall clock), median and best round, the
        ratios to native: issue 13's boot goal is judged on matched machines."""
        rows = [(v, self.tables.get(("wall", v), {})) for v in self.variants]
        if not any(r.get("boot_to_init") for _, r in rows):
            return
        self.w("## Boot to init (wall clock)")
        self.w()
        self.w("Host seconds from QEMU's start to `KEEL-LINUX-UP` (hypervisor boot included), median over "
               "rounds (best round); keel, xen and native on 2-CPU machines, keel+nb on 4 CPUs with the "
               "ticker VM. kernel_to_init: Linux's own clock at `Run /init`, ms.")
        self.w()
        self.w("| variant | system | boot_to_init s | /native | kernel_to_init ms | /native |")
        self.w("|---|---|---|---|---|---|")
        for v, r in rows:
            bt, kt = r.get("boot_to_init"), r.get("kernel_to_init")
            for s in self.main:
                b = cell("s", bt[1].get(s)) if bt else "n/a"
                k = cell("ms", kt[1].get(s)) if kt else "n/a"
                rb = ratio_cell("s", bt[1].get("native"), bt[1].get(s)) if bt and s != "native" else "-"
                rk = ratio_cell("ms", kt[1].get("native"), kt[1].get(s)) if kt and s != "native" else "-"
                self.w(f"| {v} | {s} | {b} | {rb} | {k} | {rk} |")
        self.w()

    def write(self, out):
        self.header()
        self.linux_tables()
        self.boot_section()
        self.checkpoint_section()
        self.hv_section()
        self.memory_section()
        self.goals_section()
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(self.lines))


def plot(bench, rows, out_png):
    """Bar chart of keel/native, keel+nb/native and xen/native (wall clock,
    default variant, medians)."""
    if not rows:
        log("no wall-clock default-variant results: no chart")
        return
    if shutil.which("gnuplot") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            log("installing gnuplot-nox for the chart")
            subprocess.run(["apt-get", "install", "-y", "-qq", "gnuplot-nox"],
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                           stdout=subprocess.DEVNULL)
        if shutil.which("gnuplot") is None:
            log("gnuplot not found: no chart. Install it as root with: apt-get install -y gnuplot-nox")
            return
    dat = os.path.join(bench.out, "results-plot.dat")
    with open(dat, "w", encoding="utf-8") as f:
        f.write("# metric keel/native keel+nb/native xen/native\n")
        for name, (unit, per) in rows.items():
            rs = [ratio(unit, per.get("native"), per.get(s)) for s in ("keel", "keel+nb", "xen")]
            f.write(name + "".join(f" {r if r is not None else 'NaN'}" for r in rs) + "\n")
    title = "Linux under Keel and Xen, relative to native QEMU (wall clock, default variant; >1 is slower)"
    r = subprocess.run(["gnuplot", "-e", f"datafile='{dat}'; outfile='{out_png}'; charttitle='{title}'",
                        path("bench", "plot.gp")], capture_output=True, text=True)
    if r.returncode != 0:
        log("gnuplot failed: " + r.stderr.strip())
    else:
        log(f"wrote {os.path.relpath(out_png, ROOT)}")


