# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-notpool
# A node whose memory-region is not a shared-dma-pool (it points at the
# vring reservation) fails its probe.
broken_dt_case bad-notpool -22 "memory-region: not a usable shared-dma-pool"
