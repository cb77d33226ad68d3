# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-small
# A node with a vring region too small for its one vdev fails its probe.
broken_dt_case bad-small -22 "reg: vring region of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)"
