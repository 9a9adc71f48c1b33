#!/usr/bin/env python3
"""Standby with Debian Linux (issue 11, tests b and d): boots
configs/tests/standby-linux.dts under Keel, starts busybox's `watchdog` on the
guest's SP805 and a write-heavy workload that appends checksummed lines to a
log in tmpfs, then injects faults from Keel's console:

  Ctrl-A f   the VM fails now                       (a failover must follow)
  Ctrl-A h   every vCPU hangs: the watchdog expires  (a failover must follow)

Random bit flips (Ctrl-A b) are not among them: in Linux's RAM nothing
detects one before the next checkpoint saves it, and one that lands in the
log's page cache is corruption standby cannot undo (docs/standby.md, "what it
does not protect against"); a CI run lost the log that way once in about
four. Bit flips that the guest detects are tested with the bare-metal guest
(the `standby` test).

After every fault and again at the end it checks, through the shell, that the
log is consistent (line i holds i and the running checksum of 1..i) and still
growing, and that Keel never restarted the VM from its images.

Input commit: a command line typed at once and followed at once by a
failure must still run after the failover (the keys arrived after the last
checkpoint: Keel's vUART gives them back to the restored guest).

Then the two ways a Linux VM ends: `reboot -f`, with the guest's command
line's `reboot=warm`, makes PSCI SYSTEM_RESET2 (warm), a reset the guest
declares: Keel must restart the VM from its images with no failover, and the
shell must come back. Last, a kernel crash (sysrq c): with `panic_cold` its
panic makes plain SYSTEM_RESET, which must fail over. (The crash is the
guest's own doing, so it comes again after every failover, and after three
in a row Keel restarts the VM: only the first failover is checked.) A failover puts
the whole VM (page cache, the workload's variables, the shell) back to one
consistent checkpoint, so the log can lose at most the lines of one interval,
never hold a broken or repeated one.

    tests/linux/standby_linux.py [--out DIR] [--timeout SEC] [--faults N]

A system test of kind "native": prints the console log, then
"STANDBY-LINUX OK: ..." or "STANDBY-LINUX FAIL: ..."; exits 1 on failure.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from smoke import PROMPT, Console, SmokeError, run_command  # noqa: E402

CONFIG = os.path.join(ROOT, "configs", "tests", "standby-linux.dts")
FAILOVER_RE = re.compile(r"\[keel\] vm linux: failover #(\d+) \(([^)]*)\)")
LOG_RE = re.compile(r"LOG (OK|BAD) (\d+)")
WORKLOAD = ("(i=0; s=0; while :; do i=$((i+1)); s=$(( (s*31+i) % 1000000007 )); "
            "echo \"$i $s\" >> /tmp/log; done) >/dev/null 2>&1 &")
CHECK = ("awk '{ if ($1 != NR) bad = 1; s = (s * 31 + NR) % 1000000007; if ($2 != s) bad = 1 } "
         "END { print \"LOG\", (bad ? \"BAD\" : \"OK\"), NR }' /tmp/log")
CTRL_A = b"\x01"
WATCHDOG_S = 2  # busybox watchdog -T, as the guest's SP805 is programmed
CHECK_EVERY = 25  # faults between two log checks (a corrupted log stays corrupted: the last check sees it)


def fault_plan(n):
    """Which key each fault is: failures, and every tenth a hang."""
    return ["h" if k % 10 == 9 else "f" for k in range(n)]


def failovers(con):
    return len(FAILOVER_RE.findall(con.snapshot()))


def check_log(con, deadline, last_lines):
    """The log is consistent and longer than last time; returns its line count."""
    status, lines = run_command(con, CHECK, lambda out: (m := LOG_RE.search(out)) and m.groups(), deadline)
    lines = int(lines)
    if status != "OK":
        raise SmokeError(f"the log is inconsistent after {failovers(con)} failovers ({lines} lines)")
    if lines <= last_lines:
        raise SmokeError(f"the log stopped growing: {lines} lines, {last_lines} before")
    return lines


def inject(con, key, deadline):
    """Sends Ctrl-A key; for a failure or hang waits for Keel's failover line.
    Returns the seconds from the key to the failover (0 if none came)."""
    before = failovers(con)
    t0 = time.monotonic()
    con.proc.stdin.write(CTRL_A + key.encode())
    con.proc.stdin.flush()
    took = 0.0
    if key in "fh":
        con.wait(f"failover #{before + 1} after Ctrl-A {key}", lambda t: len(FAILOVER_RE.findall(t)) > before,
                 deadline)
        took = time.monotonic() - t0
    time.sleep(0.1)  # a few checkpoints, so typed input is not lost to the next fault
    return took


def typed_through_failover(con, deadline):
    """A line typed just before a failure is not lost with the failed run."""
    since = len(con.snapshot())
    con.proc.stdin.write(b"echo typed-$((40+2))\n" + CTRL_A + b"f")  # in one write: no checkpoint between, mostly
    con.proc.stdin.flush()
    at = con.wait("the failover after the typed line", lambda t: FAILOVER_RE.search(t), deadline, since).end()
    # Only after the failover line: what the failed run printed after its last checkpoint is never shown.
    con.wait("the typed line's output after the failover", lambda t: "typed-42" in t, deadline, since + at)
    time.sleep(0.1)


def declared_reboot_then_panic(con, deadline):
    """`reboot -f` is a declared reset (no failover); a panic afterwards is a failure."""
    before = failovers(con)
    since = len(con.snapshot())
    t0 = time.monotonic()
    con.type("reboot -f")
    con.wait("the declared reset", lambda t: "vm linux: restarting from its images (reset #1)" in t, deadline, since)
    if "SYSTEM_RESET2 (warm): a reset the guest meant" not in con.snapshot()[since:]:
        raise SmokeError("Linux's reboot did not make SYSTEM_RESET2 (warm)")
    con.wait("the shell prompt after the reboot", lambda t: PROMPT in t, deadline, since)
    if failovers(con) != before:
        raise SmokeError("a declared reboot was failed over")
    took = time.monotonic() - t0
    time.sleep(1)  # a few checkpoints of the new run
    since = len(con.snapshot())
    con.type("echo c > /proc/sysrq-trigger")
    why = con.wait("a failover after the panic", lambda t: (m := FAILOVER_RE.search(t)) and m.group(2), deadline,
                   since)
    if why != "SYSTEM_RESET not declared":
        raise SmokeError(f"the panic was failed over for '{why}', not as an undeclared SYSTEM_RESET")
    return f"reboot declared (back at the prompt in {took:.0f} s, no failover), a kernel crash failed over"


def run(args, con):
    deadline = time.monotonic() + args.timeout - 10
    con.wait("the shell prompt", lambda t: PROMPT in t, deadline)
    run_command(con, "test -c /dev/watchdog && echo WD-PRESENT", lambda out: "WD-PRESENT" in out, deadline)
    con.type(f"watchdog -T {WATCHDOG_S} -t 1 /dev/watchdog")
    con.type(WORKLOAD)
    time.sleep(1)
    lines = check_log(con, deadline, 0)
    kinds = {"f": 0, "h": 0}
    worst_hang = 0.0
    for k, key in enumerate(fault_plan(args.faults)):
        took = inject(con, key, deadline)
        if key == "h":
            worst_hang = max(worst_hang, took)
        kinds[key] += 1
        if k % CHECK_EVERY == CHECK_EVERY - 1 or k == args.faults - 1:
            lines = check_log(con, deadline, lines)
    if "vm linux: restarting" in con.snapshot():
        raise SmokeError("Keel restarted the VM from its images: a failure was not failed over")
    want = kinds["f"] + kinds["h"]
    got = failovers(con)
    if got < want:
        raise SmokeError(f"{got} failovers for {want} failures and hangs")
    causes = {}
    for _, why in FAILOVER_RE.findall(con.snapshot()):
        causes[why] = causes.get(why, 0) + 1
    # One failover per hang: the restored guest gets a whole watchdog period to feed again.
    if causes.get("watchdog expired", 0) != kinds["h"]:
        raise SmokeError(f"{causes.get('watchdog expired', 0)} watchdog failovers for {kinds['h']} hangs")
    if got != want:
        raise SmokeError(f"{got} failovers for {want} failures and hangs")
    typed_through_failover(con, deadline)
    ends = declared_reboot_then_panic(con, deadline)
    # Test d: a guest that stops feeding is failed over within the timeout (counted from its last feed,
    # at most 1 s before the hang) plus one interval; 1.5 s more for a loaded host's wall clock.
    if worst_hang > WATCHDOG_S + 0.02 + 1.5:
        raise SmokeError(f"a hang took {worst_hang:.1f} s to fail over (timeout {WATCHDOG_S} s)")
    return (f"{args.faults} faults ({kinds['f']} failures, {kinds['h']} hangs), "
            f"{got} failovers ({', '.join(f'{n} {w}' for w, n in sorted(causes.items()))}), "
            f"log of {lines} lines consistent, shell answering; hang to failover at most {worst_hang:.1f} s "
            f"(watchdog timeout {WATCHDOG_S} s); a line typed just before a failure ran after it; {ends}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "tests", "standby-linux"))
    ap.add_argument("--timeout", type=int, default=400)
    ap.add_argument("--faults", type=int, default=100)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "build", "tools", "keelcfg"), "--out", args.out, CONFIG], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    con = Console(["bash", "scripts/run-qemu.sh", args.out], os.path.join(args.out, "console.log"))
    try:
        result, ok = run(args, con), True
    except SmokeError as e:
        result, ok = str(e), False
    finally:
        con.kill()
    sys.stdout.write(con.snapshot().replace("\r", ""))
    print(f"STANDBY-LINUX {'OK' if ok else 'FAIL'}: {result}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
