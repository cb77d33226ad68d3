# timeout: 180
# cost: 14
# remotes: firmware
# doorbells: mailbox softirq
# overlay: broken-dt qemu-vdev2
# Device-tree mistakes that fail per node, in one boot: next to the valid
# node, one node per mistake (tests/overlays/broken-dt.dtso; the
# mailbox-less board's own in broken-dt-softirq.dtso). Each fails its probe
# with its own errno and a message naming the mistake; the valid node works;
# a second insmod fails each the same way. (Remote-core nodes: broken-dt-rproc.)
# The valid node has two virtio devices (qemu-vdev2.dtso): the board is
# vdev2's too, so both scenarios share a boot.
VALID_VDEVS=2
if [ "$DOORBELLS" = softirq ]; then
	broken_dt_cases <<'CASES'
bad-nointerrupts -22 interrupts: missing (tx and rx doorbell lines)
bad-norx -22 interrupts: needs two entries, tx then rx (no entry 1)
bad-linkid -34 rockchip,link-id: 0x100 is out of range 0..0xff
bad-nomemregion -22 memory-region: missing (a shared-dma-pool for the buffers)
CASES
else
	broken_dt_cases <<'CASES'
bad-small -22 reg: vring region of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)
bad-vdev0 -34 rockchip,vdev-nums: 0 is out of range 1..12
bad-vdev13 -34 rockchip,vdev-nums: 13 is out of range 1..12
bad-linkid -34 rockchip,link-id: 0x100 is out of range 0..0xff
bad-nolinkid -22 rockchip,link-id: missing (required, 0..0xff)
bad-nomboxes -22 mboxes: missing (rx and tx doorbell channels)
bad-mboxnames -22 mbox-names: needs "rpmsg-rx" and "rpmsg-tx"
bad-nomemregion -22 memory-region: missing (a shared-dma-pool for the buffers)
bad-notpool -22 memory-region: not a usable shared-dma-pool
bad-smallpool -28 memory-region: pool of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)
bad-unaligned -22 reg: vring region 0x47ac0100 is not aligned to 0x1000
bad-noreg -22 reg: missing (the vring region)
CASES
fi
