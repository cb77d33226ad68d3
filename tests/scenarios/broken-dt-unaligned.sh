# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-unaligned
# A node with a vring region not aligned to 4 KiB fails its probe.
broken_dt_case bad-unaligned -22 "reg: vring region 0x47ac0100 is not aligned to 0x1000"
