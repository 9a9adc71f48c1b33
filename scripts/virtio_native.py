#!/usr/bin/env python3
"""Checks the Linux guest's virtio front ends on bare QEMU (no Keel): the
stock Debian kernel with the modules of guests/linux/modules, driving the
virtio-mmio devices of QEMU's own virt board.

    scripts/virtio_native.py [--timeout 120] [--out build/virtio-native]
    scripts/virtio_native.py --print-cmd [--disk FILE] [--append ...]

Two boots of QEMU share one raw disk image (build/virtio-native/disk.img):

  1. the shell on the PL011 (stdio): /init printed "KEEL-VIRTIO: loaded N
     modules" with N the number of modules in the initramfs and none failed;
     a line written to /dev/hvc0 arrives on QEMU's chardev for the virtio
     console (a Unix socket, also logged to hvc0.log); eth0 is there and,
     with an address, pings QEMU's user-mode gateway; /dev/vda has the
     image's size, 1 MiB of random data is written to it, read back after
     dropping the page cache, and powered off. The image file on the host
     must then hold exactly that data (same md5).
  2. keel.console=hvc0: the shell must come up on /dev/hvc0 (the socket),
     not on the PL011; there it reads the 1 MiB back (same md5 across the
     QEMU restart) and powers off.

qemu_command() is the QEMU command line (also for benchmarks comparing
virtio-blk on bare QEMU with Keel); --print-cmd prints it, one shell-quoted
command. Logs go to OUT: serial-1.log, serial-2.log (the PL011) and
hvc0-1.log, hvc0-2.log (what the guest wrote to hvc0). Prints "VIRTIO-NATIVE OK" and exits 0 when every check passes;
otherwise the logs and "VIRTIO-NATIVE FAILED: reason", exit 1. Every QEMU is
killed by the end. Python 3 standard library only.
"""
import argparse
import gzip
import hashlib
import os
import re
import shlex
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smoke import Console, SmokeError, PROMPT, run_command  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
APPEND = "console=ttyAMA0 rdinit=/init"
DISK_MIB = 8
PATTERN_KIB = 1024
VIRTIO_RE = re.compile(r"KEEL-VIRTIO: loaded (\d+) modules in ([\d.]+) s(.*)")
MD5_RE = re.compile(r"\b([0-9a-f]{32})\b")


def qemu_command(build="build", smp=2, mem=512, append=APPEND, hvc=None, disk=None,
                 net="user", extra=()):
    """QEMU's virt board running build/linux/Image natively, its first serial
    port on stdio, plus virtio-mmio devices: a virtio console (hvc0) on the
    chardev given by hvc (a QEMU -chardev backend without its id, e.g.
    "socket,path=S,server=on,wait=on"; none when hvc is None), a virtio-blk
    disk (vda) on the raw image disk, and a virtio-net NIC (eth0) on the
    -netdev backend net ("user", "hubport,hubid=0"; none when None)."""
    cmd = [QEMU, "-machine", "virt,gic-version=3", "-cpu", "cortex-a57",
           "-smp", str(smp), "-m", str(mem), "-nographic", "-no-reboot",
           "-kernel", f"{build}/linux/Image", "-initrd", f"{build}/linux/initrd.cpio.gz",
           "-append", append]
    if hvc:
        cmd += ["-chardev", f"{hvc},id=hvc0", "-device", "virtio-serial-device",
                "-device", "virtconsole,chardev=hvc0"]
    if disk:
        cmd += ["-drive", f"if=none,id=vda,format=raw,file={disk}",
                "-device", "virtio-blk-device,drive=vda"]
    if net:
        cmd += ["-netdev", f"{net},id=eth0", "-device", "virtio-net-device,netdev=eth0"]
    else:
        cmd += ["-nic", "none"]
    return cmd + list(extra)


class SocketConsole(Console):
    """The virtio console's host end: QEMU's Unix socket chardev, with the
    same waiting and typing as smoke.Console (proc is QEMU, for its exit)."""

    def __init__(self, path, proc, deadline):
        self.text = ""
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.log = None
        self.proc = proc
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SmokeError(f"cannot connect to QEMU's chardev socket {path}")
                time.sleep(0.05)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.text += data.decode("utf-8", errors="replace")

    def type(self, line):
        for ch in (line + "\n").encode():
            self.sock.sendall(bytes([ch]))
            time.sleep(0.01)

    def kill(self):
        self.sock.close()


