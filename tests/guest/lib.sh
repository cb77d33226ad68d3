# Guest-side TAP helpers, sourced by every scenario.
TAP_N=0

tap() { # ok|"not ok" description
	TAP_N=$((TAP_N + 1))
	echo "$1 $TAP_N - $2"
}
ok() { tap ok "$1"; }
not_ok() { tap "not ok" "$1"; shift; for d in "$@"; do echo "# $d"; done; }
tap_done() { echo "1..$TAP_N"; }

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	desc=$1; shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "command: $*" "$out"; fi
}

# check_fails DESCRIPTION COMMAND...: ok when the command fails.
check_fails() {
	desc=$1; shift
	if out=$("$@" 2>&1); then not_ok "$desc" "command unexpectedly succeeded: $*" "$out"; else ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "got: $3"; fi
}

# The kernel log without timestamps.
klog() { dmesg | sed 's/^\[[ 0-9.]*\] //'; }

# check_klog DESCRIPTION FIXED-STRING: the kernel log has a line containing it.
check_klog() {
	if klog | grep -qF -- "$2"; then ok "$1"; else not_ok "$1" "kernel log lacks: $2"; fi
}

# check_klog_soon DESCRIPTION FIXED-STRING: check_klog, once the line has
# had 5 s to appear (for what the remote or a worker reports later).
check_klog_soon() {
	wait_klog 5 "$2"
	check_klog "$1" "$2"
}

# check_klog_order DESCRIPTION LINE...: each line appears, in this order.
check_klog_order() {
	desc=$1; shift
	klog >/tmp/klog.txt
	prev=0
	for want in "$@"; do
		n=$(grep -nF -- "$want" /tmp/klog.txt | head -1 | cut -d: -f1)
		if [ -z "$n" ]; then not_ok "$desc" "missing: $want"; return; fi
		if [ "$n" -lt "$prev" ]; then not_ok "$desc" "out of order: $want"; return; fi
		prev=$n
	done
	ok "$desc"
}

