#!/usr/bin/env python3
"""PNG plots of a `make bench` run (matplotlib, Agg), from what bench.py and bench/http/run.sh wrote in OUTDIR.

plots.py OUTDIR   writes, for the data present:
  throughput_vs_connections.png  GET /v1/orders/{id}: each server target and nginx, req/s and p99 by connections
  library_vs_raw.png             the library against the raw engine measured beside it (claims, reads), by threads
  latency_vs_rate.png            open loop: p50/p99/p99.9 by offered rate, each target and nginx
  batch_vs_throughput.png        batched commands: throughput by batch size, from OUTDIR/batch*.csv when present
                                 (columns: batch_size, per_s, and optionally backend or storage to split lines,
                                 pgbench_per_s for pgbench running the same statement)
and prints the names of the files it wrote. A part without data is left out, never drawn empty.
"""
import csv
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def mean(rows, key):
    v = [r[key] for r in rows if r.get(key) is not None]
    return sum(v) / len(v) if v else None


def save(fig, out, name, written):
    path = os.path.join(out, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(name)


def throughput_vs_connections(out, written):
    rows = [r for r in jsonl(os.path.join(out, "http.jsonl")) if r["route"] == "GET /v1/orders/{id}"]
    if not rows:
        return
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    targets = sorted({r["target"] for r in rows if not r["target"].startswith("nginx|")})
    nginx = [r for r in rows if r["target"].startswith("nginx|")]
    series = [(t, [r for r in rows if r["target"] == t]) for t in targets]
    # nginx was measured right after each server point: one line, the mean per level
    levels = sorted({r["connections"] for r in nginx})
    series.append(("nginx (static body, same size)", [
        {"connections": c, "rps": mean([r for r in nginx if r["connections"] == c], "rps"),
         "p99_ms": mean([r for r in nginx if r["connections"] == c], "p99_ms")} for c in levels]))
    for name, pts in series:
        pts = sorted(pts, key=lambda r: r["connections"])
        x = [p["connections"] for p in pts]
        ax.plot(x, [p["rps"] for p in pts], marker="o", label=name)
        ax2.plot(x, [p["p99_ms"] for p in pts], marker="o", label=name)
    for a, title, unit in ((ax, "GET /v1/orders/{id}: throughput", "req/s"), (ax2, "p99 latency", "ms")):
        a.set_xscale("log")
        a.set_xlabel("open connections (wrk, closed loop)")
        a.set_ylabel(unit)
        a.set_title(title)
        a.grid(True, alpha=0.3)
    ax2.set_yscale("log")
    ax.legend(fontsize=8)
    save(fig, out, "throughput_vs_connections.png", written)


def library_vs_raw(out, written):
    res = jsonl(os.path.join(out, "results.jsonl"))
    pairs = [
        ("claims, PostgreSQL", lambda r: r.get("bench") == "claims" and r.get("label") == "library"
         and r.get("storage") == "postgres", lambda r: r.get("bench") == "pgbench" and r.get("script") == "claim.sql",
         "pgbench, same statement"),
        ("reads, no cache", lambda r: r.get("bench") == "reads" and r.get("label") == "no cache",
         lambda r: r.get("bench") == "pgbench" and r.get("label") == "read", "pgbench SELECT"),
        ("reads, Redis warm", lambda r: r.get("bench") == "reads" and r.get("label") == "redis",
         lambda r: r.get("bench") == "redis-benchmark", "redis-benchmark GET"),
    ]
    panels = []
    for title, lib_f, raw_f, raw_name in pairs:
        lib = [r for r in res if lib_f(r)]
        raw = [r for r in res if raw_f(r)]
        levels = sorted({r["threads"] for r in lib} & {r["threads"] for r in raw})
        if levels:
            panels.append((title, raw_name, levels, lib, raw))
    if not panels:
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for ax, (title, raw_name, levels, lib, raw) in zip(axes[0], panels):
        x = range(len(levels))
        lv = [mean([r for r in lib if r["threads"] == t], "per_s") for t in levels]
        rv = [mean([r for r in raw if r["threads"] == t], "per_s") for t in levels]
        ax.bar([i - 0.2 for i in x], lv, width=0.4, label="library")
        ax.bar([i + 0.2 for i in x], rv, width=0.4, label=raw_name)
        for i, (a, b) in enumerate(zip(lv, rv)):
            if a and b:
                ax.annotate(f"{a / b:.2f}", (i - 0.2, a), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(x))
        ax.set_xticklabels([str(t) for t in levels])
        ax.set_xlabel("threads / connections")
        ax.set_ylabel("per second")
        ax.set_title(title + " (ratio on the bar)", fontsize=10)
        ax.legend(fontsize=8, loc="lower center")
        ax.grid(True, axis="y", alpha=0.3)
    save(fig, out, "library_vs_raw.png", written)


def latency_vs_rate(out, written):
    rows = jsonl(os.path.join(out, "openloop.jsonl"))
    if not rows:
        return
    targets = sorted({r["target"] for r in rows if not r["target"].startswith("nginx|")})
    fig, axes = plt.subplots(1, len(targets), figsize=(5.5 * len(targets), 4.2), squeeze=False)
    for ax, t in zip(axes[0], targets):
        for name, sel, style in ((t.replace("w3wallet-server ", "server "), t, "-"), ("nginx, same rate", "nginx|" + t, ":")):
            pts = sorted([r for r in rows if r["target"] == sel], key=lambda r: r["rate"])
            for key, label, color in (("p50_ms", "p50", "C0"), ("p99_ms", "p99", "C1"), ("p999_ms", "p99.9", "C3")):
                ax.plot([p["rate"] for p in pts], [p[key] for p in pts], style, color=color, marker="o",
                        label=f"{name} {label}")
        ax.axhline(100, color="red", linewidth=0.8, alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("offered rate, req/s (vegeta, open loop; 80/15/5 GET/claim/create)")
        ax.set_ylabel("latency ms (red: 100 ms)")
        ax.set_title(t, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    save(fig, out, "latency_vs_rate.png", written)


def batch_vs_throughput(out, written):
    """The hook for the batched-commands bench: any OUTDIR/batch*.csv with batch_size and per_s columns."""
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "batch*.csv"))):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                size = r.get("batch_size") or r.get("size")
                rate = r.get("per_s") or r.get("throughput")
                name = r.get("backend") or r.get("storage") or os.path.basename(path)[:-4]
                if size and rate:
                    rows.append((name, float(size), float(rate)))
                if size and r.get("pgbench_per_s"):  # the same batch statement run by pgbench
                    rows.append((f"{name}: pgbench, same statement", float(size), float(r["pgbench_per_s"])))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name in sorted({r[0] for r in rows}):
        pts = sorted([r for r in rows if r[0] == name], key=lambda r: r[1])
        ax.plot([p[1] for p in pts], [p[2] for p in pts], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("commands per batch")
    ax.set_ylabel("commands per second")
    ax.set_title("Batched commands: throughput by batch size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, out, "batch_vs_throughput.png", written)


def make(out):
    written = []
    for part in (throughput_vs_connections, library_vs_raw, latency_vs_rate, batch_vs_throughput):
        part(out, written)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for name in make(sys.argv[1]):
        print(name)
