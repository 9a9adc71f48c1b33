#!/usr/bin/env python3
"""Keel's benchmark runner: boots the same Linux guest natively on QEMU, under
Keel and under Xen 4.17 (Debian's), interleaved round by round, and writes

    build/bench/results.md    tables of medians and ratios, goals met or missed
    build/bench/results.png   keel/native and xen/native per metric (gnuplot)
    build/bench/raw.json      every boot and every sample
    build/bench/logs/         the console of every boot

Every system boots build/linux/Image with the same initramfs
(build/bench/initrd-bench.cpio.gz, whose /etc/keel-rc runs the suite named by
keelbench= on the kernel command line and prints KBENCH lines), the same
command line apart from the console device, and 2 vCPUs with 512 MiB for Linux.
The main comparison is like for like: native, keel (Linux alone,
configs/bench/linux-alone.dts) and xen all run on a 2-CPU QEMU. keel+nb is
Keel as the demo runs it, the ticker VM beside Linux on a third CPU of a
4-CPU QEMU (configs/bench/linux.dts): "Keel with a neighbour".
Two command-line variants (default; nokaslr mitigations=off) and two time
modes (wall clock; -icount shift=0) are measured; docs/benchmarks.md explains
why, and what the figures mean under emulation.

With --standby 10,20,50 Keel boots the same Linux VM under standby at each
checkpoint interval too, as more systems (keel-sb10 ...; docs/benchmarks.md).

The hypervisor microbenchmark guest (build/guests/bench-hv.bin, configs/bench/hv.dts)
runs under Keel and directly on QEMU in each round too, and so does, under Keel
only, the IPC and channel benchmark (guests/bench-ipc, configs/bench/ipc.dts).

Python 3 standard library only. Run from anywhere; paths are relative to the
repository. `bench/run.py --help` lists the options.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

from report import Report, plot, qemu_version, cpu_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from qemu_console import Console, stop_on_signals  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")

SYSTEMS = ("native", "keel", "keel+nb", "xen")
# Keel's systems: the configuration each boots and what QEMU machine it gets
# on top of run-qemu.sh's (-smp 4 -m 2048; later options win in QEMU).
# "keel" has Linux alone on a machine with the CPUs native and Xen have (2),
# and Xen's 1 GiB: Linux's RAM ends at 0x80000000. "keel+nb" is the demo's
# layout, the ticker VM on CPU 2 beside Linux on CPUs 0 and 1.
KEEL_SYSTEMS = {"keel": ("linux-alone.dts", ["-smp", "2", "-m", "1024"]),
                "keel+nb": ("linux.dts", [])}
# The standby systems: keel's CPUs, but Keel places the standby copy of
# Linux's 512 MiB above its RAM, beyond 1 GiB (Keel assumes the platform's
# 2 GiB and takes an EL2 abort on a smaller machine).
STANDBY_MACHINE = ["-smp", "2", "-m", "2048"]
# Native Linux takes all the RAM of its machine, so its -m is what Linux gets
# under Keel and Xen (512 MiB): same RAM for Linux, same CPUs for QEMU.
NATIVE_MACHINE = ["-smp", "2", "-m", "512"]
XEN_MEM = "1024"
# bench-hv under Keel uses CPUs 0 and 1 and RAM from 0x60000000: the 2-CPU
# machine of "keel", as natively (NATIVE_MACHINE). bench-ipc, Keel only,
# keeps run-qemu.sh's machine.
KEEL_HV_MACHINE = ["-smp", "2", "-m", "1024"]
# With --standby MS,...: Keel again, the Linux VM with a standby checkpointed
# every MS ms (docs/standby.md), one system per interval, named keel-sbMS.
STANDBY_PREFIX = "keel-sb"
# The standby node the standby systems add to the linux VM, nothing else changes.
# Detectors without "stop": Linux cannot declare its power-off (the suite's
# poweroff -f), so "stop" would make it a failover. Output "immediate": held
# output not committed by a checkpoint before that power-off would never show.
STANDBY_NODE = ('\n\t\t\tstandby {{\n\t\t\t\tinterval-ms = <{ms}>;\n\t\t\t\tdetectors = "abort";\n'
                '\t\t\t\tconsole-output = "immediate";\n\t\t\t}};')
CKPT_RE = re.compile(r"vm linux: checkpoint #(\d+): (\d+) pages copied, pause (\d+) us \(copy (\d+) us\)")
SB_STATS_RE = re.compile(r"stats: vm linux standby: (\d+) checkpoints(?: \(\d+ skipped, watchdog late\))?, (\d+) pages "
                         r"copied \(last \d+\), "
                         r"pause last \d+ us worst (\d+) us, (\d+) failovers")
FAILOVER_RE = re.compile(r"vm linux: (failover #\d+|failure \()")
MODES = ("wall", "icount")
VARIANTS = {
    "default": "",
    "nokaslr": "nokaslr mitigations=off",
}
# sleep=off: an idle machine jumps to its next timer deadline, so virtual time
# depends on the instructions run alone, never on the host's timer slack.
ICOUNT_ARGS = ["-icount", "shift=0,sleep=off"]
TICK_NS = 16  # CNTVCT at 62.5 MHz; under -icount shift=0 one tick is 16 instructions
# Metrics printed in ticks per KiB moved: reported as MB/s (under -icount, MB
# per second of virtual time, one instruction per ns). 1 KiB / (t x 16 ns).
PER_KIB = ("guest_memcpy", "channel_throughput")
MBPS_PER_KIB_TICK = 1024 / (TICK_NS * 1e-9) / 1e6  # = 64000

# The goals the benchmarks are judged by (from the issue). Each is checked on
# the wall-clock tables; "ratio" goals use the ratio column (>1 is slower).
#   (description, kind, variant, metric or None for every metric, limit)
# kinds: "ratio-max" keel/native <= limit; "vs-xen" keel/native <= xen/native
# (limit = tolerance); "mem-max" Keel's own memory in KiB <= limit;
# "memtotal-min" Linux MemTotal under Keel >= limit x native.
def log(msg):
    print("bench: " + msg, flush=True)


def path(*parts):
    return os.path.join(ROOT, *parts)


# --- one boot ---------------------------------------------------------------------------


def console(cmd, log_path):
    """A QEMU boot whose console bench reads (scripts/qemu_console.py)."""
    return Console(cmd, log_path, stdin=False, header=True)


KBENCH_RE = re.compile(r"KBENCH (\S+) (\S+) (\S+) (\S+) (\S+) (\d+)")
KHV_RE = re.compile(r"KHV (\S+) (\S+) (\S+)(?: (\S+) (\S+) (\d+))?")
UP_RE = re.compile(r"KEEL-LINUX-UP: (\d+) cpus, MemTotal: (\d+) kB")
MEMKV_RE = re.compile(r"(\w+):? (\d+) ?kB")
INIT_RE = re.compile(r"\[\s*(\d+\.\d+)\] Run /init as init process")


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def standby_ms(system):
    """The checkpoint interval of a standby system (keel-sb20 -> 20), else None."""
    return int(system[len(STANDBY_PREFIX):]) if system.startswith(STANDBY_PREFIX) else None


def console_text(system, line):
    """The Linux side of a console line: under Keel only [linux] lines count."""
    if system.startswith("keel"):
        if not line.startswith("[linux] "):
            return None
        return line[len("[linux] "):]
    return line


def parse_linux(system, lines):
    """Metrics, memory and markers from one Linux boot's console."""
    out = {"metrics": {}, "mem": {}, "keel_memory": None, "begin": None,
           "t_up": None, "t_first": None, "end": False}
    for t, raw in lines:
        if raw.startswith("[keel] memory:"):
            out["keel_memory"] = raw[len("[keel] "):]
        parse_standby(out, raw)
        text = console_text(system, raw)
        if text is None:
            continue
        m = UP_RE.search(text)
        if m and out["t_up"] is None:
            out["t_up"] = t
            out["cpus"] = int(m.group(1))
            out["mem"].setdefault("MemTotal", int(m.group(2)))
        m = INIT_RE.search(text)
        if m:
            out["kernel_to_init"] = float(m.group(1)) * 1000.0
        if "KBENCH-BEGIN" in text:
            out["begin"] = text[text.index("KBENCH-BEGIN"):]
            continue
        if "KBENCH-END" in text:
            out["end"] = True
            continue
        if "KBENCH-MEM" in text:
            for k, v in MEMKV_RE.findall(text[text.index("KBENCH-MEM"):]):
                out["mem"][k] = int(v)
            continue
        m = KBENCH_RE.search(text)
        if m:
            if out["t_first"] is None:
                out["t_first"] = t
            med, lo, hi = (number(m.group(i)) for i in (3, 4, 5))
            if med is not None:
                out["metrics"][m.group(1)] = {"unit": m.group(2), "median": med, "min": lo,
                                              "max": hi, "samples": int(m.group(6))}
    return out


