# timeout: 600
# cost: 56
# remotes: firmware
# needs-patch: 0002 0003
# Allocation failures: the probe runs with its n-th slab allocation failing,
# for n = 1, 2, ... until a probe makes fewer than n allocations. The bind
# write and the read-back of /proc/self/fail-nth are builtins of the
# scenario's own shell (no fork: hundreds of attempts), so the whole probe
# (and virtio_rpmsg_bus's, which it triggers) counts against that task,
# which disarms fail-nth again after each attempt. Every attempt either
# binds or fails cleanly; then a normal bind works and carries traffic.
# Needs kernel/patches/0002 and 0003 (without them, rpmsg_ctrl's and
# rpmsg_char's error paths put a device that has no release function:
# WARNINGs).
F=/sys/kernel/debug/failslab
DRV=/sys/bus/platform/drivers/rockchip-rpmsg
echo 0 > $F/ignore-gfp-wait
echo 0 > $F/verbose
check "rig up" load_rig log_messages=0
echo 47a00000.rpmsg > $DRV/unbind
restart_remote
n=0; bound=0; refused=0; broken=0; done_at=0
while [ $n -lt 3000 ]; do
	n=$((n + 1))
	echo $n > /proc/self/fail-nth
	echo 47a00000.rpmsg > $DRV/bind 2>/dev/null
	# Opening fail-nth counts too: if that is the n-th allocation, the
	# read fails and "left" stays empty (the probe made fewer than n).
	left=""
	read -r left 2>/dev/null </proc/self/fail-nth
	echo 0 2>/dev/null >/proc/self/fail-nth
	if [ -e $DRV/47a00000.rpmsg ]; then
		bound=$((bound + 1))
		echo 47a00000.rpmsg > $DRV/unbind || { broken=$((broken + 1)); echo "# n=$n: unbind failed"; }
	else
		refused=$((refused + 1))
	fi
	# The attempt may have got as far as posting buffers: start the next
	# one, as every bind, against a restarted remote.
	restart_remote || { broken=$((broken + 1)); echo "# n=$n: the remote did not restart"; }
	# A count left over means the probe finished before the n-th allocation.
	if [ "$left" != 0 ]; then done_at=$n; break; fi
done
echo "# $n attempts: $bound bound, $refused refused; the probe makes $((n - 1)) slab allocations"
check "the fault walked through every allocation of the probe ($((n - 1)))" test $done_at -gt 1
check_fails "no buffer-pool bytes left in use after any unbind" pool_leak_reported
check "every attempt bound or failed cleanly" test $broken -eq 0
restart_remote
echo 47a00000.rpmsg > $DRV/bind
check "a normal bind works afterwards" wait_for 10 test -c /dev/rpmsg_ctrl0
check "the remote announces its channel to it" wait_for 10 channel_up
check "and carries traffic" rpmsg_echo --count 3 --quiet
check "unload" unload_rig
