#!/usr/bin/env python3
"""make bench-virtio: Keel's virtio back ends measured side by side in one run.

- Disk: sequential 1 MiB reads and writes (O_DIRECT) and 4 KiB random reads
  on a 64 MiB raw image, by Debian's Linux through Keel's virtio-blk, and by
  the same Linux directly on QEMU through QEMU's own virtio-blk. Goal:
  Keel at least 0.8x of bare QEMU.
- Network: the round trip of a ping between two Linux VMs on Keel's switch,
  against a pipe round trip inside one of them (keel-bench pipe_lat, the
  same VM, the same boot). Goal: within 2x. Also TCP throughput (10 MiB).

Every figure is the guest's own clock (/proc/uptime, 10 ms resolution,
over transfers of several seconds). The random-read row includes the cost of
starting dd for each read, the same on both sides. Results: printed, and
written to build/bench/virtio/results.md.
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import virtio_native  # noqa: E402  (its QEMU command line for bare QEMU)
from qemu_console import Console, stop_on_signals  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

DISK_RC = r"""
t() { cut -d' ' -f1 /proc/uptime | tr -d .; }
rate() { echo "KVIO $1 $(( $2 * 100 / ($4 - $3 + 1) ))"; }
s=$(t); dd if=/dev/zero of=/dev/vda bs=1M count=48 oflag=direct 2>/dev/null; e=$(t); rate blk_seq_write_MBps 48 $s $e
s=$(t); dd if=/dev/vda of=/dev/null bs=1M count=48 iflag=direct 2>/dev/null; e=$(t); rate blk_seq_read_MBps 48 $s $e
s=$(t); i=0; while [ $i -lt 300 ]; do dd if=/dev/vda of=/dev/null bs=4k count=1 skip=$(( (i * 7919) % 16000 )) iflag=direct 2>/dev/null; i=$((i + 1)); done; e=$(t)
rate blk_rand_read_4k_iops 300 $s $e
"""

NATIVE_RC = DISK_RC + "echo KVIO-END\npoweroff -f\n"

KEEL_A_RC = DISK_RC + r"""
ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up
for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 2 10.0.0.2 >/dev/null && break; done
ping -c 30 -i 0.1 10.0.0.2 | sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|KVIO net_ping_rtt_ms \1|p'
/bin/keel-bench --quick --only pipe_lat 2>/dev/null | sed -n 's/^KBENCH pipe_lat us \([0-9.]*\).*/KVIO pipe_rtt_us \1/p'
s=$(t); (seq 1 2000000 | head -c 10485760; sleep 1) | nc 10.0.0.2 5000; e=$(t); rate net_tcp_MBps 10 $s $((e - 100))
echo KVIO-END
"""

KEEL_B_RC = r"""
ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up
(sleep 100000 | nc -l -p 5000 >/dev/null) &
"""

KEEL_DTS = """/dts-v1/;
/ {{ compatible = "keel,system-v1"; platform = "qemu-virt";
    vms {{
        a {{ vcpus = <2>; cpu-affinity = <0 1>;
            kernel = "build/linux/Image"; initrd = "{a_initrd}";
            bootargs = "console=ttyAMA0 rdinit=/init";
            memory@40000000 {{ reg = <0x0 0x40000000 0x0 0x10000000>; phys = <0x0 0x60000000>; }};
            virtio {{
                eth0 {{ device = "net"; network = "lan"; }};
                vda {{ device = "blk"; image = "{disk}"; }};
            }};
        }};
        b {{ vcpus = <2>; cpu-affinity = <2 3>;
            kernel = "build/linux/Image"; initrd = "{b_initrd}";
            bootargs = "console=ttyAMA0 rdinit=/init";
            memory@40000000 {{ reg = <0x0 0x40000000 0x0 0x10000000>; phys = <0x0 0x70000000>; }};
            virtio {{ eth0 {{ device = "net"; network = "lan"; }}; }};
        }};
    }};
}};
"""


def initrd(out, name, rc, with_bench):
    """The Linux guest's initramfs plus /etc/keel-rc (and keel-bench)."""
    root = os.path.join(out, f"root-{name}")
    subprocess.run(["rm", "-rf", root], check=True)
    os.makedirs(os.path.join(root, "etc"))
    os.makedirs(os.path.join(root, "bin"))
    with open(os.path.join(root, "etc", "keel-rc"), "w") as f:
        f.write(rc)
    if with_bench:
        subprocess.run(["cp", "build/bench/keel-bench", os.path.join(root, "bin", "keel-bench")], check=True)
    extra = os.path.join(out, f"extra-{name}.cpio.gz")
    subprocess.run(["python3", "guests/linux/mkcpio.py", extra, root], check=True)
    path = os.path.join(out, f"initrd-{name}.cpio.gz")
    with open(path, "wb") as f:
        for part in ("build/linux/initrd.cpio.gz", extra):
            with open(part, "rb") as p:
                f.write(p.read())
    return path


