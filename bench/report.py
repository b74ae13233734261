"""bench/results/report.md from the measurements of bench/bench.py (results.jsonl).

python3 bench/report.py bench/results/results.jsonl [bench/results/http.md] renders it again.
"""
import json
import os
import sys


def _ms(us):
    return "–" if us is None else f"{us / 1e3:.2f}"


def _us(us):
    return "–" if us is None else f"{us:.0f}"


def _rate(x):
    return "–" if x is None else f"{x:,.0f}"


def _all(results, **kw):
    return [r for r in results if all(r.get(k) == v for k, v in kw.items())]


def _find(results, **kw):
    rows = _all(results, **kw)
    return rows[0] if rows else None


def _mean(rows, key):
    v = [r[key] for r in rows if r.get(key) is not None]
    return sum(v) / len(v) if v else None


def _ratio(a_rows, b_rows, key="per_s"):
    """Sum over sum (the ABBA rounds), with the per-round ratios beside it when there are two."""
    a, b = [r.get(key) for r in a_rows], [r.get(key) for r in b_rows]
    if not a or not b or None in a or None in b or not sum(b):
        return "–"
    text = f"**{sum(a) / sum(b):.2f}**"
    if len(a) == len(b) == 2:
        lo, hi = sorted(x / y for x, y in zip(a, b))
        text += f" ({lo:.2f}–{hi:.2f})"
    return text


def _per_call(rows, fn):
    calls = sum(r.get("functions", {}).get(fn, {}).get("calls", 0) for r in rows)
    ms = sum(r.get("functions", {}).get(fn, {}).get("total_ms", 0) for r in rows)
    return ms * 1e3 / calls if calls else None


def _stmt(rows, name):
    """Relay round trips per claim for a statement, and its mean wait (ms)."""
    per = [r.get("relay_statements", {}).get(name, {}) for r in rows]
    n = _mean([p for p in per if p], "per_op")
    return (n or 0.0), _mean([p for p in per if p], "ms")


def _sustained(r):
    """Claims per second counting the relay's catch-up after the window: committed and relayed. An upper
    bound when the relay had not caught up when the run stopped waiting (marked ≤)."""
    return r["n"] / (r["seconds"] + r.get("relay_catchup_ms", 0) / 1e3)


def _cpu(r):
    if r.get("server_cpu_us_per_op") is None or r.get("client_cpu_us_per_op") is None:
        return None
    return r["server_cpu_us_per_op"] + r["client_cpu_us_per_op"]


def _cpu_ratio(lib, raw):
    a, b = [_cpu(r) for r in lib], [_cpu(r) for r in raw]
    if not a or not b or None in a or None in b:
        return "–"
    return f"**{sum(b) / sum(a):.2f}** ({sum(a) / len(a):,.0f} · {sum(b) / len(b):,.0f} µs)"


def _caught_up(r):
    return r.get("relayed", r["n"]) >= r["n"]


