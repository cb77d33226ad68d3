# timeout: 180
# cost: 6
# remotes: firmware
# needs-patch: 0006
# A process polling an endpoint while the transport is unbound (issue 14,
# item 1): its poll() returns with an error, it closes the endpoint after
# the device is gone, and the kernel stays clean. hold_poll keeps an epoll
# registration on the endpoint across the unbind and removes it only when it
# closes the file, afterwards: without kernel/patches/0006 that removal
# touches the freed virtproc_info (its sendq), a KASAN use-after-free the
# runner reports, on every run rather than only when a scheduling race hits.
DRV=/sys/bus/platform/drivers/rockchip-rpmsg
check "rig up" load_rig log_messages=0

hold_out_has() { grep -q "^revents " /tmp/hold.out; }
# The revents line names POLLERR or POLLHUP.
hold_saw_error() { grep -Eq '^revents (.*\|)?POLL(ERR|HUP)(\||$)' /tmp/hold.out; }

# hold_across_unbind ROUND: holds a poller on the channel's endpoint device
# across an unbind, lets it close the device afterwards, and binds again.
hold_across_unbind() {
	round=$1
	wait_until 10 '[ -n "$(rpmsg_devs)" ]'
	dev=/dev/$(rpmsg_devs | head -1)
	check "$round: the remote's channel has an endpoint device ($dev)" test -c "$dev"
	rm -f /tmp/ready /tmp/release /tmp/hold.out
	hold_poll "$dev" --ready /tmp/ready --release /tmp/release >/tmp/hold.out 2>&1 &
	holder=$!
	# The ready file says the epoll entry is in place; wchan, that the
	# process sleeps in poll() (do_sys_poll), queued on the same wait queues.
	check "$round: hold_poll has $dev open and registered in epoll" wait_for 10 test -e /tmp/ready
	check "$round: hold_poll is blocked in poll() on it" wait_until 10 "grep -q poll /proc/$holder/wchan"
	check "$round: unbind completes while a process polls the endpoint" \
		sh -c "echo 47a00000.rpmsg > $DRV/unbind"
	check "$round: the endpoint device is gone" test ! -e "$dev"
	# A poller the unbind does not wake would hold the run until its timeout.
	wait_for 10 hold_out_has || kill $holder
	echo "# $round: hold_poll printed: $(cat /tmp/hold.out)"
	if hold_saw_error; then
		ok "$round: the blocked poll() returns POLLERR or POLLHUP"
	else
		not_ok "$round: the blocked poll() returns POLLERR or POLLHUP" "hold_poll printed: $(cat /tmp/hold.out)"
	fi
	# Its close now removes the epoll entry: the use-after-free without 0006.
	touch /tmp/release
	wait $holder
	check_eq "$round: hold_poll closes the endpoint after the unbind and exits 0" 0 $?
	check "$round: the rig restarts the remote core" restart_remote
	echo 47a00000.rpmsg > $DRV/bind
}

hold_across_unbind "first unbind"
check "bind again: the remote announces its channel again" wait_announced 10 2
check "bind again: the echo works" rpmsg_echo --count 3 --quiet
hold_across_unbind "second unbind"
check "bind a third time: the remote announces its channel again" wait_announced 10 3
check "bind a third time: the echo works" rpmsg_echo --count 3 --quiet
check_fails "no buffer-pool bytes left in use after any unbind" pool_leak_reported
check_audit
check "unload" unload_rig
