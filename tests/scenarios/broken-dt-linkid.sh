# timeout: 120
# remotes: firmware
# doorbells: mailbox softirq
# overlay: broken-linkid
# A node with rockchip,link-id = <0x100> fails its probe.
broken_dt_case bad-linkid -34 "rockchip,link-id: 0x100 is out of range 0..0xff"
