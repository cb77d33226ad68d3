# timeout: 300
# cost: 14
# remotes: firmware
# needs-patch: 0005
# A misbehaving remote: the kernel stays up, the fault is reported, and where
# the protocol allows, traffic resumes. (A remote destroying a live channel
# is remote-destroys-channel.)
check "rig up" load_rig log_messages=0
src=0x1100
# next_echo: an echo from a fresh source address (a stale reply for an
# earlier endpoint must not be mistaken for this one's).
next_echo() { src=$((src + 1)); rpmsg_echo --src $src --count 2 --quiet --timeout 3000; }
# reload: the way back from a virtqueue the remote broke.
reload() {
	dmesg -c >/dev/null
	rmmod rockchip_rpmsg && restart_remote && insmod /modules/rockchip_rpmsg.ko &&
		wait_klog 10 "$CHRDEV_ANNOUNCED"
}

# Doorbell storm: every doorbell is received, or merged into one still
# pending (B2A status still set, or the rx line still pending), as hardware
# merges them.
rx0=$(drv_stat doorbells_received); merged0=$(remote_stat rings_while_pending)
remote_knob storm=500
storm_seen() { test $(($(drv_stat doorbells_received) - rx0 + $(remote_stat rings_while_pending) - merged0)) -ge 500; }
wait_for 10 storm_seen
check "storm: 500 doorbells received or merged while pending" storm_seen
check "storm: Linux received at least one" test $(($(drv_stat doorbells_received) - rx0)) -ge 1
check "storm: traffic resumes" next_echo

# No doorbell from the remote: the echo times out; once the remote rings
# again the queue drains.
remote_knob no-doorbell
rpmsg_echo --src 0x1200 --count 1 --timeout 500 >/dev/null 2>&1
check_eq "no-doorbell: rpmsg_echo reports a timeout (exit 6)" 6 $?
remote_knob clear
check "no-doorbell: traffic resumes once the remote rings again" next_echo

# Name-service abuse.
remote_knob ns-name-without-nul
remote_knob ns-flood=1
name="flood-0~~~~~~~~~~~~~~~~~~~~~~~~"
check_klog_soon "NS name without NUL: the rpmsg core cuts it to 31 bytes" "creating channel $name addr 0x5000"
remote_knob ns-flood=20
wait_klog 10 "creating channel flood-" 21
check_eq "NS flood: 20 more channels created, kernel up" 21 "$(klog | grep -c 'creating channel flood-')"
check "NS flood: traffic resumes" next_echo

# A destroy message for Linux's own name service channel (rpmsg_ns at
# 0x35): rpmsg would remove the name service from inside its own callback
# and hang the receive path for good (kernel/patches/0005 refuses it).
dmesg -c >/dev/null
remote_knob destroy-name-service
check_klog_soon "NS destroy of the name service itself: refused and reported" \
	"refusing to destroy channel rpmsg_ns at reserved addr 0x35"
check "NS destroy of the name service itself: traffic resumes" next_echo
remote_knob ns-flood=1
check_klog_soon "NS destroy of the name service itself: announcements still work" "creating channel flood-21"

# Used index beyond what Linux made available: the driver notices before
# the virtio core would re-read stale buffers, and stops the instance.
dmesg -c >/dev/null
remote_knob used-idx-beyond-ring
rpmsg_echo --src 0x1300 --count 1 --timeout 1000 >/dev/null 2>&1
check_klog_soon "used index beyond the ring: the driver reports it" "beyond available index"
check_eq "used index beyond the ring: counted" 1 "$(drv_stat vdev0/bad_used_index)"
check_eq "used index beyond the ring: the instance stops" true "$(drv_stat vdev0/halted)"
remote_knob clear
check "used index beyond the ring: reload the driver" reload
check "used index beyond the ring: traffic resumes after the reload" next_echo

# Descriptor id out of range: the virtio core marks the queue broken.
dmesg -c >/dev/null
remote_knob desc-id-out-of-range
rpmsg_echo --src 0x1400 --count 1 --timeout 1000 >/dev/null 2>&1
check_klog_soon "descriptor id out of range: the virtio core reports it" "id 71 out of range"
remote_knob clear
check "descriptor id out of range: reload the driver" reload
check "descriptor id out of range: traffic resumes after the reload" next_echo

# Used length beyond the buffer: rpmsg drops the message and says so.
dmesg -c >/dev/null
remote_knob used-len-too-large
rpmsg_echo --src 0x1500 --count 1 --timeout 1000 >/dev/null 2>&1
check_klog_soon "used length beyond the buffer: the rpmsg core reports it" "inbound msg too big: (4096"
remote_knob clear
check "used length beyond the buffer: traffic resumes without a reload" next_echo
check_audit
check "unload" unload_rig
