#!/bin/bash
# The core set on one kernel of the matrix (scripts/kernels.sh) other than
# the reference: builds that kernel if the cache lacks it, builds the
# modules against it from a copy of the sources (the tree's own build stays
# the reference's), counts their warnings, and boots the core scenarios.
# Prints TAP lines, then "# matrix: NAME TOOLCHAIN ARCH BUILD PASSED/TOTAL".
#   kernel-matrix.sh [--prepare] NAME
# --prepare stops before the boots: it leaves build/kernels/NAME/boot.env
# (what a boot of that kernel needs, for scripts/runs.sh) and prints
# "# matrix-runs: RUN[NAME]..." (make test boots them with its own runs).
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$PROJECT_ROOT/scripts/kernels.sh"
source "$PROJECT_ROOT/scripts/runs.sh"
cd "$PROJECT_ROOT"

prepare_only=""
if [ "${1:-}" = --prepare ]; then prepare_only=1; shift; fi
name=${1:?usage: kernel-matrix.sh [--prepare] NAME}
kernel_select "$name" || die "no kernel named '$name' (have: $(kernel_names | tr '\n' ' '))"
work="$PROJECT_ROOT/build/kernels/$name"
mkdir -p "$work"

ok() { tap_count <<<"ok - $name: $1"; }
not_ok() { tap_count <<<"not ok - $name: $1"; }
summary() { echo "# matrix: $name $K_TOOLCHAIN $K_ARCH $1 $2"; }

# The core set: echo, the client sample, a burst, two instances, unbind/bind
# under traffic, a broken node. On arm64 against the firmware on its own
# CPU; the 32-bit board runs the simulator (the firmware is AArch64).
if [ "$K_ARCH" = arm64 ]; then
	CORE=(echo+fw echo@softirq+fw client-sample+fw burst+fw vdev2+fw churn-bind+fw broken-dt+fw)
else
	CORE=(echo echo@softirq client-sample burst vdev2 churn-bind broken-dt)
fi
# Unbind/bind cycles here (every run gets rig.cycles=; only the churns read
# it): enough to cross every teardown path, few enough for the core set.
CORE_CYCLES=10
if ! log=$(scripts/kernel.sh build "$name" 2>&1); then
	echo "$log" | tail -20 | sed 's/^/# /'
	not_ok "kernel build"
	summary fail "0/${#CORE[@]}"
	exit 1
fi
KDIR=$(scripts/kernel.sh dir "$name")
read -ra kbuild_args <<<"$(scripts/kernel.sh kbuild-args "$name")"

# Modules, from a copy of the sources.
src="$work/src"
mkdir -p "$src"
# tar keeps the files' times, so an unchanged source is not rebuilt.
tar -c --exclude=target --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude=bindings_generated.rs Kbuild rust tests/modules |
	tar -x -C "$src" || die "cannot copy the sources to $src"
build_log="$work/modules.log"
make --no-print-directory -C "$KDIR" M="$src" "${kbuild_args[@]}" modules >"$build_log" 2>&1
build_rc=$?
warnings=$(grep -cE '^(warning|error)' "$build_log")
if [ $build_rc -eq 0 ] && [ "$warnings" -eq 0 ]; then
	ok "modules build with no warnings (${kbuild_args[*]})"
else
	grep -E -A6 '^(warning|error)' "$build_log" | head -40 | sed 's/^/# /'
	[ $build_rc -eq 0 ] || tail -10 "$build_log" | sed 's/^/# /'
	not_ok "modules build with no warnings (exit $build_rc, $warnings warning/error lines; log $build_log)"
	summary fail "0/${#CORE[@]}"
	exit 1
fi
modules="$work/modules"
rm -rf "$modules" && mkdir -p "$modules"
find "$src" -name '*.ko' -exec cp {} "$modules/" \;
# A 32-bit ARM kernel's Rust has no 64-bit division: core's decimal
# formatting of a u64/i64 and __aeabi_[u]ldivmod trap there (an Oops when a
# debugfs counter is read). The modules a board loads must not call them
# (the rig's own modules are checked by the runs: an Oops fails them).
if [ "$K_ARCH" = arm ]; then
	bad=""
	for ko in "$modules"/rockchip_rpmsg.ko "$modules"/rockchip_amp_mbox.ko "$modules"/rockchip_rproc.ko; do
		if llvm-nm"$LLVM_SUFFIX" -u "$ko" | grep -qE '3imp[xy]NtB9_7Display3fmt|__aeabi_u?ldivmod'; then
			bad+=" $(basename "$ko")"
		fi
	done
	if [ -z "$bad" ]; then
		ok "no 64-bit division or decimal u64/i64 formatting in the board's modules"
	else
		not_ok "64-bit division or decimal u64/i64 formatting in:$bad (traps on 32-bit ARM)"
	fi
fi

# What the guest runs: the tools for its architecture, then the initramfs.
if [ "$K_ARCH" = arm ]; then
	USERSPACE_ARCH=arm scripts/build-userspace.sh >"$work/userspace.log" 2>&1 ||
		{ tail -10 "$work/userspace.log" | sed 's/^/# /'; not_ok "32-bit userspace tools build"; summary ok "0/${#CORE[@]}"; exit 1; }
fi
initramfs=$(KERNEL=$name KDIR=$KDIR RIG_MODULES_DIR=$modules scripts/initramfs.sh) ||
	{ not_ok "packing the initramfs"; summary ok "0/${#CORE[@]}"; exit 1; }

# The core runs, as make test runs them.
echo "export KERNEL=$name RIG_INITRAMFS=$initramfs RIG_INITRAMFS_READY=1 CYCLES=$CORE_CYCLES" >"$work/boot.env"
runs=()
for run in "${CORE[@]}"; do runs+=("$run[$name]"); done
if [ -n "$prepare_only" ]; then
	echo "# matrix-runs: ${runs[*]}"
	exit 0
fi
source "$work/boot.env"
runs_boot "$work/verdicts" "${runs[@]}"
runs_judge "$work/verdicts" "${runs[@]}"
summary ok "$runs_passed/${#CORE[@]}"
[ "$runs_passed" -eq "${#CORE[@]}" ]
