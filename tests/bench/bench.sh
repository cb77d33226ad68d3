# timeout: 900
# Benchmarks on the QEMU board; every result is one "BENCH {json}" line.
# The remote core's loop runs on CPU 1 (its work is queued on the CPU that
# probes it) and the benchmark on CPU 0, as on an AMP board; left to the
# scheduler, the two sharing a CPU or not made runs differ by 20 %.
load_doorbells
taskset 2 insmod /modules/rpmsg_remote_sim.ko log_messages=0
t0=$(cut -d' ' -f1 /proc/uptime)
insmod /modules/rockchip_rpmsg.ko
wait_for 10 klog_has "$CHRDEV_ANNOUNCED"
online=$(dmesg | grep "rpmsg host is online" | head -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "BENCH {\"metric\":\"insmod_to_online_ms\",\"value\":$(awk "BEGIN{printf \"%.1f\", ($online - $t0) * 1000}")}"

# The doorbell counters, in order: sent by Linux, taken by the remote, sent
# by the remote, received by Linux.
counters() { echo "$(drv_stat doorbells_sent) $(sim_stat doorbells_in) $(sim_stat doorbells_out) $(drv_stat doorbells_received)"; }
# per FROM TO MESSAGES: how much a counter grew per message.
per() { awk "BEGIN{printf \"%.3f\", ($2 - $1) / $3}"; }
# doorbells LABEL MESSAGES BEFORE: doorbells per message each way, sent and
# received, since the counters() snapshot BEFORE.
doorbells() {
	set -- "$1" "$2" $3 $(counters)
	echo "BENCH {\"metric\":\"doorbells\",\"case\":\"$1\",\"linux_to_remote_per_msg\":$(per $3 $7 $2),\"remote_took_per_msg\":$(per $4 $8 $2),\"remote_to_linux_per_msg\":$(per $5 $9 $2),\"linux_received_per_msg\":$(per $6 ${10} $2)}"
}
for size in 14 128 496; do
	before=$(counters)
	echo "BENCH {\"metric\":\"rtt\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --size $size --count 300 --window 1)}"
	doorbells "rtt-$size" 300 "$before"
	before=$(counters)
	echo "BENCH {\"metric\":\"echo_throughput\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --size $size --count 2000 --window 16)}"
	doorbells "echo16-$size" 2000 "$before"
	before=$(counters)
	echo "BENCH {\"metric\":\"oneway_tx\",\"size\":$size,\"result\":$(taskset 1 rpmsg_echo --bench --oneway --dst 0x3003 --size $size --count 2000)}"
	doorbells "tx-$size" 2000 "$before"
	rm -f /tmp/ready
	taskset 1 rpmsg_echo --bench --sink --src 0x2000 --dst 0x3003 --count 2000 --timeout 10000 --ready-file /tmp/ready >/tmp/sink.json &
	wait_for 10 test -e /tmp/ready
	before=$(counters)
	echo "source=0x2000,2000,$size" > /sys/kernel/debug/rpmsg_remote_sim/fault
	wait
	echo "BENCH {\"metric\":\"oneway_rx\",\"size\":$size,\"result\":$(cat /tmp/sink.json)}"
	doorbells "rx-$size" 2000 "$before"
done
ok "benchmarks ran"