def parse_standby(out, raw):
    """Keel's checkpoint lines (the first 5 and every 100th), its statistics
    line at the VM's power-off, and any failover, into out["standby"]."""
    if not raw.startswith("[keel] "):
        return
    sb = out.setdefault("standby", {"checkpoints": [], "stats": None, "failovers": []})
    m = CKPT_RE.search(raw)
    if m:
        sb["checkpoints"].append([int(g) for g in m.groups()])  # number, pages, pause us, copy us
    m = SB_STATS_RE.search(raw)
    if m:
        sb["stats"] = dict(zip(("checkpoints", "pages", "worst_pause_us", "failovers"), map(int, m.groups())))
    if FAILOVER_RE.search(raw):
        sb["failovers"].append(raw)


def parse_hv(lines, system, mode):
    """KHV lines of one bench-hv boot; under icount ticks become instructions."""
    metrics, end = {}, False
    for _, raw in lines:
        text = raw
        if system == "keel" and raw.startswith("["):
            text = raw.split("] ", 1)[-1]
        if "KHV-END" in text:
            end = True
            continue
        m = KHV_RE.search(text)
        if not m:
            continue
        name, unit = m.group(1), m.group(2)
        med = number(m.group(3))
        if med is None or unit != "ticks":
            metrics[name] = None  # e.g. "KHV vm_switch - n/a"
            continue
        lo, hi = number(m.group(4) or ""), number(m.group(5) or "")
        if name in PER_KIB:
            metrics[name] = per_kib_to_mbps(med, lo, hi, int(m.group(6) or 0))
            continue
        scale = TICK_NS
        metrics[name] = {"unit": "insns" if mode == "icount" else "ns", "ticks": med,
                         "median": med * scale, "min": lo * scale if lo is not None else None,
                         "max": hi * scale if hi is not None else None,
                         "samples": int(m.group(6) or 0)}
    return metrics, end


