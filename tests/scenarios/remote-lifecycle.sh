# timeout: 420
# cost: 25 at 25 cycles
# doorbells: mailbox softirq mailbox1ch
# remotes: firmware
# The transport follows the remote processor's life (rockchip,remoteproc):
# stopping the remote removes the virtio devices before its CPU stops,
# starting it registers them again, and a process holding an endpoint
# across the stop gets an error. A rebind of the transport with the remote
# left running (on its earlier session's ring positions, as Rockchip's
# RT-Thread keeps them) restarts the remote, so the link comes back. Then
# 25 stop/start cycles (10 on the softirq path and on the one-channel
# board, whose GIC is a GICv2; make soak: 200, five times), an echo after
# each, the buffer pool empty and the core's clock released after every
# stop; the clock and the power domain (runtime PM) are held exactly while
# it runs.
default=25
[ "$DOORBELLS" = mailbox ] && [ "$MBOX_LAYOUT" = four ] || default=10
cycles=$(sed -n 's/.*rig\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline); cycles=${cycles:-$default}
check "rig up" load_rig log_messages=0
R=$(rproc_dir)
check "the remote is a remote processor ($R)" test -n "$R"
check "echo" rpmsg_echo --count 3 --quiet
check_eq "the remote core's clock is held while it runs" 1 "$(core_clock_enables)"
check_eq "its device is runtime-active (its power domain held)" active "$(core_runtime_status)"

check "rmmod rockchip_rpmsg, the remote left running" rmmod rockchip_rpmsg
check_eq "the remote still runs" running "$(cat $R/state)"
check "insmod rockchip_rpmsg" insmod /modules/rockchip_rpmsg.ko
check_klog "the transport restarts the remote it finds on an earlier session's rings" \
	"rockchip-rpmsg 47a00000.rpmsg: remote processor remote-firmware runs on an earlier session's rings: restarting it"
check "the restarted remote announces rpmsg_chrdev again" wait_announced 10 2
check "echo after the rebind" rpmsg_echo --count 3 --quiet

dev=/dev/$(rpmsg_devs | head -1)
check "the channel has an endpoint device ($dev)" test -c "$dev"
hold_endpoint "$dev"
check "a process holds $dev open, polling it" test -e /tmp/ready
dmesg -c >/dev/null
check "remoteproc: stop, with the endpoint held" sh -c "echo stop >$R/state"
check_eq "remoteproc: offline" offline "$(cat $R/state)"
check_klog_order "the virtio device goes before the remote's CPU stops" \
	"rockchip-rpmsg 47a00000.rpmsg: remote core stopping: 1 virtio device(s) removed" \
	"remote firmware on CPU 0x1 stopped (CPU off after"
check_held_endpoint_error "across the stop"
check_eq "no rpmsg device while the remote is stopped" "" "$(rpmsg_devs)"
check "no virtio device while the remote is stopped" test ! -e /sys/bus/virtio/devices/virtio0
check_fails "no buffer-pool bytes left in use after the stop" pool_leak_reported
check_eq "the stopped core's clock is released" 0 "$(core_clock_enables)"
check_eq "its device is runtime-suspended (its power domain released)" suspended "$(core_runtime_status)"
check "remoteproc: start" sh -c "echo start >$R/state"
check "the remote announces rpmsg_chrdev after the start" wait_klog 10 "$CHRDEV_ANNOUNCED"
check "a new echo works" rpmsg_echo --count 3 --quiet

fails=0; n=0
while [ $n -lt $cycles ]; do
	n=$((n + 1))
	dmesg -c >/dev/null
	echo stop >$R/state || { fails=$((fails + 1)); echo "# cycle $n: stop failed"; continue; }
	no_rpmsg_devs || { fails=$((fails + 1)); echo "# cycle $n: rpmsg devices left: $(rpmsg_devs)"; }
	! pool_leak_reported || { fails=$((fails + 1)); echo "# cycle $n: $(klog | grep -F "$POOL_LEAK")"; }
	core_clock_enabled_times 0 || { fails=$((fails + 1)); echo "# cycle $n: clock enabled $(core_clock_enables) times while stopped"; }
	echo start >$R/state || { fails=$((fails + 1)); echo "# cycle $n: start failed"; continue; }
	if ! wait_klog 10 "$CHRDEV_ANNOUNCED"; then
		fails=$((fails + 1)); echo "# cycle $n: no announcement"
	elif ! rpmsg_echo --count 2 --quiet; then
		fails=$((fails + 1)); echo "# cycle $n: echo failed"
	fi
done
check_eq "$cycles stop / start / echo cycles all succeeded, the pool empty and the clock released after each stop" 0 $fails
check_eq "after the cycles the clock is held once" 1 "$(core_clock_enables)"
check_audit
check "unload" unload_rig
