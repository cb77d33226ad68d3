# timeout: 150
# doorbells: mailbox
# rockchip_amp_mbox against the simulator's model of the mailbox registers:
# an unsolicited B2A doorbell reaches the client, a doorbell rung while the
# previous one is still pending is not lost, and a transmission completes
# only when the remote clears the A2B status bit.
FAULT=/sys/kernel/debug/rpmsg_remote_sim/fault
check "rig up" load_rig log_messages=0
check_klog "the mailbox driver says what it found" \
	"rockchip-amp-mbox 47e00000.mailbox: 4 channels, txpoll 1 ms, 4 interrupt(s)"

# Unsolicited: the remote rings with nothing for Linux; mainline's driver
# would drop it ("B2A message is NULL").
mrx0=$(mbox_stat ch0_received); rx0=$(drv_stat doorbells_received); bad0=$(drv_stat bad_doorbells)
echo storm=1 > $FAULT
wait_until 5 '[ "$(drv_stat doorbells_received)" -gt "$rx0" ]'
check_eq "unsolicited: the client received the doorbell" $((rx0 + 1)) "$(drv_stat doorbells_received)"
check_eq "unsolicited: the mailbox counted it on channel 0" $((mrx0 + 1)) "$(mbox_stat ch0_received)"
check_eq "unsolicited: it carried the remote's {link-id, magic}" "$bad0" "$(drv_stat bad_doorbells)"

# Pending: with B2A held (status set, no interrupt yet), the remote sends two
# messages, ringing twice; the second ring finds the first still pending.
rm -f /tmp/ready
rpmsg_echo --bench --sink --src 0x2000 --dst 0x3003 --count 2 --timeout 5000 --ready-file /tmp/ready >/tmp/sink.json &
sink=$!
wait_for 10 test -e /tmp/ready
echo hold-b2a > $FAULT
p0=$(sim_stat rings_while_pending); rx0=$(drv_stat doorbells_received); sent0=$(sim_stat source_sent)
echo "source=0x2000,1,64" > $FAULT
wait_until 5 '[ "$(sim_stat source_sent)" -ge $((sent0 + 1)) ]'
echo "source=0x2000,1,64" > $FAULT
wait_until 5 '[ "$(sim_stat source_sent)" -ge $((sent0 + 2)) ]'
check "pending: the remote rang again while its first doorbell was pending" \
	test "$(sim_stat rings_while_pending)" -gt "$p0"
check_eq "pending: no interrupt reached Linux while held" "$rx0" "$(drv_stat doorbells_received)"
echo release-b2a > $FAULT
wait $sink
check_eq "pending: once raised, Linux got both messages" 0 $?
check_eq "pending: one doorbell served both rings" $((rx0 + 1)) "$(drv_stat doorbells_received)"

# Tx completion: with A2B held the remote takes Linux's doorbell (and
# answers) but leaves the status bit set. Both notifies below must reach
# the doorbell path: the remote must not be polling vring1 with
# notifications off.
wait_until 5 '[ "$(sim_stat streaming)" = 0 ]'
echo hold-a2b > $FAULT
s0=$(mbox_stat ch1_sent); c0=$(mbox_stat ch1_tx_completed)
check "tx held: an echo still completes (the remote took the doorbell)" \
	rpmsg_echo --src 0x1701 --count 1 --quiet --timeout 3000
usleep 300000
check_eq "tx held: one doorbell written to A2B" $((s0 + 1)) "$(mbox_stat ch1_sent)"
check_eq "tx held: its transmission has not completed" "$c0" "$(mbox_stat ch1_tx_completed)"
check_eq "tx held: the channel reports it in flight" 1 "$(mbox_stat ch1_in_flight)"
coal0=$(drv_stat doorbells_coalesced)
rpmsg_echo --src 0x1702 --count 1 --quiet --timeout 5000 &
echo2=$!
# Its notify finds the first doorbell in flight and is owed the next.
wait_until 5 '[ "$(drv_stat doorbells_coalesced)" -gt "$coal0" ]'
check_eq "tx held: the next notify is owed a doorbell" 2 "$(drv_stat doorbells_outstanding)"
check_eq "tx held: the next doorbell waits instead of overwriting A2B" $((s0 + 1)) "$(mbox_stat ch1_sent)"
echo release-a2b > $FAULT
wait_until 5 '[ "$(mbox_stat ch1_tx_completed)" -ge $((c0 + 2)) ]'
check_eq "tx released: both transmissions completed" $((c0 + 2)) "$(mbox_stat ch1_tx_completed)"
check_eq "tx released: the waiting doorbell went out" $((s0 + 2)) "$(mbox_stat ch1_sent)"
wait $echo2
check_eq "tx released: the waiting message's echo completes" 0 $?
check "tx released: nothing left in flight" wait_until 5 '[ "$(drv_stat doorbells_outstanding)" = 0 ]'
check_eq "no interrupt without a pending message" 0 "$(mbox_stat spurious_irqs)"
check_audit
check "unload" unload_rig