def per_kib_to_mbps(med, lo, hi, samples):
    """A ticks-per-KiB metric as MB/s: the fastest sample (fewest ticks) is the max."""
    mbps = lambda t: MBPS_PER_KIB_TICK / t if t else None
    return {"unit": "MB/s", "ticks": med, "median": mbps(med), "min": mbps(hi), "max": mbps(lo),
            "samples": samples}


# --- the systems ------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = path(BUILD, "bench")
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.image = path(BUILD, "linux", "Image")
        self.initrd = os.path.abspath(args.initrd) if args.initrd else path(BUILD, "bench", "initrd-bench.cpio.gz")
        self.xen = path(BUILD, "bench", "xen")
        self.unavailable = {}  # system -> reason
        self.keel_cfg = {}  # (system, mode, variant) -> config out dir
        self.systems = [s for s in SYSTEMS if not (args.no_nb and s == "keel+nb")] + \
            [STANDBY_PREFIX + str(ms) for ms in args.standby]
        self.boots = []
        self.hv = []
        self.hv_reason = None
        self.ipc = []
        self.ipc_reason = None

    # Linux's command line, the same everywhere but for the console device.
    def cmdline(self, system, variant, mode="wall"):
        parts = ["console=hvc0" if system == "xen" else "console=ttyAMA0", "rdinit=/init"]
        if VARIANTS[variant]:
            parts.append(VARIANTS[variant])
        suite = self.args.icount_bench_args if mode == "icount" else self.args.bench_args
        if suite:
            parts.append("keelbench=" + suite)
        return " ".join(parts)

    def check_inputs(self):
        need = [(self.image, "make linux"), (self.initrd, "make bench-guest"),
                (path(BUILD, "keel.bin"), "make keel"), (path(BUILD, "tools", "keelcfg"), "make tools"),
                (path(BUILD, "guests", "ticker.bin"), "make guests")]
        if self.args.no_linux:  # the microbenchmarks need no Linux, no initramfs
            need = need[2:]
        missing = [f"{os.path.relpath(f, ROOT)} (build it with '{how}')" for f, how in need
                   if not os.path.isfile(f)]
        if missing:
            sys.exit("bench: missing: " + "; ".join(missing))
        if shutil.which(QEMU) is None:
            sys.exit(f"bench: {QEMU} not found: run scripts/ensure-deps.sh")

    def keelcfg(self, dts, outdir):
        os.makedirs(os.path.dirname(outdir), exist_ok=True)
        r = subprocess.run([path(BUILD, "tools", "keelcfg"), "--out", outdir, dts], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"bench: keelcfg failed on {dts}:\n{r.stdout}{r.stderr}")

    def prepare_keel(self, modes, variants):
        """One configuration per Keel system, time mode and variant: its
        configs/bench file with the linux VM's bootargs (and initrd) replaced.
        The standby systems are "keel" plus a standby node."""
        initrd = os.path.relpath(self.initrd, ROOT)
        for system in (s for s in KEEL_SYSTEMS if s in self.systems):
            src = KEEL_SYSTEMS[system][0]
            template = open(path("configs", "bench", src), encoding="utf-8").read()
            for mode, v in ((m, v) for m in modes for v in variants):
                boot = self.cmdline("keel", v, mode).replace("\\", "\\\\").replace('"', '\\"')
                text, n = re.subn(r'(\n\t\tlinux \{.*?\n\t\t\tbootargs = )"[^"\n]*";',
                                  lambda m: m.group(1) + '"' + boot + '";', template, count=1, flags=re.S)
                text, k = re.subn(r'(\n\t\tlinux \{.*?\n\t\t\tinitrd = )"[^"\n]*";',
                                  lambda m: m.group(1) + '"' + initrd + '";', text, count=1, flags=re.S)
                if n != 1 or k != 1:
                    sys.exit(f"bench: configs/bench/{src}: no bootargs/initrd line in the linux VM to replace")
                name = f"{os.path.splitext(src)[0]}-{mode}-{v}"
                self.write_keel_config(text, (system, mode, v), name, src)
                if system != "keel":
                    continue
                for ms in self.args.standby:
                    sb, n = re.subn(r'(\n\t\tlinux \{.*?\n\t\t\tbootargs = "[^"\n]*";)',
                                    lambda m: m.group(1) + STANDBY_NODE.format(ms=ms), text, count=1, flags=re.S)
                    if n != 1:
                        sys.exit(f"bench: configs/bench/{src}: no bootargs line in the linux VM for the standby node")
                    self.write_keel_config(sb, (STANDBY_PREFIX + str(ms), mode, v), f"{name}-sb{ms}", src)

    def write_keel_config(self, text, key, name, src):
        dts = os.path.join(self.out, name + ".dts")
        with open(dts, "w", encoding="utf-8") as f:
            f.write(f"// Generated by bench/run.py from configs/bench/{src}: do not edit.\n" + text)
        self.keel_cfg[key] = os.path.join(self.out, "cfg", name)
        self.keelcfg(os.path.relpath(dts, ROOT), self.keel_cfg[key])

    def prepare_xen(self):
        if self.args.no_xen:
            self.unavailable["xen"] = "skipped (--no-xen)"
            return
        pins = path("bench", "packages")
        if not os.path.isfile(self.xen) or os.path.getmtime(pins) > os.path.getmtime(self.xen):
            log("build/bench/xen missing or older than bench/packages: running bench/fetch-xen.sh")
            r = subprocess.run(["bash", path("bench", "fetch-xen.sh")], cwd=ROOT,
                               capture_output=True, text=True)
            sys.stderr.write(r.stderr)
            if r.returncode != 0 or not os.path.isfile(self.xen):
                err = [l for l in r.stderr.splitlines() if "error" in l] or ["bench/fetch-xen.sh failed"]
                self.unavailable["xen"] = err[-1].replace("fetch-xen: error: ", "")

    def prepare_hv(self):
        if self.args.no_hv:
            self.hv_reason = "skipped (--no-hv)"
            return
        files = [path(BUILD, "guests", "bench-hv.bin"), path(BUILD, "guests", "bench-hv.elf")]
        self.hv_cfg, self.hv_reason = self.prepare_guest_config("hv", files)

    def prepare_ipc(self):
        if self.args.no_hv or self.args.no_ipc:
            self.ipc_reason = "skipped (--no-hv)" if self.args.no_hv else "skipped (--no-ipc)"
            return
        files = [path(BUILD, "guests", f"bench-ipc-{g}.bin") for g in ("server", "client")]
        self.ipc_cfg, self.ipc_reason = self.prepare_guest_config("ipc", files)

    def prepare_guest_config(self, name, images):
        """Compile configs/bench/NAME.dts once its images exist: (config dir, None) or (None, reason)."""
        dts = os.path.join("configs", "bench", f"{name}.dts")
        missing = [os.path.relpath(f, ROOT) for f in images + [path(dts)] if not os.path.isfile(f)]
        if missing:
            return None, "missing " + ", ".join(missing)
        cfg = os.path.join(self.out, "cfg", name)
        self.keelcfg(dts, cfg)
        return cfg, None

    @staticmethod
    def xen_smp(mode):
        return "1" if mode == "icount" else "2"

    def native_machine(self):
        return [QEMU, "-machine", "virt,gic-version=3", "-cpu", "cortex-a57"] + NATIVE_MACHINE + \
            ["-nographic", "-nic", "none", "-no-reboot"]

    @staticmethod
    def keel_machine(system):
        """QEMU options a Keel system adds to run-qemu.sh's machine."""
        return STANDBY_MACHINE if standby_ms(system) else KEEL_SYSTEMS[system][1]

    def command(self, system, mode, variant):
        extra = ICOUNT_ARGS if mode == "icount" else []
        line = self.cmdline(system, variant, mode)
        if system == "native":
            return self.native_machine() + ["-kernel", self.image, "-initrd", self.initrd,
                                            "-append", line] + extra
        if system.startswith("keel"):
            return ["bash", path("scripts", "run-qemu.sh"), self.keel_cfg[(system, mode, variant)], "--"] + \
                self.keel_machine(system) + extra
        # Xen: dom0 is our Linux, placed by QEMU's guest-loader (MEASURING.md).
        # Commas inside a -device property value are doubled. Under icount Xen
        # 4.17 hangs at boot with 2 physical CPUs (after "P2M: 4 levels", on
        # QEMU 7.2), so it gets 1 and runs dom0's 2 vCPUs on it: instruction
        # counts stay comparable, host times do not matter in that mode.
        return [QEMU, "-machine", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57",
                "-smp", self.xen_smp(mode), "-m", XEN_MEM, "-nographic", "-nic", "none", "-no-reboot",
                "-kernel", self.xen,
                "-append", "dom0_mem=512M,max:512M dom0_max_vcpus=2 console=dtuart dtuart=/pl011@9000000",
                "-device", "guest-loader,addr=0x42000000,kernel=" + self.image +
                ",bootargs=" + line.replace(",", ",,"),
                "-device", "guest-loader,addr=0x46000000,initrd=" + self.initrd] + extra

    def boot_linux(self, rnd, system, mode, variant):
        name = f"r{rnd}-{mode}-{variant}-{system}"
        con = console(self.command(system, mode, variant), os.path.join(self.logs, name + ".log"))
        try:
            state = con.wait_line(lambda l: "KBENCH-END" in l, con.start + self.args.timeout)
            if state == "done" and standby_ms(system):
                # Keel's standby statistics follow the VM's power-off.
                con.wait_line(lambda l: "stats: vm linux standby:" in l, time.monotonic() + 20)
        finally:
            rc = con.stop()
        res = parse_linux(system, con.lines)
        rec = {"round": rnd, "system": system, "mode": mode, "variant": variant,
               "log": os.path.relpath(con.log.name, ROOT), "seconds": round(time.monotonic() - con.start, 2),
               "cmdline": self.cmdline(system, variant, mode), "ok": state == "done" and res["end"]}
        if not rec["ok"]:
            rec["reason"] = (f"timeout after {self.args.timeout} s" if state == "timeout"
                             else f"QEMU exited with status {rc} before KBENCH-END")
            if res["t_up"] is None:
                rec["reason"] += ", Linux never reached /init"
        metrics = res["metrics"]
        if mode == "wall":
            t = res["t_up"] if res["t_up"] is not None else res["t_first"]
            if t is not None:
                metrics["boot_to_init"] = {"unit": "s", "median": round(t, 3), "min": None, "max": None,
                                           "samples": 1}
        if "kernel_to_init" in res:
            metrics["kernel_to_init"] = {"unit": "ms", "median": round(res["kernel_to_init"], 1),
                                         "min": None, "max": None, "samples": 1}
        rec.update(metrics=metrics, mem=res["mem"], begin=res["begin"], keel_memory=res["keel_memory"])
        if standby_ms(system):
            rec["standby"] = res.get("standby") or {"checkpoints": [], "stats": None, "failovers": []}
            if rec["standby"]["failovers"]:
                log(f"{name}: FAILOVER in a benchmark run: " + "; ".join(rec["standby"]["failovers"][:3]))
        self.boots.append(rec)
        status = "ok" if rec["ok"] else "FAILED: " + rec["reason"]
        log(f"{name}: {rec['seconds']} s, {len(res['metrics'])} metrics, {status}")
        return rec

    def boot_hv(self, rnd, system, mode):
        name = f"r{rnd}-{mode}-hv-{system}"
        extra = ICOUNT_ARGS if mode == "icount" else []
        if system == "keel":
            cmd = ["bash", path("scripts", "run-qemu.sh"), self.hv_cfg, "--"] + KEEL_HV_MACHINE + extra
        else:
            cmd = self.native_machine() + ["-kernel", path(BUILD, "guests", "bench-hv.elf")] + extra
        con = console(cmd, os.path.join(self.logs, name + ".log"))
        try:
            state = con.wait_line(lambda l: "KHV-END" in l, con.start + self.args.hv_timeout)
        finally:
            rc = con.stop()
        metrics, end = parse_hv(con.lines, system, mode)
        rec = {"round": rnd, "system": system, "mode": mode, "ok": state == "done" and end,
               "log": os.path.relpath(con.log.name, ROOT), "metrics": metrics}
        if not rec["ok"]:
            rec["reason"] = f"timeout after {self.args.hv_timeout} s" if state == "timeout" else \
                f"QEMU exited with status {rc} before KHV-END"
        self.hv.append(rec)
        log(f"{name}: {len(metrics)} metrics, {'ok' if rec['ok'] else 'FAILED: ' + rec['reason']}")

    def boot_ipc(self, rnd, mode):
        """bench-ipc under Keel (there is no IPC without it): its client prints the KHV lines."""
        name = f"r{rnd}-{mode}-ipc-keel"
        extra = ICOUNT_ARGS if mode == "icount" else []
        con = console(["bash", path("scripts", "run-qemu.sh"), self.ipc_cfg, "--"] + extra,
                      os.path.join(self.logs, name + ".log"))
        try:
            state = con.wait_line(lambda l: "KHV-END" in l, con.start + self.args.ipc_timeout)
        finally:
            rc = con.stop()
        metrics, end = parse_hv(con.lines, "keel", mode)
        rec = {"round": rnd, "system": "keel", "mode": mode, "ok": state == "done" and end,
               "log": os.path.relpath(con.log.name, ROOT), "metrics": metrics}
        if not rec["ok"]:
            rec["reason"] = f"timeout after {self.args.ipc_timeout} s" if state == "timeout" else \
                f"QEMU exited with status {rc} before KHV-END"
        self.ipc.append(rec)
        log(f"{name}: {len(metrics)} metrics, {'ok' if rec['ok'] else 'FAILED: ' + rec['reason']}")

    def run(self, modes, variants):
        systems = [s for s in self.systems if s not in self.unavailable]
        for rnd in range(1, self.args.rounds + 1):
            # icount is deterministic: its boots repeat exactly, so fewer rounds.
            for mode in (m for m in modes if m != "icount" or rnd <= self.args.icount_rounds):
                for variant in (variants if not self.args.no_linux else []):
                    for system in systems:
                        if system in self.unavailable:
                            continue
                        rec = self.boot_linux(rnd, system, mode, variant)
                        if system == "xen" and not rec["ok"] and rnd == 1 and \
                                not any(b["ok"] for b in self.boots if b["system"] == "xen"):
                            # Xen that cannot boot at all is not benchmarked further.
                            self.unavailable["xen"] = f"did not boot ({rec['reason']}; see {rec['log']})"
                if self.hv_reason is None:
                    for system in ("native", "keel"):
                        self.boot_hv(rnd, system, mode)
                if self.ipc_reason is None:
                    self.boot_ipc(rnd, mode)


