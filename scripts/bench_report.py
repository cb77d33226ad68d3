#!/usr/bin/env python3
"""Aggregates the benchmark runs: medians over runs, spread (max/min), and
the doorbell targets, as JSON and as the table in docs/PERFORMANCE.md."""
import json
import statistics
import sys
from pathlib import Path

out_dir, runs, qemu, cpu, doc = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], Path(sys.argv[5])
qemu_args = sys.argv[6] if len(sys.argv) > 6 else ""



def collect(prefix):
    """key -> list of values, one per run, from the runs' PREFIX-N.txt."""
    found = {}

    def add(key, value):
        found.setdefault(key, []).append(float(value))

    for i in range(1, runs + 1):
        path = out_dir / f"{prefix}-{i}.txt"
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            r = json.loads(line)
            m = r["metric"]
            if m == "insmod_to_online_ms":
                add(("insmod_to_online_ms",), r["value"])
            elif m == "doorbells":
                add(("doorbells_l2r", r["case"]), r["linux_to_remote_per_msg"])
                add(("doorbells_r2l", r["case"]), r["remote_to_linux_per_msg"])
                add(("doorbells_remote_took", r["case"]), r["remote_took_per_msg"])
                add(("doorbells_linux_received", r["case"]), r["linux_received_per_msg"])
            elif m == "rtt":
                add(("rtt_p50_us", r["size"]), r["result"]["rtt_us"]["p50"])
                add(("rtt_p99_us", r["size"]), r["result"]["rtt_us"]["p99"])
            else:
                add((m + "_msgs_per_s", r["size"]), r["result"]["msgs_per_s"])
                add((m + "_mb_per_s", r["size"]), r["result"]["mb_per_s"])
    return found


samples = collect("run")  # the default node: full-system barriers
smp_samples = collect("smp")  # the same node with rockchip,smp-barriers


def runs_of(key):
    return samples.get(key, [])


def stat(key, source=None):
    v = (samples if source is None else source).get(key, [])
    if not v:
        return None
    lo = min(v)
    return {"median": statistics.median(v), "spread": (max(v) / lo) if lo > 0 else None, "runs": v}


results = {"runs": runs, "qemu": qemu, "qemu_args": qemu_args, "host_cpu": cpu,
           "metrics": {"/".join(map(str, k)): stat(k) for k in samples},
           "smp_barriers_metrics": {"/".join(map(str, k)): stat(k, smp_samples) for k in smp_samples}}
