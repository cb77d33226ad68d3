# timeout: 180
# doorbells: mailbox
# overlay: qemu-broken-nodes
# Every device-tree mistake fails its node's probe with an error naming the
# property and a fitting errno; the valid node next to them still works.
check "rig up (the valid node probes despite its broken siblings)" load_rig log_messages=0

expect bad-noreg -22 "reg: missing (the vring region)"
expect bad-small -22 "reg: vring region of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)"
expect bad-vdev0 -34 "rockchip,vdev-nums: 0 is out of range 1..12"
expect bad-vdev13 -34 "rockchip,vdev-nums: 13 is out of range 1..12"
expect bad-linkid -34 "rockchip,link-id: 0x100 is out of range 0..0xff"
expect bad-nolinkid -22 "rockchip,link-id: missing (required, 0..0xff)"
expect bad-nomboxes -22 "mboxes: missing (rx and tx doorbell channels)"
expect bad-mboxnames -22 'mbox-names: needs "rpmsg-rx" and "rpmsg-tx"'
expect bad-nomemregion -22 "memory-region: missing (a shared-dma-pool for the buffers)"
expect bad-notpool -22 "memory-region: not a usable shared-dma-pool"
expect bad-smallpool -28 "memory-region: pool of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)"
expect bad-unaligned -22 "reg: vring region 0x47ac0100 is not aligned to 0x1000"
check "the valid node still echoes" rpmsg_echo --count 3 --quiet
check "rmmod rockchip_rpmsg after the failed probes" rmmod rockchip_rpmsg
check "insmod again: the same failures, the valid node works" sh -c 'insmod /modules/rockchip_rpmsg.ko && sleep 1 && rpmsg_echo --count 2 --quiet'
check "unload" unload_rig
