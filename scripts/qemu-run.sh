#!/bin/bash
# Boots the QEMU board and runs one or more scenarios in it, one after
# another (scripts/runs.sh groups the scenarios that can share a boot).
#   qemu-run.sh SCENARIO...
# RIG_DOORBELLS=mailbox (default) boots the board with the four-channel
# Rockchip AMP mailbox (dts/qemu-virt-rpmsg.dtso), mailbox1ch with two
# one-channel blocks as on RK3576 (dts/qemu-virt-rpmsg-1ch.dtso), softirq
# with the mailbox-less variant (dts/qemu-virt-rpmsg-softirq.dtso); a run
# off the default path is named SCENARIO@PATH. A scenario's "# doorbells:"
# header lists the paths it applies to (default: mailbox and softirq); a
# run on another path is refused.
# Streams the console to build/logs/RUN.log (a boot of several scenarios:
# build/logs/boot.FIRST-RUN.log, split into each run's RUN.log after), stops
# after the sum of the scenarios' timeouts, prints each run's TAP lines plus
# the runner's own checks (finished in time, no kernel splat), and exits
# non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/env.sh"

BUILD="$PROJECT_ROOT/build"
RIG="$BUILD/rig"
LOGS="$BUILD/logs"
# KERNEL=NAME boots another kernel of scripts/kernels.sh (default: the
# reference); its runs are named RUN[NAME].
source "$PROJECT_ROOT/scripts/kernels.sh"
KERNEL=${KERNEL:-$(reference_kernel)}
KERNEL_ARCH=$("$PROJECT_ROOT/scripts/kernel.sh" arch "$KERNEL") || exit 2
# The board's QEMU: Debian's source with the project's mailbox model (its
# aarch64 system emulator also runs the 32-bit ARM board).
QEMU_BIN="${QEMU_BIN:-$("$PROJECT_ROOT/scripts/qemu.sh" path)}"
[ -x "$QEMU_BIN" ] || die "no board QEMU at $QEMU_BIN: run make qemu"

[ $# -ge 1 ] || die "usage: qemu-run.sh SCENARIO..."
scenario_file() {
	local f
	for f in "$PROJECT_ROOT"/tests/{scenarios,demo,bench}/"$1".sh; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	die "no scenario $1 (tests/scenarios/$1.sh)"
}
header_of() { sed -n "s/^# $2: *//p" "$1" | head -1; }
# The boot's settings come from its scenarios' headers; scenarios that
# share a boot must agree on every one of them (scripts/runs.sh groups
# them so). The boot's timeout is the sum of theirs.
scenarios=("$@") scripts=() timeouts=() timeout_s=0
for s in "${scenarios[@]}"; do
	f=$(scenario_file "$s")
	t=$(header_of "$f" timeout); t=${t:-180}
	scripts+=("$f") timeouts+=("$t") timeout_s=$((timeout_s + t))
done
script=${scripts[0]}
header() {
	local f v first
	first=$(header_of "$script" "$1")
	for f in "${scripts[@]}"; do
		v=$(header_of "$f" "$1")
		[ "$v" = "$first" ] || die "scenarios sharing a boot differ in '# $1:' ($(basename "$script" .sh): '$first', $(basename "$f" .sh): '$v')"
	done
	echo "$first"
}
extra_cmdline=$(header cmdline)
doorbells=${RIG_DOORBELLS:-mailbox}
# The test overlays, which may differ per doorbell path (scripts/runs.sh).
source "$PROJECT_ROOT/scripts/runs.sh"
overlay_names=$(scenario_overlays "$script" "$doorbells")
for f in "${scripts[@]}"; do
	[ "$(scenario_overlays "$f" "$doorbells")" = "$overlay_names" ] ||
		die "scenarios sharing a boot differ in their overlays on $doorbells ($(basename "$script" .sh): '$overlay_names', $(basename "$f" .sh): '$(scenario_overlays "$f" "$doorbells")')"
done
# The guest sees the doorbell kind (rig.doorbells=) and, on the mailbox,
# the board's mailbox layout (rig.mbox=).
case "$doorbells" in
mailbox) suffix=""; guest_doorbells=mailbox mbox_layout=four
	board_overlay="$PROJECT_ROOT/dts/qemu-virt-rpmsg.dtso" ;;
