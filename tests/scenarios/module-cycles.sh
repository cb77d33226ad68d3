# timeout: 600
# cost: 20 at 25 cycles
# remotes: firmware
# Cycles of insmod / traffic / rmmod of the driver; kmemleak checks the end,
# the driver's own count of buffer-pool bytes still allocated checks every
# rmmod. rig.cycles= on the kernel command line (make test CYCLES=N); by
# default 25 (make test) on both paths: 25 cycles of 64 KiB would exhaust
# the rig's 1 MiB pool if a teardown leaked it. make soak runs 200, 5 times.
default=25
cycles=$(sed -n 's/.*rig\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); cycles=${cycles:-$default}
check "load the doorbells ($DOORBELLS)" load_doorbells
check "start the remote ($REMOTE)" load_remote log_messages=0
fails=0; n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	dmesg -c >/dev/null
	insmod /modules/rockchip_rpmsg.ko || { fails=$((fails + 1)); echo "# cycle $n: insmod failed"; continue; }
	if ! wait_klog 10 "$CHRDEV_ANNOUNCED"; then
		fails=$((fails + 1)); echo "# cycle $n: no announcement"
	elif ! rpmsg_echo --count 2 --quiet; then
		fails=$((fails + 1)); echo "# cycle $n: echo failed"
	fi
	rmmod rockchip_rpmsg || { fails=$((fails + 1)); echo "# cycle $n: rmmod failed"; }
	# The remote keeps no state across a Linux restart only if restarted.
	restart_remote || { fails=$((fails + 1)); echo "# cycle $n: the remote did not restart"; }
	! pool_leak_reported || { fails=$((fails + 1)); echo "# cycle $n: $(klog | grep -F "$POOL_LEAK")"; }
done
check_eq "$cycles insmod / echo / rmmod cycles all succeeded, the pool empty after each" 0 $fails
check "debugfs directory is gone after rmmod" test ! -e /sys/kernel/debug/rockchip_rpmsg
check "unload the remote's module" unload_remote
check "unload the doorbells" unload_doorbells
