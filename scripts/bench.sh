#!/bin/bash
# make bench: boots the QEMU board RUNS times (default 5), runs the
# benchmarks, and writes build/bench/results.json and docs/PERFORMANCE.md
# with the medians over the runs and their spread.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PROJECT_ROOT"
runs=${RUNS:-5}
# Instruction-counted guest time (4 ns per instruction, idle skipped): the
# numbers do not move with the host's load.
export RIG_QEMU_ARGS=${RIG_QEMU_ARGS-"-icount shift=2,sleep=off"}
# SLUB's fast per-CPU paths stay on: the leak hunt's slub_debug=U would
# slow every allocation the benchmarks make.
export RIG_LEAK_CMDLINE=${RIG_LEAK_CMDLINE-}
mkdir -p build/bench
rm -f build/bench/run-*.txt build/bench/smp-*.txt
# Each run boots twice: the default node (full-system barriers) and the
# same node with rockchip,smp-barriers (bench-smp-barriers), whose results
# show what the default ordering costs.
for i in $(seq 1 "$runs"); do
	for boot in bench:run bench-smp-barriers:smp; do
		scenario=${boot%%:*} prefix=${boot##*:}
		echo ">>> bench run $i/$runs: $scenario"
		scripts/qemu-run.sh "$scenario" >/dev/null 2>&1 ||
			{ echo "bench run $i failed (build/logs/$scenario.log)" >&2; exit 1; }
		grep -a '^BENCH ' "build/logs/$scenario.log" | sed 's/^BENCH //' >"build/bench/$prefix-$i.txt"
	done
done
qemu_version=$("$(scripts/qemu.sh path)" --version | head -1)
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
python3 scripts/bench_report.py build/bench "$runs" "$qemu_version" "$cpu ($(nproc) cores)" docs/PERFORMANCE.md "$RIG_QEMU_ARGS"
