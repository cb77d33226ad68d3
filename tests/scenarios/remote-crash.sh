# timeout: 240
# cost: 11
# doorbells: mailbox softirq
# remotes: firmware
# The remote faults (the crash knob executes an undefined instruction; the
# firmware's exception handler says so in its control page and turns its
# CPU off). The lifecycle driver's health check notices within its period
# and reports the crash to remoteproc, which recovers the remote: the
# virtio devices go (a process polling an endpoint gets an error), the
# firmware is loaded and started again on zeroed rings, the virtio devices
# come back and the remote announces its channel again; a new echo works.
# The firmware's log ring is remoteproc's trace0 (the firmware's resource
# table names it), and with coredump on the crash leaves the firmware
# region as a device coredump.
# With recovery disabled the remote stays crashed until `recover`; an echo
# sent meanwhile rings the dead remote, and that doorbell is still pending
# when it starts again: it links up before Linux has registered the new
# virtio device. With no announcement delay (announce_delay_ms=0) it then
# announces its channel the moment rx buffers are posted, before the
# virtio driver is ready for callbacks: the driver must still deliver
# that announcement (it services the rings once at DRIVER_OK), as the
# remote never rings for it again. (The exception the firmware prints on
# the console is the one the runner expects: the line before it says the
# crash was requested.)
check "rig up" load_rig log_messages=0 announce_delay_ms=0
R=$(rproc_dir)
check "the remote is a remote processor ($R)" test -n "$R"
check_eq "remoteproc: recovery is on by default" enabled "$(cat $R/recovery)"
check "echo before the crash" rpmsg_echo --count 3 --quiet
RDBG=/sys/kernel/debug/remoteproc/$(basename $R)
check "remoteproc's trace0 is the firmware's log ring (its resource table)" \
	grep -q "rpmsg remote firmware 0.1.0 on CPU 0x1" $RDBG/trace0
check "coredump on: the firmware region is dumped at the next crash" sh -c "echo enabled >$RDBG/coredump"

dev=/dev/$(rpmsg_devs | head -1)
check "the channel has an endpoint device ($dev)" test -c "$dev"
hold_endpoint "$dev"
check "a process holds $dev open, polling it" test -e /tmp/ready
dmesg -c >/dev/null
check "the firmware takes the crash knob" remote_knob crash
check_klog_soon "the health check notices the crash" \
	"remote firmware on CPU 0x1 crashed (its CPU is off): reporting it to remoteproc"
check_klog_soon "remoteproc reports it" "crash detected in remote-firmware: type fatal error"
check "the recovered remote announces its channel again" wait_klog 10 "$CHRDEV_ANNOUNCED"
check_klog_order "recovery: the virtio device goes, the firmware restarts, the device comes back" \
	"crash detected in remote-firmware: type fatal error" \
	"rockchip-rpmsg 47a00000.rpmsg: remote core crashed: 1 virtio device(s) removed" \
	"remote firmware running on CPU 0x1 (entry 0x47000000, vrings zeroed" \
	"$CHRDEV_ANNOUNCED"
check_held_endpoint_error "across the crash"
check_eq "remoteproc: running again" running "$(cat $R/state)"
dump=$(ls -d /sys/class/devcoredump/devcd*/data 2>/dev/null | head -1)
check "a device coredump of the remote exists ($dump)" test -n "$dump"
check_eq "it is an ELF core file" "$(printf '\177ELF')" "$(head -c 4 "$dump")"
check "it holds the firmware region (8 MiB and its headers)" test "$(wc -c <"$dump")" -gt $((8 * 1024 * 1024))
check "it holds the log ring with the exception the firmware took" sh -c "grep -aq 'exception: vector' '$dump'"
echo 1 >"$dump" 2>/dev/null
check "the recovered firmware's trace0 starts over" sh -c "! grep -aq 'exception: vector' $RDBG/trace0"
check "a new echo works after the recovery" rpmsg_echo --count 3 --quiet
check_fails "no buffer-pool bytes left in use after the crash" pool_leak_reported

check "remoteproc: recovery disabled" sh -c "echo disabled >$R/recovery"
dmesg -c >/dev/null
check "the firmware takes the crash knob again" remote_knob crash
check_klog_soon "remoteproc reports the second crash" "crash detected in remote-firmware: type fatal error"
check "without recovery the remote stays crashed" wait_until 5 '[ "$(cat $R/state)" = crashed ]'
# remoteproc keeps a crashed remote's subdevices until it recovers or stops
# it: the channel stays, and nothing answers on it.
check_fails "an echo to the crashed remote gets no answer (1 s timeout)" \
	rpmsg_echo --count 1 --quiet --timeout 1000
check "recover on request" sh -c "echo recover >$R/recovery"
check "the remote announces its channel after the recovery" wait_klog 10 "$CHRDEV_ANNOUNCED"
check "echo works" rpmsg_echo --count 3 --quiet
check "remoteproc: recovery enabled again" sh -c "echo enabled >$R/recovery"
check_klog "remoteproc counted both crashes" "handling crash #2 in remote-firmware"
check_audit
check "unload" unload_rig
