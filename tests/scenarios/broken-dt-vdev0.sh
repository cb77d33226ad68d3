# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-vdev0
# A node with rockchip,vdev-nums = <0> fails its probe.
broken_dt_case bad-vdev0 -34 "rockchip,vdev-nums: 0 is out of range 1..12"
