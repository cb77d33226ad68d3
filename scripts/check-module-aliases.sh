#!/bin/bash
# Module autoloading, checked on the host: each driver module's .modinfo
# carries an OF alias pair (of:N*T*C<compatible> and ...C*) for every
# compatible its binding lists, and none other, so that modprobe and udev
# load it for any node the binding allows. Prints TAP lines.
#   check-module-aliases.sh [MODULES_DIR]
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$PROJECT_ROOT/scripts/runs.sh"
modules=${1:-$PROJECT_ROOT/build/modules}
bindings=$PROJECT_ROOT/dts/bindings

# binding_compatibles FILE: the strings in the binding's top-level
# properties: compatible: block.
binding_compatibles() {
	awk '
		/^properties:/ { in_props = 1; next }
		/^[^ ]/ { in_props = 0 }
		in_props && /^  compatible:/ { in_compat = 1; next }
		in_props && /^  [^ ]/ { in_compat = 0 }
		in_compat { while (match($0, /rockchip,[a-z0-9-]+/)) { print substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH) } }
	' "$1" | sort -u
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for pair in rockchip_rpmsg:rockchip,rpmsg rockchip_amp_mbox:rockchip,amp-mailbox rockchip_rproc:rockchip,rproc; do
	module=${pair%%:*} binding=$bindings/${pair#*:}.yaml
	ko=$modules/$module.ko
	if [ ! -f "$ko" ] || [ ! -f "$binding" ]; then
		tap_result "$module: have $ko and $binding" 1
		continue
	fi
	want=$(binding_compatibles "$binding")
	if [ -z "$want" ]; then
		tap_result "$module: $binding lists compatibles" 1
		continue
	fi
	if ! llvm-objcopy"$LLVM_SUFFIX" -O binary --only-section=.modinfo "$ko" "$tmp"; then
		tap_result "$module: read the .modinfo section of $ko" 1
		continue
	fi
	info=$(tr '\0' '\n' <"$tmp")
	aliases=$(sed -n 's/^alias=//p' <<<"$info" | sort)
	expected=$(while read -r c; do echo "of:N*T*C$c"; echo "of:N*T*C${c}C*"; done <<<"$want" | sort)
	if [ "$aliases" = "$expected" ]; then
		tap_result "$module: an OF alias pair for each of its binding's $(wc -l <<<"$want") compatibles ($(tr '\n' ' ' <<<"$want" | sed 's/ $//')), no other alias" 0
	else
		tap_result "$module: OF aliases match its binding's compatibles" 1
		diff <(echo "$expected") <(echo "$aliases") | sed 's/^/# /'
	fi
done
