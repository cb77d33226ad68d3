"""What the bindings' schemas cannot see in a merged board tree (called by
scripts/check-dts.sh): where memory-region points and what reg covers
(mode memory), the mailbox providers or the softirq lines (doorbell), the
remote processor the rpmsg node names (remote). Prints one line per problem
and exits 1 if there was any.

    check_dts_rules.py DTB NODE MODE [SOC]

The layout numbers it checks against are read from the Rust sources the
driver is built from, not copied here.
"""
import os
import re
import sys

import libfdt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rust_source(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return f.read()


def rust_consts(rel):
    """The integer constants of a Rust file (`pub const NAME: T = EXPR;` with
    EXPR of literals, + - * << and earlier constants)."""
    values = {}
    for name, expr in re.findall(r"pub(?:\(crate\))? const (\w+): \w+ = ([^;]+);", rust_source(rel)):
        expr = expr.replace("_", "") if re.fullmatch(r"[0-9a-fA-Fx_ +*<()-]+", expr) else expr
        if not re.fullmatch(r"[\w +*<()-]+", expr):
            continue
        try:
            values[name] = eval(expr, {"__builtins__": {}}, dict(values))
        except Exception:
            continue
    return values


def amp_mailbox_layouts():
    """Each compatible of rockchip_amp_mbox's match table: (channels, bytes
    of registers used), from its register layouts (regs.rs)."""
    regs = rust_source("rust/rockchip_amp_mbox/regs.rs")
    layouts = {}
    for name, body in re.findall(r"const (\w+): Layout = Layout \{(.*?)\};", regs, re.S):
        channels = re.search(r"\bchannels: (\d+)", body)
        span = re.search(r"\bspan: (0x[0-9a-fA-F]+|\d+)", body)
        if channels and span:
            layouts[name] = (int(channels.group(1)), int(span.group(1), 0))
    table = re.findall(r'DeviceId::new\(c"([^"]+)"\),\s*Variant::(\w+)',
                       rust_source("rust/rockchip_amp_mbox/rockchip_amp_mbox.rs"))
    amp = {}
    for compatible, variant in table:
        const = re.sub(r"(?<!^)([A-Z])", r"_\1", variant).upper()
        if const not in layouts:
            sys.exit(f"check_dts_rules: no layout {const} in regs.rs for {compatible}")
        amp[compatible] = layouts[const]
    if not amp:
        sys.exit("check_dts_rules: no compatible found in rockchip_amp_mbox.rs")
    return amp


LAYOUT = rust_consts("rust/rpmsg_proto/src/layout.rs")
CONTROL = rust_consts("rust/rpmsg_proto/src/firmware_control.rs")
for table, name in ((LAYOUT, "INSTANCE_STRIDE"), (CONTROL, "CONTROL_AREA_SIZE")):
    if name not in table:
        sys.exit(f"check_dts_rules: {name} not found in the Rust sources")
# Bytes of vring region each virtio device needs.
INSTANCE_STRIDE = LAYOUT["INSTANCE_STRIDE"]
# The log ring and the lifecycle page at the end of a remote processor's
# firmware region.
CONTROL_AREA = CONTROL["CONTROL_AREA_SIZE"]
# This project's mailbox compatibles: (channels, bytes of registers used).
AMP = amp_mailbox_layouts()

dtb, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
want_soc = sys.argv[4] if len(sys.argv) > 4 else ""
NF = (libfdt.NOTFOUND,)
fdt = libfdt.Fdt(open(dtb, "rb").read())
node = fdt.path_offset(path)
errors = []

def prop(off, name):
    p = fdt.getprop(off, name, quiet=NF)
    return None if isinstance(p, int) else p

def u32s(off, name):
    raw = bytes(fdt.getprop(off, name))
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]

def strings(off, name):
    p = prop(off, name)
    return [] if p is None else bytes(p).decode().rstrip("\0").split("\0")

def number(xs):
    return sum(x << (32 * (len(xs) - 1 - j)) for j, x in enumerate(xs))

def regions(off):
    if prop(off, "reg") is None:  # e.g. a dynamically placed CMA pool
        return []
    parent = fdt.parent_offset(off)
    ac = u32s(parent, "#address-cells")[0] if prop(parent, "#address-cells") else 2
    sc = u32s(parent, "#size-cells")[0] if prop(parent, "#size-cells") else 1
    v = u32s(off, "reg")
    return [(number(v[i:i + ac]), number(v[i + ac:i + ac + sc])) for i in range(0, len(v), ac + sc)]

