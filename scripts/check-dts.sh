#!/bin/bash
# Checks the DT overlays and the bindings in dts/bindings/; prints TAP.
#
#  - every binding passes dt-doc-validate and its examples validate;
#  - every dts/*.dtso compiles without warnings (scripts/build-dtbs.sh);
#  - every overlay, applied with fdtoverlay to a small stand-in for its
#    SoC's mainline DT (the labels and buses it references: &gic, &cru,
#    /soc, the root and bus cells, the GIC's #interrupt-cells), gives a
#    tree that dt-validate accepts without a single message, with the rpmsg
#    node, the mailbox nodes and the remote processor matched by the
#    bindings; and in that tree memory-region is a no-map shared-dma-pool
#    and reg lies in another no-map reservation, big enough for vdev-nums.
#    A <soc>-remoteproc.dtso is applied after <soc>-rpmsg.dtso, whose
#    labels it uses;
#  - the doorbell: each mboxes provider exists, is enabled, has this
#    project's compatible (for <soc>-rpmsg.dtso exactly
#    "rockchip,<soc>-amp-mailbox"), and fits its layout (channel number,
#    reg span, interrupt count, clock); a "rockchip,rpmsg-softirq" node has
#    two distinct interrupt lines and no mboxes;
#  - the remote processor of a <soc>-remoteproc tree: the rpmsg node's
#    rockchip,remoteproc names an enabled "rockchip,<soc>-rproc" node whose
#    firmware region is a no-map reservation of its own, larger than the
#    64 KiB log ring and lifecycle page at its end, overlapping no other
#    reservation; whose "vrings" region holds the rpmsg node's reg; and
#    whose rockchip,mpidr is no CPU of /cpus;
#  - a softirq node on the rk3568 stand-in validates;
#  - negative cases: trees with one defect each must draw the expected
#    dt-validate error on the node concerned (or, for a remote CPU listed
#    in /cpus, the remote check's error).
#
# dtschema comes from $RPMSG_CACHE/venv (scripts/setup.sh installs it).
# Generated files go to build/dts/check/. Exit status: 0 if all passed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RPMSG_CACHE="${RPMSG_CACHE:-/var/cache/rockchip-rpmsg}"
venv="$RPMSG_CACHE/venv/bin"
bindings="$root/dts/bindings"
out="$root/build/dts"
# Private while running (a concurrent run must not delete our files), then
# moved to build/dts/check/.
work="$out/check.$$"
trap 'rm -rf "$work"' EXIT

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
for tool in dt-doc-validate dt-mk-schema dt-validate dt-extract-example python3; do
	[ -x "$venv/$tool" ] || bail "$venv/$tool not found (run scripts/setup.sh)"
done

mkdir -p "$work"

# dt-validate exits 0 even when it reports errors; every line it prints
# to stderr is a finding. "failed to match any schema" lines (from -m) only
# matter for the nodes under test, so they are split off.
validate() { # dtb log -> 0 if no findings
	"$venv/dt-validate" -m -s "$work/processed-schema.json" "$1" >"$2.raw" 2>&1
	grep -v 'failed to match any schema' "$2.raw" >"$2" || true
	[ ! -s "$2" ]
}
# The single /rpmsg@... node of a tree.
rpmsg_node() { fdtget -l "$1" / | grep -E '^rpmsg@[0-9a-f]+$' | sed 's|^|/|'; }

