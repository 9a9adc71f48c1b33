#!/usr/bin/env python3
"""keeltrace: turn Keel's EL2 trace dump into a Perfetto/Chrome trace and a timeline.

Keel prints its trace on the console (core/trace.c, docs/trace.md):

    [keel] trace: begin v1 freq 62500000 cpus 4 events none,exit,virq,...
    [keel] trace: vm 0 measure 1
    [keel] trace: c1 <1 to 3 records, 64 hex digits each> <CRC-32 of their bytes>
    [keel] trace: cpu 1: 2048 records shown, 3952 lost (overwritten before they were shown)
    [keel] trace: end 2049 records

A console log may hold several dumps (one per VM stop, or per Ctrl-A d);
each starts where the last ended, so all of them together are one trace.
Event numbers are mapped to names from the dump's own "begin" line, so
this tool never has to be told when Keel adds an event.

    keeltrace.py LOG [--json OUT.json] [--png OUT.png] [--summary]

--json writes the Chrome "traceEvents" format that chrome://tracing and
ui.perfetto.dev open: one track per physical CPU, a slice for each stretch a
vCPU ran there (from "in" to "out"), and instants for exits (named by their
reason), injected interrupts, IPC, budget and checkpoint events. --png draws
which vCPU ran on which CPU over time with gnuplot. --summary prints counts
per CPU and vCPU. Exit status 1 if the log holds no whole dump or a damaged
line (a wrong CRC, a dump whose count does not match).

Python 3 standard library only.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

RECORD = struct.Struct('<QHBBIQQ')  # struct trace_record (include/keel/trace.h): 32 bytes
NO_VM = 0xff
EXIT_REASONS = {0: 'sync', 1: 'irq', 2: 'fiq', 3: 'serror', 4: 'handled'}
EC_WFX = 0x01
# ESR_EL2.EC of a synchronous exit (Arm ARM D13.2.37), as arch/aarch64/sysreg.h names them.
EC_NAMES = {0x00: 'unknown', 0x01: 'wfx', 0x07: 'fp', 0x16: 'hvc64', 0x17: 'smc64', 0x18: 'sysreg',
            0x20: 'iabt', 0x24: 'dabt'}

LINE = re.compile(r'\[keel\] trace: (.*?)\s*$')
BEGIN = re.compile(r'begin v1 freq (\d+) cpus (\d+) events (\S+)$')
VM = re.compile(r'vm (\d+) (\S+) (\d+)$')
DATA = re.compile(r'c(\d+) ([0-9a-f]+) ([0-9a-f]{8})$')
CPU = re.compile(r'cpu (\d+): (\d+) records shown, (\d+) lost')
END = re.compile(r'end (\d+) records$')


class TraceError(Exception):
    pass


class Trace:
    """Every record of every dump in a log, by CPU, with the names the dumps gave."""

    def __init__(self):
        self.freq = None
        self.nr_cpus = 0
        self.events = []
        self.vms = {}  # index -> (name, nr_vcpus)
        self.records = {}  # cpu -> [record tuple]
        self.lost = {}  # cpu -> count
        self.dumps = 0

    def event_name(self, number):
        return self.events[number] if number < len(self.events) else 'event%d' % number

    def vcpu_name(self, vm, vcpu):
        name = self.vms.get(vm, ('vm%d' % vm, 0))[0]
        return name if vcpu == NO_VM else '%s/%d' % (name, vcpu)

    def us(self, ticks):
        return ticks * 1e6 / self.freq


def parse(lines):
    """Parse a console log; raises TraceError on damage or when there is no whole dump."""
    t = Trace()
    in_dump = False
    count = 0
    for number, raw in enumerate(lines, 1):
        m = LINE.search(raw)
        if not m:
            continue
        text = m.group(1)
        if BEGIN.match(text):
            b = BEGIN.match(text)
            t.freq, t.nr_cpus = int(b.group(1)), int(b.group(2))
            t.events = b.group(3).split(',')
            in_dump, count = True, 0
        elif not in_dump:
            continue
        elif DATA.match(text):
            d = DATA.match(text)
            data = bytes.fromhex(d.group(2))
            if len(data) % RECORD.size or zlib.crc32(data) != int(d.group(3), 16):
                raise TraceError('line %d: damaged record line (length or CRC)' % number)
            recs = t.records.setdefault(int(d.group(1)), [])
            recs.extend(RECORD.unpack_from(data, off) for off in range(0, len(data), RECORD.size))
            count += len(data) // RECORD.size
        elif VM.match(text):
            v = VM.match(text)
            t.vms[int(v.group(1))] = (v.group(2), int(v.group(3)))
        elif CPU.match(text):
            c = CPU.match(text)
            t.lost[int(c.group(1))] = t.lost.get(int(c.group(1)), 0) + int(c.group(3))
        elif END.match(text):
            if int(END.match(text).group(1)) != count:
                raise TraceError('line %d: the dump says %s records, %d were read' %
                                 (number, END.match(text).group(1), count))
            t.dumps += 1
            in_dump = False
    if in_dump:
        raise TraceError('the last dump has no end line: the log was cut')
    if not t.dumps:
        raise TraceError('no trace dump in the log ("[keel] trace: begin" ... "end")')
    for recs in t.records.values():
        recs.sort(key=lambda r: r[0])  # one dump's are in order already; dumps follow each other
    return t


def slices(t):
    """(cpu, vm, vcpu, start, end) for every stretch a vCPU ran, from its "in" to its "out".

    A vCPU alone on a static CPU waits for an interrupt without leaving the
    CPU (sched_wait_in_place()): from its WFI exit to the next record on its
    CPU (the interrupt's list register, another exit) it is shown idle.
    """
    ev_in, ev_out, ev_exit = t.events.index('in'), t.events.index('out'), t.events.index('exit')
    out = []
    for cpu, recs in sorted(t.records.items()):
        running = None  # (vm, vcpu, start)
        waiting = None  # (vm, vcpu) idle in place since its WFI exit
        switched = False  # an "in" or "out" seen on this CPU
        for time, event, vm, vcpu, sub, a0, _a1 in recs:
            if waiting and event not in (ev_in, ev_out) and (vm, vcpu) != waiting:
                continue  # another vCPU's or a VM's event: the waiting one still waits
            if waiting and event not in (ev_in, ev_out):
                running, waiting = (waiting[0], waiting[1], time), None
            first_switch = not switched and event in (ev_in, ev_out)
            switched |= event in (ev_in, ev_out)
            if event == ev_in:
                if running:
                    out.append((cpu, running[0], running[1], running[2], time))
                running, waiting = (vm, vcpu, time), None
            elif event == ev_out:
                if running and running[:2] == (vm, vcpu):
                    out.append((cpu, vm, vcpu, running[2], time))
                elif first_switch and not waiting and recs[0][0] < time:
                    out.append((cpu, vm, vcpu, recs[0][0], time))  # it ran when the trace began
                running = waiting = None
            elif event == ev_exit and sub == 0 and (a0 >> 26) & 0x3f == EC_WFX and running:
                out.append((cpu, vm, vcpu, running[2], time))
                running, waiting = None, (vm, vcpu)
        if running:
            out.append((cpu, running[0], running[1], running[2], recs[-1][0]))
    return out


def window_start(t):
    """The first time every CPU's ring still covers: the latest first record of a ring that lost some."""
    starts = [recs[0][0] for cpu, recs in t.records.items() if recs and t.lost.get(cpu)]
    return max(starts) if starts else min(recs[0][0] for recs in t.records.values() if recs)


def instant_name(t, event, sub, arg0):
    name = t.event_name(event)
    if name == 'exit':
        reason = EXIT_REASONS.get(sub, 'reason%d' % sub)
        if reason in ('sync', 'handled'):  # handled: a trap the exit fast path took, then the scheduler
            ec = (arg0 >> 26) & 0x3f
            return 'exit ' + EC_NAMES.get(ec, 'ec 0x%02x' % ec) + (' (fast path)' if reason == 'handled' else '')
        return 'exit ' + reason
    if name == 'virq':
        return 'virq %d' % sub
    return name


def chrome_json(t):
    """The Chrome/Perfetto "traceEvents" document: a track per physical CPU."""
    base = min(recs[0][0] for recs in t.records.values() if recs)
    evs = [{'ph': 'M', 'name': 'process_name', 'pid': 0, 'args': {'name': 'Keel (physical CPUs)'}}]
    for cpu in sorted(t.records):
        evs.append({'ph': 'M', 'name': 'thread_name', 'pid': 0, 'tid': cpu, 'args': {'name': 'CPU %d' % cpu}})
        evs.append({'ph': 'M', 'name': 'thread_sort_index', 'pid': 0, 'tid': cpu, 'args': {'sort_index': cpu}})
    for cpu, vm, vcpu, start, end in slices(t):
        evs.append({'ph': 'X', 'cat': 'run', 'name': t.vcpu_name(vm, vcpu), 'pid': 0, 'tid': cpu,
                    'ts': t.us(start - base), 'dur': t.us(end - start), 'args': {'vm': vm, 'vcpu': vcpu}})
    skip = {'in', 'out', 'none'}
    for cpu, recs in sorted(t.records.items()):
        for time, event, vm, vcpu, sub, a0, a1 in recs:
            if t.event_name(event) in skip:
                continue
            args = {'sub': sub, 'arg0': '0x%x' % a0, 'arg1': '0x%x' % a1}
            if vm != NO_VM:
                args['vcpu'] = t.vcpu_name(vm, vcpu)
            evs.append({'ph': 'i', 's': 't', 'cat': t.event_name(event), 'name': instant_name(t, event, sub, a0),
                        'pid': 0, 'tid': cpu, 'ts': t.us(time - base), 'args': args})
    return {'traceEvents': evs, 'displayTimeUnit': 'ns',
            'otherData': {'source': 'Keel EL2 trace', 'counter_hz': t.freq, 'dumps': t.dumps,
                          'lost': sum(t.lost.values())}}


def summary(t):
    """Lines of counts: per CPU, per vCPU (runs, time), exits by reason, events by kind."""
    out = []
    total = sum(len(r) for r in t.records.values())
    out.append('keeltrace: %d dump(s), %d records, %d lost, counter %d Hz' %
               (t.dumps, total, sum(t.lost.values()), t.freq))
    first = min(recs[0][0] for recs in t.records.values() if recs)
    out.append('keeltrace: %.3f ms traced, every CPU covered from %.3f ms on' %
               (t.us(max(recs[-1][0] for recs in t.records.values() if recs) - first) / 1000,
                t.us(window_start(t) - first) / 1000))
    runs = {}
    for cpu, vm, vcpu, start, end in slices(t):
        n, ticks = runs.get((cpu, vm, vcpu), (0, 0))
        runs[(cpu, vm, vcpu)] = (n + 1, ticks + end - start)
    for (cpu, vm, vcpu), (n, ticks) in sorted(runs.items()):
        out.append('keeltrace: cpu %d: %s ran %d times, %.1f us' % (cpu, t.vcpu_name(vm, vcpu), n, t.us(ticks)))
    counts = {}
    for recs in t.records.values():
        for _time, event, vm, vcpu, sub, a0, _a1 in recs:
            name = instant_name(t, event, sub, a0)
            if t.event_name(event) in ('exit', 'virq', 'ipc-call', 'ipc-send', 'ipc-reply'):
                key = (t.vcpu_name(vm, vcpu), name)
                counts[key] = counts.get(key, 0) + 1
    for (who, name), n in sorted(counts.items()):
        out.append('keeltrace: %s: %s %d' % (who, name, n))
    kinds = {}
    for recs in t.records.values():
        for r in recs:
            kinds[t.event_name(r[1])] = kinds.get(t.event_name(r[1]), 0) + 1
    out.append('keeltrace: events: ' + ', '.join('%s %d' % kv for kv in sorted(kinds.items())))
    return out


GNUPLOT = r'''
set terminal pngcairo size 1400,%(height)d font ",10"
set output '%(png)s'
set title "%(title)s" noenhanced
set xlabel "ms from the first moment every CPU's ring covers"
set ytics (%(ytics)s)
set yrange [%(ymin)f:%(ymax)f]
set grid xtics
set key outside right top noenhanced
set style fill solid 1.0 border
plot for [i=0:%(last)d] '%(data)s' index i using (($2+$3)/2):1:(($3-$2)/2):(0.38) \
    with boxxyerror lc i+1 title word("%(names)s", i+1)
'''


def timeline_png(t, png):
    """Which vCPU ran where, over time, drawn by gnuplot; returns False if gnuplot is missing."""
    if not shutil.which('gnuplot'):
        print('keeltrace: gnuplot not found: no %s' % png, file=sys.stderr)
        return False
    start = window_start(t)
    runs = [(c, vm, v, max(s, start), e) for c, vm, v, s, e in slices(t) if e > start]
    base = start
    by_vcpu = {}
    for cpu, vm, vcpu, start, end in runs:
        by_vcpu.setdefault((vm, vcpu), []).append((cpu, t.us(start - base) / 1000, t.us(end - base) / 1000))
    keys = sorted(by_vcpu)
    if not keys:
        keys, by_vcpu = [(0, 0)], {(0, 0): [(0, 0.0, 0.0)]}
    cpus = sorted({r[0] for r in runs}) or [0]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, 'runs.dat')
        with open(data, 'w') as f:
            for k in keys:
                f.write('# %s\n' % t.vcpu_name(*k))
                for cpu, s, e in by_vcpu[k]:
                    f.write('%d %.6f %.6f\n' % (cpu, s, e))
                f.write('\n\n')
        script = GNUPLOT % {
            'height': 200 + 60 * len(cpus), 'png': png, 'data': data, 'last': len(keys) - 1,
            'title': 'Keel: which vCPU ran on which physical CPU',
            'ytics': ', '.join('"CPU %d" %d' % (c, c) for c in cpus),
            'ymin': min(cpus) - 0.7, 'ymax': max(cpus) + 0.7,
            'names': ' '.join(t.vcpu_name(*k) for k in keys)}
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description='Keel EL2 trace dump -> Chrome/Perfetto JSON and a timeline')
    ap.add_argument('log', help='console log holding one or more "[keel] trace:" dumps')
    ap.add_argument('--json', help='write the Chrome/Perfetto trace here')
    ap.add_argument('--png', help='write the gnuplot timeline here')
    ap.add_argument('--summary', action='store_true', help='print counts per CPU and vCPU')
    args = ap.parse_args(argv)
    with open(args.log, 'rb') as f:
        lines = [raw.decode('utf-8', 'replace') for raw in f]
    try:
        t = parse(lines)
    except TraceError as e:
        print('keeltrace: %s: %s' % (args.log, e), file=sys.stderr)
        return 1
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(chrome_json(t), f)
        print('keeltrace: wrote %s' % args.json)
    if args.png and timeline_png(t, args.png):
        print('keeltrace: wrote %s' % args.png)
    if args.summary or not (args.json or args.png):
        print('\n'.join(summary(t)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
