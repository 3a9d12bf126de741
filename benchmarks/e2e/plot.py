#!/usr/bin/env python3
"""Plots a benchmarks/e2e/run.sh results directory: events/s and CPU per event
per relay and per data set (medians, with the range of the runs as error
bars), the ceiling (the lower of the producer and the source) drawn in.

Usage: benchmarks/e2e/plot.py RESULTS_DIR... [-o OUT.png]   (default FIRST_DIR/e2e.png)
Several directories are merged (e.g. a catch-up run and a shapes run).
Needs matplotlib (Debian: apt-get install python3-matplotlib).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import summary  # noqa: E402  (same directory: reading and medians)

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot.py: matplotlib is missing (Debian: apt-get install python3-matplotlib)")

RELAYS = ["tor", "debezium", "producer-default", "producer-none", "source"]
LABELS = {
    "tor": "tor",
    "debezium": "Debezium Server 2.7.3",
    "producer-default": "librdkafka producer (tor's headers)",
    "producer-none": "librdkafka producer (no headers)",
    "source": "binlog source alone",
}
COLORS = {"tor": "#d62728", "debezium": "#7f7f7f", "producer-default": "#1f77b4", "producer-none": "#aec7e8",
          "source": "#2ca02c"}
DATASET_LABELS = {"main": "1–10 rows/tx\n256 B", "tx1": "1 row/tx\n256 B", "tx100": "100 rows/tx\n256 B",
                  "4k": "1–10 rows/tx\n4 KiB"}


def main():
    argv = sys.argv[1:]
    png = None
    if "-o" in argv:
        i = argv.index("-o")
        png = Path(argv[i + 1])
        del argv[i:i + 2]
    if not argv:
        sys.exit(__doc__)
    dirs = [Path(a) for a in argv]
    out = dirs[0]
    png = png or out / "e2e.png"
    by = {}
    for d in dirs:
        for key, rs in summary.load_results(d).items():
            by.setdefault(key, []).extend(rs)
    datasets = [d for d in DATASET_LABELS if any(k[0] == d for k in by)]
    if not datasets:
        sys.exit(f"plot.py: no results in {out}/results.tsv")
    fig, (ax_rate, ax_cpu) = plt.subplots(2, 1, figsize=(13, 8.5), sharex=True)
    width = 0.8 / len(RELAYS)
    for i, relay in enumerate(RELAYS):
        xs, rate, rate_err, cpu = [], [], [[], []], []
        for j, ds in enumerate(datasets):
            rs = by.get((ds, relay))
            if not rs:
                continue
            r = [float(x["events_per_s"]) for x in rs]
            m = summary.med(r)
            xs.append(j - 0.4 + width * (i + 0.5))
            rate.append(m)
            rate_err[0].append(m - min(r))
            rate_err[1].append(max(r) - m)
            cpu.append(summary.med([float(x["cpu_us_per_event"]) for x in rs]))
        if not xs:
            continue
        ax_rate.bar(xs, rate, width, yerr=rate_err, capsize=2, label=LABELS[relay], color=COLORS[relay])
        ax_cpu.bar(xs, cpu, width, label=LABELS[relay], color=COLORS[relay])
    if "main" in datasets:  # quoted, not measured here: see summary.ORIGINAL_TOR
        j = datasets.index("main")
        ax_rate.plot([j + 0.42], [5600], marker="D", color="#9467bd", linestyle="none",
                     label="the original Go Tor (quoted, 2026-11-30)")
        ax_cpu.plot([j + 0.42], [89], marker="D", color="#9467bd", linestyle="none")
    for j, ds in enumerate(datasets):
        low, which = summary.ceiling(by, ds)
        if low:
            ax_rate.hlines(low, j - 0.45, j + 0.45, colors="black", linestyles="dashed",
                           label="ceiling (lower of producer and source)" if j == 0 else None)
    ax_rate.set_yscale("log")
    ax_rate.set_ylabel("events/s (median, log scale)")
    ax_rate.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax_rate.grid(axis="y", which="both", alpha=0.3)
    ax_cpu.set_yscale("log")
    ax_cpu.set_ylabel("CPU µs per event of the relay (log)")
    ax_cpu.grid(axis="y", which="both", alpha=0.3)
    ax_cpu.set_xticks(range(len(datasets)))
    rows = {d: next(r for k, rs in by.items() if k[0] == d and k[1] != "debezium" for r in rs)["messages"] for d in datasets}
    ax_cpu.set_xticklabels([f"{DATASET_LABELS[d]}\n{int(rows[d]):,} rows" for d in datasets])
    meta = (out / "meta.txt").read_text().splitlines() if (out / "meta.txt").exists() else []
    started = next((line for line in meta if line.startswith("started:")), "")
    fig.suptitle(f"Outbox rows in MariaDB → messages acknowledged by Kafka, catch-up\n{started}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(png)


if __name__ == "__main__":
    main()
