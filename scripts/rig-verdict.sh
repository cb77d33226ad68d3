#!/bin/bash
# Reads one scenario's console log and decides: prints the guest's TAP checks
# renumbered under the scenario's name, adds the runner's own checks, and
# exits 1 if anything failed.
#   rig-verdict.sh SCENARIO LOG QEMU_RC TIMEOUT_S
set -uo pipefail
scenario=$1 log=$2 qemu_rc=$3 timeout_s=$4

# Kernel splats: any of these anywhere in the console fails the run.
SPLAT_RE='(------------\[ cut here \]------------|WARNING: |BUG: |Oops|Kernel panic|Unable to handle kernel|KASAN: |UBSAN: |unreferenced object 0x|scheduling while atomic|INFO: possible|possible circular locking|inconsistent lock state|hung_task|soft lockup|rcu_sched detected stalls|Internal error: )'

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
if grep -aq '^RIG: scenario finished' "$log"; then
	emit ok "finished within ${timeout_s}s"
else
	emit "not ok" "did not finish within ${timeout_s}s (qemu exit $qemu_rc)"
fi
if [ -n "$planned" ] && [ "$planned" = "$ran" ]; then
	emit ok "ran all $planned planned checks"
else
	emit "not ok" "planned ${planned:-no} checks, ran $ran"
fi
splat=$(grep -anE "$SPLAT_RE" "$log" | head -3)
if [ -z "$splat" ]; then
	emit ok "no kernel splat (BUG, WARNING, Oops, KASAN, lockdep, atomic sleep, kmemleak)"
else
	# Name the splat by its first line that says what it is.
	first=$(grep -anE "$SPLAT_RE" "$log" | grep -v 'cut here' | head -1)
	[ -n "$first" ] || first=$(echo "$splat" | head -1)
	first=$(echo "$first" | sed -E 's/^([0-9]+):(\[[ 0-9.]+\] )?/line \1: /')
	emit "not ok" "kernel splat: $first"
	echo "# splat in $log:" >&2
	echo "$splat" | sed 's/^/#   /' >&2
fi
exit $failed
