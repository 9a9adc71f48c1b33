#!/usr/bin/env python3
"""Writes a gzip-compressed cpio "newc" archive, the format Linux unpacks as its
initramfs, from a staging directory plus device nodes given on the command line.

Writing the archive ourselves (instead of running cpio) lets a user who is not
root put /dev/console in it and makes the result reproducible: every entry is
owned by root, has mtime 0, and entries come in sorted order.

usage: mkcpio.py OUT.cpio.gz STAGING_DIR [--node PATH:MODE:c|b:MAJOR:MINOR]...
"""
import argparse
import gzip
import os
import stat
import sys


def header(ino, mode, nlink, size, rmajor, rminor, name):
    """The 110-byte newc header, then the name, padded to 4 bytes."""
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmajor, rminor,
              len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    data = head + name.encode() + b"\0"
    return data + b"\0" * (-len(data) % 4)


def pad(data):
    return data + b"\0" * (-len(data) % 4)


def entries(root):
    """(archive name, lstat, path) for everything under root, parents first."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            out.append((os.path.relpath(path, root), os.lstat(path), path))
    out.sort(key=lambda e: e[0])
    return out


def parse_node(spec):
    path, mode, kind, major, minor = spec.split(":")
    kind_bits = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}[kind]
    return path.lstrip("/"), kind_bits | int(mode, 8), int(major), int(minor)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("root")
    ap.add_argument("--node", action="append", default=[],
                    help="device node PATH:MODE:c|b:MAJOR:MINOR, e.g. dev/console:600:c:5:1")
    args = ap.parse_args()

    archive = bytearray()
    ino = 1
    for name, st, path in entries(args.root):
        mode = st.st_mode
        if stat.S_ISREG(mode):
            with open(path, "rb") as f:
                data = f.read()
        elif stat.S_ISLNK(mode):
            data = os.readlink(path).encode()
        elif stat.S_ISDIR(mode):
            data = b""
        else:
            sys.exit(f"mkcpio: {path}: unsupported file type")
        nlink = 2 if stat.S_ISDIR(mode) else 1
        archive += header(ino, mode, nlink, len(data), 0, 0, name) + pad(data)
        ino += 1
    for spec in args.node:
        name, mode, major, minor = parse_node(spec)
        archive += header(ino, mode, 1, 0, major, minor, name)
        ino += 1
    archive += header(0, 0, 1, 0, 0, 0, "TRAILER!!!")
    archive += b"\0" * (-len(archive) % 512)

    with open(args.out + ".tmp", "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(archive)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
