# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-smallpool
# A node whose shared-dma-pool (32 KiB) is too small for one vdev's
# buffers fails its probe.
broken_dt_case bad-smallpool -28 "memory-region: pool of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)"