# --- the bindings --------------------------------------------------------------
for binding in "$bindings"/*.yaml; do
	b="$(basename "$binding" .yaml)"
	log="$work/$b.doc-validate.log"
	if "$venv/dt-doc-validate" -u "$bindings" "$binding" >"$log" 2>&1 && [ ! -s "$log" ]; then
		pass "binding $b: dt-doc-validate"
	else
		fail "binding $b: dt-doc-validate" "$log"
	fi
done

log="$work/mk-schema.log"
# tests/bindings: the rig's test-only nodes (the simulated remote), so that
# the QEMU board overlays validate without a message too.
if "$venv/dt-mk-schema" -j -o "$work/processed-schema.json" "$bindings" "$root/tests/bindings" >"$log" 2>&1 &&
	[ ! -s "$log" ] && [ -s "$work/processed-schema.json" ]; then
	pass "bindings: dt-mk-schema (core schemas + dts/bindings + tests/bindings)"
else
	fail "bindings: dt-mk-schema (core schemas + dts/bindings + tests/bindings)" "$log"
	echo "1..$n"
	bail "no processed schema, cannot validate anything"
fi

# Every node of every example has a compatible one of our bindings covers,
# so not even a "failed to match" line may appear. dt-extract-example wraps
# examples that use interrupts in a fake interrupt controller without
# #address-cells, which dtc 1.6 warns about; that warning is the wrapper's,
# so it alone is switched off here.
for binding in "$bindings"/*.yaml; do
	b="$(basename "$binding" .yaml)"
	log="$work/$b.example.log"
	if "$venv/dt-extract-example" "$binding" >"$work/$b.example.dts" 2>"$log" &&
		dtc -Wno-interrupt_provider -I dts -O dtb -o "$work/$b.example.dtb" \
			"$work/$b.example.dts" 2>>"$log" && [ ! -s "$log" ] &&
		validate "$work/$b.example.dtb" "$log" && [ ! -s "$log.raw" ]; then
		pass "binding $b: examples validate"
	else
		[ -s "$log.raw" ] && cat "$log.raw" >>"$log"
		fail "binding $b: examples validate" "$log"
	fi
done

# --- the overlays compile clean -----------------------------------------------
log="$work/build-dtbs.log"
if "$root/scripts/build-dtbs.sh" >"$log" 2>&1; then
	pass "build-dtbs.sh: all overlays compile without warnings"
else
	fail "build-dtbs.sh: all overlays compile without warnings" "$log"
fi

# --- stand-ins for the SoC DTs -------------------------------------------------
# What the overlays reference, laid out as in the mainline DT the board
# kernel comes with (Linux 7.2 arch/arm64/boot/dts/rockchip; for RK3506,
# which 7.2 lacks, the mainline-track arch/arm/boot/dts/rockchip/rk3506.dtsi):
# root cells, root interrupt-parent, the GIC (label gic, real address and
# #interrupt-cells), the CRU (label cru), /soc where mainline has one, and
# an empty /reserved-memory. None of these mainline DTs has a mailbox node.
base_dts() { # soc
	local cells=2 bus="" gic_at="" gic_compat="" gic_cells=3 cru_at="" cru_compat=""
	local gic_node=interrupt-controller
	case "$1" in
	rk3506) cells=1 bus=1 # mainline-track: ranges 0xff000000 -> 0xff000000, an identity map
		gic_at=ff581000 gic_compat=arm,gic-400 cru_at=ff9a0000 cru_compat=rockchip,rk3506-cru ;;
	rk3562) bus=1
		gic_at=fe901000 gic_compat=arm,gic-400 cru_at=ff100000 cru_compat=rockchip,rk3562-cru ;;
	rk3568) gic_at=fd400000 gic_compat=arm,gic-v3 cru_at=fdd20000 cru_compat=rockchip,rk3568-cru ;;
	rk3576) bus=1
		gic_at=2a701000 gic_compat=arm,gic-400 cru_at=27200000 cru_compat=rockchip,rk3576-cru ;;
	rk3588) gic_at=fe600000 gic_compat=arm,gic-v3 gic_cells=4
		cru_at=fd7c0000 cru_compat=rockchip,rk3588-cru ;;
	# virt's GIC is /intc@8000000; scripts/qemu-run.sh labels it gic.
	qemu-virt) gic_at=8000000 gic_compat=arm,gic-v3 gic_node=intc ;;
	*) return 1 ;;
	esac
	reg() { # addr size
		if [ "$cells" = 1 ]; then echo "<0x$1 0x$2>"; else echo "<0x0 0x$1 0x0 0x$2>"; fi
	}
	local devices="
	gic: $gic_node@$gic_at {
		compatible = \"$gic_compat\";
		reg = $(reg "$gic_at" 10000);
		interrupt-controller;
		#interrupt-cells = <$gic_cells>;
		#address-cells = <0>;
	};
"
	[ -n "$cru_at" ] && devices+="
	cru: clock-controller@$cru_at {
		compatible = \"$cru_compat\";
		reg = $(reg "$cru_at" 1000);
		#clock-cells = <1>;
		#reset-cells = <1>;
	};
"
	if [ -n "$bus" ]; then
		devices="
	soc {
		compatible = \"simple-bus\";
		#address-cells = <$cells>;
		#size-cells = <$cells>;
		ranges;
$(echo "$devices" | sed 's/^\t/\t\t/')
	};
"
	fi
	cat <<DTS
/dts-v1/;

/ {
	compatible = "rockchip-rpmsg-test,$1-base";
	model = "check-dts stand-in for $1";
	#address-cells = <$cells>;
	#size-cells = <$cells>;
	interrupt-parent = <&gic>;

	memory@0 {
		device_type = "memory";
		reg = $(if [ "$cells" = 1 ]; then echo "<0x00200000 0x3fe00000>"; else echo "<0x0 0x40000000 0x0 0x40000000>"; fi);
	};

	reserved-memory {
		#address-cells = <$cells>;
		#size-cells = <$cells>;
		ranges;
	};
$devices};
DTS
}

# Builds build/dts/check/<soc>-base.dtb; 0 on success, dtc output in $2.
build_base() { # soc log
	base_dts "$1" >"$work/$1-base.dts" || { echo "no stand-in for $1 in check-dts.sh" >"$2"; return 1; }
	dtc -@ -I dts -O dtb -o "$work/$1-base.dtb" "$work/$1-base.dts" 2>>"$2" && [ ! -s "$2" ]
}

# --- what the schema cannot see --------------------------------------------------
# mode memory: where memory-region points and what reg covers.
# mode doorbell: the mboxes providers, or the softirq interrupt lines.
# mode remote: the remote processor the rpmsg node names.
# scripts/check_dts_rules.py DTB NODE MODE [SOC]
check() { "$venv/python3" "$root/scripts/check_dts_rules.py" "$@"; }

# --- every overlay applied and validated ----------------------------------------
# Applies the overlays, in order, to the stand-in for $soc into
# $work/$name.dtb and validates it; 0 on success, the reason in $log.
apply_validate() { # name soc log dtbo...
	local name="$1" soc="$2" log="$3" node dtbo
	shift 3
	for dtbo in "$@"; do
		if [ ! -f "$dtbo" ]; then echo "$dtbo was not built" >"$log"; return 1; fi
	done
	build_base "$soc" "$log" || return 1
	fdtoverlay -i "$work/$soc-base.dtb" -o "$work/$name.dtb" "$@" >>"$log" 2>&1 || return 1
	node="$(rpmsg_node "$work/$name.dtb")"
	if [ "$(echo "$node" | grep -c .)" != 1 ]; then
		echo "expected exactly one /rpmsg@... node, found: ${node:-none}" >"$log"; return 1
	fi
	validate "$work/$name.dtb" "$log" || return 1
	# The rpmsg node, every mailbox it uses and its remote processor must
	# have met a schema.
	local p
	for p in $node $(linked_nodes "$work/$name.dtb" "$node"); do
		if grep -q "$p: failed to match" "$log.raw"; then
			grep "$p: failed to match" "$log.raw" >"$log"; return 1
		fi
	done
}
# The paths of the nodes a rpmsg node's mboxes and rockchip,remoteproc
# point at.
linked_nodes() { # dtb node
	"$venv/python3" - "$1" "$2" <<'PY'
import sys, libfdt
fdt = libfdt.Fdt(open(sys.argv[1], "rb").read())
node = fdt.path_offset(sys.argv[2])
r = fdt.getprop(node, "rockchip,remoteproc", quiet=(libfdt.NOTFOUND,))
if not isinstance(r, int):
    print(fdt.get_path(fdt.node_offset_by_phandle(r.as_uint32())))
p = fdt.getprop(node, "mboxes", quiet=(libfdt.NOTFOUND,))
if not isinstance(p, int):
    raw = bytes(p)
    v = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]
    i = 0
    while i < len(v):
        prov = fdt.node_offset_by_phandle(v[i])
        print(fdt.get_path(prov))
        cells = fdt.getprop(prov, "#mbox-cells", quiet=(libfdt.NOTFOUND,))
        i += 1 + (0 if isinstance(cells, int) else cells.as_uint32())
PY
}

for src in "$root"/dts/*.dtso; do
	name="$(basename "$src" .dtso)"
	# A remote processor overlay goes on top of its SoC's rpmsg overlay.
	case "$name" in
	*-remoteproc)
		soc="${name%-remoteproc}"
		dtbos=("$out/$soc-rpmsg.dtbo" "$out/$name.dtbo")
		t="$name: applied after $soc-rpmsg to a $soc stand-in, validates against the bindings" ;;
	*)
		soc="${name%%-rpmsg*}"
		dtbos=("$out/$name.dtbo")
		t="$name: applied to a $soc stand-in, validates against the bindings" ;;
	esac
	log="$work/$name.log"
	: >"$log"
	if ! apply_validate "$name" "$soc" "$log" "${dtbos[@]}"; then
		fail "$t" "$log"; continue
	fi
	node="$(rpmsg_node "$work/$name.dtb")"
	if ! check "$work/$name.dtb" "$node" memory >"$log" 2>&1; then fail "$t" "$log"; continue; fi
	pass "$t"

	# For the SoC overlays the mailbox must be the SoC's own; the QEMU
	# board may use any of ours.
	want=""
	case "$soc" in rk*) want="$soc" ;; esac
	t="$name: doorbell (enabled ${want:+rockchip,$want-}amp-mailbox channels, or softirq lines)"
	if check "$work/$name.dtb" "$node" doorbell "$want" >"$log" 2>&1; then
		pass "$t"
	else
		fail "$t" "$log"
	fi

	case "$name" in *-remoteproc)
		t="$name: remote processor (rockchip,$soc-rproc, its firmware and vring regions, a CPU not in /cpus)"
		if check "$work/$name.dtb" "$node" remote "$soc" >"$log" 2>&1; then
			pass "$t"
		else
			fail "$t" "$log"
		fi
	esac
done

# --- the mailbox-less variant -----------------------------------------------------
# A "rockchip,rpmsg-softirq" node on the rk3568 stand-in: the RTOS HAL's
# RK3568 RPMSG_03 / RPMSG_30 lines (GIC INTID 287 / 294 = SPI 255 / 262).
cat >"$work/rk3568-softirq.dtso" <<'DTS'
/dts-v1/;
/plugin/;

&{/} {
	#address-cells = <2>;
	#size-cells = <2>;

	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;

		rpmsg@7a00000 {
			reg = <0x0 0x07a00000 0x0 0x100000>;
			no-map;
		};

		rpmsg_dma: rpmsg-dma@7b00000 {
			compatible = "shared-dma-pool";
			reg = <0x0 0x07b00000 0x0 0x100000>;
			no-map;
		};
	};

	rpmsg@7a00000 {
		compatible = "rockchip,rpmsg-softirq";
		reg = <0x0 0x07a00000 0x0 0x20000>;
		interrupt-parent = <&gic>;
		interrupts = <0 255 1>, <0 262 1>;
		rockchip,link-id = <0x03>;
		rockchip,vdev-nums = <1>;
		memory-region = <&rpmsg_dma>;
	};
};
DTS
t="softirq: a rockchip,rpmsg-softirq node on the rk3568 stand-in validates"
log="$work/rk3568-softirq.log"
: >"$log"
if dtc -@ -I dts -O dtb -o "$work/rk3568-softirq.dtbo" "$work/rk3568-softirq.dtso" 2>"$log" && [ ! -s "$log" ] &&
	apply_validate rk3568-softirq rk3568 "$log" "$work/rk3568-softirq.dtbo" &&
	check "$work/rk3568-softirq.dtb" /rpmsg@7a00000 memory >"$log" 2>&1 &&
	check "$work/rk3568-softirq.dtb" /rpmsg@7a00000 doorbell >"$log" 2>&1; then
	pass "$t"
else
	fail "$t" "$log"
fi

# --- the bindings reject broken nodes --------------------------------------------
# Each case: a validated tree with one defect; dt-validate must report the
# given error on the given node.
negput() { # title tree node pattern type prop values...
	local title="$1" tree="$2" node="$3" pattern="$4" type="$5" prop="$6"; shift 6
	local t="$title" good="$work/$tree.dtb" bad="$work/neg-$n.dtb" log="$work/neg-$n.log"
	if [ ! -f "$good" ]; then fail "$t (no $tree tree)"; return; fi
	cp "$good" "$bad"
	if [ "$type" = delete ]; then
		fdtput -d "$bad" "$node" "$prop" 2>"$log" || { fail "$t" "$log"; return; }
	else
		fdtput -t "$type" "$bad" "$node" "$prop" "$@" 2>"$log" || { fail "$t" "$log"; return; }
	fi
	validate "$bad" "$log"
	# Messages name the node "name@..." or "/path/name@..."; a message's
	# continuation lines (indented) are joined to it first.
	local base="${node##*/}"
	if awk '/^[ \t]/ { m = m " " $0; next } { if (m != "") print m; m = $0 } END { if (m != "") print m }' \
		"$log.raw" | grep -E "(^|[ /])${base}[ :]" | grep -qE "$pattern"; then
		pass "$t"
	else
		cp "$log.raw" "$log"
		echo "expected a message on $node matching: $pattern" >>"$log"
		fail "$t" "$log"
	fi
}
rk=rk3568-rpmsg
r="$( [ -f "$work/$rk.dtb" ] && rpmsg_node "$work/$rk.dtb" )"
r="${r:-/rpmsg@7a00000}"
negput "rejects: rockchip,vdev-nums = <13>" $rk "$r" "rockchip,vdev-nums: 13 is greater than the maximum of 12" u rockchip,vdev-nums 13
negput "rejects: rockchip,vdev-nums = <0>" $rk "$r" "rockchip,vdev-nums: 0 is less than the minimum of 1" u rockchip,vdev-nums 0
negput "rejects: node without mbox-names" $rk "$r" "'mbox-names' is a required property" delete mbox-names
negput "rejects: node without memory-region" $rk "$r" "'memory-region' is a required property" delete memory-region
negput "rejects: node without rockchip,link-id" $rk "$r" "'rockchip,link-id' is a required property" delete rockchip,link-id
negput "rejects: mbox-names in the wrong order" $rk "$r" "mbox-names.*'rpmsg-rx' was expected" s mbox-names rpmsg-tx rpmsg-rx
negput "rejects: rockchip,link-id = <0x100>" $rk "$r" "rockchip,link-id: 256 is greater than the maximum of 255" u rockchip,link-id 256
negput "rejects: an unknown property" $rk "$r" "'rockchip,bogus' does not match any of the regexes|Additional properties are not allowed" u rockchip,bogus 1
negput "rejects: interrupts on a mailbox rpmsg node" $rk "$r" "False schema does not allow \\[\\[0, 255, 1\\], \\[0, 262, 1\\]\\]" u interrupts 0 255 1 0 262 1
# Not an error for dt-validate, but the positive checks above must not pass
# a node that no schema looked at: make sure that case is visible.
negput "flags: an unknown compatible is reported as unmatched" $rk "$r" "failed to match any schema" s compatible rockchip,rk9999-rpmsg

