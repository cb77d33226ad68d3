#!/bin/bash
# Checks the DT overlays and the rockchip,rpmsg binding; prints TAP.
#
#  - the binding passes dt-doc-validate and its example validates;
#  - every dts/*.dtso compiles without warnings (scripts/build-dtbs.sh);
#  - every overlay, applied with fdtoverlay to a small stand-in for its
#    SoC's DT (the labels it references, with the real #mbox-cells and root
#    cells), gives a tree that dt-validate accepts without a single message,
#    with the rpmsg node matched by the binding; and in that tree the
#    mailboxes are enabled, memory-region is a no-map shared-dma-pool, and
#    reg lies in another no-map reservation, big enough for vdev-nums;
#  - negative cases: the rk3568 tree with one defect each must draw the
#    expected dt-validate error on the rpmsg node.
#
# dtschema comes from $RPMSG_CACHE/venv (scripts/setup.sh installs it).
# Generated files go to build/dts/check/. Exit status: 0 if all passed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RPMSG_CACHE="${RPMSG_CACHE:-/var/cache/rockchip-rpmsg}"
venv="$RPMSG_CACHE/venv/bin"
binding="$root/dts/bindings/rockchip,rpmsg.yaml"
out="$root/build/dts"
work="$out/check"

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { # name [log file]
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -n "${2:-}" ] && [ -s "$2" ]; then sed 's/^/# /' "$2"; fi
}
bail() { echo "Bail out! $*"; exit 1; }

for tool in dtc fdtoverlay fdtput fdtget; do
	command -v "$tool" >/dev/null || bail "$tool not found (apt-get install device-tree-compiler)"
done
for tool in dt-doc-validate dt-mk-schema dt-validate dt-extract-example; do
	[ -x "$venv/$tool" ] || bail "$venv/$tool not found (run scripts/setup.sh)"
done

rm -rf "$work"
mkdir -p "$work"

# dt-validate exits 0 even when it reports errors; every line it prints
# to stderr is a finding. "failed to match any schema" lines (from -m) only
# matter for the node under test, so they are split off.
validate() { # dtb log -> 0 if no findings
	"$venv/dt-validate" -m -s "$work/processed-schema.json" "$1" >"$2.raw" 2>&1
	grep -v 'failed to match any schema' "$2.raw" >"$2" || true
	[ ! -s "$2" ]
}
# The single /rpmsg@... node of a tree.
rpmsg_node() { fdtget -l "$1" / | grep -E '^rpmsg@[0-9a-f]+$' | sed 's|^|/|'; }

# --- the binding -------------------------------------------------------------
log="$work/doc-validate.log"
if "$venv/dt-doc-validate" -u "$root/dts/bindings" "$binding" >"$log" 2>&1 && [ ! -s "$log" ]; then
	pass "binding: dt-doc-validate"
else
	fail "binding: dt-doc-validate" "$log"
fi

log="$work/mk-schema.log"
if "$venv/dt-mk-schema" -j -o "$work/processed-schema.json" "$root/dts/bindings" >"$log" 2>&1 &&
	[ ! -s "$log" ] && [ -s "$work/processed-schema.json" ]; then
	pass "binding: dt-mk-schema (core schemas + rockchip,rpmsg)"
else
	fail "binding: dt-mk-schema (core schemas + rockchip,rpmsg)" "$log"
	echo "1..$n"
	bail "no processed schema, cannot validate anything"
fi

log="$work/example.log"
if "$venv/dt-extract-example" "$binding" >"$work/example.dts" 2>"$log" &&
	dtc -I dts -O dtb -o "$work/example.dtb" "$work/example.dts" 2>>"$log" && [ ! -s "$log" ] &&
	validate "$work/example.dtb" "$log" &&
	! grep -q '/rpmsg@7a00000: failed to match' "$log.raw"; then
	pass "binding: example validates"
else
	fail "binding: example validates" "$log"
fi

# --- the overlays compile clean -----------------------------------------------
log="$work/build-dtbs.log"
if "$root/scripts/build-dtbs.sh" >"$log" 2>&1; then
	pass "build-dtbs.sh: all overlays compile without warnings"
else
	fail "build-dtbs.sh: all overlays compile without warnings" "$log"
fi

