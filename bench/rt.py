#!/usr/bin/env python3
"""Real-time guest latency under each scheduling policy (make bench).

Boots three systems under -icount shift=0,sleep=off (deterministic time), each
with the real-time executive rtexec on physical CPU 1 running the same task
set (configs/bench/rt-*.dts):
  alone   rtexec alone on a static CPU (no scheduling timer at all)
  fp      fixed priority: rtexec a deferrable server, a loaded Linux vCPU in the background
  tt      time table: rtexec and the loaded Linux vCPU in fixed windows
It reads the guest's last "KRT latency us min mean p99 max samples" line
(timer interrupt latency: programmed deadline to handler) and its
"rtexec: total jobs J misses M" line, and Keel's worst scheduling event, and
appends a section to build/bench/results.md (or prints it with --print).
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from qemu_console import Console, stop_on_signals  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
SYSTEMS = [("alone", "alone on a static CPU"),
           ("fp", "fixed priority, loaded Linux beside it"),
           ("tt", "time table, loaded Linux beside it")]
KRT_RE = re.compile(r"KRT latency us ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)")
TOTAL_RE = re.compile(r"rtexec: total jobs (\d+) misses (\d+)")
EVENT_RE = re.compile(r"worst event-to-entry (\d+) ns")


def keelcfg(name):
    """Compiles configs/bench/NAME.dts; returns the configuration directory."""
    cfg = os.path.join(BUILD, "bench", "cfg", name)
    subprocess.run([os.path.join(BUILD, "tools", "keelcfg"), "--out", cfg,
                    os.path.join("configs", "bench", f"{name}.dts")], cwd=ROOT, check=True)
    return cfg


def boot(cfg, log_name, done, timeout, icount=True):
    """Boots Keel with cfg until a console line satisfies done (or QEMU
    exits, or timeout seconds pass); returns the console's text."""
    log_path = os.path.join(ROOT, BUILD, "bench", "logs", log_name)
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    extra = ["--", "-icount", "shift=0,sleep=off"] if icount else []
    con = Console(["bash", "scripts/run-qemu.sh", cfg] + extra, log_path, stdin=False)
    try:
        con.wait_line(done, time.monotonic() + timeout)
    finally:
        con.stop()
    return con.snapshot()


def run(name, timeout):
    log_path = os.path.join(ROOT, BUILD, "bench", "logs", f"rt-{name}.log")
    text = boot(keelcfg("rt-" + name), f"rt-{name}.log", lambda l: "stats: vm rtos" in l, timeout)
    krt, total, event = KRT_RE.findall(text), TOTAL_RE.findall(text), EVENT_RE.findall(text)
    return {"latency": [float(x) for x in krt[-1]] if krt else None,
            "jobs": tuple(int(x) for x in total[-1]) if total else None,
            "event_ns": int(event[-1]) if event else None,
            "log": os.path.relpath(log_path, ROOT)}


SWITCH_RE = re.compile(r"KHV vm_switch ticks ([\d.]+) ([\d.]+) ([\d.]+) (\d+)")


def run_switch(icount, timeout=120):
    """VM switch cost: two VMs taking turns on CPU 1 (configs/bench/switch.dts).
    The partner VM runs on after the measuring VM's KHV-END: stop there."""
    out = boot(keelcfg("switch"), f"switch-{'icount' if icount else 'wall'}.log", lambda l: "KHV-END" in l,
               timeout, icount)
    m = SWITCH_RE.findall(out)
    return [float(x) for x in m[-1]] if m else None


def switch_section(wall, icount):
    lines = ["## Switching between two VMs on one CPU (bench-switch)", "",
             "Two VMs on CPU 1 take turns on every KEEL_HC_YIELD; one switch includes the "
             "yield's trap. Median (min-max) of 9 samples of 400 switches.", "",
             "| mode | per switch |", "|---|---|"]
    if wall:
        lines.append(f"| wall clock | {wall[0] * 16 / 1000:.2f} us ({wall[1] * 16 / 1000:.2f}-"
                     f"{wall[2] * 16 / 1000:.2f}) |")
    else:
        lines.append("| wall clock | no result |")
    if icount:
        lines.append(f"| -icount shift=0 | {icount[0] * 16:.0f} instructions |")
    else:
        lines.append("| -icount shift=0 | no result |")
    return "\n".join(lines) + "\n"


def section(results):
    lines = ["## Real-time guest: timer interrupt latency by policy (-icount shift=0, sleep=off)", "",
             "rtexec on physical CPU 1, tasks ctrl (1 ms, 200 us) and log (4 ms, 400 us) under RM, "
             "10,000 jobs. Latency: programmed timer deadline to the guest's handler, in us of virtual "
             "time (1 instruction = 1 ns). The load is a CPU loop, 1 MiB copies and a pipe in Linux.", "",
             "| system | min | mean | p99 | max | samples | jobs | misses | worst Keel event (us) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, desc in SYSTEMS:
        r = results[name]
        if not r["latency"]:
            lines.append(f"| {desc} | n/a | | | | | | | (no result: see {r['log']}) |")
            continue
        lo, mean, p99, hi, n = r["latency"]
        jobs, misses = r["jobs"] or ("?", "?")
        ev = f"{r['event_ns'] / 1000:.1f}" if r["event_ns"] is not None else "- (no timer)"
        lines.append(f"| {desc} | {lo:.3f} | {mean:.3f} | {p99:.3f} | {hi:.3f} | {int(n)} | {jobs} | "
                     f"{misses} | {ev} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--print", action="store_true", help="print the section instead of appending it")
    ap.add_argument("--timeout", type=int, default=240, help="seconds per boot")
    args = ap.parse_args()
    stop_on_signals()
    results = {}
    for name, desc in SYSTEMS:
        print(f"bench-rt: {desc} ...", flush=True)
        results[name] = run(name, args.timeout)
    print("bench-rt: VM switch cost ...", flush=True)
    text = section(results) + "\n" + switch_section(run_switch(False), run_switch(True))
    if args.print:
        print(text)
    else:
        with open(os.path.join(ROOT, BUILD, "bench", "results.md"), "a") as f:
            f.write("\n" + text)
        print(text)
    return 0 if all(r["latency"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
