# timeout: 120
# cost: 2
# boot-order: 0
# remotes: firmware
# The QEMU board boots with the reserved memory laid out as on the board.
check_klog "shared-dma-pool initialised from the overlay" \
	"OF: reserved mem: initialized node rpmsg-dma@47b00000, compatible id shared-dma-pool"
check "vring region is reserved (no-map) at 0x47a00000" test -e /proc/device-tree/reserved-memory/rpmsg@47a00000/no-map
check_eq "rpmsg node carries the link id" "00000003" "$(hexdump -ve '1/1 "%.2x"' /proc/device-tree/rpmsg@47a00000/rockchip,link-id)"
check "kmemleak is armed" test -w /sys/kernel/debug/kmemleak