def claims_section(results, out):
    catchup = (_find(results, bench="machine") or {}).get("catchup_seconds", "?")
    levels = sorted({r["threads"] for r in _all(results, bench="claims", label="library", storage="postgres")})
    if not levels:
        return
    out += ["## Claims on PostgreSQL: the library against pgbench", "",
            "Each thread claims its own open orders (no lost races). *library*: `w3w_claim_order` through "
            "`w3w-bench claims`: relay thread on (no event sink: it marks events sent and seals the audit chain), "
            "in-process cache, one pool connection per thread (+1 for the relay). *pgbench*: the same "
            "`SELECT * FROM w3w_claim_create(...)` with the same kind of arguments (`bench/pgbench/claim.sql`, "
            "`-M prepared`), as many connections as threads, as many claims as the library made, on the same "
            "tables. Order of runs per level: library, pgbench, pgbench, library; figures are the means of the "
            "two rounds, ratios are sum over sum with the two rounds' own ratios in brackets.", "",
            "The last two columns count the time the relay thread needed after the run to catch up (≤: it had "
            f"not caught up when the run stopped waiting, after {catchup} s).", "",
            "*CPU cost*: CPU per claim, client + PostgreSQL server, pgbench's over the library's. At 8 and 32 "
            "threads the claims keep both cores busy, so this is about the throughput ratio with the machine's "
            "other load taken out; at 1 thread a claim mostly waits for its round trip and commit, and extra "
            "work can run beside it on the other core.", "",
            "| threads | library claims/s | p50 ms | p99 ms | pgbench claims/s | p50 ms | p99 ms | library / pgbench "
            "| library incl. relay catch-up /s | ÷ pgbench | CPU cost pgbench ÷ library |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lvl in levels:
        lib = _all(results, bench="claims", label="library", threads=lvl, storage="postgres")
        raw = _all(results, bench="pgbench", script="claim.sql", threads=lvl)
        sus = [{"per_s": _sustained(r)} for r in lib]
        le = "" if all(_caught_up(r) for r in lib) else "≤ "
        out.append(f"| {lvl} | {_rate(_mean(lib, 'per_s'))} | {_ms(_mean(lib, 'p50_us'))} | "
                   f"{_ms(_mean(lib, 'p99_us'))} | {_rate(_mean(raw, 'per_s'))} | {_ms(_mean(raw, 'p50_us'))} | "
                   f"{_ms(_mean(raw, 'p99_us'))} | {_ratio(lib, raw)} | {le}{_rate(_mean(sus, 'per_s'))} | "
                   f"{le}{_ratio(sus, raw)} | {_cpu_ratio(lib, raw)} |")
    out += ["", "### Where the difference goes", "",
            "*relay off*: the library without its relay thread (events relayed afterwards). *no-op function*: "
            "pgbench calling a function with the claim's arguments that does nothing (round trip, call, row pick). "
            "CPU per claim: client process (the library's relay thread included) and PostgreSQL server, "
            "sampled from /proc over the run.", "",
            "| threads | relay off /s (÷ pgbench) | no-op function /s "
            "| client CPU µs/claim lib · pgbench | server CPU µs/claim lib · relay off · pgbench "
            "| in w3w_claim_create µs lib · relay off · pgbench | library: relay behind at the end |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for lvl in levels:
        lib = _all(results, bench="claims", label="library", threads=lvl, storage="postgres")
        raw = _all(results, bench="pgbench", script="claim.sql", threads=lvl)
        off = _all(results, bench="claims", label="relay off", threads=lvl)
        noop = _all(results, bench="pgbench", script="noop_claim.sql", threads=lvl)
        behind = " · ".join(f"{r.get('backlog_end', 0):.0f} of {r['n']} ({r.get('relay_catchup_ms', 0) / 1e3:.1f} s)"
                            for r in lib)
        raw_mean = [{"per_s": _mean(raw, "per_s")}] if raw else []
        out.append(f"| {lvl} | {_rate(_mean(off, 'per_s'))} ({_ratio(off, raw_mean)}) | {_rate(_mean(noop, 'per_s'))} | "
                   f"{_us(_mean(lib, 'client_cpu_us_per_op'))} · {_us(_mean(raw, 'client_cpu_us_per_op'))} | "
                   f"{_us(_mean(lib, 'server_cpu_us_per_op'))} · {_us(_mean(off, 'server_cpu_us_per_op'))} · "
                   f"{_us(_mean(raw, 'server_cpu_us_per_op'))} | "
                   f"{_us(_per_call(lib, 'w3w_claim_create'))} · {_us(_per_call(off, 'w3w_claim_create'))} · "
                   f"{_us(_per_call(raw, 'w3w_claim_create'))} | "
                   f"{behind} |")
    out += ["", "The relay thread's round trips per claim in the library runs (mean wait in ms), and the CPU split "
            "of the library process:", "",
            "| threads | outbox take | outbox ack | seal: BEGIN · pending · link · COMMIT | all relay round trips "
            "| worker CPU µs | relay-thread CPU µs | waiting on PostgreSQL p50 µs (of the claim's p50) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lvl in levels:
        lib = _all(results, bench="claims", label="library", threads=lvl, storage="postgres")

        def cell(name):
            n, ms = _stmt(lib, name)
            return f"{n:.2f} ({ms:.1f})" if ms is not None else "0"
        seal = " · ".join(f"{_stmt(lib, s)[0]:.2f}" for s in ("BEGIN", "w3w_audit_pending", "w3w_audit_link", "COMMIT"))
        out.append(f"| {lvl} | {cell('w3w_outbox_take')} | {cell('w3w_outbox_ack')} | {seal} | "
                   f"{_mean(lib, 'other_rt_per_op') or 0:.2f} | {_us(_mean(lib, 'worker_cpu_us_per_op'))} | "
                   f"{_us(_mean(lib, 'other_cpu_us_per_op'))} | {_us(_mean(lib, 'pq_p50_us'))} "
                   f"({_us(_mean(lib, 'p50_us'))}) |")
    pick = _find(results, bench="pick_cost")
    take = _find(results, bench="take_plan")
    drains = [r for r in results if r.get("bench") == "drain" and r.get("drain_events")]
    out.append("")
    if pick:
        out.append(f"pgbench's own extra work, picking its row from `bench_claims`: {pick['us_per_pick']:.1f} µs per "
                   "claim in the server (measured alone: 20,000 picks in one statement).")
    if take:
        out.append(f"The relay's outbox take (`w3w_outbox_take`) with {take['pending']:,} unsent rows and the "
                   f"statistics it usually runs with (nothing unsent): {take['as_written_ms']:,.0f} ms as written "
                   f"({take['as_written_plan']}), {take['rewritten_ms']:.1f} ms with `o.seq = ANY (ARRAY(SELECT ... "
                   f"LIMIT p_max))` (`bench/pgbench/outbox_take_plan.sql`, rolled back).")
    if drains:
        ev = sum(r["drain_events"] for r in drains)
        ms = sum(r["drain_ms"] for r in drains)
        out.append(f"Relaying and sealing afterwards, in big batches (`w3w-bench drain`, after the pgbench and the "
                   f"relay-off runs): {ev:,.0f} events in {ms / 1e3:.1f} s, {ms * 1e3 / ev:.0f} µs per event.")
    out.append("")


def reads_section(results, out):
    levels = sorted({r["threads"] for r in _all(results, bench="reads", label="no cache")})
    if not levels:
        return
    val = _find(results, bench="redis_value")
    out += ["## Reads by id", "",
            "`w3w_order_get` by T threads over 1,000 orders, ABBA like the claims. *No cache*: every read is one "
            "PostgreSQL round trip; pgbench runs the library's statement (`bench/pgbench/read_order.sql`). "
            "*Redis warm*: a first pass filled the cache, then the library reads the order and its items "
            "(one MGET of the order and its items); redis-benchmark GETs the order key alone"
            + (f" ({val['key_bytes']} bytes; the items key holds {val['items_bytes']})." if val else "."), "",
            "| threads | library, no cache /s | p50 µs | p99 µs | pgbench SELECT /s | p50 µs | p99 µs | ratio | "
            "library, Redis warm /s | p50 µs | p99 µs | redis-benchmark GET /s | p50 µs | p99 µs | ratio | "
            "Redis first pass /s |", "|" + "---:|" * 16]
    for lvl in levels:
        cold = _all(results, bench="reads", label="no cache", threads=lvl)
        raw = _all(results, bench="pgbench", script="read_order.sql", threads=lvl)
        warm = _all(results, bench="reads", label="redis", threads=lvl)
        rb = _all(results, bench="redis-benchmark", threads=lvl)
        out.append(f"| {lvl} | {_rate(_mean(cold, 'per_s'))} | {_us(_mean(cold, 'p50_us'))} | "
                   f"{_us(_mean(cold, 'p99_us'))} | {_rate(_mean(raw, 'per_s'))} | {_us(_mean(raw, 'p50_us'))} | "
                   f"{_us(_mean(raw, 'p99_us'))} | {_ratio(cold, raw)} | {_rate(_mean(warm, 'per_s'))} | "
                   f"{_us(_mean(warm, 'p50_us'))} | {_us(_mean(warm, 'p99_us'))} | {_rate(_mean(rb, 'per_s'))} | "
                   f"{_us(_mean(rb, 'p50_us'))} | {_us(_mean(rb, 'p99_us'))} | {_ratio(warm, rb)} | "
                   f"{_rate(_mean(warm, 'fill_per_s'))} |")
    out += ["", "CPU per read (µs): " + "; ".join(
        f"{lvl} thread{'s' if lvl > 1 else ''}: library no cache {_us(_mean(_all(results, bench='reads', label='no cache', threads=lvl), 'cpu_us_per_op'))} "
        f"(server {_us(_mean(_all(results, bench='reads', label='no cache', threads=lvl), 'server_cpu_us_per_op'))}), "
        f"pgbench {_us(_mean(_all(results, bench='pgbench', script='read_order.sql', threads=lvl), 'client_cpu_us_per_op'))} "
        f"(server {_us(_mean(_all(results, bench='pgbench', script='read_order.sql', threads=lvl), 'server_cpu_us_per_op'))}), "
        f"library Redis warm {_us(_mean(_all(results, bench='reads', label='redis', threads=lvl), 'cpu_us_per_op'))}"
        for lvl in levels) + ".", ""]


def replica_section(results, out):
    levels = sorted({r["threads"] for r in _all(results, bench="reads", label="replica")})
    if not levels:
        return
    out += ["## Reads through a streaming replica", "",
            "Orders read by id (cache `none:`): from the primary; from an asynchronous replica "
            "(`read_storage_url`); from the replica with a commit position every read must see "
            "(`w3w_read_after`, HTTP `W3W-Read-After`); and pgbench running the same SELECT on the replica.", "",
            "| threads | primary | replica | replica, read after | pgbench on the replica | replica / pgbench |",
            "| --- | --- | --- | --- | --- | --- |"]
    for lvl in levels:
        cells = []
        for label in ("primary", "replica", "replica, read after"):
            r = _find(results, bench="reads", label=label, threads=lvl)
            cells.append(f"{_rate(r['per_s'])}/s, p99 {_ms(r['p99_us'])}" if r else "—")
        raw = _find(results, bench="pgbench", label="replica read", threads=lvl)
        rep = _find(results, bench="reads", label="replica", threads=lvl)
        ratio = f"{rep['per_s'] / raw['per_s']:.2f}" if raw and rep and raw.get("per_s") else "—"
        cells += [f"{_rate(raw['per_s'])}/s" if raw else "—", ratio]
        out.append(f"| {lvl} | " + " | ".join(cells) + " |")
    out.append("")


def sqlite_section(results, out):
    rows = _all(results, bench="claims", storage="sqlite")
    if not rows:
        return
    out += ["## Claims on SQLite (the embedded default), for reference", "",
            "| threads | claims/s | p50 ms | p99 ms | CPU µs/claim | relay behind at the end |",
            "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['threads']} | {_rate(r['per_s'])} | {_ms(r['p50_us'])} | {_ms(r['p99_us'])} | "
                   f"{_us(r.get('cpu_us_per_op'))} | {r.get('backlog_end', 0):.0f} of {r['n']} "
                   f"({r.get('relay_catchup_ms', 0) / 1e3:.1f} s to catch up) |")
    out.append("")


def batch_section(results, out):
    rows = _all(results, bench="batch")
    if not rows:
        return
    out += ["## Batched claims: batch size against claims/s, 1 thread", "",
            "`w3w-bench batch`: size 0 is the single command (`w3w_claim_order`), size k one `w3w_claim_batch` call "
            "per k orders; each figure is the median of 3 rounds run interleaved (rounds outside, sizes inside). On "
            "PostgreSQL pgbench runs the library's own statement beside it, one size after the other in each round: "
            "`bench/pgbench/claim.sql` for sizes 0 and 1 (a lone element goes as the single statement), "
            "`bench/pgbench/claim_batch.sql` (the same "
            "`w3w_claim_create_batch` call, its arrays built from as many rows) for the others. Issue 11's goals: "
            "≥ 10× the single command and ≥ 0.8× pgbench on PostgreSQL, ≥ 5× on SQLite.", "",
            "*CPU µs/claim*: the bench process's CPU per claim while it claims (SQLite: all of a claim's work; "
            "PostgreSQL: the client's share), which the machine's load moves far less than the rates.", "",
            "| storage | size | claims/s (rounds) | × single | call p50 ms | CPU µs/claim | pgbench claims/s (rounds) | "
            "library / pgbench | load |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lib_rounds = ", ".join(f"{x:,.0f}" for x in r.get("per_s_rounds", []))
        raw_rounds = ", ".join(f"{x:,.0f}" for x in r.get("pgbench_per_s_rounds", []))
        raw = f"{_rate(r['pgbench_per_s'])} ({raw_rounds})" if r.get("pgbench_per_s") else "–"
        ratio = f"**{r['vs_pgbench']:.2f}**" if r.get("vs_pgbench") else "–"
        speed = f"{r['speedup']:.1f}×" if r.get("speedup") else "–"
        out.append(f"| {r['storage']} | {r['size']:,} | {_rate(r['per_s'])} ({lib_rounds}) | {speed} | "
                   f"{_ms(r.get('call_p50_us'))} | {_us(r.get('cpu_us_per_op'))} | {raw} | {ratio} | "
                   f"{' '.join(r.get('load', []))} |")
    out.append("")
    for storage, want in (("postgres", 10), ("sqlite", 5)):
        mine = [r for r in rows if r["storage"] == storage and r.get("speedup") and r["size"]]
        if mine:
            best = max(mine, key=lambda r: r["speedup"])
            out.append(f"- {storage}: best speedup **{best['speedup']:.1f}×** at size {best['size']:,} "
                       f"(goal ≥ {want}×)" + (f"; library / pgbench there {best['vs_pgbench']:.2f} (goal ≥ 0.8)"
                                            if best.get("vs_pgbench") else ""))
    out.append("")


def _jsonl(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def goals_section(results, out_dir, out):
    """Issue 11's goals, each with its measured ratio (from this run's files)."""
    http = _jsonl(os.path.join(out_dir, "http.jsonl"))
    openl = _jsonl(os.path.join(out_dir, "openloop.jsonl"))
    if not http and not openl:
        return
    out += ["## Goals (issue 11) in this run", "",
            "Each ratio compares two measurements made one right after the other on this machine.", "",
            "| goal | target | measured |", "|---|---|---|"]
    nginx = {(r["target"].split("|", 1)[1], r["route"], r["connections"]): r for r in http
             if r["target"].startswith("nginx|")}
    for r in http:
        if r["target"].startswith("nginx|") or r["route"] != "GET /v1/orders/{id}":
            continue
        n = nginx.get((r["target"], r["route"], r["connections"]))
        if not n or not n["rps"] or not n["p99_ms"]:
            continue
        want = "≥ 0.6× nginx" if "sqlite" in r["target"] else "≥ 0.5× nginx, p99 ≤ 3× nginx's"
        out.append(f"| GET by id, {r['target']}, {r['connections']:,} connections | {want} | "
                   f"**{r['rps'] / n['rps']:.2f}×** ({r['rps']:,.0f} vs {n['rps']:,.0f} req/s); p99 "
                   f"{r['p99_ms']:.1f} ms = **{r['p99_ms'] / n['p99_ms']:.1f}×** nginx's {n['p99_ms']:.1f} ms |")
    # Claims over HTTP against the library's own claims at the server's concurrency (its worker threads): the
    # peer run by bench/http/run.sh right after, on the same backends (storage, cache, events), when present.
    peers = {r["target"].split("|", 1)[1]: r for r in http if r["target"].startswith("library|")}
    for r in http:
        if "|" in r["target"] or "claim" not in r["route"]:
            continue
        storage = "sqlite" if "sqlite" in r["target"] else "postgres"
        peer = peers.get(r["target"])
        if peer:
            lib_s, how = peer["per_s"], "`w3w-bench claims` at 32 threads on the same backends, right after"
        else:
            lib = _all(results, bench="claims", label=storage if storage == "sqlite" else "library", storage=storage)
            if not lib:
                continue
            lvl = max(x["threads"] for x in lib)
            lib_s = _mean([x for x in lib if x["threads"] == lvl], "per_s")
            how = f"`w3w-bench claims` at {lvl} threads (memory cache, no events)"
        won_s = r["rps"] * r.get("won", 0) / max(1, r.get("won", 0) + r.get("lost", 0) + r.get("other", 0))
        out.append(f"| claims over HTTP, {r['target']}, {r['connections']:,} connections | ≥ 0.9× the library's "
                   f"claims at the same concurrency | **{won_s / lib_s:.2f}×** ({won_s:,.0f} claims won/s over HTTP "
                   f"vs {lib_s:,.0f}/s for {how}; the server runs 32 workers"
                   + (f"; {r['rps']:,.0f} answers/s with the 409s of orders run out: {r['rps'] / lib_s:.2f}×"
                      if r.get("lost") else "") + ") |")
    for t in sorted({r["target"] for r in openl if not r["target"].startswith("nginx|")}):
        mine = sorted([r for r in openl if r["target"] == t], key=lambda r: r["rate"])
        under = [r["rate"] for r in mine if r["p99_ms"] is not None and r["p99_ms"] < 100]
        at = "; ".join(f"{r['rate']:,.0f}/s: {r['p50_ms']:.1f} / {r['p99_ms']:.1f} / {r['p999_ms']:.1f} ms"
                       for r in mine)
        conns = mine[0].get("open_connections", 0) if mine else 0
        out.append(f"| open loop, {t}, {conns:,} connections held | p99 < 100 ms"
                   + (" at 5k req/s" if "sqlite" in t else "") + " | highest rate with p99 < 100 ms: **"
                   + (f"{max(under):,.0f} req/s" if under else "none tried") + f"**; p50 / p99 / p99.9 at {at} |")
    out.append("")


def plots_section(out_dir, out):
    names = [("throughput_vs_connections.png", "Throughput and p99 by connections (GET by id, closed loop)"),
             ("library_vs_raw.png", "The library against the raw engines"),
             ("latency_vs_rate.png", "Latency percentiles by offered rate (open loop)"),
             ("batch_vs_throughput.png", "Batched commands: throughput by batch size")]
    present = [(f, t) for f, t in names if os.path.exists(os.path.join(out_dir, f))]
    if not present:
        return
    out += ["## Plots", ""]
    for f, t in present:
        out += [f"**{t}**", "", f"![{t}]({f})", ""]


def render(results, http_md=None):
    m = _find(results, bench="machine") or {}
    done = _find(results, bench="done") or {}
    out = ["# make bench", "",
           f"{m.get('started', '')}: {m.get('cpus', '?')} CPUs shared by the load generators and the servers; "
           f"load average {' '.join(m.get('load', []))} at the start, {' '.join(done.get('load', []))} at the end; "
           f"{m.get('seconds_per_run', '?')} s per timed run; {done.get('seconds', 0):.0f} s in all. "
           "Absolute figures depend on what else the machine runs; the ratios compare runs made one right after "
           "the other.", ""]
    out_dir = os.path.dirname(http_md) if http_md else ""
    goals_section(results, out_dir, out)
    plots_section(out_dir, out)
    claims_section(results, out)
    reads_section(results, out)
    replica_section(results, out)
    sqlite_section(results, out)
    batch_section(results, out)
    if http_md and os.path.exists(http_md):
        with open(http_md) as f:
            text = f.read().strip()
        out += ["#" + l if l.startswith("#") else l for l in text.splitlines()] + [""]  # its title becomes a section
    notes = done.get("notes") or []
    if notes:
        out += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(out)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        res = [json.loads(l) for l in f if l.strip()]
    print(render(res, sys.argv[2] if len(sys.argv) > 2 else None))