def status(off):
    p = prop(off, "status")
    return p.as_str() if p is not None else "okay"

def irq_cells(off):
    """#interrupt-cells of the node's interrupt parent (inherited upwards)."""
    o = off
    while True:
        p = prop(o, "interrupt-parent")
        if p is not None:
            ctrl = fdt.node_offset_by_phandle(u32s(o, "interrupt-parent")[0])
            if prop(ctrl, "interrupt-controller") is None:
                errors.append(f"{fdt.get_path(off)}: interrupt parent {fdt.get_path(ctrl)} is no interrupt controller")
                return None
            return u32s(ctrl, "#interrupt-cells")[0]
        if o == 0:
            errors.append(f"{fdt.get_path(off)}: no interrupt-parent")
            return None
        o = fdt.parent_offset(o)

def irq_specs(off):
    cells = irq_cells(off)
    raw = u32s(off, "interrupts") if prop(off, "interrupts") is not None else []
    if cells is None:
        return []
    if len(raw) % cells:
        errors.append(f"{fdt.get_path(off)}: interrupts has {len(raw)} cells, not a multiple of #interrupt-cells = {cells}")
        return []
    return [tuple(raw[i:i + cells]) for i in range(0, len(raw), cells)]

def check_memory():
    # The buffer pool: a no-map shared-dma-pool in /reserved-memory.
    pool = fdt.node_offset_by_phandle(u32s(node, "memory-region")[0])
    ppath = fdt.get_path(pool)
    if not ppath.startswith("/reserved-memory/"):
        errors.append(f"memory-region {ppath} is not in /reserved-memory")
    if "shared-dma-pool" not in strings(pool, "compatible"):
        errors.append(f'memory-region {ppath} is not a "shared-dma-pool"')
    if prop(pool, "no-map") is None:
        errors.append(f"memory-region {ppath} has no no-map")

    # The vrings: inside a no-map reservation that is not the pool, big enough.
    (base, size), = regions(node)
    vdevs = u32s(node, "rockchip,vdev-nums")[0] if prop(node, "rockchip,vdev-nums") else 1
    if size < vdevs * INSTANCE_STRIDE:
        errors.append(f"reg size {size:#x} < rockchip,vdev-nums * {INSTANCE_STRIDE:#x}")
    holder = None
    child = fdt.first_subnode(fdt.path_offset("/reserved-memory"), quiet=NF)
    while child >= 0:
        if any(b <= base and base + size <= b + s for b, s in regions(child)):
            holder = child
        child = fdt.next_subnode(child, quiet=NF)
    if holder is None:
        errors.append(f"reg {base:#x}+{size:#x} is not inside a /reserved-memory region")
    elif holder == pool:
        errors.append("the vrings lie in the buffer pool")
    elif prop(holder, "no-map") is None:
        errors.append(f"vring region {fdt.get_path(holder)} has no no-map")
    (pb, ps), = regions(pool)
    if pb < base + size and base < pb + ps:
        errors.append("the vrings overlap the buffer pool")

def check_mailbox(prov, chan):
    ppath = fdt.get_path(prov)
    compats = strings(prov, "compatible")
    ours = [c for c in compats if c in AMP]
    if want_soc:
        want = f"rockchip,{want_soc}-amp-mailbox"
        if want not in compats:
            errors.append(f"mailbox {ppath}: compatible {compats} lacks \"{want}\"")
    if not ours:
        errors.append(f"mailbox {ppath}: compatible {compats} is not a rockchip,*-amp-mailbox")
        return
    channels, span = AMP[ours[0]]
    if status(prov) != "okay":
        errors.append(f"mailbox {ppath} is '{status(prov)}'")
    if chan >= channels:
        errors.append(f"mailbox {ppath}: channel {chan}, but {ours[0]} has {channels}")
    (_, size), = regions(prov)
    if size < span:
        errors.append(f"mailbox {ppath}: reg size {size:#x} < the {span:#x} bytes its layout uses")
    irqs = irq_specs(prov)
    if not 1 <= len(irqs) <= channels:
        errors.append(f"mailbox {ppath}: {len(irqs)} interrupts, expected 1..{channels}")
    if prop(prov, "clocks") is not None:
        clk = fdt.node_offset_by_phandle(u32s(prov, "clocks")[0])
        if prop(clk, "#clock-cells") is None:
            errors.append(f"mailbox {ppath}: clocks points at {fdt.get_path(clk)}, no clock provider")
        if strings(prov, "clock-names") != ["pclk_mailbox"]:
            errors.append(f"mailbox {ppath}: clock-names is not \"pclk_mailbox\"")

