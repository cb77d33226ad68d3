# timeout: 180
# cost: 7
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# The seed transcript: the driver probes, the remote announces rpmsg_chrdev,
# and rpmsg_echo sends ten messages that come back intact.
check "load the remote and rockchip_rpmsg; the remote announces rpmsg_chrdev" load_rig
check_klog_order "the five seed dmesg lines appear in order" \
	"rockchip-rpmsg 47a00000.rpmsg: rockchip rpmsg platform probe." \
	"rockchip-rpmsg 47a00000.rpmsg: assigned reserved memory node rpmsg-dma@47b00000" \
	"rockchip-rpmsg 47a00000.rpmsg: rpdev vdev0: vring0 0x47a00000, vring1 0x47a08000" \
	"virtio_rpmsg_bus virtio0: rpmsg host is online" \
	"virtio_rpmsg_bus virtio0: creating channel rpmsg_chrdev addr 0x3000"
check "rpmsg_ctrl0 exists" test -c /dev/rpmsg_ctrl0

before=$(rpmsg_devs)
rpmsg_echo >/tmp/echo.out 2>/tmp/echo.err
check_eq "rpmsg_echo exits 0" 0 $?
i=0; expected=""
while [ $i -lt 10 ]; do
	expected="${expected}Sending message #$i: hello there $i!, len: 14
Receiving message #$i: hello there $i!, len: 14
"
	i=$((i + 1))
done
check_eq "rpmsg_echo prints the ten-message transcript" "$expected" "$(cat /tmp/echo.out)
"
check_eq "the remote logged the ten messages" 10 "$(remote_log | grep -c 'message:hello there [0-9]! len:14')"
check_eq "rpmsg_echo left no endpoint behind" "$before" "$(rpmsg_devs)"
check_audit
if [ "$REMOTE" = firmware ]; then
	# The remote is a CPU of its own that Linux does not use.
	check_eq "Linux runs on one CPU (CPU1 is the remote's)" 0 "$(cat /sys/devices/system/cpu/online)"
	check "the firmware's banner is in its console log" grep -q "rpmsg remote firmware .* on CPU 0x1" $FW_DBG/log
	# Interrupt-driven: every wake-up was an interrupt it took, no poll loop
	# (wakeups = interrupts + spurious wake-ups; the two are read one after
	# the other while the health check may wake it, so the spurious count
	# is the one to check).
	check_eq "the firmware woke only for interrupts" 0 "$(remote_stat spurious_interrupts)"
	check_eq "the firmware saw no bad doorbell" 0 "$(remote_stat bad_doorbells_in)"
	check_eq "the firmware's shell answers on /dev/ttyRPMSG0 (rpmsg-tty)" \
		"commands: help version counters" "$(tty_command help | head -1)"
	ver=$(tty_command version | head -1)
	case "$ver" in
	"remote_fw "*" on CPU 0x1") ok "the shell's version names the firmware and its CPU" ;;
	*) not_ok "the shell's version names the firmware and its CPU" "got: $ver" ;;
	esac
	echo "# firmware counters: $(tr "\n" " " < $FW_DBG/stats)"
fi
check "rmmod rockchip_rpmsg" rmmod rockchip_rpmsg
check "unload the remote's module" unload_remote
check "unload the doorbells" unload_doorbells
