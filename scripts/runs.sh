# The TAP tally and the QEMU runs, shared by every script that counts
# checks (test.sh, kernel-matrix.sh, soak.sh); sourced after env.sh.
#
# A run is named SCENARIO[@PATH][+fw][.roundN]: the doorbell path (default
# mailbox), the firmware remote (default the simulator), the round of a soak.
# On a kernel other than the reference, its verdict lines name it RUN[KERNEL].

passed=0 failed=0

# tap_count: echoes TAP lines from stdin and adds them to the totals.
tap_count() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case "$line" in
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)) ;;
		esac
	done
}

# tap_result NAME STATUS: one check from an exit status (not counted).
tap_result() {
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fi
}

# tap_group NAME OUTPUT STATUS: counts a check script's TAP lines. A script
# that failed without a "not ok" (it bailed out) or printed no check at all
# fails as a whole, so a group is never lost as "0 passed, 0 failed".
tap_group() {
	tap_count < <(grep -E '^(ok|not ok|#)' <<<"$2")
	local last
	last=$(tail -1 <<<"$2")
	if [ "$3" -ne 0 ] && ! grep -q '^not ok' <<<"$2"; then
		tap_count <<<"not ok - $1 did not run (exit $3): ${last:-no output}"
	elif ! grep -qE '^(ok|not ok)' <<<"$2"; then
		tap_count <<<"not ok - $1 ran no checks: ${last:-no output}"
	fi
}

# tap_totals: the last line of every script that counts.
tap_totals() {
	echo "$passed passed, $failed failed"
}

# runs_of SCENARIO...: every run of each scenario: on each doorbell path its
# "# doorbells:" header lists (default: the mailbox and the mailbox-less
# variant), against each remote its "# remotes:" header lists (default: the
# simulator).
runs_of() {
	local s file paths remotes remote path run
	for s in "$@"; do
		file=$PROJECT_ROOT/tests/scenarios/$s.sh
		paths=$(sed -n 's/^# doorbells: *//p' "$file" 2>/dev/null | head -1)
		remotes=$(sed -n 's/^# remotes: *//p' "$file" 2>/dev/null | head -1)
		for remote in ${remotes:-sim}; do
			for path in ${paths:-mailbox softirq}; do
				run=$s
				[ "$path" = mailbox ] || run+=@$path
				[ "$remote" = sim ] || run+=+fw
				echo "$run"
			done
		done
	done
}

# run_scenario_file RUN: the scenario file a run boots.
run_scenario_file() {
	local scenario rest
	read -r scenario rest <<<"$(run_parts "$1")"
	echo "$PROJECT_ROOT/tests/scenarios/$scenario.sh"
}

# scenario_overlays FILE PATH: the test overlays (tests/overlays) a
# scenario's board has on a doorbell path: its "# overlay@PATH:" header if
# it has one, else its "# overlay:" header; names separated by spaces,
# applied in that order.
scenario_overlays() {
	local v
	v=$(sed -n "s/^# overlay@$2: *//p" "$1" 2>/dev/null | head -1)
	[ -n "$v" ] || v=$(sed -n 's/^# overlay: *//p' "$1" 2>/dev/null | head -1)
	echo "$v"
}

