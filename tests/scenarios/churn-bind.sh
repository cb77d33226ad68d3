# timeout: 600
# Unbind / bind through sysfs under traffic; an endpoint open across an
# unbind gets an error, not a crash. Cycles: rig.cycles= on the kernel
# command line (make test CYCLES=N); by default 200 on the mailbox path, 50
# on the softirq path (see module-cycles). The traffic is rpmsg_echo, which
# creates and destroys its endpoint through /dev/rpmsg_ctrlN, so its destroy
# ioctl races the control device's removal (kernel/patches/0002).
default=200; [ "$DOORBELLS" = mailbox ] || default=50
cycles=$(sed -n 's/.*rig\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); cycles=${cycles:-$default}
DRV=/sys/bus/platform/drivers/rockchip-rpmsg
check "rig up" load_rig log_messages=0

dev=/dev/$(rpmsg_devs | head -1)
exec 3<>$dev
echo 47a00000.rpmsg > $DRV/unbind
if echo x >&3 2>/dev/null; then not_ok "a write to $dev open across an unbind fails"; else ok "a write to $dev open across an unbind fails"; fi
if dd bs=512 count=1 <&3 >/dev/null 2>&1; then not_ok "a read from $dev open across an unbind fails"; else ok "a read from $dev open across an unbind fails"; fi
exec 3>&-
echo 47a00000.rpmsg > $DRV/bind
check "bind again" wait_for 10 announced_times 2

# rpmsg_echo in the background for the whole churn: it fails while the
# device is away and is started again. While it still holds a removed
# control device open, the new one takes the next number (rpmsg_ctrl1).
ctrl_dev() { ls /dev/rpmsg_ctrl* 2>/dev/null | head -1; }
ctrl_present() { [ -n "$(ctrl_dev)" ]; }
channel_up() { grep -qx rpmsg_chrdev /sys/class/rpmsg/rpmsg[0-9]*/name 2>/dev/null; }
# Each run that completes its 10 round trips leaves a line in /tmp/echoed.
( while [ ! -e /tmp/stop ]; do
	c=$(ctrl_dev)
	[ -n "$c" ] && rpmsg_echo --ctrl $c --count 10 --quiet --timeout 2000 >/dev/null 2>&1 && echo >>/tmp/echoed
	usleep 10000
done ) &
load=$!
fails=0; n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	echo 47a00000.rpmsg > $DRV/unbind || { fails=$((fails + 1)); echo "# cycle $n: unbind failed"; }
	echo 47a00000.rpmsg > $DRV/bind || { fails=$((fails + 1)); echo "# cycle $n: bind failed"; }
	wait_for 10 ctrl_present || { fails=$((fails + 1)); echo "# cycle $n: no control device"; }
	# Unbind again only once the remote is up, so traffic is flowing.
	wait_for 10 channel_up || { fails=$((fails + 1)); echo "# cycle $n: no channel"; }
done
touch /tmp/stop; wait $load
check_eq "$cycles unbind/bind cycles under traffic" 0 $fails
runs=$(cat /tmp/echoed 2>/dev/null | wc -l)
check "rpmsg_echo completed exchanges during the churn ($runs runs of 10)" test "$runs" -gt 0
wait_for 10 channel_up
check "after the churn the echo works" rpmsg_echo --ctrl "$(ctrl_dev)" --count 5 --quiet
check_audit
check "unload" unload_rig
