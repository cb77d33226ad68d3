# timeout: 300
# cost: 2
# remotes: firmware
# doorbells: mailbox
# (the benchmark's output format: the doorbell path does not change it, so one path.)
# rpmsg_echo's benchmark mode prints its JSON line.
check "rig up" load_rig log_messages=0
rpmsg_echo --bench --size 496 --count 2000 --window 16 >/tmp/bench.json
check_eq "bench exits 0" 0 $?
echo "# $(cat /tmp/bench.json)"
check "one JSON line with the round-trip percentiles and rates" grep -q '"payload_bytes":496,"messages":2000,"window":16,"rtt_us":{"p50":[0-9.]*,"p99":[0-9.]*,"max":[0-9.]*},"msgs_per_s":' /tmp/bench.json
check "unload" unload_rig
