# timeout: 240
# cost: 11
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# The rig restarts the remote core with Linux, as a board's reset does:
# unload the transport, stop the remote through remoteproc (the firmware is
# asked to stop, PSCI reports its CPU off), start it again (the file loaded
# afresh, the vrings zeroed), load the transport. The link
# comes back every time. (The firmware has no reset handshake and never
# resets its rings by itself, as Rockchip's RT-Thread: without the restart,
# a rebind meets a remote that keeps its old ring positions.)
check "rig up" load_rig log_messages=0
check "echo before any restart" rpmsg_echo --count 3 --quiet
for n in 1 2 3; do
	check "restart $n: rmmod rockchip_rpmsg" rmmod rockchip_rpmsg
	check "restart $n: the rig restarts the remote (remoteproc stop, start)" restart_remote
	check_eq "restart $n: the firmware runs again" running "$(head -1 $FW_DBG/state)"
	check_eq "restart $n: dmesg says the remote stopped ($n stops so far)" $n \
		"$(klog | grep -c 'remote firmware on CPU 0x1 stopped (CPU off after')"
	check_eq "restart $n: and runs again ($((n + 1)) starts so far)" $((n + 1)) \
		"$(klog | grep -c 'remote firmware running on CPU 0x1 (entry 0x47000000')"
	check "restart $n: insmod rockchip_rpmsg" insmod /modules/rockchip_rpmsg.ko
	check "restart $n: the remote announces rpmsg_chrdev again" wait_announced 10 $((n + 1))
	check "restart $n: echo works" rpmsg_echo --count 3 --quiet
	check_eq "restart $n: the restarted firmware took only the new messages" 3 "$(remote_stat messages_in)"
done
check_audit
check "unload" unload_rig
