#!/usr/bin/env python3
"""
cfgfuzz: a structure-aware mutation fuzzer for keelcfg (issue 12).

Every system description in the repository (configs/**/*.dts and
tests/config/good-*.dts) is a seed. Each input is one seed mutated at the
device-tree level (nodes and properties dropped, duplicated, renamed, moved;
cell counts changed; numbers at the edges of u32 and of the address space;
CPUs and INTIDs out of range; empty, overlong and non-UTF-8 strings; VMs
that do not exist, self-references and cycles in grants and channels; RT
parameters at the edges, huge task sets) or as raw bytes of its text. keelcfg,
built with ASan and UBSan (tests/fuzz.mk), compiles it in a scratch root that
holds a dummy file at every image path a seed names. For every input:

  - no sanitizer report, no crash, no hang (a per-input timeout);
  - the exit status is 0 or 1 (a refusal);
  - a refusal says where and why: every error line names the file and a
    line ("FILE:LINE: [node PATH: ]REASON", or dtc's "FILE:LINE.COL")
    and nothing is written;
  - on exit 0 the blob keelcfg wrote passes Keel's own EL2 check (blobcheck,
    core/blob.c on the host), the rules of docs/configuration.md that Keel
    does not re-check (blobcheck --rules: no shared physical memory without
    --unsafe, no static CPU twice, no RAM over a device, ...) and keelcfg
    --check-blob, and every guest tree is a valid DTB.

Input I of seed S is made from a generator seeded with "S:I" alone, so
`--seed S --only I` rebuilds and reruns exactly that input. A failing input is
kept as WORK/crashes/S-I.dts with the reason in S-I.txt. The run ends with a
line "cfgfuzz: N inputs (... accepted, ... refused), F failures" and exits 1
if there was a failure.
"""
import argparse
import glob
import gzip
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))

# --- the device-tree source model -------------------------------------------------------------


class Prop:
    def __init__(self, name, value):
        self.name = name
        self.value = value  # None (a flag) or a list of chunks: ("cells", [str]), ("str", str), ("raw", str)

    def copy(self):
        return Prop(self.name, None if self.value is None else [(k, list(v) if k == "cells" else v)
                                                                 for k, v in self.value])


class Node:
    def __init__(self, name):
        self.name = name
        self.props = []
        self.children = []

    def copy(self):
        n = Node(self.name)
        n.props = [p.copy() for p in self.props]
        n.children = [c.copy() for c in self.children]
        return n

    def walk(self, path=""):
        here = path + "/" + self.name if self.name != "/" else ""
        yield self, (here or "/")
        for c in self.children:
            yield from c.walk(here)


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_value(raw):
    chunks, i, n = [], 0, len(raw)
    while i < n:
        c = raw[i]
        if c in " \t\n,":
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == "\\" else 1
            chunks.append(("str", raw[i + 1:j]))
            i = j + 1
        elif c == "<":
            j = raw.index(">", i)
            chunks.append(("cells", raw[i + 1:j].split()))
            i = j + 1
        else:
            j = raw.find(",", i)
            j = n if j < 0 else j
            chunks.append(("raw", raw[i:j].strip()))
            i = j
    return chunks


