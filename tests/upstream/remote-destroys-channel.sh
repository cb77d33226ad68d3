# timeout: 120
# The remote destroys rpmsg_chrdev while Linux has its endpoint open.
#
# Not part of `make test`: on 7.2 this always ends in a lockdep report from
# upstream code. rpmsg_recv_done() holds the name-service endpoint's cb_lock
# while rpmsg_ns_cb() destroys the channel; virtio_rpmsg_destroy_ept() then
# takes the destroyed endpoint's cb_lock, a lock of the same class, without
# a nesting annotation ("possible recursive locking detected"). Run it with
# `cp tests/upstream/remote-destroys-channel.sh tests/scenarios/ && make test
# SCENARIO=remote-destroys-channel` to see it.
FAULT=/sys/kernel/debug/rpmsg_remote_sim/fault
check "rig up" load_rig log_messages=0
dev=/dev/$(for d in /sys/class/rpmsg/rpmsg[0-9]*; do [ "$(cat $d/name)" = rpmsg_chrdev ] && basename $d; done | head -1)
check "the channel's endpoint device exists ($dev)" test -c $dev
exec 3<>$dev
echo destroy-live-channel > $FAULT
wait_for 5 klog_has "destroying channel rpmsg_chrdev addr 0x3000"
check_klog "the rpmsg core removes the channel" "destroying channel rpmsg_chrdev addr 0x3000"
if echo x >&3 2>/dev/null; then not_ok "a write on the open endpoint fails"; else ok "a write on the open endpoint fails"; fi
exec 3>&-
check "the endpoint device is gone" test ! -e $dev
check "the link is still up (remote_ready)" test "$(drv_stat remote_ready)" = 1
check "unload" unload_rig