def main():
    p = argparse.ArgumentParser(description="Boots Linux natively, under Keel and under Xen, interleaved, "
                                "and writes build/bench/results.md, results.png and raw.json.")
    p.add_argument("--rounds", type=int, default=3, help="rounds of interleaved boots (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="1 round, default variant, wall clock only, keelbench=--quick")
    p.add_argument("--no-xen", action="store_true", help="skip Xen")
    p.add_argument("--no-nb", action="store_true",
                   help="skip keel+nb (Keel with the ticker VM beside Linux on a 4-CPU QEMU)")
    p.add_argument("--no-hv", action="store_true", help="skip the bench-hv and bench-ipc microbenchmarks")
    p.add_argument("--no-ipc", action="store_true", help="skip the bench-ipc benchmark only")
    p.add_argument("--no-linux", action="store_true",
                   help="no Linux boots: only bench-hv and bench-ipc, in the rounds and modes given")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated: wall,icount")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated: default,nokaslr")
    p.add_argument("--bench-args", default=None,
                   help="keelbench= value for the guest suite (no spaces; default none, --quick with --quick)")
    p.add_argument("--icount-rounds", type=int, default=1,
                   help="rounds that include the icount boots (default 1: they repeat exactly)")
    p.add_argument("--icount-bench-args", default="--quick",
                   help="keelbench= value under icount (default --quick: 3 samples of 0.05 s of "
                   "virtual time, which repeat exactly; the full suite takes about 3 minutes per boot)")
    p.add_argument("--standby", default="",
                   help="comma-separated checkpoint intervals in ms (e.g. 10,20,50): Keel with the Linux VM "
                   "under standby, one more system per interval (keel-sbMS); default none")
    p.add_argument("--timeout", type=int, default=600, help="seconds per Linux boot (default 600)")
    p.add_argument("--hv-timeout", type=int, default=120, help="seconds per bench-hv boot (default 120)")
    p.add_argument("--ipc-timeout", type=int, default=300,
                   help="seconds per bench-ipc boot (default 300: its wall-clock channel and doorbell runs "
                        "slow down most on a loaded host)")
    p.add_argument("--initrd", help="benchmark initramfs (default build/bench/initrd-bench.cpio.gz)")
    args = p.parse_args()
    try:
        args.standby = [int(ms) for ms in args.standby.split(",") if ms]
    except ValueError:
        p.error("--standby takes comma-separated intervals in ms, e.g. 10,20,50")
    if any(not 1 <= ms <= 1000 for ms in args.standby):
        p.error("--standby intervals are 1 to 1000 ms")
    modes = [m for m in args.modes.split(",") if m]
    variants = [v for v in args.variants.split(",") if v]
    if args.quick:
        args.rounds, modes, variants = 1, ["wall"], ["default"]
        if args.bench_args is None:
            args.bench_args = "--quick"
    bad = [m for m in modes if m not in MODES] + [v for v in variants if v not in VARIANTS]
    if bad or args.rounds < 1:
        p.error("unknown mode or variant: " + ", ".join(bad) if bad else "--rounds must be at least 1")
    if any(a and re.search(r'[\s"]', a) for a in (args.bench_args, args.icount_bench_args)):
        p.error("--bench-args may not contain spaces or quotes (it is one kernel parameter)")

    # make's or a terminal's SIGTERM/SIGHUP: stop the QEMU running now, report the rest.
    stop_on_signals()
    started = datetime.datetime.now().astimezone()
    b = Bench(args)
    b.check_inputs()
    if not args.no_linux:
        b.prepare_keel(modes, variants)
        b.prepare_xen()
    b.prepare_hv()
    b.prepare_ipc()
    if "xen" in b.unavailable:
        log("xen: unavailable (" + b.unavailable["xen"] + ")")
    if b.hv_reason:
        log("bench-hv: not run (" + b.hv_reason + ")")
    if b.ipc_reason:
        log("bench-ipc: not run (" + b.ipc_reason + ")")
    try:
        b.run(modes, variants)
    except KeyboardInterrupt:
        log("interrupted: writing what was measured")

    # raw.json first: a report that fails must not lose the boots.
    with open(os.path.join(b.out, "raw.json"), "w", encoding="utf-8") as f:
        json.dump({"date": started.isoformat(), "qemu": qemu_version(), "host": " ".join(platform.uname()[:3]),
                   "cpu": cpu_model(), "rounds": args.rounds, "modes": modes, "variants": variants,
                   "unavailable": b.unavailable, "hv_unavailable": b.hv_reason,
                   "ipc_unavailable": b.ipc_reason, "linux": b.boots, "hv": b.hv, "ipc": b.ipc}, f, indent=1)
    report = Report(b, modes, variants, started)
    md = os.path.join(b.out, "results.md")
    report.write(md)
    plot(b, report.tables.get(("wall", "default")), os.path.join(b.out, "results.png"))
    log(f"wrote {os.path.relpath(md, ROOT)} and raw.json")
    print("\n".join(report.lines))
    ok = any(x["ok"] for x in b.boots + b.hv + b.ipc) if args.no_linux else any(x["ok"] for x in b.boots)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
