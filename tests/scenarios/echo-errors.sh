# timeout: 180
# cost: 4
# remotes: firmware
# doorbells: mailbox
# (rpmsg_echo's own error handling: no doorbell is involved, so one path.)
# rpmsg_echo's error exits, each with its own code and one line on stderr.
rpmsg_echo >/dev/null 2>/tmp/err
check_eq "without the driver: exit 3 (no control device)" 3 $?
check "the message names the missing module" grep -q rockchip_rpmsg /tmp/err
check "rig up" load_rig
remote_knob drop-echoes
rpmsg_echo --count 1 --timeout 300 >/dev/null 2>/tmp/err
check_eq "remote drops echoes: exit 6 (timeout)" 6 $?
check "the timeout message says after how long" grep -q "300 ms" /tmp/err
remote_knob clear
remote_knob corrupt-echo
rpmsg_echo --count 1 >/dev/null 2>/tmp/err
check_eq "remote corrupts echoes: exit 7 (mismatch)" 7 $?
check "the mismatch message shows the offset" grep -q "offset 0" /tmp/err
remote_knob clear
rpmsg_echo --size 497 >/dev/null 2>&1
check_eq "--size 497: exit 8 (too large)" 8 $?
rpmsg_echo --bogus >/dev/null 2>&1
check_eq "unknown option: exit 2" 2 $?
check "after the faults are cleared the echo works again" rpmsg_echo --count 3 --quiet
check "unload" unload_rig
