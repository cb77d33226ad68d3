# timeout: 180
# cost: 4
# doorbells: mailbox mailbox1ch softirq
# remotes: firmware
# Echoes of 1, 14, 100 and 496 bytes arrive intact; 497 is refused on Linux.
check "rig up" load_rig log_messages=0
for size in 1 14 100 496; do
	check "echo of $size-byte payloads intact (3 messages)" rpmsg_echo --size $size --count 3 --quiet
done
rpmsg_echo --size 497 --count 1 >/dev/null 2>/tmp/e497
check_eq "rpmsg_echo --size 497 exits with 'message too large' (8)" 8 $?
check "rpmsg_echo names the limit" grep -q 496 /tmp/e497
# The kernel itself refuses a 497-byte write on an endpoint device.
dev=/dev/$(rpmsg_devs | head -1)
out=$(dd if=/dev/zero of=$dev bs=497 count=1 2>&1)
case "$out" in *"too long"*) ok "a 497-byte write to $dev fails with EMSGSIZE" ;; *) not_ok "a 497-byte write to $dev fails with EMSGSIZE" "$out" ;; esac
check_audit
check "unload" unload_rig