# now_cs: sets NOW_CS to the guest's uptime in centiseconds (a builtin:
# $(...) would fork).
now_cs() {
	local up
	read -r up _ </proc/uptime
	NOW_CS=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# nap: sleeps 0.1 s without a fork: read times out on a FIFO that nobody
# writes (fd 7, opened read-write so that it never reports an end of file).
# A fork and exec (usleep) costs ~40 ms of the debug guest's one CPU, which
# the work being polled for needs.
mkfifo /tmp/.nap 2>/dev/null; exec 7<>/tmp/.nap
nap() { read -r -t 0.1 _ <&7; }

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds
# or SECONDS have passed.
wait_for() {
	local wait_for_end
	now_cs; wait_for_end=$((NOW_CS + $1 * 100)); shift
	while ! "$@" >/dev/null 2>&1; do
		now_cs; [ "$NOW_CS" -lt "$wait_for_end" ] || return 1
		nap
	done
	# (A loop's status is its body's last command's: the nap's.)
	return 0
}

# wait_until SECONDS CONDITION: like wait_for, for a shell condition whose
# $(...) must be read afresh on every poll ('[ "$(drv_stat x)" = 1 ]').
wait_until() { wait_for "$1" eval "$2"; }

# (A fixed string is found with or without the timestamps: no sed.)
klog_has() { dmesg | grep -qF -- "$1"; }

# wait_klog SECONDS FIXED-STRING [N]: waits until the kernel log (what
# dmesg shows) has N lines (default 1) containing it. klog_wait sleeps in
# poll() on /dev/kmsg: a dmesg poll every 100 ms would cost the guest's one
# CPU three forks (~40 ms each), taken from the work being waited for.
wait_klog() { klog_wait --timeout "$1" --count "${3:-1}" -- "$2"; }

# The rpmsg core's line for the remote's announcement of its echo channel.
CHRDEV_ANNOUNCED="creating channel rpmsg_chrdev addr 0x3000"
# wait_announced SECONDS N: waits until that line is in the kernel log N
# times.
wait_announced() { wait_klog "$1" "$CHRDEV_ANNOUNCED" "$2"; }
# pool_leak_reported: the driver found buffer-pool bytes still allocated
# after tearing a node down (it counts them at every unbind and rmmod).
POOL_LEAK="bytes of the buffer pool still in use after teardown"
pool_leak_reported() { klog_has "$POOL_LEAK"; }
# channel_up: the remote's echo channel exists now (it announced it to the
# binding that is current).
channel_up() {
	local f name
	for f in /sys/class/rpmsg/rpmsg[0-9]*/name; do
		read -r name <"$f" 2>/dev/null && [ "$name" = rpmsg_chrdev ] && return 0
	done
	return 1
}

DRV_DBG=/sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg
SIM_DBG=/sys/kernel/debug/rpmsg_remote_sim/rpmsg-remote-sim

# The doorbell path this boot runs (rig.doorbells=): "mailbox" (the
# rockchip_amp_mbox driver over the board's mailbox blocks) or "softirq"
# (the mailbox-less variant's interrupt lines).
DOORBELLS=$(sed -n 's/.*rig\.doorbells=\([a-z]*\).*/\1/p' /proc/cmdline)
DOORBELLS=${DOORBELLS:-mailbox}
# The mailbox layout (rig.mbox=): "four" (one four-channel block, Linux
# receiving on channel 0 and sending on channel 1, as RK3568) or "one"
# (two one-channel blocks, rx and tx, as RK3576).
MBOX_LAYOUT=$(sed -n 's/.*rig\.mbox=\([a-z]*\).*/\1/p' /proc/cmdline)
MBOX_LAYOUT=${MBOX_LAYOUT:-four}
MBOX_DEBUGFS=/sys/kernel/debug/rockchip_amp_mbox
if [ "$MBOX_LAYOUT" = one ]; then
	MBOX_RX=90d0000.mailbox MBOX_RX_CHAN=0 MBOX_TX=90e0000.mailbox MBOX_TX_CHAN=0
else
	MBOX_RX=90c0000.mailbox MBOX_RX_CHAN=0 MBOX_TX=90c0000.mailbox MBOX_TX_CHAN=1
fi

# load_doorbells: loads the mailbox controller on the mailbox path.
load_doorbells() {
	[ "$DOORBELLS" = mailbox ] || return 0
	grep -q '^rockchip_amp_mbox ' /proc/modules || insmod /modules/rockchip_amp_mbox.ko
}

# unload_doorbells: removes the mailbox controller if it is loaded.
unload_doorbells() {
	! grep -q '^rockchip_amp_mbox ' /proc/modules || rmmod rockchip_amp_mbox
}

# The remote this boot runs (rig.remote=): "sim" (the rpmsg_remote_sim
# module) or "firmware" (rust/remote_fw on CPU1: remote_fw_rig writes its
# board description, rockchip_rproc starts it with PSCI CPU_ON as the
# remote processor "remote-firmware").
REMOTE=$(sed -n 's/.*rig\.remote=\([a-z]*\).*/\1/p' /proc/cmdline)
REMOTE=${REMOTE:-sim}
FW_DBG=/sys/kernel/debug/remote_fw_rig/remote-firmware-rig

# load_remote [PARAM=VALUE...]: loads the remote's module(s) (the same
# parameter names serve both: log_messages, client_sample, announce_delay_ms;
# auto_boot goes to rockchip_rproc, the rest to remote_fw_rig).
load_remote() {
	if [ "$REMOTE" = firmware ]; then
		local arg rig_args="" rproc_args=""
		for arg in "$@"; do
			case "$arg" in
			auto_boot=*) rproc_args="$rproc_args $arg" ;;
			*) rig_args="$rig_args $arg" ;;
			esac
		done
		# shellcheck disable=SC2086 # one word per parameter
		insmod /modules/remote_fw_rig.ko $rig_args && insmod /modules/rockchip_rproc.ko $rproc_args
	else
		insmod /modules/rpmsg_remote_sim.ko "$@"
	fi
}

unload_remote() {
	if [ "$REMOTE" = firmware ]; then
		rmmod rockchip_rproc && rmmod remote_fw_rig
	else
		rmmod rpmsg_remote_sim
	fi
}

# load_rig [REMOTE_PARAM=VALUE...]: loads the doorbells, the remote and the
# driver and waits for the remote's announcement. Fails (returns 1) if it
# never comes.
load_rig() {
	load_doorbells || return 1
	load_remote "$@" || return 1
	insmod /modules/rockchip_rpmsg.ko || return 1
	wait_klog 10 "$CHRDEV_ANNOUNCED"
}

unload_rig() {
	rmmod rockchip_rpmsg && unload_remote && unload_doorbells
}

# restart_remote: the rig restarts the remote core, as a board reset
# would, while rockchip_rpmsg is unbound: the remote starts over from zeroed
# rings. Rockchip's RT-Thread has no reset handshake, so every rebind of
# the transport needs one (the driver refuses rings an earlier session left).
# Shell builtins only: a fork and exec costs ~40 ms in the debug kernel,
# and failslab-probe and churn-bind restart the remote hundreds of times.
restart_remote() {
	if [ "$REMOTE" = firmware ]; then
		local state
		find_rproc || return 1
		read -r state <"$RPROC" || return 1
		case "$state" in
		running | attached) echo stop >"$RPROC" || return 1 ;;
		esac
		echo start >"$RPROC"
	else
		echo restart > /sys/kernel/debug/rpmsg_remote_sim/fault
	fi
}

