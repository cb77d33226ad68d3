#!/bin/bash
# Everything the project checks: host unit tests, style, device-tree checks,
# and every QEMU scenario. Ends with one line "N passed, N failed".
#   test.sh [--scenario NAME]
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$PROJECT_ROOT"

only=""
if [ "${1:-}" = --scenario ]; then only=${2:?--scenario needs a name}; fi
started=$(date +%s)

# KERNEL=NAME runs the suite on another kernel of the matrix (make test
# KERNEL=7.2): its runs are named RUN[NAME]. On the reference, the other
# kernels' core sets follow the suite.
source "$PROJECT_ROOT/scripts/kernels.sh"
export KERNEL=${KERNEL:-$(reference_kernel)}
kernel_select "$KERNEL" || die "no kernel named '$KERNEL' (have: $(kernel_names | tr '\n' ' '))"
tag=""
[ "$KERNEL" = "$(reference_kernel)" ] || tag="[$KERNEL]"

# Crates with host tests (and rustfmt): the protocol, rpmsg_echo and the
# guest test tools, and the rig's boot-page tool.
HOST_CRATES=(rust/rpmsg_proto rust/rig_boot_page userspace/rpmsg_echo tests/tools)

passed=0 failed=0
count_tap() { # reads TAP lines on stdin, echoes them, updates the totals
	local line
	while IFS= read -r line; do
		echo "$line"
		case "$line" in
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)) ;;
		esac
	done
}
result() { # name, exit status
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fi
}
# tap_group NAME OUTPUT STATUS: counts a check script's TAP lines. A script
# that failed without a "not ok" (it bailed out) or printed no check at all
# fails as a whole, so a group is never lost as "0 passed, 0 failed".
tap_group() {
	count_tap < <(grep -E '^(ok|not ok|#)' <<<"$2")
	local last
	last=$(tail -1 <<<"$2")
	if [ "$3" -ne 0 ] && ! grep -q '^not ok' <<<"$2"; then
		count_tap <<<"not ok - $1 did not run (exit $3): ${last:-no output}"
	elif ! grep -qE '^(ok|not ok)' <<<"$2"; then
		count_tap <<<"not ok - $1 ran no checks: ${last:-no output}"
	fi
}

