# timeout: 180
# doorbells: mailbox mailbox1ch softirq
# The seed transcript: the driver probes, the remote announces rpmsg_chrdev,
# and rpmsg_echo sends ten messages that come back intact.
check "load the simulator and rockchip_rpmsg; the remote announces rpmsg_chrdev" load_rig
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
check_eq "the remote logged the ten messages" 10 "$(klog | grep -c 'rpmsg_remote_sim: message:hello there [0-9]! len:14')"
check_eq "rpmsg_echo left no endpoint behind" "$before" "$(rpmsg_devs)"
check_audit
check "rmmod rockchip_rpmsg" rmmod rockchip_rpmsg
check "rmmod rpmsg_remote_sim" rmmod rpmsg_remote_sim
