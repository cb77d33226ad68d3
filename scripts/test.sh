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

source "$PROJECT_ROOT/scripts/runs.sh"

# QEMU scenarios: every run of each (scripts/runs.sh, runs_of).
if [ -n "$only" ]; then
	names=("${only%%[@+]*}")
else
	# (scripts/runs.sh starts the costliest boots first.)
	names=()
	for f in tests/scenarios/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
scenarios=()
while read -r run; do
	if [ -z "$only" ] || [ "$only" = "${run%%[@+]*}" ] || [ "$only" = "$run" ]; then scenarios+=("$run$tag"); fi
done < <(runs_of "${names[@]}")
# The QEMU runs start at once, in the background, and the host checks and
# the other kernels' preparation run beside them (the boots leave the CPU
# idle part of the time); the other kernels' runs join the pool once
# prepared. Boots report only through their verdict files.
mkdir -p build/verdicts
RIG_INITRAMFS=$(scripts/initramfs.sh) || tap_count <<<"not ok - packing the initramfs"
export RIG_INITRAMFS RIG_INITRAMFS_READY=1
qemu_started=$(date +%s)
exec {pool_feed}> >(runs_boot_lines build/verdicts)
pool=$!
boots_of "${scenarios[@]}" >&"$pool_feed"

if [ -z "$only" ]; then
	# Host unit tests: each crate's cargo test summary counts its tests.
	# A crate that is missing, does not build or runs no test is a failure.
	for crate in "${HOST_CRATES[@]}"; do
		echo "# cargo test in $crate"
		if [ ! -f "$crate/Cargo.toml" ]; then
			tap_count <<<"not ok - cargo test in $crate: no $crate/Cargo.toml"
			continue
		fi
		out=$(cd "$crate" && CARGO_TARGET_DIR="$CARGO_CACHE/host" cargo test --locked 2>&1)
		rc=$?
		p=$(echo "$out" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' | paste -sd+ | bc)
		f=$(echo "$out" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' | paste -sd+ | bc)
		passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
		echo "# $crate: ${p:-0} passed, ${f:-0} failed"
		if [ "${p:-0}" -eq 0 ]; then
			tap_count <<<"not ok - cargo test in $crate: no test passed (exit $rc)"
		elif [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
			tap_count <<<"not ok - cargo test in $crate failed (exit $rc) without a failing test"
		else
			continue
		fi
		echo "$out" | tail -20 | sed 's/^/# /'
	done

	# Style: rustfmt on every crate, clippy on the kernel modules.
	tap_count < <(
		tap_result "rustfmt: kernel modules" "$(make -s fmt >/dev/null 2>&1; echo $?)"
		for crate in "${HOST_CRATES[@]}"; do
			[ -f "$crate/Cargo.toml" ] || continue
			tap_result "rustfmt: $crate" "$(cd "$crate" && cargo fmt --check >/dev/null 2>&1; echo $?)"
		done
		# A clippy build that fails is a failure even with no warning line.
		clippy_log=$(make -s clippy 2>&1)
		clippy_rc=$?
		warnings=$(echo "$clippy_log" | grep -cE '^(warning|error)')
		if [ $clippy_rc -eq 0 ]; then
			tap_result "kernel modules build with CLIPPY=1 and no warnings ($warnings found)" "$warnings"
		else
			tap_result "kernel modules build with CLIPPY=1 and no warnings (make clippy failed, exit $clippy_rc; $warnings found)" 1
		fi
		if [ "$warnings" -ne 0 ]; then
			echo "$clippy_log" | grep -E -A6 '^(warning|error)' | head -60 | sed 's/^/# /'
		elif [ $clippy_rc -ne 0 ]; then
			echo "$clippy_log" | tail -20 | sed 's/^/# /'
		fi
		# The remote firmware (no_std, bare metal): rustfmt and clippy, no warnings.
		tap_result "rustfmt: rust/remote_fw (with rust/kabi/bare)" "$(cd rust/remote_fw && cargo fmt --check >/dev/null 2>&1; echo $?)"
		fw_clippy=$(cd rust/remote_fw && cargo clippy --locked --release --target aarch64-unknown-none \
			--target-dir "$CARGO_CACHE/remote_fw" 2>&1)
		fw_rc=$?
		fw_warnings=$(echo "$fw_clippy" | grep -cE '^(warning|error)')
		tap_result "remote firmware builds with clippy and no warnings ($fw_warnings found, exit $fw_rc)" \
			"$(( fw_rc != 0 || fw_warnings != 0 ))"
		[ "$fw_warnings" -eq 0 ] || echo "$fw_clippy" | grep -E -A6 '^(warning|error)' | head -40 | sed 's/^/# /'
		kdir_out=$(make -s KDIR=/nonexistent 2>&1)
		tap_result "make KDIR=/nonexistent fails and names the problem" \
			"$(grep -q 'KDIR=/nonexistent: no such directory' <<<"$kdir_out"; echo $?)"
	)

	echo "# device-tree overlays and binding"
	dts_out=$(scripts/check-dts.sh 2>&1); dts_rc=$?
	tap_group "device-tree check (scripts/check-dts.sh)" "$dts_out" $dts_rc

	echo "# board-kernel config fragment on the 7.2 arm64 defconfig"
	cfg_out=$(scripts/check-config-fragment.sh 2>&1); cfg_rc=$?
	tap_group "board config fragment check" "$cfg_out" $cfg_rc

	echo "# module aliases against the bindings (autoloading)"
	alias_out=$(scripts/check-module-aliases.sh 2>&1); alias_rc=$?
	tap_group "module alias check (scripts/check-module-aliases.sh)" "$alias_out" $alias_rc
fi

host_done=$(date +%s)
echo "# host checks took $((host_done - started)) s"

# The other kernels of the matrix: their modules, checks and initramfs
# first; their core runs then boot in the same pool as the suite's.
matrix_kernels=() matrix_runs=()
declare -A matrix_row kernel_runs
if [ -z "$only" ] && [ -z "$tag" ]; then
	for k in $(kernel_names); do
		[ "$k" != "$KERNEL" ] || continue
		matrix_kernels+=("$k")
		echo "# kernel $k: modules, checks and initramfs"
		out=$(scripts/kernel-matrix.sh --prepare "$k" 2>&1); rc=$?
		tap_group "kernel $k preparation (scripts/kernel-matrix.sh --prepare)" "$out" $rc
		kernel_runs[$k]=$(sed -n 's/^# matrix-runs: //p' <<<"$out" | tail -1)
		# shellcheck disable=SC2206 # one word per run
		[ -z "${kernel_runs[$k]}" ] || matrix_runs+=(${kernel_runs[$k]})
		matrix_row[$k]=$(sed -n 's/^# matrix: //p' <<<"$out" | tail -1)
		[ -n "${matrix_row[$k]}" ] || [ -n "${kernel_runs[$k]}" ] || matrix_row[$k]="$k ? ? fail 0/0"
	done
	kernel_select "$KERNEL"
fi
matrix_done=$(date +%s)
[ ${#matrix_kernels[@]} -eq 0 ] || echo "# the other kernels' preparation took $((matrix_done - host_done)) s"

[ ${#matrix_runs[@]} -eq 0 ] || boots_of "${matrix_runs[@]}" >&"$pool_feed"
exec {pool_feed}>&-
wait "$pool"
echo "# QEMU runs took $(($(date +%s) - qemu_started)) s (from the first boot to the last, beside the above)"
runs_judge build/verdicts "${scenarios[@]}"
for k in "${matrix_kernels[@]}"; do
	[ -n "${kernel_runs[$k]}" ] || continue
	echo "# kernel $k: the core scenarios"
	# shellcheck disable=SC2086 # one word per run
	runs_judge build/verdicts ${kernel_runs[$k]}
	kernel_select "$k"
	# shellcheck disable=SC2086
	set -- ${kernel_runs[$k]}
	matrix_row[$k]="$k $K_TOOLCHAIN $K_ARCH ok $runs_passed/$#"
done
kernel_select "$KERNEL"
if [ ${#matrix_kernels[@]} -ne 0 ]; then
	echo "# kernel matrix"
	printf '# %-8s %-9s %-5s %-6s %s\n' kernel toolchain arch build "core scenarios passed"
	printf '# %-8s %-9s %-5s %-6s %s\n' "$KERNEL" "$K_TOOLCHAIN" "$K_ARCH" ok "the full suite, above"
	for k in "${matrix_kernels[@]}"; do
		# shellcheck disable=SC2086
		printf '# %-8s %-9s %-5s %-6s %s\n' ${matrix_row[$k]}
	done
fi

echo "# make test took $(( $(date +%s) - started )) s"
tap_totals
[ "$failed" -eq 0 ]
