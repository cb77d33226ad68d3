#!/usr/bin/env python3
"""Writes the broken firmware files the rig offers the start helper, each
made from the good image with one mistake, into OUTDIR:
  not-elf.elf        a text file
  wrong-machine.elf  e_machine says 32-bit Arm (40), not AArch64
  truncated.elf      the first half of the file
  outside.elf        the first loadable segment placed at 0x40000000, in
                     Linux's RAM, outside the firmware's region
usage: bad-firmware.py GOOD.elf OUTDIR"""
import struct
import sys
from pathlib import Path

good_path, out = Path(sys.argv[1]), Path(sys.argv[2])
good = good_path.read_bytes()
if good[:4] != b"\x7fELF" or good[4] != 2 or good[5] != 1:
    sys.exit(f"{good_path}: not a little-endian ELF64 file")
out.mkdir(parents=True, exist_ok=True)

(out / "not-elf.elf").write_text("#!/bin/sh\n# A shell script copied where the firmware should be.\n"
                                 "echo 'this is not firmware'\n")

wrong = bytearray(good)
wrong[0x12:0x14] = struct.pack("<H", 40)
(out / "wrong-machine.elf").write_bytes(wrong)

(out / "truncated.elf").write_bytes(good[: len(good) // 2])

outside = bytearray(good)
phoff, = struct.unpack_from("<Q", good, 0x20)
phentsize, phnum = struct.unpack_from("<HH", good, 0x36)
for i in range(phnum):
    ph = phoff + i * phentsize
    if struct.unpack_from("<I", good, ph)[0] == 1:  # PT_LOAD
        struct.pack_into("<Q", outside, ph + 0x18, 0x4000_0000)  # p_paddr
        break
else:
    sys.exit(f"{good_path}: no loadable segment")
(out / "outside.elf").write_bytes(outside)
