# timeout: 300
# cost: 18
# remotes: firmware
# needs-patch: 0006 0007 0008
# Concurrent senders and a full transmit ring (issue 14, item 15).
# Part A: four rpmsg_echo processes on distinct endpoints, 64 messages in
# flight each, share the one transmit ring (64 buffers). They start while the
# remote is stalled, so all four endpoints are open and contending for a full
# ring at the same moment; once it runs again every echo arrives intact, the
# remote took every message and no doorbell was refused.
# Part B: a stalled remote (it takes nothing from vring1) with a full ring:
# a non-blocking write fails with EAGAIN and poll() reports no POLLOUT; a
# blocking write and a poll(POLLOUT) sleep until the remote runs again, then
# both return, and the remote took and echoed every message written, in
# order: nothing lost. The instance stays healthy throughout.
# Part C: a writer blocked on a stalled remote dies when killed, and its
# write is not sent.
# Part D: an answer arriving after the writer closed the channel's device is
# not kept for the next opener.
# fill_blocked OUT: tx_fill is ready, or it failed (saying so in OUT).
fill_blocked() { [ -e /tmp/fill.ready ] || grep -q '^tx_fill: ' "$1"; }
# all_exited PID: no task of PID runs or sleeps any more (zombies are done).
all_exited() { ! cat /proc/$1/task/*/stat 2>/dev/null | grep -q ') [RSD]'; }
# task_states PID: each task's state and wait channel.
task_states() {
	for t in /proc/$1/task/*; do
		echo "task ${t##*/}: state $(cut -d' ' -f3 $t/stat 2>/dev/null), wchan $(cat $t/wchan 2>/dev/null)"
	done
}
check "rig up" load_rig log_messages=0

# --- Part A -----------------------------------------------------------------
N=1000
ECHOERS="1 2 3 4"
in0=$(remote_stat messages_in); out0=$(remote_stat messages_out)
remote_knob stall-intake
for i in $ECHOERS; do
	rm -f /tmp/echo$i.ready
	rpmsg_echo --src "$(printf '0x%x' $((0x1000 + i)))" --window 64 --count $N --size 64 \
		--timeout 20000 --quiet --ready-file /tmp/echo$i.ready >/tmp/echo$i.out 2>&1 &
	eval "echoer$i=$!"
done
all_ready() { for i in $ECHOERS; do [ -e /tmp/echo$i.ready ] || return 1; done; }
check "stalled: all four echoers have their endpoints open at once" wait_for 20 all_ready
check_eq "stalled: the remote took nothing yet" 0 $(($(remote_stat messages_in) - in0))
remote_knob clear
for i in $ECHOERS; do
	eval "wait \$echoer$i"; rc=$?
	src=$(printf '0x%x' $((0x1000 + i)))
	if [ $rc = 0 ]; then ok "echoer $i (src $src): all $N echoes arrived intact"
	else not_ok "echoer $i (src $src): all $N echoes arrived intact" "exit code $rc" "$(cat /tmp/echo$i.out)"; fi
done
check_eq "the remote took all $((4 * N)) messages" $((4 * N)) $(($(remote_stat messages_in) - in0))
check_eq "the remote echoed all $((4 * N))" $((4 * N)) $(($(remote_stat messages_out) - out0))
check_eq "no doorbell was refused" 0 "$(drv_stat doorbell_send_errors)"
check "the echoers' endpoints are gone, the channel's remains" wait_until 10 '[ "$(rpmsg_devs | wc -l)" = 1 ]'

# --- Part B -----------------------------------------------------------------
# rpmsg gives each device one transmit buffer per vring1 entry: VRING_NUM
# (rust/rpmsg_proto/src/layout.rs), and reserves none.
VRING_NUM=64
dev=/dev/$(rpmsg_devs | head -1)
in0=$(remote_stat messages_in)
remote_knob stall-intake
rm -f /tmp/fill.ready /tmp/unstalled
# The channel's endpoint talks to the remote's echo endpoint (0x3000): the
# echoes prove every message arrived, in order.
tx_fill "$dev" --size 64 --ready /tmp/fill.ready --unstalled /tmp/unstalled --check-echoes \
	>/tmp/fill.out 2>&1 &
filler=$!
wait_for 20 fill_blocked /tmp/fill.out
check "stalled: tx_fill fills the ring and blocks in poll() and write()" test -e /tmp/fill.ready
echo "# tx_fill printed: $(tr '\n' ';' </tmp/fill.out)"
check_eq "stalled: $VRING_NUM non-blocking writes fit, the next fails with EAGAIN" \
	"filled $VRING_NUM errno EAGAIN" "$(grep '^filled ' /tmp/fill.out)"
