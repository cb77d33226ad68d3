# timeout: 120
# remotes: firmware
# doorbells: softirq
# overlay: broken-nointerrupts
# A "rockchip,rpmsg-softirq" node without interrupts fails its probe.
broken_dt_case bad-nointerrupts -22 "interrupts: missing (tx and rx doorbell lines)"