# hold_endpoint DEV: a process (hold_poll) opens the endpoint device DEV
# and blocks in poll() on it, in the background ($HOLDER); returns once its
# epoll entry is in place (fails if that takes over 10 s). Not under check:
# $HOLDER must stay in the scenario's shell.
hold_endpoint() {
	rm -f /tmp/ready /tmp/release /tmp/hold.out
	hold_poll "$1" --ready /tmp/ready --release /tmp/release >/tmp/hold.out 2>&1 &
	HOLDER=$!
	wait_for 10 test -e /tmp/ready
}

# check_held_endpoint_error WHAT: after the device under hold_endpoint went
# away, its blocked poll() returned POLLERR or POLLHUP (within 10 s); then
# the process closes the device and exits 0.
check_held_endpoint_error() {
	wait_for 10 grep -q "^revents " /tmp/hold.out || kill $HOLDER
	if grep -Eq '^revents (.*\|)?POLL(ERR|HUP)(\||$)' /tmp/hold.out; then
		ok "$1: the process polling the endpoint gets POLLERR or POLLHUP"
	else
		not_ok "$1: the process polling the endpoint gets POLLERR or POLLHUP" "hold_poll printed: $(cat /tmp/hold.out)"
	fi
	touch /tmp/release
	wait $HOLDER
	check_eq "$1: it closes the endpoint and exits 0" 0 $?
}

# rproc_dir: the firmware's remote processor under /sys/class/remoteproc
# (rockchip_rproc registers it with the remoteproc core; its state,
# firmware and recovery files are there).
rproc_dir() {
	find_rproc && echo "${RPROC%/state}"
}

# find_rproc: sets RPROC to the state file of the remote processor
# "remote-firmware" (builtins only: no fork).
find_rproc() {
	local r name
	for r in /sys/class/remoteproc/remoteproc*; do
		read -r name <"$r/name" 2>/dev/null || continue
		[ "$name" = remote-firmware ] && { RPROC=$r/state; return 0; }
	done
	return 1
}

# core_clock_enables: how many times the remote core's clock is enabled
# (rockchip_rproc holds it once from start to stop).
core_clock_enables() {
	cat /sys/kernel/debug/clk/remote-core/clk_enable_count
}

# core_clock_enabled_times N: core_clock_enables is N (builtins only).
core_clock_enabled_times() {
	local count
	read -r count </sys/kernel/debug/clk/remote-core/clk_enable_count && [ "$count" = "$1" ]
}

# core_runtime_status: runtime PM status of the remote core's device
# (active while rockchip_rproc holds its power domain).
core_runtime_status() {
	cat /sys/bus/platform/devices/remote-firmware/power/runtime_status
}

# remote_log: the remote's console lines (RT-Thread's console on a board).
remote_log() {
	if [ "$REMOTE" = firmware ]; then
		cat $FW_DBG/log
	else
		klog | grep 'rpmsg_remote_sim: '
	fi
}

# remote_knob TEXT: a fault or test knob for the remote (the simulator's
# fault file; the firmware's control page, through its start helper).
remote_knob() {
	if [ "$REMOTE" = firmware ]; then
		echo "$1" > $FW_DBG/knob
	else
		echo "$1" > /sys/kernel/debug/rpmsg_remote_sim/fault
	fi
}

# tty_command CMD: runs CMD on the firmware's shell through the first
# /dev/ttyRPMSGn (rpmsg_tty) and prints what it answered, up to its prompt.
tty_command() {
	local dev pid
	dev=$(ls /dev/ttyRPMSG* 2>/dev/null | head -1)
	[ -n "$dev" ] || { echo "no /dev/ttyRPMSG*" >&2; return 1; }
	# One descriptor held open throughout: the reply must find the tty open.
	exec 3<>"$dev" || return 1
	if ! stty raw -echo <&3; then exec 3<&-; return 1; fi
	: >/tmp/tty.out
	cat <&3 >/tmp/tty.out &
	pid=$!
	printf '%s\n' "$1" >&3
	wait_for 5 grep -q 'msh />' /tmp/tty.out
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	exec 3<&-
	tr -d '\r' </tmp/tty.out | sed 's/msh \/>/\nmsh \/>/' | grep -v '^$'
}

# remote_stat NAME: one counter of the remote (messages_in, messages_out,
# consumed, protocol_errors, ...; the firmware also counts wakeups and
# interrupts).
remote_stat() {
	if [ "$REMOTE" = firmware ]; then
		sed -n "s/^$1 //p" $FW_DBG/stats
	else
		sim_stat "$1"
	fi
}

