#!/usr/bin/env python3
"""Turn the wrk results (JSON lines) of bench/http/run.sh into OUTDIR/http.md: the server side by side with nginx."""
import json
import os
import sys
import time


def fmt(x, digits=1):
    return f"{x:,.{digits}f}" if x is not None else "—"


def open_loop_section(rows, meta, out):
    """Latency at fixed rates: per target, each rate beside nginx at the same rate."""
    if not rows:
        return
    out.append("\n## Open loop: latency at fixed rates\n")
    out.append(f"vegeta sends at each rate for {meta.get('open_seconds', '?')} s whatever the answers take (a slow "
               "answer does not slow the sender, so queueing shows as latency): 80 % GET /v1/orders/{id}, 15 % "
               "claims of distinct open orders, 5 % order creation, interleaved; "
               f"{meta.get('open_connections', 0):,} more keep-alive connections are held open (idle) on the "
               "server and on nginx during the run. nginx answers the same requests at the same rate with static "
               "bodies. *sent/s*: the rate vegeta reached; *2xx*: answers in 2xx (claims whose orders ran out "
               "answer 409).\n")
    for target in [t for t in meta["targets"]]:
        mine = sorted([r for r in rows if r["target"] == target], key=lambda r: r["rate"])
        if not mine:
            continue
        ng = {r["rate"]: r for r in rows if r["target"] == "nginx|" + target}
        under = [r["rate"] for r in mine if r["p99_ms"] is not None and r["p99_ms"] < 100]
        out.append(f"\n### {target}\n")
        out.append(f"Highest rate tried with p99 < 100 ms: **{fmt(max(under), 0) + ' req/s' if under else 'none'}** "
                   f"(of {', '.join(fmt(r['rate'], 0) for r in mine)}).\n")
        out.append("| rate req/s | sent/s | p50 ms | p99 ms | p99.9 ms | max ms | 2xx of sent | other codes | "
                   "nginx p50 / p99 / p99.9 ms |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for r in mine:
            n = ng.get(r["rate"])
            other = ", ".join(f"{k}: {v}" for k, v in sorted(r["codes"].items()) if not k.startswith("2")) or "—"
            out.append(f"| {fmt(r['rate'], 0)} | {fmt(r['sent_per_s'], 0)} | {fmt(r['p50_ms'], 2)} | "
                       f"{fmt(r['p99_ms'], 2)} | {fmt(r['p999_ms'], 2)} | {fmt(r['max_ms'], 1)} | "
                       f"{r['ok']:,} of {r['requests']:,} | {other} | "
                       + (f"{fmt(n['p50_ms'], 2)} / {fmt(n['p99_ms'], 2)} / {fmt(n['p999_ms'], 2)}" if n else "—")
                       + " |")


def main(results_path, out_path, meta_path, open_path=None):
    rows = [json.loads(line) for line in open(results_path) if line.strip()]
    meta = json.load(open(meta_path))
    # Each server point is paired with the nginx point measured right after it.
    nginx = {(r["target"].split("|", 1)[1], r["route"], r["connections"]): r for r in rows
             if r["target"].startswith("nginx|")}
    out = []
    out.append("# HTTP benchmark: w3wallet-server vs nginx\n")
    out.append(f"Run {time.strftime('%Y-%m-%d %H:%M:%S %Z')} by `bench/http/run.sh`: wrk, {meta['duration']} s per point, "
               f"{meta['threads']} wrk threads, on this machine ({meta['cpus']} CPUs, load average before the run "
               f"{meta['load']}). Load generator, server, storage and nginx share the same cores: "
               "read the ratios, not the absolute figures.\n")
    out.append("nginx serves a static JSON body of the same size as the server's answer "
               f"({meta['order_bytes']} bytes for an order, {meta['claim_bytes']} for a claim) with the same request "
               "(method, path shape, Authorization header), measured right after each server point: the HTTP ceiling "
               "of this box at that moment. "
               "ratio = server / nginx (req/s: higher is better; latency: lower is better).\n")
    out.append("The claim route takes a distinct open order per request (201); `lost` counts 409s after the prepared "
               "orders ran out. Server: " + meta["server_flags"] + ".\n")
    for target in [t for t in meta["targets"]]:
        out.append(f"\n## {target}\n")
        out.append("| route | conns | req/s | nginx req/s | req/s ratio | p50 ms | p99 ms | p99.9 ms | nginx p50 / p99 / p99.9 ms | p99 ratio | non-2xx, errors |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for r in [r for r in rows if r["target"] == target]:
            n = nginx.get((target, r["route"], r["connections"]))
            ratio = r["rps"] / n["rps"] if n and n["rps"] else None
            p99_ratio = r["p99_ms"] / n["p99_ms"] if n and n["p99_ms"] else None
            errs = (f"status {r['errors_status']}, connect {r['errors_connect']}, read {r['errors_read']}, "
                    f"timeout {r['errors_timeout']}")
            if "won" in r:
                errs = f"won {r['won']}, lost {r['lost']}, other {r['other']}; " + errs
            out.append(f"| {r['route']} | {r['connections']:,} | {fmt(r['rps'], 0)} | {fmt(n['rps'], 0) if n else '—'} | "
                       f"{fmt(ratio, 2)} | {fmt(r['p50_ms'], 2)} | {fmt(r['p99_ms'], 2)} | {fmt(r['p999_ms'], 2)} | "
                       + (f"{fmt(n['p50_ms'], 2)} / {fmt(n['p99_ms'], 2)} / {fmt(n['p999_ms'], 2)}" if n else "—")
                       + f" | {fmt(p99_ratio, 1)} | {errs} |")
    open_rows = [json.loads(line) for line in open(open_path) if line.strip()] if open_path else []
    open_loop_section(open_rows, meta, out)
    out.append("\nThe system design asks for p99 < 100 ms with 10,000+ concurrent users.\n")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:5])
