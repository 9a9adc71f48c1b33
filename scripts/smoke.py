#!/usr/bin/env python3
"""Boots a system headless and checks it end to end through its console.

With Keel (the default, what "make smoke" runs):
    scripts/smoke.py --config-out build/configs/demo
starts scripts/run-qemu.sh on that compiled configuration, waits for the Linux
guest's shell prompt and for --ticks ticks of the ticker VM, then types `nproc`
and `grep MemTotal /proc/meminfo` into the console (Keel forwards console input
to the focused VM, the Linux VM by default) and checks the answers.

Natively (no Keel; the same Linux checks, also the "native" baseline for
benchmarks):
    scripts/smoke.py --native [--smp 2 --mem 512]
boots build/linux/Image and initrd.cpio.gz directly on QEMU.

Prints "SMOKE OK" and exits 0 when every check passes. Otherwise prints the
whole console log and exits 1. QEMU is always killed at the end. Python 3
standard library only.
"""
import argparse
import os
import re
import shlex
import sys
import time

from qemu_console import Console, ConsoleError, stop_on_signals

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = "keel-linux# "
ANSWER_MARK = "SMOKE-ANSWER"
BANNER = "Enter 'help' for a list of built-in commands."
UP_RE = re.compile(r"KEEL-LINUX-UP: (\d+) cpus")
TICK_RE = re.compile(r"\[ticker\] tick (\d+)")
MEM_RE = re.compile(r"MemTotal:\s+(\d+) kB")
NUM_LINE_RE = re.compile(r"^(?:\[[\w.-]+\] )?(\d+)\s*$")


# One console driver for every script that boots QEMU (scripts/qemu_console.py).
# Console and SmokeError stay importable from here: tests/linux/standby_linux.py
# and scripts/virtio_native.py build on them.
SmokeError = ConsoleError


def command(args):
    if args.cmd:
        return shlex.split(args.cmd)
    if args.native:
        build = os.environ.get("BUILD", "build")
        return ["qemu-system-aarch64", "-machine", "virt,gic-version=3", "-cpu", "cortex-a57",
                "-smp", str(args.smp), "-m", str(args.mem), "-nographic", "-nic", "none",
                "-no-reboot", "-kernel", f"{build}/linux/Image",
                "-initrd", f"{build}/linux/initrd.cpio.gz",
                "-append", args.append]
    if not args.config_out:
        raise SmokeError("give --config-out DIR, --native or --cmd")
    return ["bash", "scripts/run-qemu.sh", args.config_out]


def run_command(con, line, parse, deadline):
    """Types line at the prompt; returns parse(output) once the output holds
    complete lines that parse gives an answer for. The output is found after
    a marker the shell computes ($((6*7))), which appears only in what the
    command prints, never in the echo of what was typed: the echo may be cut
    by other VMs' lines, since it arrives one keystroke at a time."""
    since = len(con.snapshot())
    con.type(f"echo {ANSWER_MARK}-$((6*7)); {line}")

    def answered(text):
        start = text.find(ANSWER_MARK + "-42")
        if start < 0:
            return None
        out = text[start:]
        return parse(out[:out.rfind("\n") + 1]) or None
    return con.wait(f"the answer to '{line}'", answered, deadline, since)


def parse_nproc(out):
    for raw in out.splitlines():
        m = NUM_LINE_RE.match(raw.strip("\r"))
        if m:
            return m.group(1)
    return None


def checks(con, args):
    deadline = time.monotonic() + args.timeout
    up = con.wait("KEEL-LINUX-UP", lambda t: UP_RE.search(t), deadline)
    t_up = con.elapsed()
    try:
        ready = BANNER if args.no_prompt else PROMPT
        con.wait("the shell prompt", lambda t: ready in t, deadline)
    except SmokeError:
        if BANNER in con.snapshot():
            raise SmokeError("the shell started (its banner is there) but its prompt "
                             f"'{PROMPT}' never appeared: the prompt has no newline, so "
                             "the console must pass on partial lines too")
        raise
    t_prompt = con.elapsed()
    print(f"smoke: KEEL-LINUX-UP ({up.group(1)} cpus) at {t_up:.2f}s, "
          f"prompt at {t_prompt:.2f}s (host time since QEMU started)")
    if args.ticks:
        con.wait(f"{args.ticks} ticker ticks",
                 lambda t: len(TICK_RE.findall(t)) >= args.ticks, deadline)
        print(f"smoke: {args.ticks} ticker ticks by {con.elapsed():.2f}s")
    time.sleep(0.5)  # let the shell settle after printing its prompt

    nproc = run_command(con, "nproc", parse_nproc, deadline)
    if int(nproc) != args.nproc:
        raise SmokeError(f"nproc printed {nproc}, expected {args.nproc}")
    print(f"smoke: nproc = {nproc}")

    mem_kb = run_command(con, "grep MemTotal /proc/meminfo",
                         lambda out: MEM_RE.search(out), deadline).group(1)
    mem_mib = int(mem_kb) / 1024
    if not args.mem_min <= mem_mib <= args.mem_max:
        raise SmokeError(f"MemTotal {mem_mib:.0f} MiB is outside "
                         f"[{args.mem_min}, {args.mem_max}] MiB")
    print(f"smoke: MemTotal = {mem_mib:.0f} MiB")

    if args.ticks:
        # The ticker must still be running after Linux used the console.
        before = len(TICK_RE.findall(con.snapshot()))
        con.wait("the ticker to keep ticking",
                 lambda t: len(TICK_RE.findall(t)) > before, deadline)


