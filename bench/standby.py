#!/usr/bin/env python3
"""Standby benchmark (docs/standby.md): 1,000 faults injected into the
bare-metal counter guest, all of which must be recovered, with the console
showing one unbroken count; checkpoint pauses against the pages copied, and
failover times, from Keel's own log lines.

Runs configs/tests/standby.dts with keel-test,failovers raised to 1,000 and the
real-time executive beside it kept running for the whole time, under
-icount shift=0,sleep=off (deterministic: times are virtual, one instruction
one nanosecond). Writes build/bench/standby.md and prints it.

Then (unless --no-linux) the Debian test tests/linux/standby_linux.py (2 vCPUs,
256 MiB, 100 faults from the console, wall clock) and the same figures from
its log: checkpoint pauses against pages copied, failover times.

  python3 bench/standby.py [--faults N] [--interval MS] [--no-linux]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from qemu_console import Console, stop_on_signals  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'build', 'bench', 'standby')

CKPT = re.compile(r'checkpoint #(\d+): (\d+) pages copied, pause (\d+) us \(copy (\d+) us\)')
FAIL = re.compile(r'failover #(\d+) \((.*?)\): back to checkpoint #\d+ of (\d+) us before, (\d+) pages copied back, '
                  r'(\d+) bytes of output discarded; (\d+) us from detection, (\d+) us of copying')
STATS = re.compile(r'stats: vm counter standby: (\d+) checkpoints \((\d+) skipped, watchdog late\), (\d+) pages '
                   r'copied .* pause last \d+ us worst (\d+) us, (\d+) failovers')
RT = re.compile(r'\[rt\] rtexec: total jobs (\d+) misses (\d+)')


def make_config(faults, interval, jobs):
    src = open(os.path.join(ROOT, 'configs/tests/standby.dts')).read()
    src = re.sub(r'keel-test,failovers = <\d+>', f'keel-test,failovers = <{faults}>', src)
    src = re.sub(r'interval-ms = <\d+>', f'interval-ms = <{interval}>', src)
    src = re.sub(r'keel-test,jobs = <\d+>', f'keel-test,jobs = <{jobs}>', src)
    src = src.replace('"build/', f'"{ROOT}/build/')
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'standby-bench.dts')
    open(path, 'w').write(src)
    return path


def run(faults, interval):
    # The real-time guest must outlive the counter: about 30 ms of guest time per fault.
    cfg = make_config(faults, interval, jobs=max(4000, faults * 40))
    subprocess.run([os.path.join(ROOT, 'build/tools/keelcfg'), '--out', os.path.join(OUT, 'cfg'), cfg],
                   check=True, stdout=subprocess.DEVNULL)
    log = os.path.join(OUT, 'console.log')
    # It ends when Keel powers the machine off after the last VM (run-qemu.sh's
    # --timeout otherwise); the report reads the log.
    con = Console(['bash', os.path.join(ROOT, 'scripts/run-qemu.sh'), '--timeout', str(60 + faults),
                   os.path.join(OUT, 'cfg'), '--', '-icount', 'shift=0,sleep=off'], log, stdin=False)
    try:
        con.wait_exit(time.monotonic() + 90 + faults)
    finally:
        con.stop()
    return log


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else 0


def report(log, faults, interval):
    text = open(log, errors='replace').read()
    ckpts = [tuple(map(int, m.groups())) for m in CKPT.finditer(text)]
    fails = [m.groups() for m in FAIL.finditer(text)]
    stats = STATS.search(text)
    rt = RT.search(text)
    seq = subprocess.run([sys.executable, os.path.join(ROOT, 'tests/system/check_sequence.py'), log],
                         capture_output=True, text=True)
    kinds = {}
    for f in fails:
        kinds[f[1]] = kinds.get(f[1], 0) + 1
    detect = [int(f[5]) for f in fails]
    copy_back = [int(f[6]) for f in fails]
    lost = [int(f[2]) for f in fails]
    lines = [
        f'# Standby benchmark: {faults} injected faults, checkpoint every {interval} ms (-icount shift=0)',
        '',
        f'- failovers: {len(fails)} of {faults} faults recovered '
        f'({", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))})',
        f'- console count: {"unbroken" if seq.returncode == 0 else "BROKEN: " + seq.stdout.strip()}',
        f'- real-time VM beside it: {rt.group(1)} jobs, {rt.group(2)} deadline misses' if rt else
        '- real-time VM: no report',
    ]
    if stats:
        lines.append(f'- checkpoints: {stats.group(1)} ({stats.group(2)} skipped while the guest was late feeding '
                     f'its watchdog), {stats.group(3)} pages copied in all, worst pause {stats.group(4)} us')
    lines += ['', '| checkpoint (logged ones) | pages copied | pause us | copy us |', '|---|---|---|---|']
    lines += [f'| #{c[0]} | {c[1]} | {c[2]} | {c[3]} |' for c in ckpts[:12]]
    if detect:
        lines += ['', '| failover | median | 95th percentile | worst |', '|---|---|---|---|',
                  f'| detection to release, us | {statistics.median(detect):.0f} | {pct(detect, 95)} | {max(detect)} |',
                  f'| copying back, us | {statistics.median(copy_back):.0f} | {pct(copy_back, 95)} | {max(copy_back)} |',
                  f'| guest work lost (since checkpoint), us | {statistics.median(lost):.0f} | {pct(lost, 95)} | '
                  f'{max(lost)} |']
    out = '\n'.join(lines) + '\n'
    open(os.path.join(ROOT, 'build', 'bench', 'standby.md'), 'w').write(out)
    print(out)
    return len(fails) == faults and seq.returncode == 0


LINUX_FAIL = re.compile(r'vm linux: failover #\d+ \([^)]*\): back to checkpoint #\d+ of \d+ us before, (\d+) pages '
                        r'copied back, \d+ bytes of output discarded; (\d+) us from detection, (\d+) us of copying')
LINUX_CKPT = re.compile(r'vm linux: checkpoint #(\d+): (\d+) pages copied, pause (\d+) us')


def linux_report():
    """Runs the Debian standby test and tabulates Keel's lines from its console log (wall clock)."""
    out = os.path.join(OUT, 'linux')
    res = subprocess.run([sys.executable, os.path.join(ROOT, 'tests/linux/standby_linux.py'), '--out', out],
                         capture_output=True, text=True)
    text = open(os.path.join(out, 'console.log'), errors='replace').read()
    fails = [tuple(map(int, m.groups())) for m in LINUX_FAIL.finditer(text)]
    ckpts = [tuple(map(int, m.groups())) for m in LINUX_CKPT.finditer(text)]
    verdict = [line for line in res.stdout.splitlines() if 'STANDBY-LINUX' in line]
    lines = ['', '# Debian Linux, 2 vCPUs, 256 MiB, checkpoint every 20 ms (wall clock TCG)', '',
             f'- {verdict[-1].split("STANDBY-LINUX", 1)[1].strip() if verdict else "no verdict"}', '',
             '| checkpoint (logged ones) | pages copied | pause us |', '|---|---|---|']
    lines += [f'| #{c[0]} | {c[1]} | {c[2]} |' for c in ckpts[:10]]
    if fails:
        for name, col in (('pages copied back', 0), ('detection to release, us', 1), ('copying back, us', 2)):
            vals = [f[col] for f in fails]
            if col == 0:
                lines += ['', '| failover | median | 95th percentile | worst |', '|---|---|---|---|']
            lines.append(f'| {name} | {statistics.median(vals):.0f} | {pct(vals, 95)} | {max(vals)} |')
    out_text = '\n'.join(lines) + '\n'
    with open(os.path.join(ROOT, 'build', 'bench', 'standby.md'), 'a') as f:
        f.write(out_text)
    print(out_text)
    return res.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--faults', type=int, default=1000)
    ap.add_argument('--interval', type=int, default=20)
    ap.add_argument('--no-linux', action='store_true')
    a = ap.parse_args()
    stop_on_signals()
    log = run(a.faults, a.interval)
    ok = report(log, a.faults, a.interval)
    if not a.no_linux:
        ok &= linux_report()
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
