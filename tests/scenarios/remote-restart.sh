# timeout: 240
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# The rig restarts the remote core with Linux, as a board's reset (or, later,
# remoteproc) does: unload the transport, stop the firmware (PSCI reports its
# CPU off), zero the vrings, start it again, load the transport. The link
# comes back every time. (The firmware has no reset handshake and never
# resets its rings by itself, as Rockchip's RT-Thread: without the restart,
# a rebind meets a remote that keeps its old ring positions.)
check "rig up" load_rig log_messages=0
check "echo before any restart" rpmsg_echo --count 3 --quiet
for n in 1 2 3; do
	check "restart $n: rmmod rockchip_rpmsg" rmmod rockchip_rpmsg
	check "restart $n: the rig restarts the remote" sh -c "echo 1 > $FW_DBG/restart"
	check_eq "restart $n: the firmware runs again" running "$(head -1 $FW_DBG/state)"
	check_klog "restart $n: dmesg says the remote restarted" "remote firmware restarted on CPU 0x1"
	check "restart $n: insmod rockchip_rpmsg" insmod /modules/rockchip_rpmsg.ko
	check "restart $n: the remote announces rpmsg_chrdev again" wait_for 10 announced_times $((n + 1))
	check "restart $n: echo works" rpmsg_echo --count 3 --quiet
	check_eq "restart $n: the restarted firmware took only the new messages" 3 "$(remote_stat messages_in)"
done
check_audit
check "unload" unload_rig
