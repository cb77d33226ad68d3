#!/bin/bash
# Reads one run's console log (its part of the boot, and the boot's end,
# which all runs of a boot share) and decides: prints the guest's TAP checks
# under the run's name, adds the runner's own checks, and exits 1 if
# anything failed. The guest's "RIG:" lines are matched anywhere in a line:
# a kernel message may share the console line they start on.
#   rig-verdict.sh RUN LOG QEMU_RC TIMEOUT_S REMOTE
# REMOTE: sim or firmware, the remote the run booted.
set -uo pipefail
scenario=$1 log=$2 qemu_rc=$3 timeout_s=$4 remote=${5:?usage: rig-verdict.sh RUN LOG QEMU_RC TIMEOUT_S REMOTE}

# Kernel splats: any of these anywhere in the console fails the run. The
# verdict quotes the first matching line, so each pattern matches the line
# that names the splat.
SPLATS=(
	# WARN/BUG/oops/panic
	'------------\[ cut here \]------------' 'WARNING: ' 'BUG: ' 'Oops' 'Kernel panic'
	'Unable to handle kernel' 'Internal error: ' 'scheduling while atomic'
	# sanitizers, debugobjects, kmemleak
	'KASAN: ' 'UBSAN: ' 'ODEBUG: ' 'unreferenced object 0x'
	# lockdep (it switches itself off after "non-static key")
	'INFO: possible' 'possible circular locking' 'inconsistent lock state'
	'INFO: trying to register non-static key'
	# hangs: hung tasks, soft lockups, workqueue lockups, RCU stalls
	'INFO: task .* blocked' 'blocked for more than' 'hung_task'
	'soft lockup' 'BUG: workqueue lockup'
	'rcu: INFO:' 'rcu_sched detected stalls' 'detected stalls on CPUs/tasks'
	'self-detected stall' 'detected expedited stalls'
	'rcu_tasks.*detected stalls' 'RCU Tasks.*stall'
	# interrupts, sysfs/debugfs name clashes, lost messages, failed allocations
	'irq [0-9]+: nobody cared' 'cannot create duplicate filename'
	'debugfs: .*already exists' 'printk messages dropped' 'page allocation failure'
)
SPLAT_RE="($(IFS='|'; echo "${SPLATS[*]}"))"

# Taint bits the runs may set: O (bit 12, out-of-tree module) and E (bit
# 13, unsigned module). The letters are the kernel's (kernel/panic.c).
TAINT_OK=$(((1 << 12) | (1 << 13)))
TAINT_LETTERS=PFSRMBUDAWCIOELKXTNJ
taint_letters() { # mask -> its letters ("bitN" for a bit past the table)
	local i out=""
	for ((i = 0; i < 64; i++)); do
		((($1 >> i) & 1)) || continue
		if [ $i -lt ${#TAINT_LETTERS} ]; then out+=${TAINT_LETTERS:i:1}; else out+=" bit$i"; fi
	done
	echo "$out"
}

failed=0
emit() { # ok|not ok, description
	echo "$1 - $scenario: $2"
	[ "$1" = ok ] || failed=1
}

# The guest's own checks: lines "ok N - text" / "not ok N - text".
while IFS= read -r line; do
	case "$line" in
	"ok "*) emit ok "${line#ok * - }" ;;
	"not ok "*) emit "not ok" "${line#not ok * - }" ;;
	esac
done < <(grep -aE '^(ok|not ok) [0-9]+ - ' "$log")

planned=$(grep -aoE '^1\.\.[0-9]+' "$log" | tail -1 | cut -d. -f3)
ran=$(grep -acE '^(ok|not ok) [0-9]+ - ' "$log")
# The guest stamps its uptime (centiseconds) where the scenario starts and
# ends; the boot's end (kmemleak's scan) comes after the last scenario.
started=$(sed -n 's/.*RIG: scenario [^ ]* starting at \([0-9]*\).*/\1/p' "$log" | head -1)
ended=$(sed -n 's/.*RIG: scenario [^ ]* ended at \([0-9]*\).*/\1/p' "$log" | head -1)
if grep -aq 'RIG: scenario [^ ]* stopped at its' "$log"; then
	emit "not ok" "did not finish within ${timeout_s}s (the guest stopped it)"
elif [ -z "$started" ] || [ -z "$ended" ]; then
	emit "not ok" "did not finish within ${timeout_s}s (qemu exit $qemu_rc)"
