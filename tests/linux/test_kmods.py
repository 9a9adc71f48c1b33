#!/usr/bin/env python3
"""Tests guests/linux/kmods.py, which copies kernel modules and their
dependencies from a kernel .deb into the initramfs, on small made-up
packages: each "module" is a minimal ELF64 file with only a .modinfo section
(name, depends, vermagic), packed with dpkg-deb like Debian's kernel package.

    tests/linux/test_kmods.py [--out DIR] [--timeout SEC]

(the options make it a system test of kind "native"; --timeout is ignored,
every case takes well under a second). Prints PASS/FAIL per case and
"KMODS: N tests, M failures"; exits 1 on a failure.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMODS = os.path.join(ROOT, "guests", "linux", "kmods.py")
VERSION = "6.1.0-99-arm64"
MAGIC = VERSION + " SMP mod_unload modversions aarch64"


def elf_module(fields):
    """An ELF64 little-endian relocatable file whose sections are a null
    section, .modinfo (the NUL-separated key=value fields) and .shstrtab."""
    modinfo = b"".join(f"{k}={v}\0".encode() for k, v in fields)
    shstrtab = b"\0.modinfo\0.shstrtab\0"
    body = modinfo + shstrtab
    shoff = 64 + len(body) + (-(64 + len(body)) % 8)
    ehdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack(
        "<HHIQQQIHHHHHH", 1, 183, 1, 0, 0, shoff, 0, 64, 0, 0, 64, 3, 2)
    sections = [(0, 0, 0, 0), (1, 1, 64, len(modinfo)), (10, 3, 64 + len(modinfo), len(shstrtab))]
    shdrs = b"".join(struct.pack("<IIQQQQIIQQ", name, kind, 0, 0, off, size, 0, 0, 1, 0)
                     for name, kind, off, size in sections)
    return ehdr + body + b"\0" * (shoff - 64 - len(body)) + shdrs


# name -> (path under kernel/, depends, vermagic)
PACKAGE = {
    "core_a": ("kernel/drivers/a/core_a.ko", "", MAGIC),
    "mid_b": ("kernel/drivers/b/mid-b.ko", "core_a", MAGIC),
    "top_c": ("kernel/net/top_c.ko", "mid_b,core_a", MAGIC),
    "side_d": ("kernel/drivers/d/side_d.ko", "core_a", MAGIC),
    "lone_e": ("kernel/lone_e.ko", "", MAGIC),
    "needs_ghost": ("kernel/needs_ghost.ko", "ghost", MAGIC),
    "cyc_x": ("kernel/cyc_x.ko", "cyc_y", MAGIC),
    "cyc_y": ("kernel/cyc_y.ko", "cyc_x", MAGIC),
    "old_f": ("kernel/old_f.ko", "", "6.1.0-1-arm64 SMP mod_unload aarch64"),
}
BUILTIN = ["kernel/drivers/virtio/virtio.ko"]


def make_deb(work):
    tree = os.path.join(work, "pkg")
    top = os.path.join(tree, "lib", "modules", VERSION)
    for name, (path, deps, magic) in PACKAGE.items():
        os.makedirs(os.path.dirname(os.path.join(top, path)), exist_ok=True)
        with open(os.path.join(top, path), "wb") as f:
            f.write(elf_module([("license", "GPL"), ("depends", deps), ("name", name),
                                ("vermagic", magic)]))
    with open(os.path.join(top, "modules.builtin"), "w") as f:
        f.write("".join(p + "\n" for p in BUILTIN))
    os.makedirs(os.path.join(tree, "DEBIAN"))
    with open(os.path.join(tree, "DEBIAN", "control"), "w") as f:
        f.write("Package: linux-image-test\nVersion: 1\nArchitecture: arm64\n"
                "Maintainer: keel\nDescription: test\n")
    deb = os.path.join(work, "linux-image-test.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree, deb],
                   check=True, stdout=subprocess.DEVNULL)
    return deb


def run_kmods(work, deb, names):
    lst = os.path.join(work, "list")
    with open(lst, "w") as f:
        f.write("# a comment\n\n" + "".join(n + "  # why\n" for n in names))
    staging = os.path.join(work, "staging")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    p = subprocess.run([sys.executable, KMODS, deb, lst, staging], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, os.path.join(staging, "lib", "modules", VERSION)


def read(path):
    with open(path) as f:
        return f.read().splitlines()


class Cases:
    def __init__(self, work, deb):
        self.work, self.deb, self.tests, self.failures = work, deb, 0, 0

    def check(self, what, ok, detail=""):
        self.tests += 1
        if ok:
            print(f"PASS: {what}")
        else:
            self.failures += 1
            print(f"FAIL: {what}{': ' + detail if detail else ''}")

    def order_and_files(self):
        status, out, top = run_kmods(self.work, self.deb, ["top_c", "side-d"])
        self.check("a good list succeeds", status == 0, out)
        if status:
            return
        order = read(os.path.join(top, "keel-load-order"))
        want = [PACKAGE[n][0] for n in ("core_a", "mid_b", "top_c", "side_d")]
        self.check("dependencies come first, each module once, list order kept", order == want,
                   f"{order}")
        src = os.path.join(self.work, "pkg", "lib", "modules", VERSION)
        self.check("only the needed modules are copied, byte for byte",
                   all(os.path.isfile(os.path.join(top, p)) and
                       open(os.path.join(top, p), "rb").read() == open(os.path.join(src, p), "rb").read()
                       for p in want)
                   and not os.path.exists(os.path.join(top, PACKAGE["lone_e"][0])))
        dep = read(os.path.join(top, "modules.dep"))
        self.check("modules.dep lists every module with all it needs, nearest first",
                   f"{PACKAGE['top_c'][0]}: {PACKAGE['mid_b'][0]} {PACKAGE['core_a'][0]}" in dep
                   and f"{PACKAGE['core_a'][0]}:" in dep and len(dep) == 4, f"{dep}")

    def refusals(self):
        cases = [
            (["lone_e", "nothere"], "no module nothere", "a name the package lacks"),
            (["virtio"], "built into kernel", "a module built into the kernel"),
            (["needs_ghost"], "needs ghost", "a dependency the package lacks"),
            (["cyc_x"], "dependency cycle", "a dependency cycle"),
            (["old_f"], "vermagic", "a module for another kernel version"),
        ]
        for names, message, what in cases:
            status, out, top = run_kmods(self.work, self.deb, names)
            self.check(f"{what} stops the build, saying so", status != 0 and message in out
                       and not os.path.exists(os.path.join(top, "keel-load-order")), out.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="work directory (default: a temporary one)")
    ap.add_argument("--timeout", type=float, help="ignored")
    args = ap.parse_args()
    work = args.out or tempfile.mkdtemp(prefix="kmods-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cases = Cases(work, make_deb(work))
    cases.order_and_files()
    cases.refusals()
    print(f"KMODS: {cases.tests} tests, {cases.failures} failures")
    if not args.out:
        shutil.rmtree(work)
    return 1 if cases.failures else 0


if __name__ == "__main__":
    sys.exit(main())