mailbox1ch) suffix=@mailbox1ch; guest_doorbells=mailbox mbox_layout=one gic_version=2
	board_overlay="$PROJECT_ROOT/dts/qemu-virt-rpmsg-1ch.dtso" ;;
softirq) suffix=@softirq; guest_doorbells=softirq mbox_layout=
	board_overlay="$PROJECT_ROOT/dts/qemu-virt-rpmsg-softirq.dtso" ;;
*) die "RIG_DOORBELLS must be mailbox, mailbox1ch or softirq, not '$doorbells'" ;;
esac
# The one-channel board is RK3576/RK3506-like: a GICv2 (GIC-400); the
# others are RK3568/RK3588-like: a GICv3.
QEMU_MACHINE=(-M "virt,gic-version=${gic_version:-3}" -cpu cortex-a57 -m 512M -smp 2 -nic none)
if [ "$KERNEL_ARCH" = arm ]; then
	# Cortex-A7s (RK3506's cores) with a GIC-400-like GICv2.
	QEMU_MACHINE=(-M virt,gic-version=2 -cpu cortex-a7 -m 512M -smp 2 -nic none)
fi
for i in "${!scenarios[@]}"; do
	paths=$(header_of "${scripts[i]}" doorbells); paths=${paths:-mailbox softirq}
	case " $paths " in *" $doorbells "*) ;; *) die "${scenarios[i]} runs only on: $paths" ;; esac
done
# RIG_REMOTE=sim (default) runs the in-kernel simulator as the remote;
# firmware runs rust/remote_fw on CPU1, which Linux does not see (a run
# named RUN+fw). A scenario's "# remotes:" header lists the remotes it
# applies to (default: sim).
remote=${RIG_REMOTE:-sim}
# The firmware is AArch64 and QEMU's virt board has one CPU type: on the
# 32-bit board the remote is the in-kernel simulator, whatever the header.
[ "$KERNEL_ARCH" = arm64 ] || [ "$remote" = sim ] || die "the remote firmware is AArch64: RIG_REMOTE=sim on $KERNEL_ARCH"
for i in "${!scenarios[@]}"; do
	remotes=$(header_of "${scripts[i]}" remotes); remotes=${remotes:-sim}
	[ "$KERNEL_ARCH" = arm64 ] || remotes=sim
	case " $remotes " in *" $remote "*) ;; *) die "${scenarios[i]} runs only against: $remotes" ;; esac
done
fw_qemu_args=()
case "$remote" in
sim) ;;
firmware)
	suffix+=+fw
	FIRMWARE="$PROJECT_ROOT/build/firmware/remote_fw.elf"
	[ -f "$FIRMWARE" ] || die "no remote firmware at $FIRMWARE: run make firmware"
	# The initramfs carries the ELF (/lib/firmware/rockchip-rpmsg); the
	# rig's start helper loads it into the firmware's region and starts
	# CPU1 with PSCI CPU_ON. Semihosting is the firmware's console,
	# printed into this run's log.
	fw_qemu_args=(-semihosting-config enable=on,target=native) ;;
*) die "RIG_REMOTE must be sim or firmware, not '$remote'" ;;
esac
# RIG_ROUND=N: the N-th run of the same scenario (make soak), RUN.roundN.
[ -z "${RIG_ROUND:-}" ] || suffix+=".round$RIG_ROUND"
# Each scenario's run name; on another kernel than the reference, RUN[KERNEL].
[ "$KERNEL" = "$(reference_kernel)" ] || suffix+="[$KERNEL]"
runs=()
for s in "${scenarios[@]}"; do runs+=("$s$suffix"); done
run=${runs[0]}