# run_parts RUN: "SCENARIO PATH REMOTE ROUND KERNEL" of a run name
# SCENARIO[@PATH][+fw][.roundN][[KERNEL]] (ROUND and KERNEL "-" when the
# name has none).
run_parts() {
	local base=$1 kernel=- round=- path=mailbox remote=sim
	if [[ $base == *"]" ]]; then
		kernel=${base##*[}; kernel=${kernel%]}
		base=${base%[*}
	fi
	[ "${base%.round*}" = "$base" ] || { round=${base##*.round}; base=${base%.round*}; }
	[ "${base%+fw}" = "$base" ] || remote=firmware
	base=${base%+fw}
	[ "${base%@*}" = "$base" ] || path=${base#*@}
	echo "${base%@*} $path $remote $round $kernel"
}

# boots_of RUN...: the boots that run them, one line each: its runs in the
# order they run. Runs share a boot when they boot the same board: the same
# doorbell path, remote and round, the same overlays on that path
# (scenario_overlays), and the same "# cmdline:" and "# lifecycle:"
# headers. The runner self-tests ("# expect-splat:") break the kernel on
# purpose: they share a boot only with each other, in their "#
# boot-order:", so that no one's breakage hides the next one's splat. A
# boot takes up to RIG_BOOT_COST (default 130) of its runs' "# cost:"
# headers (about the guest seconds each takes on the reference board, "at
# N cycles" for a churn whose rig.cycles= the run sets otherwise; default
# 10), packed costliest first. A scenario runs before the others of its
# boot when its "# boot-order:" is lower (default 50). "# boot-order: 0"
# is for a scenario that needs the boot as it came, the first of its boot
# and the only one of its kind there: one that reads the kernel's own
# boot messages, or one whose remote ran before Linux ("# remote-boot:
# before-linux"; qemu-run.sh takes that header from the boot's first
# scenario). The costliest boots are listed first, so that they start
# first.
boots_of() {
	local run file key cost at_cycles cycles order path remote round kernel h
	for run in "$@"; do
		read -r _ path remote round kernel <<<"$(run_parts "$run")"
		file=$(run_scenario_file "$run")
		key="$kernel/$path/$remote/$round/$(scenario_overlays "$file" "$path" | tr ' ' _)"
		for h in cmdline lifecycle; do
			key+="/$(sed -n "s/^# $h: *//p" "$file" 2>/dev/null | head -1 | tr ' ' _)"
		done
		! grep -q '^# expect-splat:' "$file" 2>/dev/null || key="self-test/$key"
		# "# cost: N at C cycles": a churn's cost scales with rig.cycles.
		read -r cost at_cycles <<<"$(sed -n 's/^# cost: *\([0-9]*\)\( at \([0-9]*\) cycles\)\{0,1\}.*/\1 \3/p' "$file" 2>/dev/null | head -1)"
		cycles=${CYCLES:-}
		if [ "$kernel" != - ] && [ "$kernel" != "${KERNEL:-}" ]; then
			cycles=$(sed -n 's/.* CYCLES=\([0-9]*\).*/\1/p' "$PROJECT_ROOT/build/kernels/$kernel/boot.env" 2>/dev/null)
		fi
		if [ -n "$cost" ] && [ -n "$at_cycles" ] && [ -n "$cycles" ]; then
			cost=$(((cost * cycles + at_cycles - 1) / at_cycles))
		fi
		order=$(sed -n 's/^# boot-order: *\([0-9]*\).*/\1/p' "$file" 2>/dev/null | head -1)
		printf '%s %s %s %s\n' "$key" "${cost:-10}" "${order:-50}" "$run"
	done | sort -k1,1 -k3,3n -k2,2nr | awk -v cap="${RIG_BOOT_COST:-130}" '
		# First fit, in boot order and costliest first, among the boots of
		# the same board; one boot-order 0 run per boot (it comes first).
		$1 != key { key = $1; from = nboots + 1 }
		{
			for (b = from; b <= nboots; b++)
				if (cost[b] + $2 <= cap && !($3 == 0 && first[b])) break
			if (b > nboots) nboots = b
			cost[b] += $2
			runs[b] = runs[b] " " $4
			if ($3 == 0) first[b] = 1
		}
		END { for (b = 1; b <= nboots; b++) print cost[b] runs[b] }' |
		sort -k1,1nr -s | cut -d' ' -f2-
}

# runs_boot DIR RUN...: boots every run (boots_of groups them), RIG_JOBS
# boots at a time (default 2: much of a boot is the guest waiting, so two
# share two cores well); each run's verdict goes into DIR/RUN.out and
# DIR/RUN.rc. The caller's environment (KERNEL, RIG_INITRAMFS, CYCLES) goes
# to every boot; a run named RUN[KERNEL] of another kernel than the
# caller's boots with what scripts/kernel-matrix.sh --prepare left for it.
runs_boot() {
	local dir=$1
	shift
	boots_of "$@" | runs_boot_lines "$dir"
}

# runs_boot_lines DIR: runs_boot for the boots read from stdin (boots_of's
# lines) as they come, until its end: make test feeds the other kernels'
# boots once they are prepared.
runs_boot_lines() {
	local dir boot running=0
	mkdir -p "$1"
	dir=$(cd "$1" && pwd)
	while read -r boot; do
		# shellcheck disable=SC2086 # one word per run
		_boot_runs "$dir" $boot &
		running=$((running + 1))
		if [ $running -ge "${RIG_JOBS:-2}" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
}

_boot_runs() { # DIR RUN...: one boot
	local dir=$1 run scenario path remote round kernel scenarios=() rc
	shift
	for run in "$@"; do
		rm -f "$dir/$run.out" "$dir/$run.rc"
		read -r scenario path remote round kernel <<<"$(run_parts "$run")"
		scenarios+=("$scenario")
	done
	[ "$round" != - ] || round=""
	(
		if [ "$kernel" != - ] && [ "$kernel" != "${KERNEL:-}" ]; then
			# shellcheck disable=SC1090 # written by kernel-matrix.sh --prepare
			source "$PROJECT_ROOT/build/kernels/$kernel/boot.env" 2>/dev/null ||
				{ echo "runner: no build/kernels/$kernel/boot.env (kernel-matrix.sh --prepare $kernel)"; exit 2; }
		fi
		RIG_VERDICTS=$dir RIG_ROUND=$round RIG_REMOTE=$remote RIG_DOORBELLS=$path \
			exec "$PROJECT_ROOT/scripts/qemu-run.sh" "${scenarios[@]}"
	) >"$dir/boot.$1.out" 2>&1
	rc=$?
	# A runner that stopped before judging a run: its output is that run's.
	for run in "$@"; do
		[ -f "$dir/$run.rc" ] && continue
		cp "$dir/boot.$1.out" "$dir/$run.out"
		echo $((rc == 0 ? 1 : rc)) >"$dir/$run.rc"
	done
}

# runs_judge DIR RUN...: prints and counts each run's verdict. A run whose
# runner died before the guest ran, or whose verdict lacks its own accounting
# (finished in time, ran its whole plan), fails. A scenario with "# expect-splat: KIND" is a runner
# self-test: it passes when its run failed naming that splat after the guest
# finished its plan. Sets runs_passed to the number of runs that passed.
runs_judge() {
	local dir=$1 run file expect re out rc before
	shift
	runs_passed=0
	for run in "$@"; do
		echo "# scenario $run"
		before=$failed
		file=$(run_scenario_file "$run")
		if [ ! -f "$file" ]; then
			tap_count <<<"not ok - $run: no scenario file $file"
			continue
		fi
		expect=$(sed -n 's/^# expect-splat: *//p' "$file" | head -1)
		# The run's name as a literal inside the patterns (+fw has a "+").
		re=$(printf '%s' "$run" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
		out=$(cat "$dir/$run.out" 2>/dev/null)
		rc=$(cat "$dir/$run.rc" 2>/dev/null || echo 1)
		if [ -n "$expect" ]; then
			sed 's/^/# /' <<<"$out"
			if [ "$rc" -ne 0 ] && grep -q "kernel splat: .*$expect" <<<"$out" &&
				grep -qE "^ok - $re: finished within" <<<"$out" &&
				grep -qE "^ok - $re: ran all [0-9]+ planned checks" <<<"$out"; then
				tap_count <<<"ok - $run: the runner failed the run and named the $expect"
			else
				tap_count <<<"not ok - $run: the runner did not fail on the deliberate $expect"
			fi
		else
			[ -z "$out" ] || tap_count <<<"$out"
			if [ "$rc" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
				tap_count <<<"not ok - $run: runner error: $(tail -1 <<<"${out:-no output}")"
				continue
			fi
			if ! grep -qE "^(ok - $re: finished within|not ok - $re: did not finish within)" <<<"$out"; then
				tap_count <<<"not ok - $run: the verdict has no 'finished within' check"
			fi
			if ! grep -qE "^(ok - $re: ran all [0-9]+ planned checks|not ok - $re: planned .* checks, ran)" <<<"$out"; then
				tap_count <<<"not ok - $run: the verdict has no 'ran all N planned checks' check"
			fi
		fi
		[ "$failed" -ne "$before" ] || runs_passed=$((runs_passed + 1))
	done
}
