"""One driver for QEMU's console, shared by every script that boots QEMU and
reads what it prints: scripts/smoke.py (and the tests built on it),
bench/run.py, bench/rt.py, bench/virtio.py and bench/standby.py.

    con = Console(cmd, log_path)           # starts cmd, reads its output
    con.wait("the prompt", lambda t: "# " in t, deadline)   # on the text
    con.wait_line(lambda l: "KBENCH-END" in l, deadline)    # line by line
    con.type("nproc")                       # one line of console input
    rc = con.stop()                         # kills its process group

The command runs in a process group of its own, so stop() ends QEMU also
when a wrapper started it (run-qemu.sh execs QEMU; `timeout` forks it).
A reader thread keeps two views of the output: `text`, everything so far
including a partial last line (a shell prompt has no newline), and `lines`,
the complete lines as (seconds since the start, line without "\r"). The log
file, when given, gets the output as it arrives, unchanged.

Consoles still running when Python exits are stopped (atexit); call
stop_on_signals() in a script's main() to make SIGTERM and SIGHUP exit
through that too. Python 3 standard library only.
"""
import atexit
import codecs
import os
import signal
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIVE = set()  # consoles not stopped yet, stopped at exit


class ConsoleError(Exception):
    """A wait that failed: the deadline passed or QEMU exited first."""


class Console:
    """A command (QEMU, or a script that execs it) whose output is its console.
    A subclass may read another source (scripts/virtio_native.py reads a
    socket): it keeps text under lock and proc, and wait() still works."""

    eof = False  # the reader saw the end of the output (all of it is in text)

    def __init__(self, cmd, log_path=None, stdin=True, header=False, cwd=ROOT):
        """Starts cmd with stdout and stderr on one pipe; stdin a pipe for
        type() and write() when stdin is true, else /dev/null. header: the
        log's first line is "# " and the command."""
        self.cmd = list(cmd)
        self.text = ""
        self.lines = []
        self._partial = ""
        self._cursor = 0  # the next line wait_line() looks at
        self.lock = threading.Lock()
        self.log = open(log_path, "w", encoding="utf-8", errors="replace") if log_path else None
        if self.log and header:
            self.log.write("# " + " ".join(self.cmd) + "\n")
            self.log.flush()
        self.start = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, cwd=cwd,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.returncode = None
        _LIVE.add(self)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            data = self.proc.stdout.read1(4096)
            chunk = decoder.decode(data, final=not data)
            now = time.monotonic() - self.start
            with self.lock:
                self._take(chunk, now)
                if not data:
                    if self._partial:
                        self.lines.append((now, self._partial))
                        self._partial = ""
                    self.eof = True
            if self.log and chunk and not self.log.closed:
                self.log.write(chunk)
                self.log.flush()
            if not data:
                return

    def _take(self, chunk, now):
        """Adds chunk to the text and its complete lines to lines (lock held)."""
        self.text += chunk
        parts = (self._partial + chunk).split("\n")
        self._partial = parts.pop()
        self.lines.extend((now, p.replace("\r", "")) for p in parts)

    def snapshot(self):
        """Everything printed so far, partial last line included."""
        with self.lock:
            return self.text

    def elapsed(self):
        return time.monotonic() - self.start

    def wait(self, what, cond, deadline, since=0):
        """Waits until cond(text[since:]) is truthy and returns its value.
        deadline is time.monotonic() time. Raises ConsoleError, naming what,
        when the deadline passes or the command exits first. Polls every
        0.1 s."""
        while True:
            found = cond(self.snapshot()[since:])
            if found:
                return found
            if self.eof or self.proc.poll() is not None:
                if not self.eof:
                    time.sleep(0.2)  # a reader of another source: let it drain
                found = cond(self.snapshot()[since:])
                if found:
                    return found
                raise ConsoleError(f"QEMU exited ({self.proc.poll()}) while waiting for {what}")
            if time.monotonic() > deadline:
                raise ConsoleError(f"timed out after {self.elapsed():.0f}s waiting for {what}")
            time.sleep(0.1)

    def wait_line(self, done, deadline):
        """Looks at each complete line not looked at by an earlier call, in
        order, until done(line) is true. Returns "done", "exited" (the output
        ended first) or "timeout" (deadline, time.monotonic() time, passed).
        Polls every 0.05 s; each line keeps the time it arrived at."""
        while True:
            with self.lock:
                new, eof = self.lines[self._cursor:], self.eof
            for _, line in new:
                self._cursor += 1
                if done(line):
                    return "done"
            if eof:
                return "exited"
            if time.monotonic() > deadline:
                return "timeout"
            time.sleep(0.05)

    def wait_exit(self, deadline):
        """Waits for the command to exit; its status, or None at the deadline."""
        try:
            return self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def write(self, data):
        """Sends bytes to the console as they are."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def type(self, line, delay=0.01):
        """Types one line a key at a time: a guest UART may have a small receive FIFO."""
        for ch in (line + "\n").encode():
            self.write(bytes([ch]))
            time.sleep(delay)

    def stop(self):
        """Kills the command's process group if it still runs, waits for it,
        lets the reader drain and closes the log. Returns the exit status
        (negative: the signal that ended it). Safe to call again."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.returncode = self.proc.wait()
        self._reader.join(timeout=5)
        if self.log and not self.log.closed:
            self.log.close()
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        _LIVE.discard(self)
        return self.returncode

    kill = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _stop_all():
    for con in list(_LIVE):
        con.stop()


def stop_on_signals():
    """Makes SIGTERM and SIGHUP raise KeyboardInterrupt, so that a killed
    script unwinds and its consoles' QEMUs are stopped rather than left
    running in their own process groups."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)


atexit.register(_stop_all)
