# timeout: 900
# remotes: firmware sim
# Benchmarks on the QEMU board; every result is one "BENCH {json}" line.
# Linux runs on CPU 0. The firmware remote has CPU 1 to itself (Linux does
# not see it); the simulator's loop runs on Linux's CPU 1 (its work is
# queued on the CPU that probes it), as on an AMP board: left to the
# scheduler, the two sharing a CPU or not made runs differ by 20 %.
# Every case also gets a "cpu" line: each side's CPU time per message.

# /proc/stat counts in USER_HZ ticks (100 on arm64; busybox has no getconf).
USER_HZ=$(getconf CLK_TCK 2>/dev/null)
case "$USER_HZ" in "" | *[!0-9]*) USER_HZ=100 ;; esac
# cpu_snapshot: the guest's uptime (s), then from /proc/stat in USER_HZ
# ticks: the busy time (user nice system irq softirq steal) of CPU 0, the
# remote's (the simulator: Linux's CPU 1; the firmware: its own count of
# the time it is awake, in µs, converted to ticks), and CPU 0's user+nice,
# system, irq+softirq.
cpu_snapshot() {
	fw_busy_us=
	# Before the firmware starts, its count is 0.
	[ "$REMOTE" != firmware ] || fw_busy_us=$(remote_stat busy_us 2>/dev/null)
	awk -v remote="$REMOTE" -v fw_us="${fw_busy_us:-0}" -v hz="$USER_HZ" 'BEGIN { r = 0 } FILENAME == "/proc/uptime" { up = $1; next }
	$1 == "cpu0" { l = $2 + $3 + $4 + $7 + $8 + $9; u = $2 + $3; s = $4; i = $7 + $8 }
	$1 == "cpu1" { r = $2 + $3 + $4 + $7 + $8 + $9 }
	END { if (remote == "firmware") r = fw_us * hz / 1e6; print up, l, r, u, s, i }' /proc/uptime /proc/stat
}
# cpu LABEL MESSAGES BEFORE RESULT: the CPU line of a case. Per message:
# from the CPUs' busy ticks over the timed part, which rpmsg_echo reports in
# its JSON RESULT ("cpu": endpoint open to last message); run_*: from the
# cpu_snapshot BEFORE (taken right before the case) to now (call this right
# after), which adds the process's start and exit and the endpoint's
# creation and teardown. rpmsg_echo cannot see the firmware's CPU: its
# timed share is the whole run's (it idles while the process starts and
# exits).
cpu() {
	set -- "$1" "$2" "$3 $(cpu_snapshot)" "$(echo "$4" | sed -n 's/.*"cpu":{"window_us":\([0-9]*\),"user_hz":\([0-9]*\),"busy_ticks":\[\([0-9]*\),*\([0-9]*\)\].*/\1 \2 \3 \4/p')"
	awk -v c="$1" -v n="$2" -v hz="$USER_HZ" -v run="$3" -v timed="$4" -v remote="$REMOTE" 'BEGIN {
		split(run, x, " "); split(timed, t, " ")
		if (remote == "firmware" && t[2] > 0) t[4] = (x[9] - x[3]) * t[2] / hz
		printf "BENCH {\"metric\":\"cpu\",\"case\":\"%s\",\"messages\":%d,", c, n
		if (t[2] > 0) {
			tick = 1e6 / t[2]; ms = t[1] / 1000
			printf "\"user_hz\":%d,\"window_ms\":%.1f,\"linux_ticks\":%d,\"remote_ticks\":%d,", t[2], ms, t[3], t[4]
			if (ms > 0) printf "\"linux_busy_pct\":%.1f,\"remote_busy_pct\":%.1f,", t[3] * tick / 10 / ms, t[4] * tick / 10 / ms
			printf "\"linux_cpu_us_per_msg\":%.1f,\"remote_cpu_us_per_msg\":%.1f,", t[3] * tick / n, t[4] * tick / n
		}
		tick = 1e6 / hz; ms = (x[7] - x[1]) * 1000
		printf "\"run_ms\":%.1f,\"run_linux_ticks\":%d,\"run_remote_ticks\":%.1f,", ms, x[8] - x[2], x[9] - x[3]
		printf "\"run_linux_user_ticks\":%d,\"run_linux_system_ticks\":%d,\"run_linux_irq_ticks\":%d,", x[10] - x[4], x[11] - x[5], x[12] - x[6]
		printf "\"run_linux_cpu_us_per_msg\":%.1f,\"run_remote_cpu_us_per_msg\":%.1f}\n", (x[8] - x[2]) * tick / n, (x[9] - x[3]) * tick / n
	}'
}