check "stalled: poll() reports no POLLOUT on the full ring" grep -qx "full: poll reports 0" /tmp/fill.out
check_eq "stalled: the remote took none of them" 0 $(($(remote_stat messages_in) - in0))
# Where tx_fill's threads went to sleep (it waits until each has left the
# CPU): the poll in do_sys_poll, the write in rpmsg's wait for a transmit
# buffer (wait_woken, kernel/patches/0007; rpmsg_send_offchannel_raw
# without it). Both still sleep there now.
check "stalled: the poll sleeps in poll(), the write in rpmsg's wait for a buffer" \
	grep -Eq '^blocked: poll in [a-z_]*poll[a-z_]*, write in ([a-z_]*rpmsg[a-z_]*|wait_woken)$' /tmp/fill.out
# still_asleep: one of tx_fill's threads sleeps in poll, one waits for a
# transmit buffer.
still_asleep() {
	w=$(for f in /proc/$filler/task/*/wchan; do cat "$f"; echo; done)
	echo "$w" | grep -q poll && echo "$w" | grep -Eq 'rpmsg|wait_woken'
}
check "stalled: both still sleep there" still_asleep
check "stalled: neither the poll nor the blocking write has returned" \
	sh -c "! grep -Eq '^(poll|blocking write)' /tmp/fill.out"
check "stalled: the instance is not halted" test "$(drv_stat vdev0/halted)" = false
touch /tmp/unstalled
remote_knob clear
fill_done() { grep -q '^echoes \|^tx_fill: ' /tmp/fill.out; }
wait_for 30 fill_done || { echo "# tx_fill hangs: $(task_states $filler | tr '\n' ';')"; kill $filler; }
wait $filler; rc=$?
echo "# tx_fill printed: $(tr '\n' ';' </tmp/fill.out)"
check "running again: poll() wakes with POLLOUT" grep -q '^poll POLLOUT after ' /tmp/fill.out
check "running again: the blocking write completes" grep -q '^blocking write done (64 bytes) after ' /tmp/fill.out
check "running again: all $((VRING_NUM + 1)) messages come back echoed, in order" \
	grep -qx "echoes $((VRING_NUM + 1)) in order" /tmp/fill.out
if [ $rc = 0 ]; then ok "tx_fill exits 0"; else not_ok "tx_fill exits 0" "exit code $rc" "$(cat /tmp/fill.out)"; fi
check_eq "nothing lost: the remote took every message written" \
	$((VRING_NUM + 1)) $(($(remote_stat messages_in) - in0))
check_eq "no used-index violation" 0 "$(drv_stat vdev0/bad_used_index)"
check_eq "the instance is not halted" false "$(drv_stat vdev0/halted)"
check_eq "no doorbell was refused" 0 "$(drv_stat doorbell_send_errors)"

# --- Part C -----------------------------------------------------------------
# A writer blocked on a stalled remote can be killed: SIGKILL ends it while
# the remote still takes nothing, and the killed write sends nothing.
in0=$(remote_stat messages_in)
remote_knob stall-intake
rm -f /tmp/fill.ready /tmp/unstalled
tx_fill "$dev" --size 64 --ready /tmp/fill.ready --unstalled /tmp/unstalled >/tmp/kill.out 2>&1 &
filler=$!
wait_for 20 fill_blocked /tmp/kill.out
check "stalled again: tx_fill fills the ring and blocks in poll() and write()" test -e /tmp/fill.ready
kill -9 $filler
if wait_for 10 all_exited $filler; then ok "stalled: SIGKILL ends tx_fill and its blocked calls"
else not_ok "stalled: SIGKILL ends tx_fill and its blocked calls" "10 s after the kill: $(task_states $filler | tr '\n' ';')"; fi
touch /tmp/unstalled
remote_knob clear
check "running again: tx_fill is gone" wait_for 20 all_exited $filler
all_exited $filler && wait $filler 2>/dev/null
# The remote takes vring1 in order: once these echoes are back, it has taken
# whatever the killed write may have added before them.
check "the echo works again" rpmsg_echo --count 3 --quiet
check_eq "the killed write sent nothing: the remote took the $VRING_NUM messages before it, 3 after" \
	$((VRING_NUM + 3)) $(($(remote_stat messages_in) - in0))

# --- Part D -----------------------------------------------------------------
# An answer that reaches the channel's device after its writer closed it is
# dropped, not kept (in kernel memory, until the device goes) for whoever
# opens the device next.
out0=$(remote_stat messages_out)
remote_knob stall-intake
check "stalled: a shell writes one message to $dev and closes it" sh -c "echo stale answer > $dev"
remote_knob clear
check "running again: the remote answers it" wait_until 10 '[ $(($(remote_stat messages_out) - out0)) -ge 1 ]'
# Linux takes vring0 in order: once this echo is back, the answer was delivered.
check "the echo after it comes back" rpmsg_echo --count 1 --quiet
# Nothing is waiting, so this read can only time out; 3 s bound its wait.
stale=$(timeout 3 dd if="$dev" bs=512 count=1 2>/dev/null)
check_eq "the next opener of $dev does not read the answer to an earlier writer" "" "$stale"
check_audit
check "unload" unload_rig
