# timeout: 240
# cost: 7
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# Linux streams one way to the remote's consume-only endpoint, far more
# messages than it has tx buffers, with the remote's consumed-buffer
# notification off (RT-Thread on RK3568: returning Linux's tx buffers never
# rings Linux) and on (RK3506/RK3562/RK3588). A sender that runs out of tx
# buffers must still get them back either way.
check "rig up" load_rig log_messages=0
for setting in off on; do
	check "consumed-buffer notification $setting" remote_knob consumed-notify=$setting
	in0=$(remote_stat messages_in)
	check "notification $setting: 1000 one-way messages to the sink" \
		rpmsg_echo --bench --oneway --dst 0x3003 --size 64 --count 1000 --timeout 20000
	check "notification $setting: the remote took all 1000" \
		wait_until 5 '[ "$(remote_stat messages_in)" = $((in0 + 1000)) ]'
	echo "# notification $setting: remote doorbells_in $(remote_stat doorbells_in) doorbells_out $(remote_stat doorbells_out); driver tvq_interrupts $(drv_stat vdev0/tvq_interrupts)"
done
check "echo still works" rpmsg_echo --count 3 --quiet
check_audit
check "unload" unload_rig
