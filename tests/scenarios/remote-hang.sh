# timeout: 240
# cost: 8
# doorbells: mailbox softirq
# remotes: firmware
# The remote hangs (the hang knob: a loop that never ends, with every
# interrupt left pending, the stop request's too). Its heartbeat stops
# although the health check prods it; after 2 s the lifecycle driver reports
# a watchdog crash and remoteproc recovers it: the virtio devices go, the
# stop request is not taken within its 1 s bound and that is reported, the
# core is held in reset (the board's CRU) until PSCI reports it off, and
# the firmware is loaded and started again. The channel is announced again
# and a new echo works.
check "rig up" load_rig log_messages=0
R=$(rproc_dir)
check "the remote is a remote processor ($R)" test -n "$R"
check "echo before the hang" rpmsg_echo --count 3 --quiet
dmesg -c >/dev/null
check "the firmware takes the hang knob" remote_knob hang
check "the health check reports the hang within 4 s" wait_klog 4 \
	"remote firmware on CPU 0x1 hangs: no heartbeat for 2000 ms though prodded: reporting it to remoteproc"
check_klog_soon "remoteproc reports a watchdog crash" "crash detected in remote-firmware: type watchdog"
check "the recovered remote announces its channel again" wait_klog 10 "$CHRDEV_ANNOUNCED"
check_klog_order "recovery: devices removed, the ignored stop reported, reset, restarted" \
	"crash detected in remote-firmware: type watchdog" \
	"rockchip-rpmsg 47a00000.rpmsg: remote core crashed: 1 virtio device(s) removed" \
	"CPU 0x1 did not turn off within 1000 ms of the stop request (the request was not taken within 1000 ms): holding it in reset" \
	"remote firmware on CPU 0x1 stopped (CPU off after" \
	"remote firmware running on CPU 0x1 (entry 0x47000000, vrings zeroed" \
	"$CHRDEV_ANNOUNCED"
check_eq "remoteproc: running again" running "$(cat $R/state)"
check "a new echo works after the recovery" rpmsg_echo --count 3 --quiet
check "the recovered firmware takes knobs again (the stuck interrupt was cleared)" remote_knob clear
check_fails "no buffer-pool bytes left in use after the hang" pool_leak_reported
check_audit
check "unload" unload_rig