class Parser:
    """Just enough of the dts grammar for Keel's descriptions: no labels, no includes."""

    TOKEN = re.compile(r'\s*([{};=]|/dts-v1/|"(?:\\.|[^"\\])*"|<[^>]*>|\[[^\]]*\]|[^\s{};=]+)', re.S)

    def __init__(self, text):
        self.text = strip_comments(text)
        self.pos = 0

    def peek_raw_value(self):
        depth_str, i = False, self.pos
        while i < len(self.text):
            c = self.text[i]
            if c == "\\" and depth_str:
                i += 2
                continue
            if c == '"':
                depth_str = not depth_str
            elif c == ";" and not depth_str:
                break
            i += 1
        raw = self.text[self.pos:i]
        self.pos = i + 1
        return raw

    def tok(self):
        m = self.TOKEN.match(self.text, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return m.group(1)

    def node_body(self, node):
        while True:
            t = self.tok()
            if t is None or t == "}":
                self.tok()  # the ';' after '}'
                return node
            nxt = self.tok()
            if nxt == "{":
                node.children.append(self.node_body(Node(t)))
            elif nxt == "=":
                node.props.append(Prop(t, parse_value(self.peek_raw_value())))
            else:  # ';': a flag property
                node.props.append(Prop(t, None))

    def parse(self):
        t = self.tok()
        if t == "/dts-v1/":
            self.tok()
            t = self.tok()
        if t != "/" or self.tok() != "{":
            raise ValueError("not a single-root dts")
        return self.node_body(Node("/"))


def emit_value(chunks):
    parts = []
    for kind, v in chunks:
        if kind == "cells":
            parts.append("<" + " ".join(v) + ">")
        elif kind == "str":
            parts.append('"' + v + '"')
        else:
            parts.append(v)
    return ", ".join(parts)


def emit(node, depth=0, out=None):
    out = [] if out is None else out
    ind = "\t" * depth
    out.append(ind + node.name + " {")
    for p in node.props:
        out.append(ind + "\t" + p.name + (";" if p.value is None else " = " + emit_value(p.value) + ";"))
    for c in node.children:
        emit(c, depth + 1, out)
    out.append(ind + "};")
    return out


def emit_tree(root):
    return "/dts-v1/;\n" + "\n".join(emit(root)) + "\n"

# --- mutations --------------------------------------------------------------------------------


EDGE_U32 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 127, 255, 256, 1019, 1020, 1023, 1024, 4095, 4096,
            0x1000, 0x10000, 0x200000, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, 0xfffffffe, 1000000,
            100000000]
PROP_VOCAB = ["vcpus", "cpu-affinity", "kernel", "initrd", "bootargs", "passthrough", "no-autostart", "reg",
              "phys", "scheduler", "policy", "period-us", "wcet-us", "deadline-us", "server-budget-us",
              "server-period-us", "server-priority", "major-frame-us", "offset-us", "length-us", "vm", "vcpu",
              "owner", "clients", "rights", "badges", "calls-per-job", "service-time-us", "members", "access",
              "doorbells", "accept-clients", "secure", "compatible", "platform", "size"]
STR_EDGES = ["", "x", "a" * 40, "a" * 300, "\\xff\\xfe", "\xe9t\xe9", "\udcff\udcfe", "/", "..", "vms",
             "build/guests/ticker.bin", "/dev/zero", "/nonexistent", "rw", "ro", "none", "call", "send",
             "fixed-priority", "edf", "time-table", "static", "rtc", "gpio", "uart", "primary", "nobody"]