IMAGE="$("$PROJECT_ROOT/scripts/kernel.sh" image "$KERNEL")"
[ -f "$IMAGE" ] || die "no kernel image at $IMAGE: run make kernel"
mkdir -p "$RIG" "$LOGS"

# Shared preparation under a lock: runs may go in parallel (make test).
exec 9>"$RIG/.prepare.lock"
flock 9
# The board's own DTB, dumped with the same QEMU and machine options as the
# run (named after both, so a rebuilt QEMU or a new machine dumps afresh).
VIRT_DTB="$RIG/virt-$(echo "$QEMU_BIN ${QEMU_MACHINE[*]}" | sha256sum | cut -c1-12).dtb"
if [ ! -f "$VIRT_DTB" ]; then
	"$QEMU_BIN" "${QEMU_MACHINE[@]}" -machine dumpdtb="$VIRT_DTB.tmp" -nographic >/dev/null 2>&1 ||
		die "qemu could not dump the virt DTB"
	mv "$VIRT_DTB.tmp" "$VIRT_DTB"
fi

# The board overlays refer to virt's GIC as &gic; virt has no __symbols__.
if ! fdtget "$VIRT_DTB" /__symbols__ gic >/dev/null 2>&1; then
	fdtget "$VIRT_DTB" /intc@8000000 phandle >/dev/null || die "virt DTB has no /intc@8000000"
	fdtput -c "$VIRT_DTB" /__symbols__ && fdtput -ts "$VIRT_DTB" /__symbols__ gic /intc@8000000 ||
		die "cannot label virt's GIC"
fi

# The board overlay of the doorbell path, then the scenario's test variants
# on top, in order (they may use the board overlay's labels). A variant NAME
# may have a NAME-PATH.dtso for one doorbell path (NAME-softirq: the
# mailbox-less board).
overlays=("$board_overlay")
if [ "$remote" = firmware ]; then
	overlays+=("$PROJECT_ROOT/tests/overlays/remote-fw-$doorbells.dtso")
	[ "$(header lifecycle)" = unmanaged ] || overlays+=("$PROJECT_ROOT/tests/overlays/remote-fw-managed.dtso")
fi
for name in $overlay_names; do
	variant="$PROJECT_ROOT/tests/overlays/$name"
	[ ! -f "$variant-$doorbells.dtso" ] || variant+="-$doorbells"
	overlays+=("$variant.dtso")
done
dtbos=()
for src in "${overlays[@]}"; do
	[ -f "$src" ] || die "no overlay $src"
	dtbo="$RIG/$run.$(basename "$src" .dtso).dtbo"
	dtc -q -@ -I dts -O dtb -o "$dtbo" "$src" || die "dtc failed on $src"
	dtbos+=("$dtbo")
done
merged="$RIG/$run.dtb"
fdtoverlay -i "$VIRT_DTB" -o "$merged" "${dtbos[@]}" || die "fdtoverlay failed with ${overlays[*]}"
if [ "$remote" = firmware ]; then
	# The remote's CPU is not Linux's (as Rockchip AMP device trees have it).
	fdtput -r "$merged" /cpus/cpu@1 || die "cannot remove /cpus/cpu@1"
	# The firmware serves as many instances as the rpmsg node (and a test
	# variant of it) describes, as a firmware built for the board would.
	vdevs=$(fdtget "$merged" /rpmsg@47a00000 rockchip,vdev-nums 2>/dev/null || echo 1)
	fdtput "$merged" /remote-firmware-rig rockchip,vdev-nums "$vdevs" || die "cannot set the firmware's vdev-nums"
	if fdtget "$merged" /cpus/cpu-map/socket0/cluster0/core1 cpu >/dev/null 2>&1; then
		fdtput -r "$merged" /cpus/cpu-map/socket0/cluster0/core1 || die "cannot remove CPU1 from cpu-map"
	fi
