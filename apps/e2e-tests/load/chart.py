"""Draws the load report's chart: throughput, latency and queue depth over time.

Usage: python3 chart.py <locust stats_history.csv> <samples.json> <out.png>
samples.json: {"start": <epoch s>, "queue": [{"t": <epoch s>, "depth": {"<queue>": n}}],
               "users": [{"t": ..., "n": ...}]}
"""

import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def main(history_path, samples_path, out_path):
    with open(samples_path, encoding="utf-8") as handle:
        samples = json.load(handle)
    start = samples["start"]
    rows = []
    with open(history_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def series(name, column):
        xs, ys = [], []
        for row in rows:
            if row.get("Name") != name:
                continue
            value = _num(row.get(column))
            if value is None:
                continue
            xs.append(float(row["Timestamp"]) - start)
            ys.append(value)
        return xs, ys

    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 10), sharex=True)
    fig.suptitle(samples.get("title", "Docat load test"))

    xs, ys = series("Aggregated", "Requests/s")
    top.plot(xs, ys, label="requests/s (all)")
    xs, ys = series("Aggregated", "Failures/s")
    top.plot(xs, ys, label="failures/s", color="tab:red")
    users = samples.get("users", [])
    if users:
        twin = top.twinx()
        twin.plot([u["t"] - start for u in users], [u["n"] for u in users], color="tab:gray", linestyle="--", label="users")
        twin.set_ylabel("users")
        twin.legend(loc="upper right")
    top.set_ylabel("requests/s")
    top.legend(loc="upper left")
    top.grid(alpha=0.3)

    for name, label in [
        ("Aggregated", "p95 all"),
        ("POST /v1/documents", "p95 upload"),
        ("GET /v1/jobs/:id", "p95 status"),
        ("GET /v1/jobs", "p95 history"),
    ]:
        xs, ys = series(name, "95%")
        if xs:
            middle.plot(xs, ys, label=label)
    xs, ys = series("Aggregated", "50%")
    middle.plot(xs, ys, label="p50 all", linestyle=":")
    middle.set_ylabel("latency (ms, cumulative percentile)")
    middle.set_yscale("symlog", linthresh=10)
    middle.legend(loc="upper left")
    middle.grid(alpha=0.3)

    queue = samples.get("queue", [])
    names = sorted({name for s in queue for name in s["depth"]})
    for name in names:
        bottom.plot([s["t"] - start for s in queue], [s["depth"].get(name, 0) for s in queue], label=name)
    bottom.set_ylabel("queue depth (waiting + running)")
    bottom.set_xlabel("seconds since the run started")
    if names:
        bottom.legend(loc="upper left")
    bottom.grid(alpha=0.3)

    fig.tight_layout()
    fig.savefig(out_path, dpi=90)


if __name__ == "__main__":
    main(*sys.argv[1:4])
