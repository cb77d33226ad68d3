#!/bin/bash
# Packs the guest's initramfs: busybox, the modules, the userspace tools, the
# guest-side test library and every scenario. Prints the archive's path.
# KERNEL=NAME packs it for another kernel of scripts/kernels.sh: the
# modules built for it (RIG_MODULES_DIR), its architecture's busybox and
# tools, into build/rig/initramfs-NAME.cpio.gz.
set -euo pipefail
source "$(dirname "$0")/env.sh"

BUILD="$PROJECT_ROOT/build"
source "$PROJECT_ROOT/scripts/kernels.sh"
KERNEL=${KERNEL:-$(reference_kernel)}
KDIR="${KDIR:-$("$PROJECT_ROOT/scripts/kernel.sh" dir "$KERNEL")}"
arch=$("$PROJECT_ROOT/scripts/kernel.sh" arch "$KERNEL")
if [ "$KERNEL" = "$(reference_kernel)" ]; then out="$BUILD/rig/initramfs.cpio.gz"; else out="$BUILD/rig/initramfs-$KERNEL.cpio.gz"; fi
modules_dir=${RIG_MODULES_DIR:-$BUILD/modules}
case "$arch" in
arm64) busybox="$RPMSG_CACHE/busybox/bin/busybox" userspace="$BUILD/userspace" ;;
arm) busybox="$RPMSG_CACHE/busybox-armhf/bin/busybox" userspace="$BUILD/userspace-arm" ;;
esac
[ -x "$busybox" ] || die "no $arch busybox at $busybox: run scripts/setup.sh"
mkdir -p "$BUILD/rig"
root="$BUILD/rig/initramfs.$$"
trap 'rm -rf "$root" "$out.tmp.$$"' EXIT

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,modules,scenarios,usr/bin,etc}
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list 2>/dev/null || true); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
# busybox is an ARM binary; on the x86 host --list cannot run, so name the applets.
if [ ! -e "$root/bin/sh" ]; then
	for applet in sh ash cat echo ls mkdir mount umount insmod rmmod lsmod modinfo grep sed awk \
		sleep dmesg poweroff cut head tail wc tr test printf seq find xargs kill ps timeout \
		hexdump od dd cmp sort uniq date true false basename dirname readlink ln rm cp mv \
		sync env expr stat usleep pidof watch tee diff taskset stty setsid cttyhack mkfifo; do
		ln -sf busybox "$root/bin/$applet"
	done
fi
cp "$modules_dir"/*.ko "$root/modules/" 2>/dev/null || true
# The upstream rpmsg client sample, built with the kernel.
find "$KDIR/samples/rpmsg" -name '*.ko' -exec cp {} "$root/modules/" \; 2>/dev/null || true
cp "$userspace"/* "$root/usr/bin/" 2>/dev/null || true
# The remote's firmware, which the rig's start helper loads from
# /lib/firmware, and the broken copies the firmware-files scenario offers it.
if [ "$arch" = arm64 ] && [ -f "$BUILD/firmware/remote_fw.elf" ]; then
	mkdir -p "$root/lib/firmware/rockchip-rpmsg"
	cp "$BUILD/firmware/remote_fw.elf" "$root/lib/firmware/rockchip-rpmsg/"
	python3 "$PROJECT_ROOT/scripts/bad-firmware.py" "$BUILD/firmware/remote_fw.elf" \
		"$root/lib/firmware/rockchip-rpmsg/bad"
fi
cp "$PROJECT_ROOT"/tests/guest/init "$root/init"
cp "$PROJECT_ROOT"/tests/guest/lib.sh "$PROJECT_ROOT"/tests/guest/run-one.sh "$root/scenarios/"
cp "$PROJECT_ROOT"/tests/scenarios/*.sh "$PROJECT_ROOT"/tests/demo/*.sh "$PROJECT_ROOT"/tests/bench/*.sh "$root/scenarios/"
chmod +x "$root/init"
# Replaced in one rename: a guest booting meanwhile (another make target)
# reads the old archive or the new one, never half of one.
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 >"$out.tmp.$$")
mv -f "$out.tmp.$$" "$out"
echo "$out"
