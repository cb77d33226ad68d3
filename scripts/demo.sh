#!/bin/bash
# Boots the QEMU board and shows the seed transcript: the driver's dmesg
# lines, the echo exchange and the remote's console.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PROJECT_ROOT"
set +e
RIG_REMOTE=firmware scripts/qemu-run.sh demo >/tmp/rockchip-rpmsg-demo.verdict 2>&1
rc=$?
set -e
log=build/logs/demo+fw.log
# What the demo printed, without the kernel's own console lines (the demo
# shows the relevant dmesg lines itself), the firmware's semihosting lines
# (it shows the firmware's log itself) and kmemleak's chatter.
sed -n '/RIG: scenario demo starting/,/RIG: scenario demo ended/p' "$log" |
	sed -E -e 's/\[ *[0-9]+\.[0-9]+\] .*$//' -e 's/remote-fw: .*$//' |
	grep -v -e '^RIG:' -e '^1\.\.' -e '^$'
echo
if [ $rc -eq 0 ]; then
	echo "demo: done (full console log: $log)"
else
	cat /tmp/rockchip-rpmsg-demo.verdict
	echo "demo: FAILED (full console log: $log)" >&2
	exit 1
fi