elif [ $((ended - started)) -gt $((timeout_s * 100)) ]; then
	emit "not ok" "did not finish within ${timeout_s}s (took $(((ended - started) / 100)) s)"
elif ! grep -aq 'RIG: boot finished' "$log"; then
	emit "not ok" "did not finish within ${timeout_s}s: the boot stopped before its end-of-boot leak scan (qemu exit $qemu_rc)"
else
	emit ok "finished within ${timeout_s}s (took $(((ended - started) / 100)) s)"
fi
if [ -n "$planned" ] && [ "$planned" = "$ran" ]; then
	emit ok "ran all $planned planned checks"
else
	emit "not ok" "planned ${planned:-no} checks, ran $ran"
fi
splat=$(grep -anE "$SPLAT_RE" "$log" | head -3)
if [ -z "$splat" ]; then
	emit ok "no kernel splat (BUG, WARNING, Oops, KASAN, UBSAN, lockdep, hang, stall, debugobjects, kmemleak)"
else
	# Name the splat by its first line that says what it is.
	first=$(grep -anE "$SPLAT_RE" "$log" | grep -v 'cut here' | head -1)
	[ -n "$first" ] || first=$(echo "$splat" | head -1)
	first=$(echo "$first" | sed -E 's/^([0-9]+):(\[[ 0-9.]+\] )?/line \1: /')
	emit "not ok" "kernel splat: $first"
	echo "# splat in $log:" >&2
	echo "$splat" | sed 's/^/#   /' >&2
fi

# The remote firmware reports its own faults on the same console: an
# exception or a panic on CPU1 fails the run as a splat does, except the
# exception a scenario asks for with the crash knob (the firmware's line
# right before it says so).
if [ "$remote" = firmware ]; then
	fw_fault=$(awk '
		!/remote-fw: / { next }
		/remote-fw: crashing on request/ { requested = 1; next }
		/remote-fw: exception/ && requested { requested = 0; next }
		/remote-fw: (exception|panic|cannot start|refusing)/ { print NR ":" $0; exit }
		{ requested = 0 }' "$log")
	if [ -z "$fw_fault" ]; then
		emit ok "no remote firmware fault (exception, panic, refused start)"
	else
		emit "not ok" "remote firmware fault: line ${fw_fault%%:*}: ${fw_fault#*:}"
	fi
fi

# The guest's last words (tests/guest/init): the taint flags and lockdep's
# state. A report the splat patterns missed still taints the kernel or
# turns lockdep off.
# A scenario that shares a boot is judged on the bits set while it ran
# ("taint at start": what the scenarios before it set, theirs to answer for).
tainted=$(grep -aoE 'RIG: tainted [0-9]+' "$log" | tail -1 | cut -d' ' -f3)
before=$(grep -aoE 'RIG: taint at start [0-9]+' "$log" | tail -1 | cut -d' ' -f5)
before=${before:-0}
if [ -z "$tainted" ]; then
	emit "not ok" "kernel taint flags not reported (the guest stopped before the end)"
elif ((tainted & ~before & ~TAINT_OK)); then
	emit "not ok" "kernel tainted $(taint_letters $((tainted & ~before & ~TAINT_OK))) (taint $tainted = $(taint_letters "$tainted"); only O and E are allowed)"
else
	letters=$(taint_letters "$tainted")
	emit ok "kernel tainted only by O/E (taint $tainted${letters:+: $letters})"
fi
debug_locks=$(grep -aoE 'RIG: debug_locks [^ ]+' "$log" | tail -1 | cut -d' ' -f3)
case "$debug_locks" in
1) emit ok "lockdep still on (debug_locks 1)" ;;
0) emit "not ok" "lockdep switched itself off (debug_locks 0): it stopped checking after a lock report" ;;
"") emit "not ok" "debug_locks not reported (the guest stopped before the end)" ;;
*) emit "not ok" "debug_locks unreadable ($debug_locks): the kernel has no lockdep?" ;;
esac
# What the scenario left loaded would change the next scenario of its boot.
if grep -aq 'RIG: modules left:' "$log"; then
	left=$(sed -n 's/.*RIG: modules left: *//p' "$log" | head -1)
	if [ -z "${left// /}" ]; then
		emit ok "left no module loaded"
	else
		emit "not ok" "left modules loaded: $left"
	fi
fi
exit $failed
