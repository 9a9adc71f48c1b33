#!/usr/bin/env python3
"""System test trace: boot a traced system, let Keel dump its trace, convert it, check it.

Run by tests/system/run.sh as a "native" test (its manifest line names this
script): python3 tests/system/trace_test.py --timeout SEC --out DIR.

configs/tests/trace.dts has `trace;` (the EL2 trace on from boot) and two
VMs taking turns on CPU 1 on every yield. When "measure" powers off, Keel
dumps the trace on the console; "partner" runs on, so this script stops
QEMU once the dump's end line is out. tools/keeltrace then turns the log
into a Chrome/Perfetto JSON file and a timeline, and the checks read the
JSON: both VMs' vCPUs must have run on CPU 1 many times, taking turns, and
both must have exits named by their reason (hvc64: the yield). A trace that
was empty, from the wrong CPU or VM, or garbled would fail them. Last, the
same log with one hex digit of a record changed must be refused (the
per-line CRC), so a damaged dump cannot pass for a good one.
Prints PASS:/FAIL: lines and "trace-test: done"; exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
BUILD = os.environ.get('BUILD', 'build')
CONFIG = 'configs/tests/trace.dts'
END_MARK = '[keel] trace: end '
MIN_RUNS = 20  # turns each vCPU must show: the ring holds hundreds


def boot(out, timeout):
    """Boot the config until the trace's end line (or a panic, or the time is up); returns the log path."""
    log = os.path.join(out, 'console.log')
    subprocess.run([os.path.join(BUILD, 'tools', 'keelcfg'), '--out', out, CONFIG], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    with open(log, 'wb') as f:
        qemu = subprocess.Popen(['bash', 'scripts/run-qemu.sh', '--timeout', str(timeout), out], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while qemu.poll() is None and time.time() < deadline:
            time.sleep(0.25)
            with open(log, 'rb') as r:
                text = r.read().decode('utf-8', 'replace')
            if END_MARK in text or 'PANIC' in text:
                break
        if qemu.poll() is None:
            qemu.terminate()  # the partner VM yields forever
            qemu.wait()
    return log


def check(ok, what):
    print('%s: trace: %s' % ('PASS' if ok else 'FAIL', what))
    return ok


def checks(trace):
    """The JSON trace's content: slices of both vCPUs on CPU 1 taking turns, exits with reasons."""
    evs = trace['traceEvents']
    runs = [e for e in evs if e['ph'] == 'X' and e['tid'] == 1]
    names = [e['name'] for e in sorted(runs, key=lambda e: e['ts'])]
    turns = sum(1 for a, b in zip(names, names[1:]) if a != b)
    exits = {}
    for e in evs:
        if e['ph'] == 'i' and e['name'].startswith('exit ') and 'vcpu' in e['args']:
            exits.setdefault(e['args']['vcpu'], set()).add(e['name'])
    ok = True
    for vcpu in ('measure/0', 'partner/0'):
        n = names.count(vcpu)
        ok &= check(n >= MIN_RUNS, '%s switched in on CPU 1 %d times (at least %d)' % (vcpu, n, MIN_RUNS))
        ok &= check('exit hvc64' in exits.get(vcpu, ()),
                    '%s has exits with reasons: %s' % (vcpu, ', '.join(sorted(exits.get(vcpu, ()))) or 'none'))
    ok &= check(turns >= 2 * MIN_RUNS, 'the two vCPUs took turns on CPU 1 (%d changes)' % turns)
    ok &= check(all(r['dur'] >= 0 for r in runs) and not [e for e in evs if e['ph'] == 'X' and e['tid'] != 1],
                'every slice is on CPU 1, none of negative length')
    return ok


def damaged_is_refused(log, out):
    """A log whose one record digit changed must make keeltrace fail."""
    with open(log, 'rb') as f:
        lines = f.read().decode('utf-8', 'replace').split('\n')
    for i, line in enumerate(lines):
        if '[keel] trace: c1 ' in line:
            cut = line.index('[keel] trace: c1 ') + len('[keel] trace: c1 ') + 20
            lines[i] = line[:cut] + ('0' if line[cut] != '0' else '1') + line[cut + 1:]
            break
    else:
        return check(False, 'no record line of CPU 1 to damage')
    bad = os.path.join(out, 'damaged.log')
    with open(bad, 'w') as f:
        f.write('\n'.join(lines))
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'tools/keeltrace/keeltrace.py'), bad],
                       capture_output=True, text=True)
    return check(r.returncode == 1 and 'CRC' in r.stderr, 'keeltrace refuses a dump with one digit changed')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=int, default=120)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    log = boot(out, args.timeout)
    with open(log, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    for line in text.splitlines():  # Keel's own lines about the trace, not the records
        if ('[keel] trace:' in line and ': c' not in line) or 'KHV vm_switch' in line:
            print(line.rstrip('\r'))
    if not check(END_MARK in text, 'Keel dumped the trace when measure stopped'):
        return 1
    js, png = os.path.join(out, 'trace.json'), os.path.join(out, 'timeline.png')
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'tools/keeltrace/keeltrace.py'), log, '--json', js,
                        '--png', png, '--summary'], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    if not check(r.returncode == 0, 'keeltrace read the dump' + (': ' + r.stderr.strip() if r.stderr else '')):
        return 1
    with open(js) as f:
        ok = checks(json.load(f))
    if shutil.which('gnuplot'):
        with open(png, 'rb') as f:
            ok &= check(f.read(8) == b'\x89PNG\r\n\x1a\n', 'timeline %s drawn' % os.path.relpath(png, ROOT))
    else:
        print('trace-test: gnuplot is not installed: no timeline drawn')
    ok &= damaged_is_refused(log, out)
    print('trace-test: done')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
