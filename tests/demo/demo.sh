# timeout: 180
# The seed's console session on the QEMU board.
echo "### insmod rockchip_amp_mbox.ko  (the Rockchip AMP mailbox controller)"
insmod /modules/rockchip_amp_mbox.ko
echo "### insmod rpmsg_remote_sim.ko   (the simulated RT-Thread core; a board has the real one)"
insmod /modules/rpmsg_remote_sim.ko
echo "### insmod rockchip_rpmsg.ko"
insmod /modules/rockchip_rpmsg.ko
wait_for 10 klog_has "$CHRDEV_ANNOUNCED"
echo "### dmesg | grep -E 'rockchip-rpmsg|virtio_rpmsg_bus' | sed 's/^\[ *[0-9.]*\] //'"
dmesg | grep -E 'rockchip-rpmsg|virtio_rpmsg_bus' | sed 's/^\[ *[0-9.]*\] //'
echo "### rpmsg_echo"
rpmsg_echo
echo "### the remote's console (RT-Thread prints message:<text> len:<n>)"
dmesg | grep 'rpmsg_remote_sim: message:' | sed 's/^\[[ 0-9.]*\] rpmsg_remote_sim: //'
echo "### debugfs: /sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg/"
for f in doorbells_sent doorbells_coalesced doorbells_received bad_doorbells remote_ready; do
	echo "$f: $(cat /sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg/$f)"
done
rmmod rockchip_rpmsg
rmmod rpmsg_remote_sim
