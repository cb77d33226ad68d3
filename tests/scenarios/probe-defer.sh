# timeout: 120
# cost: 5
# remotes: firmware
# cmdline: fw_devlink=permissive
# doorbells: mailbox
# A mailbox controller that is not there yet defers the probe; the node
# probes once the controller appears. (fw_devlink is permissive here so the
# driver's own -EPROBE_DEFER path runs; by default the driver core holds the
# probe back until the supplier exists, which needs nothing from the driver.)
check "rockchip_rpmsg loads before the mailbox controller" insmod /modules/rockchip_rpmsg.ko
check_klog "the probe says it defers" "rockchip-rpmsg 47a00000.rpmsg: mboxes: mailbox controller not ready, deferring"
check "the device is on the deferred list" grep -q 47a00000.rpmsg /sys/kernel/debug/devices_deferred
check "no virtio device yet" test ! -e /sys/bus/virtio/devices/virtio0
check "the remote core is up" load_remote
check "the controller appears" insmod /modules/rockchip_amp_mbox.ko
wait_klog 10 "$CHRDEV_ANNOUNCED"
check_klog "the deferred probe completes" "virtio_rpmsg_bus virtio0: creating channel rpmsg_chrdev addr 0x3000"
check "echo works" rpmsg_echo --count 2 --quiet
check "unload" unload_rig
