# timeout: 120
# cost: 2
# remotes: firmware
# doorbells: mailbox
# (rpmsg's name service: the doorbell path only carries it, so one path.)
# needs-patch: 0001
# The remote destroys rpmsg_chrdev while Linux has its endpoint open.
# Needs kernel/patches/0001 (without it, lockdep reports possible recursive
# locking of two endpoints' cb_lock under rpmsg_recv_done()).
check "rig up" load_rig log_messages=0
dev=/dev/$(for d in /sys/class/rpmsg/rpmsg[0-9]*; do [ "$(cat $d/name)" = rpmsg_chrdev ] && basename $d; done | head -1)
check "the channel's endpoint device exists ($dev)" test -c $dev
exec 3<>$dev
remote_knob destroy-live-channel
check_klog_soon "the rpmsg core removes the channel" "destroying channel rpmsg_chrdev addr 0x3000"
if echo x >&3 2>/dev/null; then not_ok "a write on the open endpoint fails"; else ok "a write on the open endpoint fails"; fi
exec 3>&-
check "the endpoint device is gone" test ! -e $dev
check "the link is still up (remote_ready)" test "$(drv_stat remote_ready)" = 1
# The remote only withdrew the announcement; its endpoint still echoes.
check "traffic resumes: rpmsg_echo through the control device" rpmsg_echo --count 3 --quiet
check "unload" unload_rig