class Mutator:
    def __init__(self, rng, root, donors):
        self.r = rng
        self.root = root
        self.donors = donors  # other seeds' trees, for crossover

    def nodes(self):
        return list(self.root.walk())

    def vm_names(self):
        for n, path in self.root.walk():
            if path == "/vms":
                return [c.name for c in n.children]
        return []

    def num(self):
        r = self.r
        k = r.random()
        if k < 0.6:
            return r.choice(EDGE_U32)
        if k < 0.8:
            return r.randrange(0, 1 << r.choice([4, 8, 12, 16, 24, 32]))
        return (r.choice(EDGE_U32) + r.choice([-1, 1])) & 0xffffffff

    def cell(self):
        k = self.r.random()
        if k < 0.05:
            return "(" + hex(self.num()) + " + " + hex(self.num()) + ")"  # dtc arithmetic, may overflow
        if k < 0.1:
            return "(-" + str(self.r.randrange(1, 5)) + ")"
        return hex(self.num())

    def string(self):
        r = self.r
        names = self.vm_names() or ["a"]
        k = r.random()
        if k < 0.35:
            return r.choice(names)
        if k < 0.7:
            return r.choice(STR_EDGES)
        return "".join(chr(r.randrange(32, 127)) for _ in range(r.randrange(0, 80))).replace("\\", "").replace('"', "")

    def value(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            return [("cells", [self.cell() for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 5, 8, 17]))])]
        if k < 0.9:
            return [("str", self.string()) for _ in range(r.choice([1, 1, 2, 3, 5]))]
        return None

    # Each mutation returns nothing; it may do nothing if the tree has no place for it.
    def m_drop_node(self):
        ns = [n for n, _ in self.nodes()]
        parent = self.r.choice(ns)
        if parent.children:
            parent.children.pop(self.r.randrange(len(parent.children)))

    def m_dup_node(self):
        ns = [n for n, _ in self.nodes() if n.children]
        if not ns:
            return
        parent = self.r.choice(ns)
        c = self.r.choice(parent.children).copy()
        if self.r.random() < 0.8:
            c.name = self.new_name(c.name)
        parent.children.append(c)

    def m_many_nodes(self):
        """A huge VM list, task set or endpoint list: one child copied many times."""
        ns = [n for n, _ in self.nodes() if n.children]
        if not ns:
            return
        parent = self.r.choice(ns)
        c = self.r.choice(parent.children)
        for i in range(self.r.choice([3, 4, 5, 8, 16, 17, 33, 65, 200])):
            d = c.copy()
            d.name = re.sub(r"@.*", "", c.name) + "x%d" % i + (c.name[c.name.index("@"):] if "@" in c.name else "")
            # Each copy's RAM elsewhere (64 MiB apart), so that copied VMs get past the overlap rule.
            for n, _ in d.walk():
                for p in n.props:
                    cells = [v for k, v in (p.value or []) if k == "cells"]
                    if p.name == "phys" and cells and len(cells[0]) == 2:
                        try:
                            cells[0][1] = hex((int(cells[0][1], 0) + (i + 1) * 0x4000000) & 0xffffffff)
                        except ValueError:
                            pass
            parent.children.append(d)

    def new_name(self, old):
        r = self.r
        k = r.random()
        if k < 0.3 and self.vm_names():
            return r.choice(self.vm_names())
        if k < 0.5:
            return old + "-" + str(r.randrange(100))
        if k < 0.6:
            return "n" * r.choice([31, 32, 33, 63, 64, 65, 200])
        if k < 0.7:
            return old.split("@")[0] + "@" + hex(self.num())[2:]
        return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789-_,.+@") for _ in range(r.randrange(1, 20)))

    def m_rename_node(self):
        ns = [n for n, p in self.nodes() if p != "/"]
        if ns:
            n = self.r.choice(ns)
            n.name = self.new_name(n.name)

    def m_move_node(self):
        ns = [(n, p) for n, p in self.nodes()]
        parents = [n for n, _ in ns if n.children]
        if not parents:
            return
        src = self.r.choice(parents)
        c = src.children.pop(self.r.randrange(len(src.children)))
        dst = self.r.choice([n for n, _ in self.root.walk()])
        dst.children.append(c)

    def pick_prop(self):
        ps = [(n, p) for n, _ in self.nodes() for p in n.props]
        return self.r.choice(ps) if ps else (None, None)

    def m_drop_prop(self):
        n, p = self.pick_prop()
        if n:
            n.props.remove(p)

    def m_dup_prop(self):
        n, p = self.pick_prop()
        if n:
            dst = n if self.r.random() < 0.3 else self.r.choice([x for x, _ in self.nodes()])
            dst.props.append(p.copy())

    def m_rename_prop(self):
        n, p = self.pick_prop()
        if n:
            p.name = self.r.choice(PROP_VOCAB) if self.r.random() < 0.8 else p.name + "x"

    def m_add_prop(self):
        n = self.r.choice([x for x, _ in self.nodes()])
        n.props.append(Prop(self.r.choice(PROP_VOCAB), self.value()))

    def m_set_value(self):
        n, p = self.pick_prop()
        if n:
            p.value = self.value()

    def m_cells(self):
        """Change a number, the count of cells, or both."""
        ps = [p for n, _ in self.nodes() for p in n.props if p.value and any(k == "cells" for k, _ in p.value)]
        if not ps:
            return
        p = self.r.choice(ps)
        cells = self.r.choice([v for k, v in p.value if k == "cells"])
        k = self.r.random()
        if k < 0.5 and cells:
            cells[self.r.randrange(len(cells))] = self.cell()
        elif k < 0.7 and cells:
            cells.pop(self.r.randrange(len(cells)))
        elif k < 0.9:
            cells.insert(self.r.randrange(len(cells) + 1), self.cell())
        else:
            cells[:] = [self.cell() for _ in cells]

    def m_range(self):
        """An address range at the edges: reg/phys near 0, 2^32, 2^48, 2^64, unaligned, empty."""
        ps = [p for n, _ in self.nodes() for p in n.props if p.name in ("reg", "phys", "ipa", "size")]
        if not ps:
            return
        p = self.r.choice(ps)
        hi = self.r.choice([0, 0, 1, 0xff, 0xffff, 0xffffffff, 0x80000000])
        lo = self.r.choice([0, 0x1000, 0x40000000, 0x40000001, 0x80000000, 0xfffff000, 0xffffffff, 0x60000000])
        vals = [hex(hi), hex(lo)]
        if p.name == "reg":
            vals += [hex(self.r.choice([0, 0, 1, 0xffffffff])), hex(self.r.choice([0, 0x1000, 0x1001, 0xfffff000,
                                                                                     0xffffffff, 0x1000000]))]
        p.value = [("cells", vals)]

    def m_string(self):
        ps = [p for n, _ in self.nodes() for p in n.props if p.value and any(k == "str" for k, _ in p.value)]
        if not ps:
            return
        p = self.r.choice(ps)
        i = self.r.choice([j for j, (k, _) in enumerate(p.value) if k == "str"])
        k = self.r.random()
        if k < 0.6:
            p.value[i] = ("str", self.string())
        elif k < 0.8:
            p.value.insert(i, ("str", self.string()))
        elif len(p.value) > 1:
            p.value.pop(i)

    def m_self_reference(self):
        """Grants and channels naming their own owner, a missing VM, or each other in a cycle."""
        names = self.vm_names()
        ps = [p for n, _ in self.nodes() for p in n.props if p.name in ("owner", "clients", "members",
                                                                        "accept-clients", "vm")]
        if not ps or not names:
            return
        p = self.r.choice(ps)
        k = self.r.random()
        if k < 0.4:
            p.value = [("str", self.r.choice(names))] * self.r.choice([1, 2, 3])
        elif k < 0.7:
            p.value = [("str", n) for n in names] + [("str", names[0])]
        else:
            p.value = [("str", "ghost")]

    def m_rt_edge(self):
        ps = [p for n, _ in self.nodes() for p in n.props if p.name.endswith("-us") or p.name in ("vcpus", "vcpu")]
        if not ps:
            return
        p = self.r.choice(ps)
        n = max(1, sum(len(v) for k, v in (p.value or []) if k == "cells"))
        p.value = [("cells", [hex(self.r.choice([0, 1, 2, 999, 1000, 1001, 10 ** 6, 10 ** 9, 0x7fffffff, 0x80000000,
                                                 0xffffffff])) for _ in range(n)])]

    def m_same_name_value(self):
        """A property takes the value of another of its name in the tree: shared RAM, CPUs, doorbells, IPAs."""
        ps = [p for n, _ in self.nodes() for p in n.props if p.value]
        if not ps:
            return
        p = self.r.choice(ps)
        same = [q for q in ps if q.name == p.name and q is not p]
        if same:
            p.value = self.r.choice(same).copy().value

    def m_nudge(self):
        """A number moved a little: by a page, a 2 MiB span, 16 MiB, one, or to a neighbour CPU or INTID."""
        ps = [p for n, _ in self.nodes() for p in n.props if p.value and any(k == "cells" and v for k, v in p.value)]
        if not ps:
            return
        cells = self.r.choice([v for k, v in self.r.choice(ps).value if k == "cells" and v])
        i = self.r.randrange(len(cells))
        try:
            x = int(cells[i], 0)
        except ValueError:
            return
        d = self.r.choice([1, 2, 3, 0x1000, 0x200000, 0x1000000, 0x10000000])
        cells[i] = hex((x + self.r.choice([-d, d])) & 0xffffffff)

    def m_crossover(self):
        if not self.donors:
            return
        donor = self.r.choice(self.donors)
        dn = [n for n, p in donor.walk() if p != "/"]
        if not dn:
            return
        mine = [n for n, _ in self.nodes()]
        self.r.choice(mine).children.append(self.r.choice(dn).copy())

    MUTATIONS = ["m_drop_node", "m_dup_node", "m_many_nodes", "m_rename_node", "m_move_node", "m_drop_prop",
                 "m_dup_prop", "m_rename_prop", "m_add_prop", "m_set_value", "m_cells", "m_cells", "m_cells",
                 "m_range", "m_range", "m_string", "m_string", "m_self_reference", "m_self_reference",
                 "m_rt_edge", "m_rt_edge", "m_crossover", "m_same_name_value", "m_same_name_value",
                 "m_nudge", "m_nudge", "m_nudge"]

    def mutate(self):
        for _ in range(self.r.choice([1, 1, 1, 2, 2, 3, 5])):
            getattr(self, self.r.choice(self.MUTATIONS))()


