# timeout: 300
# 5000 messages back to back (64 in flight) while the simulated mailbox
# completes a transmission only when polled every 1 ms: all delivered, no
# mailbox queue overflow, no broken virtqueue.
check "rig up" load_rig log_messages=0
check "5000 echoes with 64 in flight" rpmsg_echo --count 5000 --window 64 --size 64 --quiet --timeout 10000
check_eq "the remote took all 5000" 5000 "$(sim_stat messages_in)"
check_eq "no doorbell was refused by the mailbox" 0 "$(drv_stat doorbell_send_errors)"
check "never more than two doorbells in the mailbox" test "$(drv_stat doorbells_outstanding)" -le 2
check "the mailbox queue never overflowed" sh -c '! dmesg | grep -q "Try increasing MBOX_TX_QUEUE_LEN"'
echo "# doorbells sent $(drv_stat doorbells_sent), coalesced $(drv_stat doorbells_coalesced), received $(drv_stat doorbells_received)"
if [ "$DOORBELLS" = mailbox ]; then
	check "coalescing happened under load" test "$(drv_stat doorbells_coalesced)" -gt 0
else
	check_eq "interrupt lines need no coalescing (a pending line absorbs rings)" 0 "$(drv_stat doorbells_coalesced)"
fi
check "the queues still work afterwards" rpmsg_echo --count 3 --quiet
check_audit
check "unload" unload_rig