# idle LABEL: the CPUs' busy share over 1 s in which the benchmark sleeps.
idle() {
	set -- "$1" "$(cpu_snapshot)"
	sleep 1
	set -- "$1" "$2 $(cpu_snapshot)"
	echo "$2" | awk -v c="$1" -v hz="$USER_HZ" '{
		ms = ($7 - $1) * 1000; tick = 1e6 / hz
		printf "BENCH {\"metric\":\"cpu_idle\",\"case\":\"%s\",\"run_ms\":%.1f,\"linux_busy_pct\":%.1f,\"remote_busy_pct\":%.1f}\n", c, ms, ($8 - $2) * tick / 10 / ms, ($9 - $3) * tick / 10 / ms
	}'
}

# Calibration: 1 s idle before the rig is loaded, and once it is up (the
# simulated remote then polls its registers; the firmware sleeps until an
# interrupt).
echo "BENCH {\"metric\":\"remote\",\"remote\":\"$REMOTE\"}"
idle idle-bare
load_doorbells
if [ "$REMOTE" = firmware ]; then
	load_remote log_messages=0
else
	taskset 2 insmod /modules/rpmsg_remote_sim.ko log_messages=0
fi
t0=$(cut -d' ' -f1 /proc/uptime)
insmod /modules/rockchip_rpmsg.ko
wait_klog 10 "$CHRDEV_ANNOUNCED"
online=$(dmesg | grep "rpmsg host is online" | head -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
echo "BENCH {\"metric\":\"insmod_to_online_ms\",\"value\":$(awk "BEGIN{printf \"%.1f\", ($online - $t0) * 1000}")}"

# Linux is CPU 0, the remote CPU 1. This shell and all it starts (the
# benchmarks, the debugfs reads and writes) stay on CPU 0, and so do the
# transport's interrupts: the mailbox's B2A lines, or on the mailbox-less
# path Linux's rx line (the remote's line, which stands for an interrupt of
# the remote core, goes to CPU 1). Then CPU 0's busy time is what Linux
# spends (app, rpmsg core, the transport's rx thread, the mailbox IRQ) and
# CPU 1's what the simulated remote spends.
check "the benchmark shell on CPU 0" taskset -p 1 $$

# irqs_named NAME: the numbers of the interrupts /proc/interrupts lists
# with the handler NAME (the name the driver passed when requesting it).
irqs_named() {
	awk -v name="$1" '{ for (i = 2; i <= NF; i++) if ($i == name || $i == name ",") { sub(":", "", $1); print $1; next } }' /proc/interrupts
}
ROUTED=""
# route NAME MASK: sends NAME's interrupts to the CPUs in MASK (hex) and
# checks the kernel took it; "not ok" (the run fails) if NAME has no
# interrupt or a write does not take.
route() {
	irqs=$(irqs_named "$1")
	if [ -z "$irqs" ]; then
		not_ok "interrupts '$1' to CPU mask $2" "/proc/interrupts has no line for $1" "$(cat /proc/interrupts)"
		return 1
	fi
	for irq in $irqs; do
		if ! err=$( (echo "$2" >"/proc/irq/$irq/smp_affinity") 2>&1); then
			not_ok "interrupts '$1' to CPU mask $2" "echo $2 > /proc/irq/$irq/smp_affinity failed: $err"
			return 1
		fi
		got=$(cat "/proc/irq/$irq/smp_affinity")
		eff=$(cat "/proc/irq/$irq/effective_affinity" 2>/dev/null || echo "$got")
		if [ $((0x$got)) -ne $((0x$2)) ] || [ $((0x$eff)) -ne $((0x$2)) ]; then
			not_ok "interrupts '$1' to CPU mask $2" "irq $irq: smp_affinity $got, effective_affinity $eff after writing $2"
			return 1
		fi
		ROUTED="$ROUTED $irq:$1:$got"
	done
	ok "interrupts '$1' ($(echo $irqs)) to CPU mask $2"
}
if [ "$DOORBELLS" = mailbox ]; then
	route rockchip-amp-mbox 1
