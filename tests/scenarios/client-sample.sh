# timeout: 180
# cost: 2
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# The upstream rpmsg_client_sample completes its 100-message exchange.
check "rig up with rpmsg-client-sample announced" load_rig client_sample=1 log_messages=0
check "rpmsg_client_sample loads" insmod /modules/rpmsg_client_sample.ko
wait_klog 30 "goodbye!"
check_klog "the sample got message 100" "incoming msg 100 (src: 0x3001)"
check_klog "the sample said goodbye" "goodbye!"
check "rmmod rpmsg_client_sample" rmmod rpmsg_client_sample
check_audit
check "unload" unload_rig
