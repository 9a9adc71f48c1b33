#!/usr/bin/env python3
"""make trace-demo: boot a system, trace it for a few seconds, dump, convert.

    demo.py [--config configs/examples/ipc.dts] [--seconds 3] [--out build/trace-demo] [--timeout 120]

Any configuration works unchanged: once the first guest runs, this types
Ctrl-A t on Keel's console (trace on), waits --seconds, types Ctrl-A d (dump),
waits for the dump's end line and stops QEMU. Then tools/keeltrace writes
OUT/trace.json (open it in ui.perfetto.dev or chrome://tracing) and
OUT/timeline.png, and prints its summary. OUT/console.log keeps the console.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
BUILD = os.environ.get('BUILD', 'build')
CTRL_A = b'\x01'


def wait_for(log, marks, deadline):
    while time.time() < deadline:
        with open(log, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
        for m in marks:
            if m in text:
                return m
        time.sleep(0.2)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config', default='configs/examples/ipc.dts')
    ap.add_argument('--seconds', type=float, default=3.0, help='how long to trace')
    ap.add_argument('--out', default=os.path.join(BUILD, 'trace-demo'))
    ap.add_argument('--timeout', type=int, default=120)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    cfg, log = os.path.join(out, 'config'), os.path.join(out, 'console.log')
    os.makedirs(out, exist_ok=True)
    subprocess.run([os.path.join(BUILD, 'tools', 'keelcfg'), '--out', cfg, args.config], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    deadline = time.time() + args.timeout
    with open(log, 'wb') as f:
        qemu = subprocess.Popen(['bash', 'scripts/run-qemu.sh', '--timeout', str(args.timeout), cfg], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=f, stderr=subprocess.STDOUT)
        try:
            if not wait_for(log, ['first guest instruction'], deadline):
                print('trace-demo: no guest started; see %s' % log, file=sys.stderr)
                return 1
            qemu.stdin.write(CTRL_A + b't')
            qemu.stdin.flush()
            time.sleep(args.seconds)
            qemu.stdin.write(CTRL_A + b'd')
            qemu.stdin.flush()
            if not wait_for(log, ['[keel] trace: end '], deadline):
                print('trace-demo: no trace dump; see %s' % log, file=sys.stderr)
                return 1
        finally:
            if qemu.poll() is None:
                qemu.terminate()
            qemu.wait()
    return subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'keeltrace', 'keeltrace.py'), log,
                           '--json', os.path.join(out, 'trace.json'), '--png', os.path.join(out, 'timeline.png'),
                           '--summary']).returncode


if __name__ == '__main__':
    sys.exit(main())
