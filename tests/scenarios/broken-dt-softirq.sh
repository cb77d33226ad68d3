# timeout: 180
# doorbells: softirq
# overlay: qemu-broken-nodes-softirq
# The mailbox-less variant's own device-tree mistakes (and two shared ones)
# fail their node's probe with an error naming the property; the valid node
# next to them still works. (broken-dt covers every shared mistake.)
check "rig up (the valid node probes despite its broken siblings)" load_rig log_messages=0
expect bad-nointerrupts -22 "interrupts: missing (tx and rx doorbell lines)"
expect bad-norx -22 "interrupts: needs two entries, tx then rx (no entry 1)"
expect bad-linkid -34 "rockchip,link-id: 0x100 is out of range 0..0xff"
expect bad-nomemregion -22 "memory-region: missing (a shared-dma-pool for the buffers)"
check "the valid node still echoes" rpmsg_echo --count 3 --quiet
check "rmmod rockchip_rpmsg after the failed probes" rmmod rockchip_rpmsg
check "insmod again: the same failures, the valid node works" sh -c 'insmod /modules/rockchip_rpmsg.ko && sleep 1 && rpmsg_echo --count 2 --quiet'
check "unload" unload_rig