# mbox_rx_stat NAME, mbox_tx_stat NAME: a counter (sent, tx_completed,
# in_flight, received) of the channel Linux receives or sends on.
mbox_rx_stat() { sed -n "s/^ch${MBOX_RX_CHAN}_$1 //p" $MBOX_DEBUGFS/$MBOX_RX/stats; }
mbox_tx_stat() { sed -n "s/^ch${MBOX_TX_CHAN}_$1 //p" $MBOX_DEBUGFS/$MBOX_TX/stats; }

# mbox_block_stat NAME: a block-wide counter, summed over the rx and tx blocks.
mbox_block_stat() {
	local sum=0 block blocks=$MBOX_RX
	[ "$MBOX_TX" = "$MBOX_RX" ] || blocks="$blocks $MBOX_TX"
	for block in $blocks; do
		sum=$((sum + $(sed -n "s/^$1 //p" $MBOX_DEBUGFS/$block/stats)))
	done
	echo $sum
}

# sim_reg NAME: a mailbox register as the remote reads it (rx_b2a_inten,
# rx_b2a_status, tx_a2b_inten, tx_a2b_status).
sim_reg() { sed -n "s/^$1 //p" $SIM_DBG/mbox-regs; }

# sim_stat NAME: one counter of the simulator.
sim_stat() { sed -n "s/^$1 //p" $SIM_DBG/stats; }
# drv_stat PATH: one counter of the driver (relative to its debugfs dir).
drv_stat() { cat "$DRV_DBG/$1"; }

# The simulator's audit: every descriptor Linux posted lies in the pool.
# The firmware checks each descriptor it takes and counts what it refuses.
check_audit() {
	if [ "$REMOTE" = firmware ]; then
		check_eq "${1:-no descriptor points outside the pool} (firmware: no protocol error)" 0 "$(remote_stat protocol_errors)"
	else
		check_eq "${1:-no descriptor points outside the pool}" ok "$(cat $SIM_DBG/audit)"
	fi
}

# The rpmsg endpoint devices now present, one per line.
rpmsg_devs() { ls /sys/class/rpmsg 2>/dev/null | grep -v ctrl | sort; }

# no_rpmsg_devs: no rpmsg endpoint device is present (builtins only, for
# loops).
no_rpmsg_devs() {
	local d
	for d in /sys/class/rpmsg/*; do
		case ${d##*/} in
		\* | *ctrl*) ;;
		*) return 1 ;;
		esac
	done
	return 0
}

# expect NODE ERRNO TEXT: the node's probe failed with ERRNO and said TEXT.
expect() {
	node=$1 errno=$2 text=$3
	line=$(klog | grep "\.$node: \|^[^ ]* $node: " | grep -F -- "$text" | head -1)
	failed=$(probe_failed "$node" "$errno" | head -1)
	if [ -n "$line" ] && [ -n "$failed" ]; then ok "$node: fails with $errno, says '$text'"
	else not_ok "$node: fails with $errno, says '$text'" "message: ${line:-none}" "probe result: ${failed:-none}" "$(klog | grep "$node" | head -5)"; fi
}

# probe_failed NODE ERRNO: the driver core's lines saying NODE's probe
# failed with ERRNO.
probe_failed() {
	klog | grep -E "($1): probe with driver rockchip-rpmsg failed with error $2\$"
}

# broken_dt_cases: the broken-device-tree scenario, its cases on stdin as
# "NODE ERRNO TEXT" lines. Each NODE fails its probe with ERRNO and TEXT, the
# valid node beside them works (with VALID_VDEVS virtio devices, default
# 1, each announced to), the module unloads, and a second insmod fails each
# NODE the same way. (The runner adds the splat and kmemleak checks.)
broken_dt_cases() {
	local cases node errno text
	cases=$(cat)
	check "rig up (the valid node probes next to the broken ones)" load_rig log_messages=0
	wait_announced 10 "${VALID_VDEVS:-1}"
	while read -r node errno text; do
		expect "$node" "$errno" "$text"
	done <<EOF
$cases
EOF
	check "the valid node still echoes" rpmsg_echo --count 3 --quiet
	check "rmmod rockchip_rpmsg after the failed probes" rmmod rockchip_rpmsg
	check "the rig restarts the remote core" restart_remote
	check "insmod again" insmod /modules/rockchip_rpmsg.ko
	check "insmod again: the remote announces its channel a second time" \
		wait_announced 10 $((2 * ${VALID_VDEVS:-1}))
	check "insmod again: the valid node echoes" rpmsg_echo --count 2 --quiet
	while read -r node errno text; do
		check_eq "insmod again: $node fails the same way" 2 "$(probe_failed "$node" "$errno" | grep -c .)"
	done <<EOF
$cases
EOF
	check "unload" unload_rig
}