def raw_mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8])):
        if not data:
            data += b"/"
        k = rng.random()
        i = rng.randrange(len(data))
        if k < 0.3:
            data[i] = rng.randrange(256)
        elif k < 0.45:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif k < 0.6:
            del data[i:i + rng.randrange(1, 32)]
        elif k < 0.75:
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randrange(1, 64)]
        elif k < 0.85:
            data[i:i] = rng.choice([b"0xffffffff", b"\xff\xfe", b"<", b">", b"{", b"};", b'"', b";", b"\\",
                                    b"/delete-node/ ", b"/include/ ", b"\x00", b"-1", b"(1/0)"])
        else:
            m = re.compile(rb"0x[0-9a-fA-F]+|\b\d+\b")
            nums = list(m.finditer(data))
            if nums:
                x = rng.choice(nums)
                data[x.start():x.end()] = hex(rng.choice(EDGE_U32)).encode()
    return bytes(data)

# --- running and checking ---------------------------------------------------------------------


SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehavior",
               "AddressSanitizer:DEADLYSIGNAL")


def make_root(work, seeds):
    """A scratch root with a dummy image at every path the seeds name (relative to the repository)."""
    root = os.path.join(work, "root")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    paths = set()
    for s in seeds:
        with open(s, errors="replace") as f:
            paths.update(re.findall(r'(?:kernel|initrd) = "([^"]+)"', f.read()))
    for p in sorted(paths):
        full = os.path.join(root, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            if os.path.basename(p) == "Image":  # an arm64 Image header: image_size 4 MiB
                hdr = bytearray(64)
                hdr[16:20] = (4 << 20).to_bytes(4, "little")
                hdr[56:60] = b"ARM\x64"
                f.write(hdr)
                f.truncate(1 << 20)
            elif os.path.basename(p) in ("big.bin", "huge.bin"):  # too big for a VM, for the modules
                f.truncate((20 if "big" in p else 150) << 20)
            elif p.endswith(".gz"):
                f.write(random.Random(p).randbytes(100000))
            else:
                f.write(b"\x00\x00\x00\x14")  # "b ." at the entry
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.truncate(20 << 20)
    return root


ERR_LINE = re.compile(r'^(?:Error: )?(?:case\.dts):\d+[:.]')
OK_LINES = re.compile(r'^(?:keelcfg: \d+ errors?, nothing written|FATAL ERROR: .*|Warning \(.*|'
                      r'ERROR: Input tree has errors, aborting.*|'
                      r'.*: warning: .*|(?:case\.dts):\d+: warning: .*)$')


def check_refusal(err):
    """None if every line of a refusal names the file and a line, else the first line that does not."""
    lines = [line for line in err.splitlines() if line.strip()]
    if not any(ERR_LINE.match(line) for line in lines):
        return "no message naming case.dts and a line: " + (lines[0] if lines else "(stderr empty)")
    for line in lines:
        if not ERR_LINE.match(line) and not OK_LINES.match(line):
            return "a message without file and line: " + line
    return None


def run_one(args, root, data, unsafe, graph=False):
    case = os.path.join(root, "case.dts")
    out = os.path.join(root, "out")
    shutil.rmtree(out, ignore_errors=True)
    for f in ("graph.dot", "graph.svg"):
        if os.path.exists(os.path.join(root, f)):
            os.remove(os.path.join(root, f))
    with open(case, "wb") as f:
        f.write(data)
    cmd = ([args.keelcfg] + (["--unsafe"] if unsafe else []) + (["--graph", "graph.dot"] if graph else []) +
           ["--out", "out", "case.dts"])
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87")
    try:
        p = subprocess.run(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return "hang", "no exit within %d s" % args.timeout
    err = p.stderr.decode("utf-8", "replace")
    if any(m in err for m in SAN_MARKERS) or p.returncode in (86, 87):
        first = next((line for line in err.splitlines() if any(m in line for m in SAN_MARKERS)), "")
        return "sanitizer", first + "\n" + err[-6000:]
    if p.returncode < 0:
        return "crash", "signal %d\n%s" % (-p.returncode, err[-3000:])
    if p.returncode not in (0, 1):
        return "status", "exit %d\n%s" % (p.returncode, err[-3000:])
    if p.returncode == 1:
        why = check_refusal(err)
        if why:
            return "message", why + "\n" + err[-3000:]
        if os.path.exists(out) or os.path.exists(os.path.join(root, "graph.dot")):
            return "written", "refused but wrote its output"
        return "refused", None
    return check_accepted(args, out, env, unsafe)


def check_accepted(args, out, env, unsafe):
    blob = os.path.join(out, "keel.cfg")
    if not os.path.isfile(blob):
        return "written", "exit 0 without keel.cfg"
    p = subprocess.run([args.blobcheck, blob], env=env, capture_output=True, timeout=args.timeout)
    if p.returncode != 0:
        return "keel-refuses", "keelcfg wrote a blob Keel refuses: " + p.stderr.decode(errors="replace")
    p = subprocess.run([args.blobcheck, "--rules-unsafe" if unsafe else "--rules", blob], env=env,
                       capture_output=True, timeout=args.timeout)
    if p.returncode != 0:
        return "rules", "keelcfg wrote a blob breaking its documented rules: " + p.stderr.decode(errors="replace")
    p = subprocess.run([args.keelcfg, "--check-blob", blob], env=env, capture_output=True, timeout=args.timeout)
    if p.returncode != 0:
        return "check-blob", "keelcfg --check-blob refuses its own blob: " + p.stderr.decode(errors="replace")
    for dtb in glob.glob(os.path.join(out, "*.dtb")):
        p = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-o", "/dev/null", dtb], capture_output=True)
        if p.returncode != 0:
            return "dtb", "guest tree %s unreadable: %s" % (os.path.basename(dtb), p.stderr.decode(errors="replace"))
    return "accepted", None


def replay(args, root):
    """Each file once, unmutated: the committed regression inputs and the config tests."""
    bad = 0
    for path in args.replay:
        data = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
        kind, why = run_one(args, root, data, b"// args: --unsafe" in data)
        print("%s: %s%s" % (path, kind, "\n" + why if why else ""), flush=True)
        bad += why is not None
    print("cfgfuzz: %d files replayed, %d failures" % (len(args.replay), bad))
    return 1 if bad else 0


def with_parents(root):
    """Every node of a tree with its parent and path, in walk order."""
    out = [(root, None, "/")]
    for n, parent, path in out:
        for c in n.children:
            out.append((c, n, (path if path != "/" else "") + "/" + c.name))
    return out


def sweep_inputs(seeds, trees):
    """Every seed with one property, or one node, left out: each rule that reads a property meets its absence."""
    for s, tree in zip(seeds, trees):
        rel = os.path.relpath(s, ROOT)
        for ni, (node, parent, path) in enumerate(with_parents(tree)):
            for pi in range(len(node.props)):
                t = tree.copy()
                name = with_parents(t)[ni][0].props.pop(pi).name
                yield emit_tree(t).encode(), s, "%s without %s:%s" % (rel, path, name)
            if parent is not None:
                t = tree.copy()
                n, par, _ = with_parents(t)[ni]
                par.children.remove(n)
                yield emit_tree(t).encode(), s, "%s without node %s" % (rel, path)


def run_sweep(args, root, seeds, trees):
    bad = total = 0
    for data, src, what in sweep_inputs(seeds, trees):
        kind, why = run_one(args, root, data, False)
        total += 1
        if why is not None:
            bad += 1
            name = os.path.join(args.work, "crashes", "sweep-%d" % total)
            with open(name + ".dts", "wb") as f:
                f.write(data)
            print("FAILURE %s (%s): %s\n  kept in %s.dts" % (kind, what, why.splitlines()[0], name), flush=True)
    print("cfgfuzz: sweep of %d inputs, %d failures" % (total, bad))
    return 1 if bad else 0


def make_input(seed, i, seeds, trees, texts):
    rng = random.Random("%d:%d" % (seed, i))
    s = rng.randrange(len(seeds))
    unsafe = rng.random() < 0.2
    if rng.random() < 0.2:
        return raw_mutate(rng, texts[s]), unsafe, seeds[s]
    tree = trees[s].copy()
    Mutator(rng, tree, trees).mutate()
    return emit_tree(tree).encode("utf-8", "surrogateescape"), unsafe, seeds[s]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keelcfg", default=os.path.join(ROOT, "build/fuzz/keelcfg"))
    ap.add_argument("--blobcheck", default=os.path.join(ROOT, "build/fuzz/blobcheck"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build/fuzz"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--iterations", type=int, default=0, help="stop after this many inputs (0: time only)")
    ap.add_argument("--start", type=int, default=0, help="the first input's number")
    ap.add_argument("--only", type=int, default=-1, help="run input ONLY of the seed alone")
    ap.add_argument("--timeout", type=int, default=20, help="seconds one input may take")
    ap.add_argument("--sweep", action="store_true", help="instead of random inputs, every seed with each property "
                    "and each node left out in turn")
    ap.add_argument("--replay", nargs="+", metavar="DTS", help="run these files once each through the same checks "
                    "(a 'FILE: kind' line each); --unsafe if the file has an '// args: --unsafe' line")
    args = ap.parse_args()
    args.keelcfg = os.path.realpath(args.keelcfg)
    args.blobcheck = os.path.realpath(args.blobcheck)

    seeds = sorted(glob.glob(os.path.join(ROOT, "configs/**/*.dts"), recursive=True) +
                   glob.glob(os.path.join(ROOT, "tests/config/good-*.dts")))
    texts = [open(s, "rb").read() for s in seeds]
    trees = [Parser(t.decode()).parse() for t in texts]
    work = os.path.realpath(args.work)
    root = make_root(work, seeds + glob.glob(os.path.join(ROOT, "tests/config/*.dts")))
    crashes = os.path.join(work, "crashes")
    os.makedirs(crashes, exist_ok=True)
    print("cfgfuzz: seed %d, %d seed configurations, keelcfg %s" % (args.seed, len(seeds), args.keelcfg),
          flush=True)

    if args.replay:
        return replay(args, root)
    if args.sweep:
        return run_sweep(args, root, seeds, trees)

    counts, failures, seen = {}, 0, set()
    start, i = time.monotonic(), args.start
    while True:
        if args.only >= 0:
            if i > args.start:
                break
            i = args.only
        elif args.iterations and i - args.start >= args.iterations:
            break
        elif not args.iterations and time.monotonic() - start >= args.seconds:
            break
        data, unsafe, src = make_input(args.seed, i, seeds, trees, texts)
        # The communication graph (commgraph.c) for one input in five, from its own generator so
        # that the inputs stay those of earlier versions of this file.
        graph = random.Random("%d:%d:graph" % (args.seed, i)).random() < 0.2
        kind, why = run_one(args, root, data, unsafe, graph)
        counts[kind] = counts.get(kind, 0) + 1
        if why is not None:
            failures += 1
            sig = kind + ":" + why.splitlines()[0][:120]
            name = os.path.join(crashes, "%d-%d" % (args.seed, i))
            with open(name + ".dts", "wb") as f:
                f.write(data)
            with open(name + ".txt", "w") as f:
                f.write("seed %d input %d from %s%s\n%s: %s\n" % (args.seed, i, os.path.relpath(src, ROOT),
                                                                    " --unsafe" if unsafe else "", kind, why))
            if sig not in seen:
                seen.add(sig)
                print("FAILURE %s (seed %d input %d, from %s%s): %s\n  kept in %s.dts" %
                      (kind, args.seed, i, os.path.relpath(src, ROOT), " --unsafe" if unsafe else "",
                       why.splitlines()[0], name), flush=True)
        i += 1
    total = sum(counts.values())
    print("cfgfuzz: %d inputs (%d accepted, %d refused) in %.0f s, %d failures%s" %
          (total, counts.get("accepted", 0), counts.get("refused", 0), time.monotonic() - start, failures,
           "".join(", %s %d" % (k, v) for k, v in sorted(counts.items()) if k not in ("accepted", "refused"))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