if [ -z "$only" ]; then
	# Host unit tests: each crate's cargo test summary counts its tests.
	# A crate that is missing, does not build or runs no test is a failure.
	for crate in "${HOST_CRATES[@]}"; do
		echo "# cargo test in $crate"
		if [ ! -f "$crate/Cargo.toml" ]; then
			count_tap <<<"not ok - cargo test in $crate: no $crate/Cargo.toml"
			continue
		fi
		out=$(cd "$crate" && cargo test --locked 2>&1)
		rc=$?
		p=$(echo "$out" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' | paste -sd+ | bc)
		f=$(echo "$out" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' | paste -sd+ | bc)
		passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
		echo "# $crate: ${p:-0} passed, ${f:-0} failed"
		if [ "${p:-0}" -eq 0 ]; then
			count_tap <<<"not ok - cargo test in $crate: no test passed (exit $rc)"
		elif [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
			count_tap <<<"not ok - cargo test in $crate failed (exit $rc) without a failing test"
		else
			continue
		fi
		echo "$out" | tail -20 | sed 's/^/# /'
	done

	# Style: rustfmt on every crate, clippy on the kernel modules.
	count_tap < <(
		result "rustfmt: kernel modules" "$(make -s fmt >/dev/null 2>&1; echo $?)"
		for crate in "${HOST_CRATES[@]}"; do
			[ -f "$crate/Cargo.toml" ] || continue
			result "rustfmt: $crate" "$(cd "$crate" && cargo fmt --check >/dev/null 2>&1; echo $?)"
		done
		# A clippy build that fails is a failure even with no warning line.
		clippy_log=$(make -s clippy 2>&1)
		clippy_rc=$?
		warnings=$(echo "$clippy_log" | grep -cE '^(warning|error)')
		if [ $clippy_rc -eq 0 ]; then
			result "kernel modules build with CLIPPY=1 and no warnings ($warnings found)" "$warnings"
		else
			result "kernel modules build with CLIPPY=1 and no warnings (make clippy failed, exit $clippy_rc; $warnings found)" 1
		fi
		if [ "$warnings" -ne 0 ]; then
			echo "$clippy_log" | grep -E -A6 '^(warning|error)' | head -60 | sed 's/^/# /'
		elif [ $clippy_rc -ne 0 ]; then
			echo "$clippy_log" | tail -20 | sed 's/^/# /'
		fi
		# The remote firmware (no_std, bare metal): rustfmt and clippy, no warnings.
		result "rustfmt: rust/remote_fw (with rust/kabi/bare)" "$(cd rust/remote_fw && cargo fmt --check >/dev/null 2>&1; echo $?)"
		fw_clippy=$(cd rust/remote_fw && cargo clippy --locked --release --target aarch64-unknown-none \
			--target-dir "$PROJECT_ROOT/build/firmware/target" 2>&1)
		fw_rc=$?
		fw_warnings=$(echo "$fw_clippy" | grep -cE '^(warning|error)')
		result "remote firmware builds with clippy and no warnings ($fw_warnings found, exit $fw_rc)" \
			"$(( fw_rc != 0 || fw_warnings != 0 ))"
		[ "$fw_warnings" -eq 0 ] || echo "$fw_clippy" | grep -E -A6 '^(warning|error)' | head -40 | sed 's/^/# /'
		kdir_out=$(make -s KDIR=/nonexistent 2>&1)
		result "make KDIR=/nonexistent fails and names the problem" \
			"$(grep -q 'KDIR=/nonexistent: no such directory' <<<"$kdir_out"; echo $?)"
	)

	echo "# device-tree overlays and binding"
	dts_out=$(scripts/check-dts.sh 2>&1); dts_rc=$?
	tap_group "device-tree check (scripts/check-dts.sh)" "$dts_out" $dts_rc

	echo "# board-kernel config fragment on the 7.2 arm64 defconfig"
	cfg_out=$(scripts/check-config-fragment.sh 2>&1); cfg_rc=$?
	tap_group "board config fragment check" "$cfg_out" $cfg_rc
fi

# QEMU scenarios, each on every doorbell path its "# doorbells:" header
# lists (default: the mailbox and the mailbox-less variant), against every
# remote its "# remotes:" header lists (default: the simulator). A run is
# named SCENARIO (mailbox) or SCENARIO@PATH, with +fw against the firmware.
if [ -n "$only" ]; then
	names=("$(only=${only%+fw}; echo "${only%@*}")")
else
	names=()
	# Longest first, so the churn scenarios do not finish last.
	longest=(module-cycles churn-bind failslab-probe)
	for s in "${longest[@]}"; do [ -f "tests/scenarios/$s.sh" ] && names+=("$s"); done
	for f in tests/scenarios/*.sh; do
		s=$(basename "$f" .sh)
		[[ " ${longest[*]} " == *" $s "* ]] || names+=("$s")
	done
fi
scenarios=()
for s in "${names[@]}"; do
	paths=$(sed -n 's/^# doorbells: *//p' "tests/scenarios/$s.sh" 2>/dev/null | head -1)
	remotes=$(sed -n 's/^# remotes: *//p' "tests/scenarios/$s.sh" 2>/dev/null | head -1)
	for remote in ${remotes:-sim}; do
		for path in ${paths:-mailbox softirq}; do
			run=$s; [ "$path" = mailbox ] || run=$s@$path
			[ "$remote" = sim ] || run+=+fw
			if [ -z "$only" ] || [ "$only" = "$s" ] || [ "$only" = "$run" ]; then scenarios+=("$run"); fi
		done
	done
done
# Scenarios run RIG_JOBS at a time (default 2: most of a run is the guest
# waiting, so two boots share the two cores well); verdicts print in order.
jobs=${RIG_JOBS:-2}
mkdir -p build/verdicts
RIG_INITRAMFS=$(scripts/initramfs.sh) || { echo "not ok - packing the initramfs"; failed=$((failed + 1)); }
export RIG_INITRAMFS RIG_INITRAMFS_READY=1
run_one() { # RUN: SCENARIO[@PATH][+fw]
	local path=mailbox remote=sim name=${1%+fw}
	[ "$name" = "$1" ] || remote=firmware
	[ "$name" = "${name%@*}" ] || path=${name#*@}
	RIG_REMOTE=$remote RIG_DOORBELLS=$path scripts/qemu-run.sh "${name%@*}" >"build/verdicts/$1.out" 2>&1
	echo $? >"build/verdicts/$1.rc"
}
running=0
for s in "${scenarios[@]}"; do
	rm -f "build/verdicts/$s.out" "build/verdicts/$s.rc"
	run_one "$s" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
for s in "${scenarios[@]}"; do
	echo "# scenario $s"
	# The scenario's file: the run's name without +fw and @PATH.
	file=${s%+fw}; file=tests/scenarios/${file%@*}.sh
	[ -f "$file" ] || { count_tap <<<"not ok - $s: no scenario file $file"; continue; }
	expect=$(sed -n 's/^# expect-splat: *//p' "$file" | head -1)
	# The run's name as a literal inside the patterns (+fw has a "+").
	re=$(printf '%s' "$s$tag" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
	out=$(cat "build/verdicts/$s.out" 2>/dev/null)
	rc=$(cat "build/verdicts/$s.rc" 2>/dev/null || echo 1)
	if [ -n "$expect" ]; then
		# Runner self-test: the run must fail and name the expected splat,
		# and the guest must still have finished its plan (the splat, not a
		# broken scenario, failed it).
		echo "$out" | sed 's/^/# /'
		if [ "$rc" -ne 0 ] && grep -q "kernel splat: .*$expect" <<<"$out" &&
			grep -qE "^ok - $re: finished within" <<<"$out" &&
			grep -qE "^ok - $re: ran all [0-9]+ planned checks" <<<"$out"; then
			count_tap <<<"ok - $s: the runner failed the run and named the $expect"
		else
			count_tap <<<"not ok - $s: the runner did not fail on the deliberate $expect"
		fi
	else
		[ -z "$out" ] || count_tap <<<"$out"
		# A runner that died before the guest ran still counts as a failure.
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
			count_tap <<<"not ok - $s: runner error: $(tail -1 <<<"${out:-no output}")"
			continue
		fi
		# The verdict's accounting (finished in time, ran its whole plan)
		# must be there, passed or failed: a run without it ran fewer
		# checks than it defines.
		if ! grep -qE "^(ok - $re: finished within|not ok - $re: did not finish within)" <<<"$out"; then
			count_tap <<<"not ok - $s: the verdict has no 'finished within' check"
		fi
		if ! grep -qE "^(ok - $re: ran all [0-9]+ planned checks|not ok - $re: planned .* checks, ran)" <<<"$out"; then
			count_tap <<<"not ok - $s: the verdict has no 'ran all N planned checks' check"
		fi
	fi
done

# The other kernels of the matrix: their modules and core scenarios.
matrix=()
if [ -z "$only" ] && [ -z "$tag" ]; then
	for k in $(kernel_names); do
		[ "$k" != "$KERNEL" ] || continue
		echo "# kernel $k: modules and the core scenarios"
		out=$(scripts/kernel-matrix.sh "$k" 2>&1); rc=$?
		tap_group "kernel $k core set (scripts/kernel-matrix.sh)" "$out" $rc
		matrix+=("$(sed -n 's/^# matrix: //p' <<<"$out" | tail -1)")
		[ -n "${matrix[-1]}" ] || matrix[-1]="$k ? ? fail 0/0"
	done
	kernel_select "$KERNEL"
	echo "# kernel matrix"
	printf '# %-8s %-9s %-5s %-6s %s\n' kernel toolchain arch build "core scenarios passed"
	printf '# %-8s %-9s %-5s %-6s %s\n' "$KERNEL" "$K_TOOLCHAIN" "$K_ARCH" ok "the full suite, above"
	for row in "${matrix[@]}"; do
		# shellcheck disable=SC2086
		printf '# %-8s %-9s %-5s %-6s %s\n' $row
	done
fi

echo "# make test took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