def check_doorbell():
    if "rockchip,rpmsg-softirq" in strings(node, "compatible"):
        if prop(node, "mboxes") is not None:
            errors.append("softirq node has mboxes")
        irqs = irq_specs(node)
        if len(irqs) != 2:
            errors.append(f"softirq node has {len(irqs)} interrupts, expected 2 (tx, rx)")
        elif irqs[0] == irqs[1]:
            errors.append("softirq tx and rx are the same interrupt line")
        return
    mb = u32s(node, "mboxes")
    seen = []
    i = 0
    while i < len(mb):
        prov = fdt.node_offset_by_phandle(mb[i])
        cells = u32s(prov, "#mbox-cells")[0]
        if cells != 1:
            errors.append(f"mailbox {fdt.get_path(prov)}: #mbox-cells = {cells}, expected 1")
        chan = mb[i + 1] if cells else 0
        if (prov, chan) in seen:
            errors.append(f"rx and tx both use {fdt.get_path(prov)} channel {chan}")
        seen.append((prov, chan))
        check_mailbox(prov, chan)
        i += 1 + cells
    if len(seen) != 2:
        errors.append(f"{len(seen)} mboxes entries, expected 2 (rx, tx)")


def check_remote():
    if prop(node, "rockchip,remoteproc") is None:
        errors.append("the rpmsg node has no rockchip,remoteproc")
        return
    rp = fdt.node_offset_by_phandle(u32s(node, "rockchip,remoteproc")[0])
    rpath = fdt.get_path(rp)
    compats = strings(rp, "compatible")
    if want_soc and f"rockchip,{want_soc}-rproc" not in compats:
        errors.append(f"remote {rpath}: compatible {compats} lacks \"rockchip,{want_soc}-rproc\"")
    if status(rp) != "okay":
        errors.append(f"remote {rpath} is '{status(rp)}'")
    phandles = u32s(rp, "memory-region")

    # The firmware region: a no-map reservation of its own, room for an image.
    fw = fdt.node_offset_by_phandle(phandles[0])
    fpath = fdt.get_path(fw)
    if not fpath.startswith("/reserved-memory/"):
        errors.append(f"firmware region {fpath} is not in /reserved-memory")
    if prop(fw, "no-map") is None:
        errors.append(f"firmware region {fpath} has no no-map")
    if "shared-dma-pool" in strings(fw, "compatible"):
        errors.append(f"firmware region {fpath} is a shared-dma-pool")
    (fb, fs), = regions(fw)
    if fs <= CONTROL_AREA:
        errors.append(f"firmware region {fpath}: {fs:#x} bytes, no room below the last {CONTROL_AREA:#x}")
    child = fdt.first_subnode(fdt.path_offset("/reserved-memory"), quiet=NF)
    while child >= 0:
        if child != fw and any(b < fb + fs and fb < b + s for b, s in regions(child)):
            errors.append(f"firmware region {fpath} overlaps {fdt.get_path(child)}")
        child = fdt.next_subnode(child, quiet=NF)

    # The vring region: the reservation the rpmsg node's rings lie in.
    if len(phandles) > 1:
        vr = fdt.node_offset_by_phandle(phandles[1])
        (base, size), = regions(node)
        if not any(b <= base and base + size <= b + s for b, s in regions(vr)):
            errors.append(f"vrings region {fdt.get_path(vr)} does not hold the rpmsg node's reg {base:#x}+{size:#x}")

    # The remote's CPU must not be one of Linux's.
    mpidr = u32s(rp, "rockchip,mpidr")[0]
    cpus = fdt.path_offset("/cpus", quiet=NF)
    child = fdt.first_subnode(cpus, quiet=NF) if cpus >= 0 else -1
    while child >= 0:
        if prop(child, "device_type") is not None and prop(child, "reg") is not None \
                and number(u32s(child, "reg")) == mpidr:
            errors.append(f"remote {rpath}: CPU {mpidr:#x} is {fdt.get_path(child)}, one of Linux's")
        child = fdt.next_subnode(child, quiet=NF)

{"memory": check_memory, "doorbell": check_doorbell, "remote": check_remote}[mode]()
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