# --- stand-ins for the SoC DTs -------------------------------------------------
# Only what the overlays reference matters: root cells, the mailbox labels
# with #mbox-cells = <1> (disabled, as in the vendor SoC dtsi) and an
# existing /reserved-memory. Mailbox addresses are illustrative.
base_dts() { # soc
	local cells=2 mailboxes=""
	mbox() { # label addr compatible
		local reg
		if [ "$cells" = 1 ]; then reg="<0x$2 0x1000>"; else reg="<0x0 0x$2 0x0 0x1000>"; fi
		mailboxes+="
	$1: mailbox@$2 {
		compatible = $3;
		reg = $reg;
		#mbox-cells = <1>;
		status = \"disabled\";
	};
"
	}
	case "$1" in
	rk3506) cells=1
		mbox mailbox0 ff290000 '"rockchip,rk3506-mailbox", "rockchip,rk3576-mailbox"'
		mbox mailbox1 ff291000 '"rockchip,rk3506-mailbox", "rockchip,rk3576-mailbox"'
		mbox mailbox2 ff292000 '"rockchip,rk3506-mailbox", "rockchip,rk3576-mailbox"'
		mbox mailbox3 ff293000 '"rockchip,rk3506-mailbox", "rockchip,rk3576-mailbox"' ;;
	rk3562) mbox mailbox ff100000 '"rockchip,rk3562-mailbox", "rockchip,rk3368-mailbox"' ;;
	rk3568) mbox mailbox fe780000 '"rockchip,rk3568-mailbox", "rockchip,rk3368-mailbox"' ;;
	rk3576)
		mbox mailbox0 2ae50000 '"rockchip,rk3576-mailbox"'
		mbox mailbox1 2ae51000 '"rockchip,rk3576-mailbox"'
		mbox mailbox2 2ae52000 '"rockchip,rk3576-mailbox"'
		mbox mailbox3 2ae53000 '"rockchip,rk3576-mailbox"' ;;
	rk3588) mbox mailbox0 fec60000 '"rockchip,rk3588-mailbox", "rockchip,rk3368-mailbox"' ;;
	qemu-virt) ;; # the overlay brings its own mailbox (the remote-core simulator)
	*) return 1 ;;
	esac
	local memreg
	if [ "$cells" = 1 ]; then memreg="<0x00200000 0x3fe00000>"; else memreg="<0x0 0x40000000 0x0 0x40000000>"; fi
	cat <<DTS
/dts-v1/;

/ {
	compatible = "rockchip-rpmsg-test,$1-base";
	model = "check-dts stand-in for $1";
	#address-cells = <$cells>;
	#size-cells = <$cells>;

	memory@0 {
		device_type = "memory";
		reg = $memreg;
	};

	reserved-memory {
		#address-cells = <$cells>;
		#size-cells = <$cells>;
		ranges;
	};
$mailboxes};
DTS
}

