# timeout: 120
# remotes: firmware
# doorbells: softirq
# overlay: broken-norx
# A "rockchip,rpmsg-softirq" node with only the tx line fails its probe.
broken_dt_case bad-norx -22 "interrupts: needs two entries, tx then rx (no entry 1)"
