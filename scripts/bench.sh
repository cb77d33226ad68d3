#!/bin/bash
# make bench: boots the QEMU board RUNS times (default 5) per setup, runs the
# benchmarks, and writes build/bench/<remote>/results.json and the reports:
# docs/PERFORMANCE.md against the firmware remote (the board as built) and
# docs/PERFORMANCE-sim.md against the simulator (where Rockchip's C driver
# was measured, so the comparison with it stays like for like).
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
rm -rf build/bench/firmware build/bench/sim
mkdir -p build/bench/firmware build/bench/sim
# Each run boots three times: against the firmware, the default node
# (full-system barriers) and the same node with rockchip,smp-barriers
# (bench-smp-barriers, whose results show what the default ordering
# costs); and against the simulator, the default node.
for i in $(seq 1 "$runs"); do
	for boot in firmware:bench:run firmware:bench-smp-barriers:smp sim:bench:run; do
		remote=${boot%%:*} rest=${boot#*:}
		scenario=${rest%%:*} prefix=${rest##*:}
		log=build/logs/$scenario.log
		[ "$remote" = sim ] || log=build/logs/$scenario+fw.log
		echo ">>> bench run $i/$runs: $scenario against the $remote remote"
		RIG_REMOTE=$remote scripts/qemu-run.sh "$scenario" >/dev/null 2>&1 ||
			{ echo "bench run $i failed ($log)" >&2; exit 1; }
		grep -a '^BENCH ' "$log" | sed 's/^BENCH //' >"build/bench/$remote/$prefix-$i.txt"
	done
done
qemu_version=$("$(scripts/qemu.sh path)" --version | head -1)
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
python3 scripts/bench_report.py build/bench/sim "$runs" "$qemu_version" "$cpu ($(nproc) cores)" \
	docs/PERFORMANCE-sim.md "$RIG_QEMU_ARGS" sim >/dev/null
python3 scripts/bench_report.py build/bench/firmware "$runs" "$qemu_version" "$cpu ($(nproc) cores)" \
	docs/PERFORMANCE.md "$RIG_QEMU_ARGS" firmware