# --- every overlay applied and validated ----------------------------------------
for src in "$root"/dts/*.dtso; do
	name="$(basename "$src" .dtso)"
	soc="${name%-rpmsg}"
	t="$name: applied to a $soc stand-in, validates against the binding"
	log="$work/$name.log"
	: >"$log"
	dtbo="$out/$name.dtbo"
	if [ ! -f "$dtbo" ]; then fail "$t" ; continue; fi
	if ! base_dts "$soc" >"$work/$soc-base.dts"; then
		echo "no stand-in for $soc in check-dts.sh" >"$log"; fail "$t" "$log"; continue
	fi
	if ! dtc -@ -I dts -O dtb -o "$work/$soc-base.dtb" "$work/$soc-base.dts" 2>>"$log" || [ -s "$log" ]; then
		fail "$t" "$log"; continue
	fi
	if ! fdtoverlay -i "$work/$soc-base.dtb" -o "$work/$name.dtb" "$dtbo" >>"$log" 2>&1; then
		fail "$t" "$log"; continue
	fi
	node="$(rpmsg_node "$work/$name.dtb")"
	if [ "$(echo "$node" | grep -c .)" != 1 ]; then
		echo "expected exactly one /rpmsg@... node, found: ${node:-none}" >"$log"; fail "$t" "$log"; continue
	fi
	if ! validate "$work/$name.dtb" "$log"; then fail "$t" "$log"; continue; fi
	if grep -q "$node: failed to match" "$log.raw"; then
		grep "$node: failed to match" "$log.raw" >"$log"; fail "$t" "$log"; continue
	fi
	if ! "$venv/python3" - "$work/$name.dtb" "$node" >"$log" 2>&1 <<'CHECK'; then fail "$t" "$log"; continue; fi
# What the schema cannot see: where the phandles point and what reg covers.
import sys
import libfdt

NF = (libfdt.NOTFOUND,)
fdt = libfdt.Fdt(open(sys.argv[1], "rb").read())
node = fdt.path_offset(sys.argv[2])
errors = []

def prop(off, name):
    p = fdt.getprop(off, name, quiet=NF)
    return None if isinstance(p, int) else p

def u32s(off, name):
    raw = bytes(fdt.getprop(off, name))
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]

def number(xs):
    return sum(x << (32 * (len(xs) - 1 - j)) for j, x in enumerate(xs))

def regions(off):
    parent = fdt.parent_offset(off)
    ac = u32s(parent, "#address-cells")[0] if prop(parent, "#address-cells") else 2
    sc = u32s(parent, "#size-cells")[0] if prop(parent, "#size-cells") else 1
    v = u32s(off, "reg")
    return [(number(v[i:i + ac]), number(v[i + ac:i + ac + sc])) for i in range(0, len(v), ac + sc)]

def status(off):
    p = prop(off, "status")
    return p.as_str() if p is not None else "okay"

# The mailboxes: every provider must be enabled.
mb = u32s(node, "mboxes")
i = 0
while i < len(mb):
    prov = fdt.node_offset_by_phandle(mb[i])
    if status(prov) != "okay":
        errors.append(f"mailbox {fdt.get_path(prov)} is '{status(prov)}'")
    i += 1 + u32s(prov, "#mbox-cells")[0]

# The buffer pool: a no-map shared-dma-pool in /reserved-memory.
pool = fdt.node_offset_by_phandle(u32s(node, "memory-region")[0])
ppath = fdt.get_path(pool)
if not ppath.startswith("/reserved-memory/"):
    errors.append(f"memory-region {ppath} is not in /reserved-memory")
compat = prop(pool, "compatible")
if compat is None or "shared-dma-pool" not in bytes(compat).decode().split("\0"):
    errors.append(f'memory-region {ppath} is not a "shared-dma-pool"')
if prop(pool, "no-map") is None:
    errors.append(f"memory-region {ppath} has no no-map")

# The vrings: inside a no-map reservation that is not the pool, big enough.
(base, size), = regions(node)
vdevs = u32s(node, "rockchip,vdev-nums")[0] if prop(node, "rockchip,vdev-nums") else 1
if size < vdevs * 0x10000:
    errors.append(f"reg size {size:#x} < rockchip,vdev-nums * 0x10000")
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

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
CHECK
	pass "$t"
done

# --- the binding rejects broken nodes --------------------------------------------
# Each case: the validated rk3568 tree with one defect; dt-validate must
# report the given error on the rpmsg node.
negput() { # title pattern type prop values...
	local title="$1" pattern="$2" type="$3" prop="$4"; shift 4
	local t="$title" good="$work/rk3568-rpmsg.dtb" bad="$work/neg-$n.dtb" log="$work/neg-$n.log"
	if [ ! -f "$good" ]; then fail "$t (no rk3568 tree)"; return; fi
	local node; node="$(rpmsg_node "$good")"
	cp "$good" "$bad"
	if [ "$type" = delete ]; then
		fdtput -d "$bad" "$node" "$prop" 2>"$log" || { fail "$t" "$log"; return; }
	else
		fdtput -t "$type" "$bad" "$node" "$prop" "$@" 2>"$log" || { fail "$t" "$log"; return; }
	fi
	validate "$bad" "$log"
	# Messages name the node "rpmsg@..." or "/rpmsg@...".
	if grep -E "(^|[ /])${node#/}[ :]" "$log.raw" | grep -qE "$pattern"; then
		pass "$t"
	else
		cp "$log.raw" "$log"
		echo "expected a message on $node matching: $pattern" >>"$log"
		fail "$t" "$log"
	fi
}
negput "rejects: rockchip,vdev-nums = <13>" "rockchip,vdev-nums: 13 is greater than the maximum of 12" u rockchip,vdev-nums 13
negput "rejects: rockchip,vdev-nums = <0>" "rockchip,vdev-nums: 0 is less than the minimum of 1" u rockchip,vdev-nums 0
negput "rejects: node without mbox-names" "'mbox-names' is a required property" delete mbox-names
negput "rejects: node without memory-region" "'memory-region' is a required property" delete memory-region
negput "rejects: node without rockchip,link-id" "'rockchip,link-id' is a required property" delete rockchip,link-id
negput "rejects: mbox-names in the wrong order" "mbox-names.*'rpmsg-rx' was expected" s mbox-names rpmsg-tx rpmsg-rx
negput "rejects: rockchip,link-id = <0x100>" "rockchip,link-id: 256 is greater than the maximum of 255" u rockchip,link-id 256
negput "rejects: an unknown property" "'rockchip,bogus' does not match any of the regexes|Additional properties are not allowed" u rockchip,bogus 1
# Not an error for dt-validate, but the positive checks above must not pass
# a node that no schema looked at: make sure that case is visible.
negput "flags: an unknown compatible is reported as unmatched" "failed to match any schema" s compatible rockchip,rk9999-rpmsg

echo "1..$n"
exit $((failed > 0))
