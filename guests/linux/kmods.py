#!/usr/bin/env python3
"""Puts kernel modules from Debian's kernel package into the Linux guest's
initramfs staging directory, with everything they depend on, and writes the
order in which /init loads them.

Debian's linux-image .deb carries no modules.dep (depmod writes it when the
package is installed), so the dependencies come from each module's own
.modinfo section: its "depends=" field is what the kernel's modpost computed
from the symbols the module imports, the same facts depmod turns into
modules.dep. The .deb is read as a stream (dpkg-deb --fsys-tarfile), once to
index every module and keep the listed ones, and a second time only when a
dependency outside the list must be fetched.

Writes, under STAGING/lib/modules/<version>/:
    kernel/.../*.ko     the modules, at their paths in the package
    modules.dep         depmod's format, so busybox modprobe works too
    keel-load-order     module paths (relative to that directory), one per
                        line, every module after all it depends on

usage: kmods.py DEB LIST STAGING
LIST: one module name per line ("-" and "_" are the same); "#" starts a
comment. A name the package does not have is an error; so is one built into
the kernel (it needs no loading: remove it from the list).
"""
import os
import re
import struct
import subprocess
import sys
import tarfile

KO_RE = re.compile(r"^\./lib/modules/([^/]+)/(kernel/.+\.ko)$")
BUILTIN_RE = re.compile(r"^\./lib/modules/([^/]+)/modules\.builtin$")


def die(msg):
    sys.exit(f"kmods: error: {msg}")


def norm(name):
    return name.strip().replace("-", "_")


def modinfo(data, path):
    """The key=value pairs of an ELF64 little-endian module's .modinfo."""
    if data[:6] != b"\x7fELF\x02\x01":
        die(f"{path}: not a 64-bit little-endian ELF module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def section(i):
        name, _type, _flags, _addr, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        return name, off, size
    _, str_off, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", str_off + name)
        if data[str_off + name:end] == b".modinfo":
            info = {}
            for field in data[off:off + size].split(b"\0"):
                key, sep, value = field.decode(errors="replace").partition("=")
                if sep:
                    info.setdefault(key, value)
            return info
    die(f"{path}: no .modinfo section")


def stream(deb):
    """(member, file object) for every regular file in the .deb's data."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            if member.isfile():
                yield member, tar.extractfile(member)
    if proc.wait() != 0:
        die(f"dpkg-deb --fsys-tarfile {deb} failed")


def index(deb, wanted):
    """Reads the package once: (version, {name: (path, [deps])}, builtin
    names, {path: bytes} of the wanted modules)."""
    mods, builtin, kept, versions = {}, set(), {}, set()
    for member, f in stream(deb):
        m = KO_RE.match(member.name)
        if m:
            data = f.read()
            info = modinfo(data, member.name)
            name = norm(info.get("name") or os.path.basename(m.group(2))[:-3])
            deps = [norm(d) for d in info.get("depends", "").split(",") if d.strip()]
            mods[name] = (m.group(2), deps, info.get("vermagic", ""))
            versions.add(m.group(1))
            if name in wanted:
                kept[m.group(2)] = data
        elif BUILTIN_RE.match(member.name):
            for line in f.read().decode().splitlines():
                builtin.add(norm(os.path.basename(line)[:-3]))
    if len(versions) != 1:
        die(f"{deb}: expected modules of one kernel version, found {sorted(versions) or 'none'}")
    return versions.pop(), mods, builtin, kept


def load_order(wanted, mods):
    """Every wanted module and its dependencies, each after what it needs
    (depth first, in list order). Dies on a missing module or a cycle."""
    order, state = [], {}

    def visit(name, chain):
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            die("dependency cycle: " + " -> ".join(chain + [name]))
        if name not in mods:
            die(f"{chain[-1]} needs {name}, which the package does not have")
        state[name] = "active"
        for dep in mods[name][1]:
            visit(dep, chain + [name])
        state[name] = "done"
        order.append(name)
    for name in wanted:
        visit(name, [])
    return order


def closure(name, mods):
    """All modules name needs, nearest first (depmod's modules.dep order)."""
    out = []
    todo = list(mods[name][1])
    while todo:
        dep = todo.pop(0)
        if dep not in out:
            out.append(dep)
            todo.extend(mods[dep][1])
    return out


def read_list(path):
    names = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line and norm(line) not in names:
                names.append(norm(line))
    return names


def main():
    if len(sys.argv) != 4:
        die("usage: kmods.py DEB LIST STAGING")
    deb, list_path, staging = sys.argv[1:]
    wanted = read_list(list_path)
    version, mods, builtin, kept = index(deb, set(wanted))
    for name in wanted:
        if name in builtin:
            die(f"{list_path}: {name} is built into kernel {version}; remove it from the list")
        if name not in mods:
            die(f"{list_path}: no module {name} in {os.path.basename(deb)} (kernel {version})")
    order = load_order(wanted, mods)
    missing = {mods[n][0] for n in order} - kept.keys()
    if missing:
        for member, f in stream(deb):
            m = KO_RE.match(member.name)
            if m and m.group(2) in missing:
                kept[m.group(2)] = f.read()
    for name in order:
        if not mods[name][2].startswith(version + " "):
            die(f"{name}: vermagic '{mods[name][2]}' is not for kernel {version}")

    top = os.path.join(staging, "lib", "modules", version)
    total = 0
    for name in order:
        path = mods[name][0]
        os.makedirs(os.path.dirname(os.path.join(top, path)), exist_ok=True)
        with open(os.path.join(top, path), "wb") as out:
            out.write(kept[path])
        total += len(kept[path])
    with open(os.path.join(top, "modules.dep"), "w") as dep:
        for name in order:
            needs = " ".join(mods[d][0] for d in closure(name, mods))
            dep.write(f"{mods[name][0]}:{' ' + needs if needs else ''}\n")
    with open(os.path.join(top, "keel-load-order"), "w") as lo:
        lo.write("".join(mods[n][0] + "\n" for n in order))
    extra = len(order) - len(wanted)
    print(f"kmods: {len(order)} modules for {version} ({len(wanted)} listed, {extra} "
          f"dependencies), {total // 1024} KiB: {' '.join(order)}")


if __name__ == "__main__":
    main()
