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
	local base=${1%.round*}
	base=${base%+fw}
	echo "$PROJECT_ROOT/tests/scenarios/${base%@*}.sh"
}

# runs_boot DIR RUN...: boots every run, RIG_JOBS at a time (default 2: most
# of a run is the guest waiting, so two boots share two cores well), each
# into DIR/RUN.out and DIR/RUN.rc. The caller's environment (KERNEL,
# RIG_INITRAMFS, CYCLES) goes to every run.
runs_boot() {
	local dir=$1 run running=0
	shift
	mkdir -p "$dir"
	for run in "$@"; do
		rm -f "$dir/$run.out" "$dir/$run.rc"
		_run_boot_one "$dir" "$run" &
		running=$((running + 1))
		if [ $running -ge "${RIG_JOBS:-2}" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
}

_run_boot_one() { # DIR RUN
	local run=$2 base=${2%.round*} round="" path=mailbox remote=sim
	[ "$base" = "$run" ] || round=${run##*.round}
	[ "${base%+fw}" = "$base" ] || remote=firmware
	base=${base%+fw}
	[ "${base%@*}" = "$base" ] || path=${base#*@}
	RIG_ROUND=$round RIG_REMOTE=$remote RIG_DOORBELLS=$path \
		"$PROJECT_ROOT/scripts/qemu-run.sh" "${base%@*}" >"$1/$run.out" 2>&1
	echo $? >"$1/$run.rc"
}

# runs_judge DIR TAG RUN...: prints and counts each run's verdict (TAG: the
# "[KERNEL]" its lines carry, or empty). A run whose runner died before the
# guest ran, or whose verdict lacks its own accounting (finished in time, ran
# its whole plan), fails. A scenario with "# expect-splat: KIND" is a runner
# self-test: it passes when its run failed naming that splat after the guest
# finished its plan. Sets runs_passed to the number of runs that passed.
runs_judge() {
	local dir=$1 tag=$2 run file expect re out rc before
	shift 2
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
		re=$(printf '%s' "$run$tag" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
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
