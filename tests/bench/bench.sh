# timeout: 900
# Benchmarks on the QEMU board; every result is one "BENCH {json}" line.
SIM=/sys/kernel/debug/rpmsg_remote_sim/rpmsg-remote-sim
DRV=/sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg
# The remote core's loop runs on CPU 1 (its work is queued on the CPU that
# probes it) and the benchmark on CPU 0, as on an AMP board; left to the
# scheduler, the two sharing a CPU or not made runs differ by 20 %.
load_doorbells
taskset 2 insmod /modules/rpmsg_remote_sim.ko log_messages=0
t0=$(cut -d' ' -f1 /proc/uptime)
insmod /modules/rockchip_rpmsg.ko
wait_for 10 klog_has "creating channel rpmsg_chrdev addr 0x3000"
online=$(dmesg | grep "rpmsg host is online" | head -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "BENCH {\"metric\":\"insmod_to_online_ms\",\"value\":$(awk "BEGIN{printf \"%.1f\", ($online - $t0) * 1000}")}"

sim() { sed -n "s/^$1 //p" $SIM/stats; }
# doorbells LABEL MESSAGES TX0 RX0: doorbells per message each way since TX0/RX0.
doorbells() {
	tx=$(( $(cat $DRV/doorbells_sent) - $3 )); rx=$(( $(sim doorbells_out) - $4 ))
	echo "BENCH {\"metric\":\"doorbells\",\"case\":\"$1\",\"linux_to_remote_per_msg\":$(awk "BEGIN{printf \"%.3f\", $tx / $2}"),\"remote_to_linux_per_msg\":$(awk "BEGIN{printf \"%.3f\", $rx / $2}")}"
}
for size in 14 128 496; do
	tx0=$(cat $DRV/doorbells_sent); rx0=$(sim doorbells_out)
	echo "BENCH {\"metric\":\"rtt\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --size $size --count 300 --window 1)}"
	doorbells "rtt-$size" 300 $tx0 $rx0
	tx0=$(cat $DRV/doorbells_sent); rx0=$(sim doorbells_out)
	echo "BENCH {\"metric\":\"echo_throughput\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --size $size --count 2000 --window 16)}"
	doorbells "echo16-$size" 2000 $tx0 $rx0
	tx0=$(cat $DRV/doorbells_sent); rx0=$(sim doorbells_out)
	echo "BENCH {\"metric\":\"oneway_tx\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --oneway --dst 0x3003 --size $size --count 2000)}"
	doorbells "tx-$size" 2000 $tx0 $rx0
	rm -f /tmp/ready
	taskset 1 rpmsg_echo --bench --sink --src 0x2000 --dst 0x3003 --count 2000 --timeout 10000 --ready-file /tmp/ready >/tmp/sink.json &
	wait_for 10 test -e /tmp/ready
	tx0=$(cat $DRV/doorbells_sent); rx0=$(sim doorbells_out)
	echo "source=0x2000,2000,$size" > /sys/kernel/debug/rpmsg_remote_sim/fault
	wait
	echo "BENCH {\"metric\":\"oneway_rx\",\"size\":$size,\"result\":$(cat /tmp/sink.json)}"
	doorbells "rx-$size" 2000 $tx0 $rx0
done
ok "benchmarks ran"