(out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")


def fmt(key, digits=1, source=None):
    s = stat(key, source)
    if s is None:
        return "-"
    spread = f" (spread {s['spread']:.2f})" if s["spread"] is not None else ""
    return f"{s['median']:.{digits}f}{spread}"


lines = [
    "# Performance",
    "",
    "Written by `make bench` (scripts/bench.sh): the QEMU board booted "
    f"{runs} times, medians over the runs, spread = max/min of the per-run values.",
    "Every number is from the emulated board (TCG, KASAN, lockdep on), so it",
    "compares builds and designs, not a real Rockchip board.",
    "Times are the guest's: QEMU counts instructions (`-icount`, a fixed number of",
    "nanoseconds per guest instruction, idle time skipped), so a run does not depend",
    "on what else the host is doing and the runs agree with each other.",
    "",
    f"- Host: {cpu}",
    f"- QEMU: {qemu}, options `{qemu_args}`",
    "- Doorbells: the mailbox path (`rockchip_amp_mbox` over the simulator's register model; A2B noticed by polling every 200 µs while busy, tx completion polled every 1 ms).",
    "  The model cannot set the A2B status bit when Linux writes DAT (the page is RAM), so Linux sees",
    "  a doorbell complete before the remote has polled; on silicon the mailbox holds it until the",
    "  remote clears it and the driver coalesces more.",
    "- Suppression: while Linux streams (two or more messages in one pass) the simulated remote",
    "  keeps vring1's NO_NOTIFY set and polls every 200 µs, and holds its own doorbell until 8",
    "  messages have moved or 10 polls have passed; with one message at a time it does neither.",
    f"- insmod to `rpmsg host is online`: {fmt(('insmod_to_online_ms',))} ms",
    "",
    "| payload | RTT p50 µs | RTT p99 µs | echo, 16 in flight, msg/s | Linux→remote msg/s | remote→Linux msg/s |",
    "|---|---|---|---|---|---|",
]
for size in (14, 128, 496):
    lines.append(
        f"| {size} | {fmt(('rtt_p50_us', size))} | {fmt(('rtt_p99_us', size))} | "
        f"{fmt(('echo_throughput_msgs_per_s', size))} | {fmt(('oneway_tx_msgs_per_s', size))} | "
        f"{fmt(('oneway_rx_msgs_per_s', size))} |")
lines += ["", "Doorbells per message. Sent: the driver's `doorbells_sent` and the simulator's",
          "`doorbells_out`. Received: the simulator's `doorbells_in` (rings Linux wrote before the",
          "remote looked count once) and the driver's `doorbells_received`.", "",
          "| case | Linux→remote sent | remote took | remote→Linux sent | Linux received |",
          "|---|---|---|---|---|"]
for case in sorted({k[1] for k in samples if k[0] == "doorbells_l2r"}):
    lines.append(f"| {case} | {fmt(('doorbells_l2r', case), 3)} | {fmt(('doorbells_remote_took', case), 3)} | "
                 f"{fmt(('doorbells_r2l', case), 3)} | {fmt(('doorbells_linux_received', case), 3)} |")


lines += ["", "## Ring barriers", "",
          "The rings are ordered with full-system barriers unless the node says",
          "`rockchip,smp-barriers` (a Cortex-A remote in the CPUs' inner-shareable domain).",
          "Each run also boots the board with that property (`bench-smp-barriers`);",
          "cost = full-system / SMP for times, SMP / full-system for rates (above 1: the",
          "full-system barriers are slower). Under TCG both kinds of barrier become host",
          "fences, so the emulated board shows only the instructions' share; on silicon a",
          "`dsb sy` also waits for outstanding memory traffic.", "",
          "| case | full-system | SMP | cost |", "|---|---|---|---|"]


def barrier_row(label, key, rate):
    full, smp = stat(key), stat(key, smp_samples)
    if full is None or smp is None or not full["median"] or not smp["median"]:
        return f"| {label} | {fmt(key)} | {fmt(key, source=smp_samples)} | - |"
    cost = smp["median"] / full["median"] if rate else full["median"] / smp["median"]
    return f"| {label} | {fmt(key)} | {fmt(key, source=smp_samples)} | {cost:.3f} |"


for size in (14, 128, 496):
    lines.append(barrier_row(f"RTT p50 µs, {size} B", ("rtt_p50_us", size), False))
for metric, label in (("echo_throughput", "echo 16 in flight"), ("oneway_tx", "Linux→remote"),
                      ("oneway_rx", "remote→Linux")):
    for size in (14, 496):
        lines.append(barrier_row(f"{label} msg/s, {size} B", (f"{metric}_msgs_per_s", size), True))


def target(name, ok, detail):
    return f"| {name} | {'met' if ok else 'NOT met'} | {detail} |"


lines += ["", "## Targets", "", "| target | verdict | measured |", "|---|---|---|"]
for case in ("tx-496", "echo16-496"):
    for way, key in (("Linux→remote", "doorbells_l2r"), ("remote→Linux", "doorbells_r2l")):
        v = runs_of((key, case))
        lines.append(target(f"{case} (streaming): at most 0.25 doorbells/msg {way}",
                            bool(v) and max(v) <= 0.25, f"worst run {max(v, default=float('nan')):.3f}"))
for way, key in (("Linux→remote", "doorbells_l2r"), ("remote→Linux", "doorbells_r2l")):
    v = [x for size in (14, 128, 496) for x in runs_of((key, f"rtt-{size}"))]
    lines.append(target(f"one in flight (rtt-*): exactly 1 doorbell/msg {way}",
                        bool(v) and all(abs(x - 1.0) < 0.0005 for x in v),
                        f"runs from {min(v, default=float('nan')):.3f} to {max(v, default=float('nan')):.3f}"))
spreads = {f"{m}-{size}": summary["spread"]
           for m in ("echo_throughput", "oneway_tx", "oneway_rx") for size in (14, 128, 496)
           if (summary := stat((f"{m}_msgs_per_s", size)))}
worst = max(spreads, key=lambda k: spreads[k] or 0.0) if spreads else None
lines.append(target("throughput spread (max/min over the runs) under 1.3",
                    runs > 1 and worst is not None and all(v is not None and v < 1.3 for v in spreads.values()),
                    f"worst {worst} {spreads[worst]:.2f}" if worst else "no runs"))
lines.append("")
doc.parent.mkdir(parents=True, exist_ok=True)
doc.write_text("\n".join(lines))
print("\n".join(lines))