sq=rk3568-softirq
negput "rejects: softirq node with mboxes" $sq /rpmsg@7a00000 "False schema does not allow \\[\\[1\\], \\[0\\]\\]" u mboxes 1 0
negput "rejects: softirq node without interrupts" $sq /rpmsg@7a00000 "'interrupts' is a required property" delete interrupts
negput "rejects: softirq node with three interrupts" $sq /rpmsg@7a00000 "interrupts: .*is too long" u interrupts 0 255 1 0 262 1 0 263 1

m=/mailbox@fe780000
negput "rejects: mailbox without #mbox-cells" $rk $m "'#mbox-cells' is a required property" delete "#mbox-cells"
negput "rejects: mailbox without interrupts" $rk $m "'interrupts' is a required property" delete interrupts
negput "rejects: mailbox clock-names other than pclk_mailbox" $rk $m "clock-names.*'pclk_mailbox' was expected" s clock-names pclk
negput "rejects: mailbox rockchip,txpoll-period-ms = <0>" $rk $m "rockchip,txpoll-period-ms:.*0 is less than the minimum of 1" u rockchip,txpoll-period-ms 0
negput "rejects: mailbox with five interrupts" $rk $m "interrupts: .*is too long" u interrupts 0 183 4 0 184 4 0 185 4 0 186 4 0 187 4
negput "rejects: RK3576 (one channel) mailbox with two interrupts" rk3576-rpmsg /soc/mailbox@2ae50000 "interrupts: .*is too long" u interrupts 0 125 4 0 126 4
negput "rejects: mailbox with an unknown property" $rk $m "'rockchip,bogus' does not match any of the regexes|Additional properties are not allowed" u rockchip,bogus 1

