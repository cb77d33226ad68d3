# timeout: 180
# cost: 4
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# overlay: broken-dt qemu-vdev2
# overlay@mailbox1ch: qemu-vdev2
# rockchip,vdev-nums = <2>: two virtio devices, both talk to the remote.
# The board is broken-dt's (its broken nodes beside this one fail their own
# probes and are checked there), so the two share a boot; the one-channel
# board has no broken-dt variant and only the second instance.
check "rig up" load_rig log_messages=0
wait_announced 10 2
check_klog "vdev1 reports its vrings" "rpdev vdev1: vring0 0x47a10000, vring1 0x47a18000"
check_klog "virtio1 comes online" "virtio_rpmsg_bus virtio1: rpmsg host is online"
check_klog "virtio1 gets the announcement" "virtio_rpmsg_bus virtio1: creating channel rpmsg_chrdev addr 0x3000"
check "two control devices" test -c /dev/rpmsg_ctrl0 -a -c /dev/rpmsg_ctrl1
check "echo over the first instance" rpmsg_echo --ctrl /dev/rpmsg_ctrl0 --count 5 --quiet
check "echo over the second instance" rpmsg_echo --ctrl /dev/rpmsg_ctrl1 --count 5 --quiet
check "the second instance's rx queue was serviced" test "$(drv_stat vdev1/rvq_interrupts)" -gt 0
check_audit
check "unload" unload_rig
