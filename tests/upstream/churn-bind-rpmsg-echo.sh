# timeout: 600
# Not part of `make test`: unbind / bind while rpmsg_echo creates and
# destroys endpoints through /dev/rpmsg_ctrl0. On 7.2 this soon ends in a
# KASAN use-after-free in upstream rpmsg_char: rpmsg_chrdev_eptdev_destroy()
# runs twice for one endpoint device, once from RPMSG_DESTROY_EPT_IOCTL and
# once from the control device's removal (device_for_each_child), and both
# call cdev_device_del() and put_device() (klist_del WARNING, refcount
# underflow). tests/scenarios/churn-bind.sh drives traffic through the
# channel's own endpoint device instead, which has no destroy ioctl.
cycles=$(sed -n 's/.*rig\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); cycles=${cycles:-50}
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

# Traffic in the background for the whole churn; it may fail while the
# device is away, and restarts.
( while [ ! -e /tmp/stop ]; do rpmsg_echo --count 100000 --quiet --timeout 2000 >/dev/null 2>&1; usleep 10000; done ) &
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
check "after the churn the echo works" sh -c 'sleep 1; rpmsg_echo --count 5 --quiet'
check_audit
check "unload" unload_rig