def reboots(con, args):
    """`reboot -f` args.reboots times (Keel restarts only the Linux VM, the
    ticker goes on), then `poweroff -f` if asked: Linux's VM must stop and
    the ticker keep ticking. A vCPU whose timer interrupt stayed active over
    a reset once made the later power-off hang."""
    deadline = time.monotonic() + args.timeout
    for n in range(1, args.reboots + 1):
        since = len(con.snapshot())
        con.type("reboot -f")
        con.wait(f"reset #{n}", lambda t: f"restarting from its images (reset #{n})" in t, deadline, since)
        con.wait(f"the shell prompt after reset #{n}", lambda t: PROMPT in t and UP_RE.search(t), deadline, since)
        print(f"smoke: Linux back at its prompt after reset #{n} ({con.elapsed():.2f}s)")
        time.sleep(0.5)
        nproc = run_command(con, "nproc", parse_nproc, deadline)
        if int(nproc) != args.nproc:
            raise SmokeError(f"after reset #{n} nproc printed {nproc}, expected {args.nproc}")
    if args.poweroff:
        since = len(con.snapshot())
        con.type("poweroff -f")
        con.wait("the Linux VM to stop", lambda t: "vm linux: stopped after" in t, deadline, since)
        print(f"smoke: the Linux VM stopped ({con.elapsed():.2f}s)")
        if args.ticks:
            before = len(TICK_RE.findall(con.snapshot()))
            con.wait("the ticker to keep ticking after the power-off",
                     lambda t: len(TICK_RE.findall(t)) > before + 1, deadline)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    mode = ap.add_argument_group("what to boot (one of)")
    mode.add_argument("--config-out", help="Keel with this compiled configuration directory")
    mode.add_argument("--native", action="store_true",
                      help="Linux directly on QEMU, no Keel (defaults: --ticks 0)")
    mode.add_argument("--cmd", help="any command whose stdin/stdout is the Linux console")
    ap.add_argument("--timeout", type=float, default=180, help="seconds for everything (180)")
    ap.add_argument("--ticks", type=int, help="ticker ticks to wait for (2; 0 with --native)")
    ap.add_argument("--nproc", type=int, default=2, help="CPUs Linux must report (2)")
    ap.add_argument("--mem-min", type=int, default=400, help="least MemTotal, MiB (400)")
    ap.add_argument("--mem-max", type=int, default=512, help="most MemTotal, MiB (512)")
    ap.add_argument("--smp", type=int, default=2, help="--native: CPUs (2)")
    ap.add_argument("--mem", type=int, default=512, help="--native: memory, MiB (512)")
    ap.add_argument("--append", default="console=ttyAMA0 rdinit=/init",
                    help="--native: kernel command line")
    ap.add_argument("--no-prompt", action="store_true",
                    help="take busybox's banner, not the prompt, as the shell being ready")
    ap.add_argument("--log", help="also write the console log to this file")
    ap.add_argument("--reboots", type=int, default=0,
                    help="then reset Linux with `reboot -f` this many times (0)")
    ap.add_argument("--poweroff", action="store_true",
                    help="then power Linux's VM off with `poweroff -f`")
    args = ap.parse_args()
    if args.ticks is None:
        args.ticks = 0 if (args.native or args.cmd) else 2

    stop_on_signals()
    con = None
    try:
        con = Console(command(args), args.log)
        checks(con, args)
        reboots(con, args)
    except (ConsoleError, OSError) as e:
        if con:
            con.kill()
            print("----- console log -----")
            print(con.snapshot())
            print("----- end of console log -----")
        print(f"SMOKE FAILED: {e}")
        return 1
    finally:
        if con:
            con.kill()
    print(f"SMOKE OK ({con.elapsed():.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
