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


def per(r, key):
    v = r.get(key)
    return v / r["requests"] if v is not None and r.get("requests") else None


def where_section(measures, rows, meta, out):
    """Where the time goes: what each process spent per request at each point (bench/http/measure.py)."""
    if not measures:
        return
    mine = [m for m in measures if not m["target"].startswith("nginx|")]
    ng = {(m["target"].split("|", 1)[1], m["route"], m["connections"]): m for m in measures
          if m["target"].startswith("nginx|")}
    rps = {(r["target"], r["route"], r["connections"]): r["rps"] for r in rows if "rps" in r}
    out.append("\n## Where the time goes\n")
    out.append(f"Counted around each wrk point by `bench/http/measure.py`: CPU time (user + system, from "
               "/proc/PID/stat before and after) of every process taking part, per request answered. On this "
               f"{meta['cpus']}-CPU box all of them share the same cores, so when the cores are saturated the "
               "throughput is about cores ÷ (CPU per request of all processes): *by CPU* is the ratio to nginx "
               "that this predicts (nginx and wrk per request ÷ all of the server's side per request); "
               "*without the stores* is the same with Redis, PostgreSQL and Kafka taken as free, i.e. the "
               "ratio the server's own work allows. Other load on the machine counts in neither.\n")
    out.append("| target | route | conns | server µs | Redis µs | PostgreSQL µs | Kafka µs | wrk µs | all µs | "
               "nginx + wrk µs | by CPU | without the stores | measured |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in mine:
        n = ng.get((m["target"], m["route"], m["connections"]))
        parts = [per(m, k) or 0.0 for k in ("server_cpu_us", "redis_cpu_us", "pg_cpu_us", "kafka_cpu_us",
                                            "load_cpu_us")]
        total = sum(parts)
        base = (per(n, "server_cpu_us") or 0.0) + (per(n, "load_cpu_us") or 0.0) if n else None
        own = parts[0] + parts[4]
        server_rps, nginx_rps = rps.get((m["target"], m["route"], m["connections"])), \
            rps.get(("nginx|" + m["target"], m["route"], m["connections"]))
        short = m["target"].replace("w3wallet-server ", "").replace("library|", "library beside ")
        out.append(f"| {short} | {m['route']} | {m['connections']:,} | " + " | ".join(fmt(x, 0) for x in parts)
                   + f" | {fmt(total, 0)} | {fmt(base, 0)} | {fmt(base / total if base and total else None, 2)} | "
                   f"{fmt(base / own if base and own else None, 2)} | "
                   f"{fmt(server_rps / nginx_rps if server_rps and nginx_rps else None, 2)} |")
    for lib in [m for m in mine if m["target"].startswith("library|") and m.get("requests")]:
        lib_all = sum(per(lib, k) or 0.0 for k in ("server_cpu_us", "redis_cpu_us", "pg_cpu_us", "kafka_cpu_us",
                                                   "load_cpu_us"))
        for m in [m for m in mine if m["target"] == lib["target"].split("|", 1)[1] and "claim" in m["route"]]:
            http_all = sum(per(m, k) or 0.0 for k in ("server_cpu_us", "redis_cpu_us", "pg_cpu_us", "kafka_cpu_us",
                                                      "load_cpu_us"))
            out.append(f"\nClaims, {m['target']}, {m['connections']:,} connections: all processes spent "
                       f"{fmt(http_all, 0)} µs of CPU per claim over HTTP (the server {fmt(per(m, 'server_cpu_us'), 0)}, "
                       f"wrk {fmt(per(m, 'load_cpu_us'), 0)}) against {fmt(lib_all, 0)} µs through the library "
                       f"(w3w-bench {fmt(per(lib, 'load_cpu_us'), 0)}, the idle server's relay {fmt(per(lib, 'server_cpu_us'), 0)}; "
                       "what w3w-bench leaves to relay when it exits is not counted): by CPU, HTTP claims can reach "
                       f"**{fmt(lib_all / http_all if http_all else None, 2)}×** the library's rate on saturated cores.")
    out.append("\nPer request, the server's side (nginx's beside it where counted): context switches of the "
               "server's threads (voluntary: it blocked, e.g. on a socket read or a lock; involuntary: preempted), "
               "time its threads were runnable but waited for a core, system calls (perf stat, when perf is "
               "usable), Redis commands and the microseconds Redis spent executing them, PostgreSQL commits.\n")
    out.append("| target | route | conns | ctx switches vol / invol | nginx vol / invol | run-queue wait µs | "
               "syscalls | nginx syscalls | Redis commands | Redis exec µs | PostgreSQL commits |")
    out.append("|---|---|---:|---|---|---:|---:|---:|---|---:|---:|")
    for m in mine:
        n = ng.get((m["target"], m["route"], m["connections"])) or {}
        calls = ", ".join(f"{c} {v / m['requests']:.3f}" for c, v in sorted(m.get("redis_calls", {}).items(),
                          key=lambda kv: -kv[1]) if m.get("requests")) or "—"
        short = m["target"].replace("w3wallet-server ", "").replace("library|", "library beside ")
        out.append(f"| {short} | {m['route']} | {m['connections']:,} | "
                   f"{fmt(per(m, 'ctx_voluntary'), 2)} / {fmt(per(m, 'ctx_involuntary'), 2)} | "
                   f"{fmt(per(n, 'ctx_voluntary'), 2)} / {fmt(per(n, 'ctx_involuntary'), 2)} | "
                   f"{fmt(per(m, 'runqueue_wait_us'), 0)} | {fmt(per(m, 'syscalls'), 1)} | "
                   f"{fmt(per(n, 'syscalls'), 1)} | {calls} | {fmt(per(m, 'redis_usec'), 1)} | "
                   f"{fmt(per(m, 'pg_commits'), 2)} |")
    profiled = [m for m in mine if m.get("perf_top")]
    if profiled:
        out.append("\nThe server's CPU by function (perf record at 499 Hz during the point; % of its samples):\n")
        for m in profiled:
            out.append(f"- {m['target']}, {m['route']}, {m['connections']:,} connections: "
                       + "; ".join(f"{p:.1f} % {sym} ({os.path.basename(dso)})" for p, dso, sym in m["perf_top"]))


def main(results_path, out_path, meta_path, open_path=None, measure_path=None):
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
        peer = next((r for r in rows if r["target"] == "library|" + target), None)
        if peer:
            won = [r for r in rows if r["target"] == target and r.get("won") is not None]
            out.append(f"\nThe library's own claims on the same backends right after (`w3w-bench claims`, 32 threads "
                       f"as the server's 32 workers, pool 33): **{fmt(peer['per_s'], 0)} claims/s**, p50 "
                       f"{fmt(peer['p50_us'] / 1e3, 2)} ms, p99 {fmt(peer['p99_us'] / 1e3, 2)} ms; claims won over "
                       "HTTP ÷ the library: "
                       + ", ".join(f"{fmt(r['rps'] * r['won'] / max(1, r['won'] + r['lost'] + r['other']) / peer['per_s'], 2)}"
                                   f" at {r['connections']:,} connections" for r in won) + ".")
    open_rows = [json.loads(line) for line in open(open_path) if line.strip()] if open_path else []
    open_loop_section(open_rows, meta, out)
    measures = [json.loads(line) for line in open(measure_path) if line.strip()] \
        if measure_path and os.path.exists(measure_path) else []
    where_section(measures, rows, meta, out)
    out.append("\nThe system design asks for p99 < 100 ms with 10,000+ concurrent users.\n")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:6])
