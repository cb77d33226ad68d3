# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-vdev13
# A node with rockchip,vdev-nums = <13> fails its probe.
broken_dt_case bad-vdev13 -34 "rockchip,vdev-nums: 13 is out of range 1..12"
