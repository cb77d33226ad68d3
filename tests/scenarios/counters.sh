# timeout: 180
# cost: 9
# remotes: firmware
# The driver's debugfs counters against the traffic this scenario makes.
check "rig up" load_rig log_messages=0
check "remote_ready is 1 after the announcement" test "$(drv_stat remote_ready)" = 1
tvq0=$(drv_stat vdev0/tvq_notifies)
rx0=$(drv_stat doorbells_received)
check "20 echoes" rpmsg_echo --count 20 --quiet
tvq=$(($(drv_stat vdev0/tvq_notifies) - tvq0))
check "one tx notify per message sent, at least 20 (got $tvq)" test $tvq -ge 20
check_eq "the remote took 20 messages from the endpoint (plus none lost)" 20 "$(remote_stat messages_in)"
wait_until 5 '[ "$(drv_stat doorbells_outstanding)" = 0 ]'
sent=$(drv_stat doorbells_sent); coal=$(drv_stat doorbells_coalesced); err=$(drv_stat doorbell_send_errors)
deferred=$(drv_stat doorbells_deferred)
notifies=$(($(drv_stat vdev0/tvq_notifies) + $(drv_stat vdev0/rvq_notifies) - $(drv_stat vdev0/rvq_notifies_skipped)))
check_eq "every forwarded notify was sent at once or coalesced" "$notifies" "$((sent - deferred + coal + err))"
check "every coalesced notify was owed a doorbell sent after it ($deferred for $coal)" \
	test "$deferred" -le "$coal" -a \( "$coal" -eq 0 -o "$deferred" -ge 1 \)
check_eq "no doorbell send errors" 0 "$err"
# Doorbells that arrive while the previous is still pending merge into it,
# in the mailbox's status bit or at the interrupt controller. The remote's
# last doorbell may still be on its way: wait until each one rung has
# arrived or merged.
wait_until 5 '[ $(($(drv_stat doorbells_received) + $(remote_stat rings_while_pending))) -ge "$(remote_stat doorbells_out)" ]'
out=$(remote_stat doorbells_out); merged=$(remote_stat rings_while_pending); rx=$(drv_stat doorbells_received)
check "doorbells received = doorbells the remote rang, less merged ones ($rx of $out, $merged merged)" \
	test $rx -le $out -a $((rx + merged)) -ge $out
check "received doorbells grew with the traffic" test "$(drv_stat doorbells_received)" -gt "$rx0"
in=$(remote_stat doorbells_in)
check "the remote saw the driver's doorbells, merged ones once ($in of $sent)" test $in -ge 1 -a $in -le $sent
check "only the first rx notify rang the remote" test "$(drv_stat vdev0/rvq_notifies_skipped)" -eq $(($(drv_stat vdev0/rvq_notifies) - 1))
check "status shows DRIVER_OK" test $(($(drv_stat vdev0/status) & 4)) -eq 4
check_eq "no bad doorbells so far" 0 "$(drv_stat bad_doorbells)"
check_eq "no transmission failed at the controller" 0 "$(drv_stat doorbell_tx_errors)"
# A doorbell's service run may still be queued: wait until it has started.
# (The driver also queues one run when the virtio driver becomes ready:
# ready_runs.)
wait_until 5 '[ $(($(drv_stat doorbells_received) + $(drv_stat ready_runs))) = $(($(drv_stat rx_work_runs) + $(drv_stat doorbells_merged))) ]'
good=$(drv_stat doorbells_received); ready=$(drv_stat ready_runs)
check_eq "every good doorbell started a service run or merged into a queued one ($ready more at DRIVER_OK)" \
	"$((good + ready))" "$(($(drv_stat rx_work_runs) + $(drv_stat doorbells_merged)))"
check "the driver becoming ready queued at most one service run ($ready)" test "$ready" -le 1
check "service runs found used rx buffers" test "$(drv_stat vdev0/rvq_interrupts)" -gt 0
check "service runs found returned tx buffers" test "$(drv_stat vdev0/tvq_interrupts)" -gt 0
check_eq "no used-index violations" 0 "$(drv_stat vdev0/bad_used_index)"
check_eq "the doorbell mailbox is empty when idle" 0 "$(drv_stat doorbells_outstanding)"
if [ "$DOORBELLS" = mailbox ]; then
	# One at a time: the channel holds a single message, so a second ring
	# before Linux takes the first would overwrite it.
	remote_knob bad-magic
	wait_until 5 '[ "$(drv_stat bad_doorbells)" = 1 ]'
	remote_knob bad-link-id
	wait_until 5 '[ "$(drv_stat bad_doorbells)" = 2 ]'
	check_eq "a bad magic is counted" 1 "$(drv_stat bad_magic)"
	check_eq "a wrong link id is counted" 1 "$(drv_stat bad_link_id)"
	check "traffic resumes after bad doorbells" rpmsg_echo --count 3 --quiet
else
	check_fails "interrupt lines carry no message to corrupt: bad-magic is refused" \
		remote_knob bad-magic
	check "traffic goes on" rpmsg_echo --count 3 --quiet
fi
check_audit
check "unload" unload_rig