def initramfs_modules(path):
    """How many modules the initramfs's keel-load-order names (newc cpio)."""
    data = gzip.open(path).read()
    pos = 0
    while data[pos:pos + 6] == b"070701":
        size, namesize = int(data[pos + 54:pos + 62], 16), int(data[pos + 94:pos + 102], 16)
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += (110 + namesize + 3) & ~3
        if name.endswith("/keel-load-order"):
            return len(data[pos:pos + size].decode().split())
        pos += (size + 3) & ~3
    raise SmokeError(f"{path} has no lib/modules/*/keel-load-order")


class Boot:
    """One QEMU run: the serial console (stdio) and the virtio console."""

    def __init__(self, args, append, tag):
        self.sock = os.path.join(args.out, "hvc0.sock")
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        hvc = f"socket,path={self.sock},server=on,wait=on,logfile={args.out}/hvc0-{tag}.log"
        cmd = qemu_command(args.build, append=append, hvc=hvc, disk=args.disk)
        self.deadline = args.deadline
        self.serial = Console(cmd, os.path.join(args.out, f"serial-{tag}.log"))
        try:
            self.hvc = SocketConsole(self.sock, self.serial.proc, self.deadline)
        except SmokeError:
            self.serial.kill()
            raise
        self.tag = tag

    def poweroff(self, con):
        con.type("poweroff -f")
        try:
            self.serial.proc.wait(timeout=max(1, self.deadline - time.monotonic()))
        except Exception:
            raise SmokeError(f"boot {self.tag}: QEMU still runs after poweroff -f")

    def close(self):
        self.hvc.kill()
        self.serial.kill()


def md5_of(out):
    m = MD5_RE.search(out)
    return m and m.group(1)


READ_BACK = f"echo 3 >/proc/sys/vm/drop_caches; dd if=/dev/vda bs=64k count={PATTERN_KIB // 64} 2>/dev/null | md5sum"


def boot_one(args, expected_modules):
    """PL011 shell: modules, hvc0 output, eth0, writes the pattern to vda.
    Returns the md5 the guest read back."""
    b = Boot(args, APPEND, "1")
    try:
        con = b.serial
        m = con.wait("KEEL-VIRTIO", lambda t: VIRTIO_RE.search(t), b.deadline)
        if int(m.group(1)) != expected_modules or m.group(3).strip():
            raise SmokeError(f"expected {expected_modules} modules loaded, none failed: '{m.group(0)}'")
        print(f"virtio-native: {m.group(0).strip()}")
        con.wait("the shell prompt", lambda t: PROMPT in t, b.deadline)
        time.sleep(0.5)
        # QEMU's virtio-serial is multiport: the port comes a little after the driver.
        sent = run_command(con, "for i in $(seq 30); do [ -c /dev/hvc0 ] && break; sleep 0.1; done; "
                           "if [ -c /dev/hvc0 ]; then echo HVC-HELLO-$((6*7)) >/dev/hvc0; echo sent; "
                           "else echo no-hvc0; fi", lambda o: re.search(r"^(sent|no-hvc0)", o, re.M), b.deadline)
        if sent.group(1) != "sent":
            raise SmokeError("no /dev/hvc0")
        b.hvc.wait("the line on hvc0", lambda t: "HVC-HELLO-42" in t, b.deadline)
        print("virtio-native: a line written to /dev/hvc0 arrived on QEMU's chardev")

        link = run_command(con, "ip link show eth0", lambda o: re.search(r"eth0: .*\n.*link/ether (\S+)", o)
                           or ("NET-END" if "can't find device" in o else None), b.deadline)
        if link == "NET-END":
            raise SmokeError("no eth0")
        ping = run_command(con, "ip addr add 10.0.2.15/24 dev eth0; ip link set eth0 up; "
                           "ping -c 3 -W 5 10.0.2.2 | grep received",
                           lambda o: re.search(r"(\d+) packets received", o), b.deadline)
        if int(ping.group(1)) < 1:
            raise SmokeError("eth0: no ping answer from QEMU's gateway 10.0.2.2")
        print(f"virtio-native: eth0 ({link.group(1)}) pings 10.0.2.2: "
              f"{ping.group(1)} of 3 answers")

        size = run_command(con, "cat /sys/block/vda/size || echo no-vda",
                           lambda o: re.search(r"^(\d+|no-vda)\s*$", o, re.M), b.deadline)
        if size.group(1) == "no-vda":
            raise SmokeError("no /dev/vda")
        if int(size.group(1)) * 512 != DISK_MIB << 20:
            raise SmokeError(f"/dev/vda has {size.group(1)} sectors, the image {DISK_MIB} MiB")
        run_command(con, f"dd if=/dev/urandom of=/dev/vda bs=64k count={PATTERN_KIB // 64} conv=fsync "
                    "2>/dev/null; echo written $?", lambda o: re.search(r"written (\d+)", o), b.deadline)
        guest_md5 = run_command(con, READ_BACK, md5_of, b.deadline)
        print(f"virtio-native: wrote {PATTERN_KIB} KiB to /dev/vda, read back md5 {guest_md5}")
        b.poweroff(con)
    finally:
        b.close()
    with open(args.disk, "rb") as f:
        host_md5 = hashlib.md5(f.read(PATTERN_KIB * 1024)).hexdigest()
    if host_md5 != guest_md5:
        raise SmokeError(f"the disk image holds md5 {host_md5}, the guest read {guest_md5}")
    print("virtio-native: the host's image file holds the same data")
    return guest_md5


