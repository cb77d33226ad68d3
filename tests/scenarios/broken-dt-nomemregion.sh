# timeout: 120
# remotes: firmware
# doorbells: mailbox softirq
# overlay: broken-nomemregion
# A node with no memory-region fails its probe.
broken_dt_case bad-nomemregion -22 "memory-region: missing (a shared-dma-pool for the buffers)"