def fresh_disk(path):
    with open(path, "wb") as f:
        f.truncate(64 << 20)


def run(cmd, timeout, log):
    """Run QEMU until the guest says KVIO-END (or the timeout); return the KVIO figures."""
    figures = {}
    con = Console(cmd, log, stdin=False, cwd=os.getcwd())
    try:
        con.wait_line(lambda line: "KVIO-END" in line, time.monotonic() + timeout)
    finally:
        con.stop()
    for _, line in con.lines:
        m = re.search(r"KVIO (\w+) ([0-9.]+)", line)
        if m:
            figures[m.group(1)] = float(m.group(2))
    return figures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=int, default=400, help="seconds per boot (400)")
    args = ap.parse_args()
    stop_on_signals()
    os.chdir(ROOT)
    out = "build/bench/virtio"
    os.makedirs(out, exist_ok=True)
    disk = os.path.abspath(os.path.join(out, "disk.img"))

    fresh_disk(disk)
    native_initrd = initrd(out, "native", NATIVE_RC, False)
    cmd = virtio_native.qemu_command(disk=disk, net=None)
    cmd[cmd.index("-initrd") + 1] = native_initrd
    native = run(["timeout", str(args.timeout)] + cmd, args.timeout, os.path.join(out, "native.log"))

    fresh_disk(disk)
    dts = os.path.join(out, "keel.dts")
    with open(dts, "w") as f:
        f.write(KEEL_DTS.format(a_initrd=initrd(out, "a", KEEL_A_RC, True), b_initrd=initrd(out, "b", KEEL_B_RC, False),
                                disk=disk))
    subprocess.run(["build/tools/keelcfg", "--out", os.path.join(out, "cfg"), dts], check=True,
                   stdout=subprocess.DEVNULL)
    keel = run(["bash", "scripts/run-qemu.sh", "--timeout", str(args.timeout), os.path.join(out, "cfg")],
               args.timeout, os.path.join(out, "keel.log"))

    rows = ["| metric | bare QEMU | Keel | ratio | goal |", "|---|---|---|---|---|"]
    for name, goal in (("blk_seq_write_MBps", ">= 0.8"), ("blk_seq_read_MBps", ">= 0.8"),
                       ("blk_rand_read_4k_iops", ">= 0.8")):
        n, k = native.get(name), keel.get(name)
        ratio = f"{k / n:.2f}" if n and k else "-"
        rows.append(f"| {name} | {n if n is not None else '-'} | {k if k is not None else '-'} | {ratio} | {goal} |")
    ping, pipe = keel.get("net_ping_rtt_ms"), keel.get("pipe_rtt_us")
    ratio = f"{ping * 1000 / pipe:.2f}" if ping and pipe else "-"
    rows.append(f"| net ping round trip (ms) / pipe round trip (us), same VM | - | {ping} / {pipe} | {ratio} | <= 2 |")
    rows.append(f"| net_tcp_MBps (10 MiB, a to b) | - | {keel.get('net_tcp_MBps')} | - | - |")
    text = "\n".join(rows) + "\n"
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    missing = [m for m in ("blk_seq_write_MBps", "blk_seq_read_MBps") if m not in native or m not in keel]
    if missing:
        print(f"bench-virtio: missing figures {missing}; see {out}/native.log and {out}/keel.log", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
