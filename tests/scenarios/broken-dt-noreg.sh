# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-noreg
# A node with no reg (the vring region) fails its probe.
broken_dt_case bad-noreg -22 "reg: missing (the vring region)"
