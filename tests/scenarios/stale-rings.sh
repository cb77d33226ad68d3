# timeout: 180
# cost: 6
# doorbells: mailbox softirq
# remotes: firmware
# lifecycle: unmanaged
# Linux binds again while the remote keeps its ring positions (it was not
# restarted, and Rockchip's RT-Thread has no reset handshake): the driver
# finds the earlier session's rings at probe, says the remote core must be
# restarted, and binds nothing, so nothing stale reaches rpmsg. Once the rig
# has restarted the remote, the same bind works. The transport's node names
# no remote processor here (as on a board whose boot loader started the
# remote): with one, the bind restarts the remote (remote-lifecycle).
DRV=/sys/bus/platform/drivers/rockchip-rpmsg
check "rig up" load_rig log_messages=0
check "echo" rpmsg_echo --count 5 --quiet
check "unbind" sh -c "echo 47a00000.rpmsg > $DRV/unbind"
check_fails "a bind without restarting the remote is refused" sh -c "echo 47a00000.rpmsg > $DRV/bind"
check_klog "dmesg names the earlier session" \
	"rockchip-rpmsg 47a00000.rpmsg: vdev0: the vrings still hold an earlier session (vring0 available index"
check_klog "dmesg says to restart the remote core" \
	"the remote core keeps its ring positions when Linux restarts; restart the remote core, then bind again"
check_eq "the probe failed with EBUSY" 1 "$(probe_failed 47a00000.rpmsg -16 | grep -c .)"
check "no virtio device was registered" test ! -e /sys/bus/virtio/devices/virtio0
check_eq "no rpmsg device exists" "" "$(rpmsg_devs)"
check "the rig restarts the remote core" restart_remote
check "the bind after the restart works" sh -c "echo 47a00000.rpmsg > $DRV/bind"
check "the remote announces its channel again" wait_announced 10 2
check "echo works" rpmsg_echo --count 3 --quiet
check_fails "no buffer-pool bytes left in use after any unbind" pool_leak_reported
check "unload" unload_rig