fi

# "# remote-boot: before-linux": the remote runs before Linux boots, as a
# boot loader starts it (the remoteproc attach case): QEMU loads the ELF
# into the firmware's region and the board description into its control
# area (rig_boot_page writes it from the merged DT's remote-firmware-rig
# node, as remote_fw_rig would), and the board's reset model starts CPU1 at the
# ELF's entry at reset.
# Only the boot's first scenario sees the remote as the boot left it
# (scripts/runs.sh, "# boot-order: 0"): the header is its alone.
for f in "${scripts[@]:1}"; do
	[ -z "$(header_of "$f" remote-boot)" ] ||
		die "$(basename "$f" .sh) has '# remote-boot:' but is not the first scenario of its boot"
done
if [ "$(header_of "$script" remote-boot)" = before-linux ]; then
	[ "$remote" = firmware ] || die "remote-boot: before-linux needs RIG_REMOTE=firmware"
	BOOT_PAGE_TOOL="$PROJECT_ROOT/build/firmware/rig_boot_page"
	[ -x "$BOOT_PAGE_TOOL" ] || die "no $BOOT_PAGE_TOOL: run make firmware"
	fw_prop() { fdtget "$merged" /remote-firmware-rig "$@"; }
	# 64-bit values from 32-bit cells (fdtget -t x), in pairs.
	u64s() { local out=""; while [ $# -ge 2 ]; do out+="${out:+,}$(((0x$1 << 32) | 0x$2))"; shift 2; done; echo "$out"; }
	region() {
		local path; path=$(fdtget "$merged" /__symbols__ "$1") || die "no label $1 in the merged DT"
		u64s $(fdtget -t x "$merged" "$path" reg)
	}
	firmware_region=$(region remote_fw_mem)
	wire=$(fw_prop rockchip-rpmsg-test,wire)
	page_args=("wire=$wire" "link-id=$(fw_prop -t u rockchip,link-id)" "vdevs=$(fw_prop -t u rockchip,vdev-nums)"
		"doorbell-spi=$(fw_prop -t u rockchip-rpmsg-test,doorbell-spi)" "vrings=$(region rpmsg_vrings)"
		"pool=$(region rpmsg_dma)" "gic=$(u64s $(fw_prop -t x rockchip-rpmsg-test,gic))"
		"gic-version=$(fw_prop -t u rockchip-rpmsg-test,gic-version 2>/dev/null || echo 3)")
	if [ "$wire" = lines ]; then
		page_args+=("ring-spi=$(fw_prop -t u rockchip-rpmsg-test,ring-spi)")
	else
		page_args+=("mbox-regs=$(u64s $(fw_prop -t x rockchip-rpmsg-test,mbox-regs))")
	fi
	boot_page="$RIG/$run.boot-page"
	read -r control_at entry < <("$BOOT_PAGE_TOOL" "$FIRMWARE" ${firmware_region/,/ } "$boot_page" "${page_args[@]}") ||
		die "rig_boot_page failed"
	[ -n "${entry:-}" ] || die "rig_boot_page printed no entry point"
	fw_qemu_args+=(-device "loader,file=$FIRMWARE" -device "loader,file=$boot_page,addr=$control_at,force-raw=on"
		-global "rockchip-rig-cru.boot-remote-at=$entry")
fi

# make test packs the initramfs once for all its runs (one per kernel).
INITRAMFS=${RIG_INITRAMFS:-$RIG/initramfs.cpio.gz}
[ -n "${RIG_INITRAMFS_READY:-}" ] || INITRAMFS=$("$PROJECT_ROOT/scripts/initramfs.sh")
flock -u 9
# A boot of one scenario logs to RUN.log; a boot of several to
# boot.FIRST-RUN.log, and each run's part goes to its own RUN.log.
if [ ${#runs[@]} -eq 1 ]; then log="$LOGS/$run.log"; else log="$LOGS/boot.$run.log"; fi
: >"$log"

# loglevel=7 puts every kernel message, dev_info/dev_err included, on the
# console the verdict reads; panic=-1 reboots at once on a panic, and
# -no-reboot turns that into QEMU exiting instead of waiting out the
# timeout. slub_debug=U keeps SLUB's per-CPU sheaves off: their arrays keep
# stale pointers to objects handed out, and kmemleak's scan counts those as
# references, so it missed every small leak (runner-detects-leak); make
# bench, which measures speed, sets RIG_LEAK_CMDLINE empty. A scenario's
# "# cmdline:" header adds options. kunit.enable=0: from 7.3 on, the kernel
# crate's own KUnit suites are built in with CONFIG_KUNIT and would run at
# boot, tainting the kernel (N) before any scenario.
leak_cmdline=${RIG_LEAK_CMDLINE-slub_debug=U}
append="console=ttyAMA0 rdinit=/init loglevel=7 rig.scenarios=$(IFS=,; echo "${scenarios[*]}") rig.timeouts=$(IFS=,; echo "${timeouts[*]}") rig.doorbells=$guest_doorbells${mbox_layout:+ rig.mbox=$mbox_layout} rig.remote=$remote kunit.enable=0 kmemleak=on $leak_cmdline panic_on_warn=0 panic=-1 $extra_cmdline${CYCLES:+ rig.cycles=$CYCLES}"
set +e
# The console without carriage returns, line by line as it comes (a
# block-buffered filter held up to 4 KiB back, so a log read during a run
# seemed to stop mid-line).
# RIG_QEMU_ARGS: more options for this boot (make bench: instruction counting).
# shellcheck disable=SC2086
timeout --foreground -k 5 "$timeout_s" "$QEMU_BIN" "${QEMU_MACHINE[@]}" ${RIG_QEMU_ARGS:-} "${fw_qemu_args[@]}" -nographic -no-reboot \
	-kernel "$IMAGE" -initrd "$INITRAMFS" -dtb "$merged" -append "$append" \
	</dev/null 2>&1 | sed -u 's/\r//g' | tee "$log" | { if [ -n "${RIG_VERBOSE:-}" ]; then cat; else cat >/dev/null; fi; }
qemu_rc=${PIPESTATUS[0]}

# Each run's log: its part of the console (for the first, the kernel's
# boot too) and the boot's end, kmemleak's scan, which all runs share.
if [ ${#runs[@]} -gt 1 ]; then
	end="$LOGS/end.tmp.$run"
	for r in "${runs[@]}"; do : >"$LOGS/$r.log"; done
	: >"$end"
	awk -v logs="$LOGS" -v end="$end" -v names="$(printf '%s\n' "${runs[@]}")" '
		BEGIN { n = split(names, run, "\n"); i = 1 }
		i <= n { print > (logs "/" run[i] ".log") }
		i > n { print > end }
		i <= n && /RIG: scenario [^ ]+ closed/ { i++ }' "$log"
	for r in "${runs[@]}"; do cat "$end" >>"$LOGS/$r.log"; done
	rm -f "$end"
fi

# The verdicts: printed, or with RIG_VERDICTS=DIR each into DIR/RUN.out
# and DIR/RUN.rc (scripts/runs.sh). Exits non-zero if any run failed.
rc=0
for i in "${!runs[@]}"; do
	r=${runs[i]}
	verdict=("$PROJECT_ROOT/scripts/rig-verdict.sh" "$r" "$LOGS/$r.log" "$qemu_rc" "${timeouts[i]}" "$remote")
	if [ -n "${RIG_VERDICTS:-}" ]; then
		"${verdict[@]}" >"$RIG_VERDICTS/$r.out" 2>&1
		run_rc=$?
		echo $run_rc >"$RIG_VERDICTS/$r.rc"
	else
		"${verdict[@]}"
		run_rc=$?
	fi
	[ $run_rc -eq 0 ] || rc=1
done
exit $rc
