#!/bin/bash
# The long runs make test leaves out: each churn scenario (insmod/rmmod,
# unbind/bind, remote stop/start) with 200 cycles, 5 times on every path and
# remote it runs on (make test runs them once, with 25, 50 and 25 cycles).
# Ends with "N passed, N failed".
#   soak.sh [ROUNDS [CYCLES]]
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$PROJECT_ROOT/scripts/runs.sh"
cd "$PROJECT_ROOT"
started=$(date +%s)

rounds=${1:-5}
export CYCLES=${2:-200}
CHURNS=(module-cycles churn-bind remote-lifecycle)

runs=()
for round in $(seq 1 "$rounds"); do
	while read -r run; do runs+=("$run.round$round"); done < <(runs_of "${CHURNS[@]}")
done
echo "# soak: ${CHURNS[*]}, $CYCLES cycles, $rounds rounds: ${#runs[@]} runs"
mkdir -p build/soak
RIG_INITRAMFS=$(scripts/initramfs.sh) || tap_count <<<"not ok - packing the initramfs"
export RIG_INITRAMFS RIG_INITRAMFS_READY=1
runs_boot build/soak "${runs[@]}"
runs_judge build/soak "${runs[@]}"
echo "# make soak took $(($(date +%s) - started)) s"
tap_totals
[ "$failed" -eq 0 ]
