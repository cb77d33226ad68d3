# timeout: 600
# Unbind / bind through sysfs under traffic; an endpoint open across an
# unbind gets an error, not a crash. Cycles: rig.cycles= on the kernel
# command line (make test CYCLES=N), 200 by default. The traffic goes
# through the rpmsg_chrdev channel's own endpoint device: rpmsg_echo's
# endpoint destroy ioctl racing an unbind trips an upstream rpmsg_char
# use-after-free (tests/upstream/churn-bind-rpmsg-echo.sh).
# By default 200 on the mailbox path, 50 on the softirq path (see module-cycles).
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
check "bind again" wait_for 10 sh -c '[ $(dmesg | grep -c "creating channel rpmsg_chrdev") -ge 2 ]'

# Traffic in the background for the whole churn. By default a message to
# the remote and its echo back, on whichever channel device exists at the
# moment; CHURN_TRAFFIC=rpmsg_echo (tests/upstream/) runs rpmsg_echo
# instead, which may fail while the device is away, and restarts.
( while [ ! -e /tmp/stop ]; do
	if [ "${CHURN_TRAFFIC:-}" = rpmsg_echo ]; then
		rpmsg_echo --count 100000 --quiet --timeout 2000 >/dev/null 2>&1
		usleep 10000
		continue
	fi
	d=$(ls /dev/rpmsg[0-9]* 2>/dev/null | head -1)
	if [ -n "$d" ]; then
		echo hello 2>/dev/null >$d
		timeout 1 dd if=$d of=/dev/null bs=512 count=1 2>/dev/null
	else
		usleep 10000
	fi
done ) &
load=$!
fails=0; n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	echo 47a00000.rpmsg > $DRV/unbind || { fails=$((fails + 1)); echo "# cycle $n: unbind failed"; }
	echo 47a00000.rpmsg > $DRV/bind || { fails=$((fails + 1)); echo "# cycle $n: bind failed"; }
	wait_for 10 test -c /dev/rpmsg_ctrl0 || { fails=$((fails + 1)); echo "# cycle $n: no control device"; }
done
touch /tmp/stop; wait $load
check_eq "$cycles unbind/bind cycles under traffic" 0 $fails
wait_for 10 sh -c 'grep -qx rpmsg_chrdev /sys/class/rpmsg/rpmsg[0-9]*/name'
check "after the churn the echo works" rpmsg_echo --count 5 --quiet
check_audit
check "unload" unload_rig
