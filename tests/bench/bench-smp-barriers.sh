# timeout: 900
# remotes: firmware sim
# overlay: smp-barriers
# The benchmarks of bench.sh on a node with rockchip,smp-barriers, so that
# make bench shows what the default full-system barriers cost.
. /scenarios/bench.sh
check_klog "the node asked for SMP barriers" "rockchip,smp-barriers: rings ordered with SMP barriers"
