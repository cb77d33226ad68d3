# timeout: 300
# cost: 8
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# 5000 messages back to back (64 in flight) while the mailbox completes a
# transmission only when polled every 1 ms: all delivered, no mailbox queue
# overflow, no broken virtqueue. Then coalescing, made to happen: with the
# remote holding the A2B status bit, one doorbell stays in flight and every
# later notify is owed the next one, which goes out when the first completes.
check "rig up" load_rig log_messages=0
check "5000 echoes with 64 in flight" rpmsg_echo --count 5000 --window 64 --size 64 --quiet --timeout 10000
check_eq "the remote took all 5000" 5000 "$(remote_stat messages_in)"
check_eq "no doorbell was refused by the mailbox" 0 "$(drv_stat doorbell_send_errors)"
check "the mailbox queue never overflowed" sh -c '! dmesg | grep -q "Try increasing MBOX_TX_QUEUE_LEN"'
check "the doorbell gate is idle once the burst is over" wait_until 5 '[ "$(drv_stat doorbells_outstanding)" = 0 ]'
echo "# doorbells sent $(drv_stat doorbells_sent), coalesced $(drv_stat doorbells_coalesced), deferred $(drv_stat doorbells_deferred), received $(drv_stat doorbells_received)"
if [ "$DOORBELLS" = mailbox ]; then
	# Every one of the 8 notifies must reach the doorbell path, so the
	# remote must not suppress them: wait until the burst's streaming mode
	# (vring1 polled, notifications off) is over, and keep the remote from
	# reading vring1 (stall-intake) so that the 8 cannot start it again.
	if [ "$REMOTE" = sim ]; then
		check "the remote has left streaming mode (notifications on)" \
			wait_until 5 '[ "$(sim_stat streaming)" = 0 ]'
	else
		check_eq "the firmware never polled: it woke only for interrupts" \
			0 "$(remote_stat spurious_interrupts)"
	fi
	sent0=$(drv_stat doorbells_sent); coal0=$(drv_stat doorbells_coalesced); def0=$(drv_stat doorbells_deferred)
	in0=$(remote_stat messages_in)
	remote_knob stall-intake
	remote_knob hold-a2b
	# One way, to the remote's consuming endpoint: the remote reads the ring
	# only when a doorbell comes, as RT-Thread does.
	check "A2B held: 8 messages written" rpmsg_echo --bench --oneway --dst 0x3003 --size 64 --count 8 --timeout 3000
	check_eq "A2B held: the first notify rang, the other 7 were coalesced" \
		"1 7" "$(($(drv_stat doorbells_sent) - sent0)) $(($(drv_stat doorbells_coalesced) - coal0))"
	check_eq "A2B held: one doorbell in flight, one owed" 2 "$(drv_stat doorbells_outstanding)"
	check_eq "A2B held: the owed doorbell waits for the one in flight" "$def0" "$(drv_stat doorbells_deferred)"
	check_eq "A2B held: the remote took none of the 8 yet" "$in0" "$(remote_stat messages_in)"
	# The remote reads again, but only the owed doorbell tells it to.
	remote_knob clear
	remote_knob release-a2b
	check "A2B released: the owed doorbell goes out once the first completes" \
		wait_until 5 '[ "$(drv_stat doorbells_deferred)" = $((def0 + 1)) ]'
	check "A2B released: the remote read all 8 (none waits for a doorbell)" \
		wait_until 5 '[ "$(remote_stat messages_in)" = $((in0 + 8)) ]'
	check "A2B released: the gate is idle again" wait_until 5 '[ "$(drv_stat doorbells_outstanding)" = 0 ]'
	check_eq "A2B released: two doorbells in all for the 8 notifies" 2 "$(($(drv_stat doorbells_sent) - sent0))"
else
	check_eq "interrupt lines need no coalescing (a pending line absorbs rings)" 0 "$(drv_stat doorbells_coalesced)"
fi
check "the queues still work afterwards" rpmsg_echo --count 3 --quiet
check_audit
check "unload" unload_rig
