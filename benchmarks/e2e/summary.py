#!/usr/bin/env python3
"""Medians of a benchmarks/e2e/run.sh results directory, as Markdown.

Usage: benchmarks/e2e/summary.py RESULTS_DIR   (standard library only)
"""
import csv
import statistics
import sys
from pathlib import Path

# The original (Go) Tor is not packaged anywhere reachable from here; its
# figures were measured on this machine with the same data set shape (200,000
# rows, 256-byte payloads, 1-10 rows a transaction) on 2026-11-30.
ORIGINAL_TOR = "5.6 k (4.8 k – 6.5 k) | 89 | 43 MB"

RELAY_NAMES = {
    "tor": "`tor` (this project)",
    "tor-eo": "`tor` in exactly-once mode (`kafka.exactly_once`; timed until read committed)",
    "debezium": "Debezium Server 2.7.3 (MariaDB connector, outbox router, Kafka sink)",
    "producer-default": "ceiling: librdkafka producer alone, tor's five headers",
    "producer-none": "librdkafka producer alone, no headers",
    "source": "ceiling: binlog source alone (`tor::mysql::binlog_source`)",
}
DATASETS = {
    "main": "1–10 rows a transaction, 256 B payloads",
    "tx1": "1-row transactions, 256 B",
    "tx100": "100-row transactions, 256 B",
    "4k": "1–10 rows a transaction, 4 KiB payloads",
}


def rows(path):
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f, delimiter="\t"))


def k(v):
    return f"{v / 1000:.0f} k" if v >= 10000 else f"{v / 1000:.1f} k"


def startup(rs):
    v = [float(r["startup_s"]) for r in rs if r.get("startup_s", "-") not in ("-", "", "-1")]
    return f"{med(v):.2f}" if v else "–"


def med(values):
    return statistics.median(values)


def load_results(out):
    by = {}
    for r in rows(out / "results.tsv"):
        by.setdefault((r["dataset"], r["relay"]), []).append(r)
    return by


def median_rate(by, ds, relay):
    rs = by.get((ds, relay))
    return med([float(r["events_per_s"]) for r in rs]) if rs else None


def ceiling(by, ds):
    """The lower of the producer (same value size, tor's headers) and the source on this data set."""
    prod = median_rate(by, ds, "producer-default")
    src = median_rate(by, ds, "source")
    known = [v for v in (prod, src) if v is not None]
    if not known:
        return None, None
    low = min(known)
    return low, ("producer" if low == prod else "source")


def main():
    out = Path(sys.argv[1])
    by = load_results(out)
    meta = (out / "meta.txt").read_text() if (out / "meta.txt").exists() else ""
    print("# End-to-end benchmark\n")
    for line in meta.strip().splitlines():
        print(f"- {line}")
    print()
    for ds, title in DATASETS.items():
        relays = [rel for (d, rel) in by if d == ds]
        if not relays:
            continue
        n = by[(ds, relays[0])][0]["messages"]
        print(f"## Catch-up: {title} ({int(n):,} rows)\n")
        print("| relay | events/s, median (range) | CPU µs/event | peak RSS, median (range) | broker CPU s | mariadbd CPU s | start-up s | runs | load avg |")
        print("|---|---|---|---|---|---|---|---|---|")
        order = ["tor", "tor-eo", "debezium", "producer-default", "producer-none", "source"]
        for rel in sorted(relays, key=lambda r: order.index(r) if r in order else 99):
            rs = by[(ds, rel)]
            rate = [float(r["events_per_s"]) for r in rs]
            rss = [float(r["rss_mb"]) for r in rs]
            name = RELAY_NAMES.get(rel, rel)
            if rel == "debezium" and rs[0]["messages"] != n:
                name += f" ({int(rs[0]['messages']):,} rows)"
            print(f"| {name} | {k(med(rate))} ({k(min(rate))} – {k(max(rate))}) "
                  f"| {med([float(r['cpu_us_per_event']) for r in rs]):.2f} "
                  f"| {med(rss):.0f} MB ({min(rss):.0f} – {max(rss):.0f}) "
                  f"| {med([float(r['broker_cpu_s']) for r in rs]):.1f} "
                  f"| {med([float(r['mariadb_cpu_s']) for r in rs]):.1f} "
                  f"| {startup(rs)} "
                  f"| {len(rs)} | {min(r['load1'] for r in rs)}–{max(r['load1'] for r in rs)} |")
        if ds == "main":
            print(f"| the original Go Tor (quoted: 200,000 rows, measured 2026-11-30) | {ORIGINAL_TOR} | | | | | |")
        tor = median_rate(by, ds, "tor")
        low, which = ceiling(by, ds)
        if tor and low:
            print(f"\n`tor` reaches **{tor / low:.0%} of the ceiling** ({k(low)} events/s, the {which}; "
                  f"the lower of the producer and the source).\n")
        else:
            print()
    lat = rows(out / "latency.tsv")
    lat_producer = rows(out / "latency-producer.tsv")
    lat_eo = rows(out / "latency-eo.tsv") if (out / "latency-eo.tsv").exists() else []
    if lat:
        print("## Steady state: commit → consumer latency (single-row transactions)\n")
        print("| rate/s | path | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | → broker's log p50 / p99 ms "
              "| INSERT round trip p50 / p99 ms | tor CPU µs/event | runs | load avg |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")

        def fmt(rs, key, spec):
            v = [float(r[key]) for r in rs if r[key] not in ("-", "")]
            return format(med(v), spec) if v else "–"

        for rate in sorted({int(r["rate"]) for r in lat}):
            for path, table in (("MariaDB → tor → Kafka → consumer", lat),
                                ("the same, exactly once (consumer read_committed)", lat_eo),
                                ("librdkafka producer alone → Kafka → consumer", lat_producer)):
                rs = [r for r in table if int(r["rate"]) == rate]
                if not rs:
                    continue
                print(f"| {rate:,} | {path} | {fmt(rs, 'achieved_tx_s', ',.0f')} | {fmt(rs, 'p50_ms', '.1f')} "
                      f"| {fmt(rs, 'p99_ms', '.1f')} | {fmt(rs, 'p999_ms', '.1f')} | {fmt(rs, 'max_ms', '.0f')} "
                      f"| {fmt(rs, 'to_log_p50_ms', '.0f')} / {fmt(rs, 'to_log_p99_ms', '.0f')} "
                      f"| {fmt(rs, 'commit_p50_ms', '.1f')} / {fmt(rs, 'commit_p99_ms', '.1f')} "
                      f"| {fmt(rs, 'tor_cpu_us_per_event', '.0f')} | {len(rs)} "
                      f"| {min(r['load1'] for r in rs)}–{max(r['load1'] for r in rs)} |")
        print()


if __name__ == "__main__":
    main()
