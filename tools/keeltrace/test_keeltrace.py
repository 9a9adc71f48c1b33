#!/usr/bin/env python3
"""Host tests of tools/keeltrace on made-up dumps (no QEMU).

They check that a dump is read the way Keel writes it (core/trace.c): records
from several dumps joined, event names taken from the dump's header. They
check that a damaged line, a wrong count or a cut dump is refused. They
check the slices: from "in" to "out", a WFI exit waited in place shown idle,
a vCPU already running when the trace began. And they check what the
Chrome JSON holds. Run by tests/system/run.sh as the "native" test
keeltrace-unit (--timeout and --out are accepted and ignored); prints
KEELTRACE-UNIT OK when every test passes.
"""
import os
import struct
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keeltrace  # noqa: E402

EVENTS = 'none,exit,virq,in,out,budget-exhausted,budget-replenished,ipc-call,ipc-send,ipc-reply,' \
         'checkpoint-start,checkpoint-end,vm-stop,trace-on'
EV = {name: i for i, name in enumerate(EVENTS.split(','))}
ESR_HVC = 0x16 << 26
ESR_WFX = 0x01 << 26


def rec(time, event, vm=0, vcpu=0, sub=0, a0=0, a1=0):
    return struct.pack('<QHBBIQQ', time, EV[event], vm, vcpu, sub, a0, a1)


def dump(cpu_records, vms=(('alpha', 1), ('beta', 1)), count=None, damage=False, end=True):
    """Console lines of one dump, as Keel prints them: a header, VMs, lines of up to 3 records, an end."""
    lines = ['[keel] trace: begin v1 freq 1000000 cpus 4 events ' + EVENTS]
    lines += ['[keel] trace: vm %d %s %d' % (i, name, n) for i, (name, n) in enumerate(vms)]
    total = 0
    for cpu, recs in cpu_records.items():
        for k in range(0, len(recs), 3):
            data = b''.join(recs[k:k + 3])
            crc = zlib.crc32(data)
            if damage:
                data, damage = bytes([data[0] ^ 1]) + data[1:], False
            lines.append('[keel] trace: c%d %s %08x' % (cpu, data.hex(), crc))
        lines.append('[keel] trace: cpu %d: %d records shown, 0 lost (overwritten before they were shown)' %
                     (cpu, len(recs)))
        total += len(recs)
    if end:
        lines.append('[keel] trace: end %d records' % (total if count is None else count))
    return [line + '\r\n' for line in lines]


class Parse(unittest.TestCase):
    def test_records_and_names(self):
        t = keeltrace.parse(dump({1: [rec(10, 'in'), rec(20, 'exit', a0=ESR_HVC), rec(30, 'out')]}))
        self.assertEqual(t.freq, 1000000)
        self.assertEqual(t.vcpu_name(1, 0), 'beta/0')
        self.assertEqual([r[0] for r in t.records[1]], [10, 20, 30])
        self.assertEqual(keeltrace.instant_name(t, EV['exit'], 0, ESR_HVC), 'exit hvc64')
        self.assertEqual(keeltrace.instant_name(t, EV['exit'], 1, 0), 'exit irq')

    def test_dumps_join(self):
        log = dump({0: [rec(5, 'in')]}) + ['[beta] some guest line\n'] + dump({0: [rec(9, 'out')]})
        t = keeltrace.parse(log)
        self.assertEqual(t.dumps, 2)
        self.assertEqual(keeltrace.slices(t), [(0, 0, 0, 5, 9)])

    def test_damage_refused(self):
        with self.assertRaisesRegex(keeltrace.TraceError, 'CRC'):
            keeltrace.parse(dump({0: [rec(1, 'in'), rec(2, 'out')]}, damage=True))
        with self.assertRaisesRegex(keeltrace.TraceError, 'says 3 records'):
            keeltrace.parse(dump({0: [rec(1, 'in'), rec(2, 'out')]}, count=3))
        with self.assertRaisesRegex(keeltrace.TraceError, 'cut'):
            keeltrace.parse(dump({0: [rec(1, 'in')]}, end=False))
        with self.assertRaisesRegex(keeltrace.TraceError, 'no trace dump'):
            keeltrace.parse(['[keel] hello\n'])

    def test_unknown_event_number_is_named(self):
        t = keeltrace.parse(dump({0: [struct.pack('<QHBBIQQ', 1, 40, 0, 0, 0, 0, 0)]}))
        self.assertEqual(t.event_name(40), 'event40')


class Slices(unittest.TestCase):
    def test_in_out_and_running_at_start_and_end(self):
        t = keeltrace.parse(dump({2: [rec(100, 'exit', vm=1, a0=ESR_HVC), rec(110, 'out', vm=1),
                                      rec(120, 'in', vm=0), rec(150, 'out', vm=0), rec(160, 'in', vm=1),
                                      rec(170, 'exit', vm=1, a0=ESR_HVC)]}))
        self.assertEqual(keeltrace.slices(t), [(2, 1, 0, 100, 110), (2, 0, 0, 120, 150), (2, 1, 0, 160, 170)])

    def test_wfi_in_place_is_idle(self):
        t = keeltrace.parse(dump({1: [rec(10, 'in'), rec(20, 'exit', a0=ESR_WFX), rec(50, 'virq', sub=27),
                                      rec(60, 'exit', a0=ESR_HVC), rec(70, 'out')]}))
        self.assertEqual(keeltrace.slices(t), [(1, 0, 0, 10, 20), (1, 0, 0, 50, 70)])

    def test_wfi_then_switched_out(self):
        t = keeltrace.parse(dump({1: [rec(10, 'in'), rec(20, 'exit', a0=ESR_WFX), rec(25, 'out'),
                                      rec(30, 'in', vm=1), rec(40, 'out', vm=1)]}))
        self.assertEqual(keeltrace.slices(t), [(1, 0, 0, 10, 20), (1, 1, 0, 30, 40)])


class Chrome(unittest.TestCase):
    def test_tracks_slices_instants(self):
        t = keeltrace.parse(dump({1: [rec(1000, 'in'), rec(2000, 'virq', sub=27), rec(3000, 'out')],
                                  3: [rec(1500, 'checkpoint-start', vcpu=0xff)]}))
        evs = keeltrace.chrome_json(t)['traceEvents']
        names = {(e['ph'], e['name']) for e in evs}
        self.assertIn(('M', 'thread_name'), names)
        self.assertIn(('X', 'alpha/0'), names)
        self.assertIn(('i', 'virq 27'), names)
        self.assertIn(('i', 'checkpoint-start'), names)
        run = [e for e in evs if e['ph'] == 'X'][0]
        self.assertEqual((run['tid'], run['ts'], run['dur']), (1, 0.0, 2000.0))  # 1 MHz: ticks are us
        self.assertFalse([e for e in evs if e['ph'] == 'i' and e['name'] in ('in', 'out')])


if __name__ == '__main__':
    result = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=2).result
    ok = result.wasSuccessful()
    print('KEELTRACE-UNIT OK' if ok else 'KEELTRACE-UNIT FAILED')
    sys.exit(0 if ok else 1)
