#!/bin/bash
# Boots the QEMU board and runs one scenario inside it.
#   qemu-run.sh [--interactive] [--keep-going] SCENARIO
# Streams the console to build/logs/SCENARIO.log, stops after the scenario's
# timeout, prints the scenario's TAP lines plus the runner's own checks
# (finished in time, no kernel splat), and exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/env.sh"

BUILD="$PROJECT_ROOT/build"
RIG="$BUILD/rig"
LOGS="$BUILD/logs"
QEMU_MACHINE=(-M virt -cpu cortex-a57 -m 512M -smp 2 -nic none)

scenario=${1:?usage: qemu-run.sh SCENARIO}
script="$PROJECT_ROOT/tests/scenarios/$scenario.sh"
[ -f "$script" ] || script="$PROJECT_ROOT/tests/demo/$scenario.sh"
[ -f "$script" ] || script="$PROJECT_ROOT/tests/bench/$scenario.sh"
[ -f "$script" ] || die "no scenario $scenario (tests/scenarios/$scenario.sh)"
header() { sed -n "s/^# $1: *//p" "$script" | head -1; }
timeout_s=$(header timeout); timeout_s=${timeout_s:-180}
overlay_name=$(header overlay)
extra_cmdline=$(header cmdline)

KDIR="${KDIR:-$("$PROJECT_ROOT/scripts/kernel.sh" dir)}"
IMAGE="$KDIR/arch/arm64/boot/Image"
[ -f "$IMAGE" ] || die "no kernel image at $IMAGE: run make kernel"
mkdir -p "$RIG" "$LOGS"

# Shared preparation under a lock: runs may go in parallel (make test).
exec 9>"$RIG/.prepare.lock"
flock 9
# The board's own DTB, dumped with the same machine options as the run.
if [ ! -f "$RIG/virt.dtb" ]; then
	qemu-system-aarch64 "${QEMU_MACHINE[@]}" -machine dumpdtb="$RIG/virt.dtb" -nographic >/dev/null 2>&1 ||
		die "qemu could not dump the virt DTB"
fi

# The scenario's overlay: the validated QEMU overlay unless it names a test variant.
if [ -n "$overlay_name" ]; then
	overlay_src="$PROJECT_ROOT/tests/overlays/$overlay_name.dtso"
else
	overlay_src="$PROJECT_ROOT/dts/qemu-virt-rpmsg.dtso"
fi
[ -f "$overlay_src" ] || die "no overlay $overlay_src"
dtbo="$RIG/$scenario.dtbo"
dtc -q -@ -I dts -O dtb -o "$dtbo" "$overlay_src" || die "dtc failed on $overlay_src"
merged="$RIG/$scenario.dtb"
fdtoverlay -i "$RIG/virt.dtb" -o "$merged" "$dtbo" || die "fdtoverlay failed with $overlay_src"

# make test packs the initramfs once for all its runs.
[ -n "${RIG_INITRAMFS_READY:-}" ] || "$PROJECT_ROOT/scripts/initramfs.sh" >/dev/null
flock -u 9
log="$LOGS/$scenario.log"
: >"$log"

# loglevel=7 puts every kernel message, dev_info/dev_err included, on the
# console the verdict reads; a scenario's "# cmdline:" header adds options.
append="console=ttyAMA0 rdinit=/init loglevel=7 rig.scenario=$scenario kmemleak=on panic_on_warn=0 $extra_cmdline${CYCLES:+ rig.cycles=$CYCLES}"
set +e
timeout --foreground -k 5 "$timeout_s" qemu-system-aarch64 "${QEMU_MACHINE[@]}" -nographic -no-reboot \
	-kernel "$IMAGE" -initrd "$RIG/initramfs.cpio.gz" -dtb "$merged" -append "$append" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" | { if [ -n "${RIG_VERBOSE:-}" ]; then cat; else cat >/dev/null; fi; }
qemu_rc=${PIPESTATUS[0]}
set -e

exec "$PROJECT_ROOT/scripts/rig-verdict.sh" "$scenario" "$log" "$qemu_rc" "$timeout_s"
