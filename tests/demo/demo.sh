# timeout: 180
# remotes: firmware
# The seed's console session on the QEMU board, with the remote core as
# firmware on CPU1.
echo "### cat /sys/devices/system/cpu/online   (Linux's CPUs; CPU1 is the remote core's)"
cat /sys/devices/system/cpu/online
echo "### insmod rockchip_amp_mbox.ko  (the Rockchip AMP mailbox controller)"
insmod /modules/rockchip_amp_mbox.ko
echo "### insmod remote_fw_rig.ko   (rig only: the board description the QEMU board's firmware reads)"
insmod /modules/remote_fw_rig.ko
echo "### insmod rockchip_rproc.ko auto_boot=0   (the remote core as a remote processor, not started)"
insmod /modules/rockchip_rproc.ko auto_boot=0
klog | grep -E 'rockchip_rproc|remote-firmware'
echo "### cat /sys/class/remoteproc/remoteproc0/{name,state,firmware}"
cat /sys/class/remoteproc/remoteproc0/name /sys/class/remoteproc/remoteproc0/state /sys/class/remoteproc/remoteproc0/firmware
echo "### insmod rockchip_rpmsg.ko   (its node names the remote processor: it waits for the remote)"
insmod /modules/rockchip_rpmsg.ko
klog | grep -E 'rockchip-rpmsg'
echo "### echo start > /sys/class/remoteproc/remoteproc0/state   (loads /lib/firmware/rockchip-rpmsg/remote_fw.elf, starts CPU1 with PSCI CPU_ON)"
echo start > /sys/class/remoteproc/remoteproc0/state
wait_klog 10 "$CHRDEV_ANNOUNCED"
klog | grep -E 'rockchip_rproc|remoteproc'
echo "### cat /sys/class/remoteproc/remoteproc0/state"
cat /sys/class/remoteproc/remoteproc0/state
echo "### the remote's console so far"
sed 's/^remote-fw: //' $FW_DBG/log
echo "### dmesg | grep -E 'rockchip-rpmsg|virtio_rpmsg_bus' | sed 's/^\[ *[0-9.]*\] //'"
dmesg | grep -E 'rockchip-rpmsg|virtio_rpmsg_bus' | sed 's/^\[ *[0-9.]*\] //'
echo "### rpmsg_echo"
rpmsg_echo
echo "### the remote's console (RT-Thread prints message:<text> len:<n>)"
grep 'message:' $FW_DBG/log | sed 's/^remote-fw: //'
echo "### the remote's shell on /dev/ttyRPMSG0 (rpmsg-tty)"
for cmd in help version counters; do
	echo "msh /> $cmd"
	tty_command "$cmd" | grep -v '^msh />$'
done
echo "### lsmod   (no simulator: the remote is the firmware)"
cut -d' ' -f1 /proc/modules
echo "### debugfs: /sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg/"
for f in doorbells_sent doorbells_coalesced doorbells_received bad_doorbells remote_ready; do
	echo "$f: $(cat /sys/kernel/debug/rockchip_rpmsg/47a00000.rpmsg/$f)"
done
echo "### the remote's counters (/sys/kernel/debug/remote_fw_rig/remote-firmware-rig/stats)"
grep -E '^(wakeups|interrupts|doorbells_in|doorbells_out|messages_in|messages_out) ' $FW_DBG/stats
rmmod rockchip_rpmsg
unload_remote && unload_doorbells