def boot_two(args, expected_md5):
    """keel.console=hvc0: the shell on the virtio console reads the pattern."""
    b = Boot(args, APPEND + " keel.console=hvc0", "2")
    try:
        b.serial.wait("the shell moving to hvc0", lambda t: "the shell runs on /dev/hvc0" in t, b.deadline)
        con = b.hvc
        con.wait("the shell prompt on hvc0", lambda t: PROMPT in t, b.deadline)
        time.sleep(0.5)
        tty = run_command(con, "tty", lambda o: re.search(r"^(/dev/\S+)\s*$", o, re.M), b.deadline)
        if tty.group(1) != "/dev/hvc0":
            raise SmokeError(f"the shell's tty is {tty.group(1)}, not /dev/hvc0")
        md5 = run_command(con, READ_BACK, md5_of, b.deadline)
        if md5 != expected_md5:
            raise SmokeError(f"after the restart /dev/vda reads md5 {md5}, written {expected_md5}")
        print(f"virtio-native: shell on /dev/hvc0 (keel.console=hvc0); /dev/vda kept its data "
              "across the QEMU restart")
        if PROMPT in b.serial.snapshot():
            raise SmokeError("a shell prompt appeared on the PL011 too")
        b.poweroff(con)
    finally:
        b.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--timeout", type=float, default=120, help="seconds for both boots (120)")
    ap.add_argument("--out", default=None, help="work directory (BUILD/virtio-native)")
    ap.add_argument("--disk", help="raw disk image (OUT/disk.img, made anew)")
    ap.add_argument("--append", default=APPEND, help="--print-cmd: kernel command line")
    ap.add_argument("--print-cmd", action="store_true",
                    help="print the QEMU command line (hvc0 on a socket in OUT) and stop")
    args = ap.parse_args()
    args.build = os.environ.get("BUILD", "build")
    args.out = args.out or os.path.join(args.build, "virtio-native")
    os.chdir(ROOT)
    if args.print_cmd:
        print(shlex.join(qemu_command(args.build, append=args.append, disk=args.disk or f"{args.out}/disk.img",
                                      hvc=f"socket,path={args.out}/hvc0.sock,server=on,wait=off")))
        return 0
    os.makedirs(args.out, exist_ok=True)
    if not args.disk:
        args.disk = os.path.join(args.out, "disk.img")
        with open(args.disk, "wb") as f:
            f.truncate(DISK_MIB << 20)
    start = time.monotonic()
    args.deadline = start + args.timeout
    try:
        expected = initramfs_modules(f"{args.build}/linux/initrd.cpio.gz")
        md5 = boot_one(args, expected)
        boot_two(args, md5)
    except (SmokeError, OSError) as e:
        for name in sorted(os.listdir(args.out)):
            if name.endswith(".log"):
                print(f"----- {name} -----")
                with open(os.path.join(args.out, name), errors="replace") as f:
                    print(f.read()[-6000:])
        print(f"VIRTIO-NATIVE FAILED: {e}")
        return 1
    print(f"VIRTIO-NATIVE OK ({time.monotonic() - start:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