else
	route rockchip-rpmsg 1
	[ "$REMOTE" = firmware ] || route rpmsg-remote-sim 2
fi
# The transport's rx thread (rpmsg-rx/<node>), which services what the
# doorbells announce, is Linux's work too: CPU 0. A driver that services
# in its interrupt handler (Rockchip's C driver, benchmarked on this rig
# for comparison) has none, and its work already follows the interrupt.
rx_threads=$(for d in /proc/[0-9]*; do
	case "$(cat "$d/comm" 2>/dev/null)" in rpmsg-rx/*) echo "${d#/proc/}" ;; esac
done)
if [ -z "$rx_threads" ]; then
	echo "# no rpmsg-rx/ thread: the driver services its rings in the interrupt"
fi
for pid in $rx_threads; do
	check "the rx thread ($pid) on CPU 0" taskset -p 1 "$pid"
done
# irq_counts: "IRQ CPU0 CPU1" for each routed interrupt (CPU1 0 when
# Linux has one CPU: the firmware's).
irq_counts() {
	for r in $ROUTED; do
		awk -v irq="${r%%:*}:" -v cpus="$(head -1 /proc/interrupts | wc -w)" '$1 == irq { print substr(irq, 1, length(irq) - 1), $2, (cpus > 1 ? $3 : 0) }' /proc/interrupts
	done
}
irqs_before=$(irq_counts)
idle idle-rig

# The doorbell counters, in order: sent by Linux, taken by the remote, sent
# by the remote, received by Linux.
counters() { echo "$(drv_stat doorbells_sent) $(remote_stat doorbells_in) $(remote_stat doorbells_out) $(drv_stat doorbells_received)"; }
# per FROM TO MESSAGES: how much a counter grew per message.
per() { awk "BEGIN{printf \"%.3f\", ($2 - $1) / $3}"; }
# doorbells LABEL MESSAGES BEFORE: doorbells per message each way, sent and
# received, since the counters() snapshot BEFORE.
doorbells() {
	set -- "$1" "$2" $3 $(counters)
	echo "BENCH {\"metric\":\"doorbells\",\"case\":\"$1\",\"linux_to_remote_per_msg\":$(per $3 $7 $2),\"remote_took_per_msg\":$(per $4 $8 $2),\"remote_to_linux_per_msg\":$(per $5 $9 $2),\"linux_received_per_msg\":$(per $6 ${10} $2)}"
}
# Each case: the doorbell counters, then the CPU times closest around it.
for size in 14 128 496; do
	before=$(counters) cpu0=$(cpu_snapshot)
	result=$(taskset 1 rpmsg_echo --bench --size $size --count 300 --window 1)
	cpu_line=$(cpu "rtt-$size" 300 "$cpu0" "$result")
	echo "BENCH {\"metric\":\"rtt\",\"size\":$size,\"result\":$result}"
	doorbells "rtt-$size" 300 "$before"
	echo "$cpu_line"
	before=$(counters) cpu0=$(cpu_snapshot)
	result=$(taskset 1 rpmsg_echo --bench --size $size --count 2000 --window 16)
	cpu_line=$(cpu "echo16-$size" 2000 "$cpu0" "$result")
	echo "BENCH {\"metric\":\"echo_throughput\",\"size\":$size,\"result\":$result}"
	doorbells "echo16-$size" 2000 "$before"
	echo "$cpu_line"
	before=$(counters) cpu0=$(cpu_snapshot)
	result=$(taskset 1 rpmsg_echo --bench --oneway --dst 0x3003 --size $size --count 2000)
	cpu_line=$(cpu "tx-$size" 2000 "$cpu0" "$result")
	echo "BENCH {\"metric\":\"oneway_tx\",\"size\":$size,\"result\":$result}"
	doorbells "tx-$size" 2000 "$before"
	echo "$cpu_line"
	# The snapshots before the sink starts: from its endpoint's opening on,
	# the shell only waits for it and triggers the remote.
	rm -f /tmp/ready
	before=$(counters) cpu0=$(cpu_snapshot)
	taskset 1 rpmsg_echo --bench --sink --src 0x2000 --dst 0x3003 --count 2000 --timeout 10000 --ready-file /tmp/ready >/tmp/sink.json &
	wait_for 10 test -e /tmp/ready
	remote_knob "source=0x2000,2000,$size"
	wait
	result=$(cat /tmp/sink.json)
	cpu_line=$(cpu "rx-$size" 2000 "$cpu0" "$result")
	echo "BENCH {\"metric\":\"oneway_rx\",\"size\":$size,\"result\":$result}"
	doorbells "rx-$size" 2000 "$before"
	echo "$cpu_line"
done

# Where the routed interrupts were taken during the cases, per CPU.
irqs_after=$(irq_counts)
json=""
for r in $ROUTED; do
	irq=${r%%:*} rest=${r#*:}
	set -- $(echo "$irqs_before" | awk -v i="$irq" '$1 == i { print $2, $3 }') $(echo "$irqs_after" | awk -v i="$irq" '$1 == i { print $2, $3 }')
	json="$json${json:+,}{\"irq\":$irq,\"name\":\"${rest%%:*}\",\"smp_affinity\":\"${rest#*:}\",\"cpu0\":$(($3 - $1)),\"cpu1\":$(($4 - $2))}"
done
echo "BENCH {\"metric\":\"irqs\",\"irqs\":[$json]}"

# Recovery (the firmware, under remoteproc): from the knob that crashes or
# hangs the firmware to the crash report, to the recovered remote's
# announcement and to the first echo after it. Times are the kernel log's
# (markers through /dev/kmsg).
klog_time() { dmesg | grep -F -- "$1" | tail -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/'; }
if [ "$REMOTE" = firmware ]; then
	for fault in crash hang; do
		announced=$(klog | grep -cF -- "$CHRDEV_ANNOUNCED")
		echo "rig-bench: $fault knob" >/dev/kmsg
		check "recovery: the firmware takes the $fault knob" remote_knob $fault
		check "recovery: the remote announces its channel after the $fault" \
			wait_announced 20 $((announced + 1))
		check "recovery: echo after the $fault" rpmsg_echo --count 1 --quiet
		echo "rig-bench: $fault echo done" >/dev/kmsg
		awk -v f="$fault" -v t0="$(klog_time "rig-bench: $fault knob")" \
			-v det="$(klog_time "crash detected in remote-firmware")" \
			-v up="$(klog_time "$CHRDEV_ANNOUNCED")" -v done="$(klog_time "rig-bench: $fault echo done")" \
			'BEGIN { printf "BENCH {\"metric\":\"recovery\",\"fault\":\"%s\",\"detect_ms\":%.1f,\"announced_ms\":%.1f,\"echo_ms\":%.1f}\n", f, (det - t0) * 1000, (up - t0) * 1000, (done - t0) * 1000 }'
	done
fi
ok "benchmarks ran"
check "unload" unload_rig
