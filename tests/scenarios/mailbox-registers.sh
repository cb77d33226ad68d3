# timeout: 150
# cost: 15
# remotes: sim
# doorbells: mailbox mailbox1ch
# rockchip_amp_mbox against the board's mailbox block (the QEMU device model):
# an unsolicited B2A doorbell reaches the client, a doorbell rung while the
# previous one is still pending is not lost, and a transmission completes
# only when the remote clears the A2B status bit.
# Why not the firmware: the "pending" case holds Linux's B2A
# interrupt (the line masked at Linux's GIC while the status stays set) so
# that a second ring finds the first pending every time; a remote on its
# own CPU does not touch Linux's interrupt configuration, and without the
# hold, whether Linux takes the first ring before the second is a race. The
# register checks read the mailbox as the remote sees it (the simulator's
# mbox-regs file).
FAULT=/sys/kernel/debug/rpmsg_remote_sim/fault
check "rig up" load_rig log_messages=0
if [ "$MBOX_LAYOUT" = one ]; then
	check_klog "the rx mailbox driver says what it found" \
		"rockchip-amp-mbox 90d0000.mailbox: 1 channels, txpoll 1 ms, 1 interrupt(s)"
	check_klog "the tx mailbox driver says what it found" \
		"rockchip-amp-mbox 90e0000.mailbox: 1 channels, txpoll 1 ms, 1 interrupt(s)"
	# INTEN writes carry a mask in bits 31:16: the remote set B2A's
	# trigger (bit 8, raise on the DAT write) and Linux its enable (bit 0);
	# neither write may clear the other's bit.
	check_eq "masked writes: B2A_INTEN holds the remote's trigger and Linux's enable" \
		0x101 "$(sim_reg rx_b2a_inten)"
	check_eq "masked writes: A2B_INTEN holds Linux's trigger, not the remote's enable" \
		0x100 "$(sim_reg tx_a2b_inten)"
else
	check_klog "the mailbox driver says what it found" \
		"rockchip-amp-mbox 90c0000.mailbox: 4 channels, txpoll 1 ms, 4 interrupt(s)"
	check_eq "B2A_INTEN: Linux enabled the two channels its client requested" 0x3 "$(sim_reg rx_b2a_inten)"
fi

# Unsolicited: the remote rings with nothing for Linux; mainline's driver
# would drop it ("B2A message is NULL").
mrx0=$(mbox_rx_stat received); rx0=$(drv_stat doorbells_received); bad0=$(drv_stat bad_doorbells)
echo storm=1 > $FAULT
wait_until 5 '[ "$(drv_stat doorbells_received)" -gt "$rx0" ]'
check_eq "unsolicited: the client received the doorbell" $((rx0 + 1)) "$(drv_stat doorbells_received)"
check_eq "unsolicited: the mailbox counted it on channel 0" $((mrx0 + 1)) "$(mbox_rx_stat received)"
check_eq "unsolicited: it carried the remote's {link-id, magic}" "$bad0" "$(drv_stat bad_doorbells)"

# Pending: with B2A held (status set, the line masked at the GIC), the remote sends two
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
s0=$(mbox_tx_stat sent); c0=$(mbox_tx_stat tx_completed)
check "tx held: an echo still completes (the remote took the doorbell)" \
	rpmsg_echo --src 0x1701 --count 1 --quiet --timeout 3000
usleep 300000
check_eq "tx held: one doorbell written to A2B" $((s0 + 1)) "$(mbox_tx_stat sent)"
check_eq "tx held: its transmission has not completed" "$c0" "$(mbox_tx_stat tx_completed)"
check_eq "tx held: the channel reports it in flight" 1 "$(mbox_tx_stat in_flight)"
coal0=$(drv_stat doorbells_coalesced)
rpmsg_echo --src 0x1702 --count 1 --quiet --timeout 5000 &
echo2=$!
# Its notify finds the first doorbell in flight and is owed the next.
wait_until 5 '[ "$(drv_stat doorbells_coalesced)" -gt "$coal0" ]'
check_eq "tx held: the next notify is owed a doorbell" 2 "$(drv_stat doorbells_outstanding)"
check_eq "tx held: the next doorbell waits instead of overwriting A2B" $((s0 + 1)) "$(mbox_tx_stat sent)"
echo release-a2b > $FAULT
wait_until 5 '[ "$(mbox_tx_stat tx_completed)" -ge $((c0 + 2)) ]'
check_eq "tx released: both transmissions completed" $((c0 + 2)) "$(mbox_tx_stat tx_completed)"
check_eq "tx released: the waiting doorbell went out" $((s0 + 2)) "$(mbox_tx_stat sent)"
wait $echo2
check_eq "tx released: the waiting message's echo completes" 0 $?
check "tx released: nothing left in flight" wait_until 5 '[ "$(drv_stat doorbells_outstanding)" = 0 ]'
check_eq "no interrupt without a pending message" 0 "$(mbox_block_stat spurious_irqs)"
check_audit
check "unload the transport" rmmod rockchip_rpmsg
if [ "$MBOX_LAYOUT" = one ]; then
	check_eq "masked writes: Linux's disable cleared its enable bit only" 0x100 "$(sim_reg rx_b2a_inten)"
else
	check_eq "Linux's disable cleared its enable bits" 0x0 "$(sim_reg rx_b2a_inten)"
fi
check_eq "nothing left latched in B2A or A2B" "0x0 0x0" "$(sim_reg rx_b2a_status) $(sim_reg tx_a2b_status)"
check "unload the remote and the mailbox" eval 'rmmod rpmsg_remote_sim && unload_doorbells'

