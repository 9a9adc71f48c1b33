#!/usr/bin/env python3
"""Check that every VM's "[VM] seq N" console lines count 1, 2, 3, ... exactly.

A standby VM's output is held until a checkpoint and what a failed VM wrote
after its last checkpoint is never shown (output commit): across any number
of failovers the outside view must be one unbroken count. Usage:
check_sequence.py LOG. Exits 1 (printing the first break) if a number is
repeated, skipped or out of order, or if no such line was seen.
"""
import re
import sys

LINE = re.compile(r'^\[([^\]]+)\] seq ([0-9]+)\s*$')


def main(path):
    last = {}
    with open(path, 'rb') as f:
        for number, raw in enumerate(f, 1):
            m = LINE.match(raw.decode('utf-8', 'replace').rstrip('\r\n'))
            if not m:
                continue
            vm, n = m.group(1), int(m.group(2))
            want = last.get(vm, 0) + 1
            if n != want:
                print(f'check_sequence: {path}:{number}: [{vm}] seq {n}, expected {want}')
                return 1
            last[vm] = n
    if not last:
        print(f'check_sequence: {path}: no "[VM] seq N" lines')
        return 1
    for vm, n in sorted(last.items()):
        print(f'check_sequence: [{vm}] counted 1..{n} without a break')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
