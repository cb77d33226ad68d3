# timeout: 180
# cost: 3
# doorbells: mailbox softirq
# remotes: firmware
# remote-boot: before-linux
# boot-order: 0
# The remote runs before Linux boots, as a boot loader starts it: QEMU's
# loader puts the firmware and its board description in the firmware's
# region and the board's reset model starts CPU1 at the entry point. The
# lifecycle driver finds the CPU on and attaches instead of restarting it
# (remoteproc's state reads attached); the firmware takes back its doorbell
# interrupt, which Linux's GIC init disabled and routed to Linux's boot
# CPU; the transport links up with it. Then it is stopped and started from
# Linux like a remote Linux started. The first scenario of its boot (the
# ones after it find the remote as this one leaves it: stopped).
check "load the doorbells" load_doorbells
check "load the lifecycle driver" load_remote log_messages=0
R=$(rproc_dir)
check "the remote is a remote processor ($R)" test -n "$R"
check_eq "remoteproc: attached, not restarted" attached "$(cat $R/state)"
check_klog "dmesg: attached, its interrupt claimed again" \
	"remote CPU 0x1 already on (running): attached, firmware left running, its interrupts claimed again"
check_eq "the attached core's clock is held" 1 "$(core_clock_enables)"
RDBG=/sys/kernel/debug/remoteproc/$(basename $R)
check "trace0 shows the attached firmware's log (its resource table read from its memory)" \
	grep -q "rpmsg remote firmware 0.1.0 on CPU 0x1" $RDBG/trace0
check_eq "no firmware file was loaded" 0 "$(klog | grep -c 'bytes loaded, entry')"
check "the firmware's console: it ran before Linux and took its interrupt back" \
	grep -q 'claimed again (Linux attached)' $FW_DBG/log
check "insmod rockchip_rpmsg" insmod /modules/rockchip_rpmsg.ko
check "the attached remote announces rpmsg_chrdev" wait_klog 10 "$CHRDEV_ANNOUNCED"
check "echo with the attached remote" rpmsg_echo --count 3 --quiet
dmesg -c >/dev/null
check "remoteproc: stop the attached remote" sh -c "echo stop >$R/state"
check_eq "remoteproc: offline" offline "$(cat $R/state)"
check_klog_order "the virtio device goes, then the CPU stops" \
	"rockchip-rpmsg 47a00000.rpmsg: remote core stopping: 1 virtio device(s) removed" \
	"remote firmware on CPU 0x1 stopped (CPU off after"
check "remoteproc: start it from Linux" sh -c "echo start >$R/state"
check_eq "remoteproc: running" running "$(cat $R/state)"
check_klog "the firmware file was loaded this time" "bytes loaded, entry 0x47000000"
check "the remote announces rpmsg_chrdev again" wait_klog 10 "$CHRDEV_ANNOUNCED"
check "echo after the start from Linux" rpmsg_echo --count 3 --quiet
check_audit
check "unload" unload_rig
