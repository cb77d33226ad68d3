# timeout: 600
# cost: 32 at 50 cycles
# remotes: firmware
# needs-patch: 0002 0004 0006
# Unbind / bind through sysfs under traffic; an endpoint open across an
# unbind gets an error, not a crash, and every exchange either completes
# intact or fails because the device went away. Cycles: rig.cycles= on the
# kernel command line (make test CYCLES=N); by default 50 on both paths;
# make soak runs 200, 5 times. The traffic is
# rpmsg_echo, which creates and destroys its endpoint through
# /dev/rpmsg_ctrlN, so its destroy ioctl races the control device's removal
# (kernel/patches/0002), and polls its endpoint across the unbind (0004,
# 0006).
default=50
cycles=$(sed -n 's/.*rig\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); cycles=${cycles:-$default}
DRV=/sys/bus/platform/drivers/rockchip-rpmsg
check "rig up" load_rig log_messages=0

dev=/dev/$(rpmsg_devs | head -1)
exec 3<>$dev
echo 47a00000.rpmsg > $DRV/unbind
if echo x >&3 2>/dev/null; then not_ok "a write to $dev open across an unbind fails"; else ok "a write to $dev open across an unbind fails"; fi
if dd bs=512 count=1 <&3 >/dev/null 2>&1; then not_ok "a read from $dev open across an unbind fails"; else ok "a read from $dev open across an unbind fails"; fi
exec 3>&-
check "the rig restarts the remote core" restart_remote
echo 47a00000.rpmsg > $DRV/bind
check "bind again" wait_announced 10 2

# rpmsg_echo in the background for the whole churn: it fails while the
# device is away and is started again. While it still holds a removed
# control device open, the new one takes the next number (rpmsg_ctrl1).
# (Builtins where the loops call them: a fork costs ~40 ms here.)
ctrl_dev() { find_ctrl && echo "$CTRL"; }
# find_ctrl: sets CTRL to the first control device, if there is one.
find_ctrl() {
	for CTRL in /dev/rpmsg_ctrl*; do
		[ -e "$CTRL" ] && return 0
	done
	return 1
}
# completed_runs: how many runs of 10 round trips have completed so far.
completed_runs() { grep -c '^0 ' /tmp/echo_runs 2>/dev/null; }
ctrl_present() { find_ctrl; }
# Every run leaves a line "EXIT-CODE MESSAGE" in /tmp/echo_runs.
( while [ ! -e /tmp/stop ]; do
	if find_ctrl; then
		rpmsg_echo --ctrl "$CTRL" --count 10 --quiet --timeout 2000 >/dev/null 2>/tmp/echo.err
		rc=$?
		msg=""
		while IFS= read -r line; do msg="$msg$line "; done </tmp/echo.err
		echo "$rc $msg" >>/tmp/echo_runs
	fi
	usleep 10000
done ) &
load=$!
fails=0; n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	echo 47a00000.rpmsg > $DRV/unbind || { fails=$((fails + 1)); echo "# cycle $n: unbind failed"; }
	restart_remote || { fails=$((fails + 1)); echo "# cycle $n: the remote did not restart"; }
	echo 47a00000.rpmsg > $DRV/bind || { fails=$((fails + 1)); echo "# cycle $n: bind failed"; }
	wait_for 10 ctrl_present || { fails=$((fails + 1)); echo "# cycle $n: no control device"; }
	# Unbind again only once the remote is up, so traffic is flowing.
	wait_for 10 channel_up || { fails=$((fails + 1)); echo "# cycle $n: no channel"; }
	# Every 10th cycle the device stays bound until a whole run has
	# completed on it, so that traffic flows between churns whatever the
	# remote's announcement delay (a run in progress at an unbind fails).
	if [ $((n % 10)) -eq 0 ]; then
		before=$(completed_runs)
		wait_until 10 '[ "$(completed_runs)" -gt '"$before"' ]' ||
			{ fails=$((fails + 1)); echo "# cycle $n: no run of 10 round trips completed within 10 s"; }
	fi
done
touch /tmp/stop; wait $load
check_eq "$cycles unbind/bind cycles under traffic" 0 $fails

# rpmsg_echo's exit codes (userspace/rpmsg_echo/README.md) that mean "the
# device went away under the run":
#   3  the control device vanished before rpmsg_echo opened it;
#   4  the create ioctl reached a control device already being removed;
#   5  the endpoint device vanished before rpmsg_echo opened it;
#   9  the endpoint was destroyed under the exchange: poll() reports
#      POLLERR, read() and write() EPIPE.
# A timeout (6) is not one of them. rpmsg_echo waits for an echo or a free
# transmit buffer only in poll() slices of at most 100 ms (POLL_SLICE_MS in
# endpoint.rs; 1 ms for a buffer), and the unbind destroys its endpoint
# device before the sysfs write returns (rpmsg_remove -> rpmsg_ctrldev_remove
# -> rpmsg_chrdev_eptdev_destroy, which wakes the readers): the next poll
# says POLLERR and the run ends with 9, whatever is left of its 2 s. A run
# times out only after 2 s on a live endpoint without the echo: a message
# lost while the device was bound (mid-churn the next unbind comes sooner
# and turns that into a 9; delivery is what the echo scenarios check). A
# corrupted echo (7) is a failure too.
codes=$(cut -d' ' -f1 /tmp/echo_runs 2>/dev/null)
count_of() { echo "$codes" | grep -cx "$1"; }
total=$(echo "$codes" | grep -c .)
completed=$(count_of 0)
by_code=$(echo "$codes" | grep . | sort -n | uniq -c | awk '{ printf "%s%s: %s", sep, $2, $1; sep = ", " }')
echo "# rpmsg_echo runs by exit code (code: runs): $by_code"
if [ "$(count_of 7)" -eq 0 ]; then ok "no echo came back corrupted (no exit 7 in $total runs)"
else not_ok "no echo came back corrupted (no exit 7 in $total runs)" "runs by exit code: $by_code" "$(grep '^7 ' /tmp/echo_runs | head -3)"; fi
others=$(grep -Ev '^(0|3|4|5|7|9) ' /tmp/echo_runs 2>/dev/null)
if [ -z "$others" ]; then ok "every failed run failed because the device went away (exit 3, 4, 5 or 9)"
else not_ok "every failed run failed because the device went away (exit 3, 4, 5 or 9)" "runs by exit code: $by_code" "$(echo "$others" | head -3)"; fi
# A device bound again carries whole exchanges: at least one completed
# run per 10 cycles (every 10th cycle waits for one above).
want=$(((cycles + 9) / 10))
check "rpmsg_echo completed at least $want runs of 10 round trips ($completed of $total runs)" test "$completed" -ge "$want"
wait_for 10 channel_up
check_fails "no buffer-pool bytes left in use after any unbind" pool_leak_reported
check "after the churn the echo works" rpmsg_echo --ctrl "$(ctrl_dev)" --count 5 --quiet
check_audit
check "unload" unload_rig