rp=rk3568-remoteproc
rn=/remoteproc-cpu3
negput "rejects: remote processor without rockchip,mpidr" $rp $rn "'rockchip,mpidr' is a required property" delete rockchip,mpidr
negput "rejects: remote processor memory-region-names in the wrong order" $rp $rn "memory-region-names.*'firmware' was expected" s memory-region-names vrings firmware

# Not the schema's to see: the remote's CPU listed in /cpus (Linux would
# bring it up). The remote check must report it.
t="flags: a remote processor whose CPU is in /cpus"
bad="$work/neg-cpus.dtb"
log="$work/neg-cpus.log"
if [ -f "$work/$rp.dtb" ] && cp "$work/$rp.dtb" "$bad" &&
	fdtput -c "$bad" /cpus /cpus/cpu@300 2>"$log" &&
	fdtput -t s "$bad" /cpus/cpu@300 device_type cpu 2>>"$log" &&
	fdtput -t x "$bad" /cpus/cpu@300 reg 0 300 2>>"$log" &&
	! check "$bad" "$(rpmsg_node "$bad")" remote rk3568 >>"$log" 2>&1 &&
	grep -q "CPU 0x300 is /cpus/cpu@300" "$log"; then
	pass "$t"
else
	fail "$t" "$log"
fi

echo "1..$n"
rm -rf "$out/check"
mv "$work" "$out/check" 2>/dev/null || true
exit $((failed > 0))
