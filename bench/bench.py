#!/usr/bin/env python3
"""The driver behind `make bench` (bench/run.sh BUILD_DIR): the library against the raw engines.

Everything is measured in one run on this machine and reported as ratios against the raw engine
measured right next to it (load generator and servers share the same cores):

  1. claims on PostgreSQL through the library (w3w-bench claims) at 1/8/32 threads, beside pgbench
     running the library's claim statement (bench/pgbench/claim.sql) with as many connections;
     with attribution runs: relay thread off, a no-op function (the round-trip floor);
     CPU per claim of the client process and of the PostgreSQL server (sampled from /proc);
  2. reads by id: cache none: vs Redis warm, beside pgbench SELECT and redis-benchmark GET;
  3. reads by id through a streaming replica vs the primary, with and without a commit position
     (W3W-Read-After), beside pgbench SELECT on the replica (its own primary + replica, pg-replicas.sh);
  4. SQLite claims at 1 and 8 threads, for reference; claims/s against the batch size at 1 thread on
     PostgreSQL and SQLite (w3w-bench batch, bench/results/batch.csv; W3W_BENCH_BATCH_SIZES), on
     PostgreSQL beside pgbench running the library's batch statement (bench/pgbench/claim_batch.sql)
     over as many claims per batch (W3W_BENCH_BATCH_CLAIMS per run);
  5. the HTTP bench (bench/http/run.sh), if present.

Writes OUTDIR/results.jsonl (one JSON object per measurement), OUTDIR/report.md, OUTDIR/bench.log.
Knobs: W3W_BENCH_SECONDS (timed part of each run, default 3), W3W_BENCH_LEVELS ("1 8 32"),
W3W_BENCH_READ_LEVELS ("1 8"), W3W_BENCH_HTTP (1; 0 skips bench/http), W3W_BENCH_DURATION (the HTTP
bench's seconds per point, default 4 here). W3W_BENCH_PARTS picks parts by key (comma-separated; default all):
pg-claims, reads, replica, pg-batches, sqlite-claims, sqlite-batches, http.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
HZ = os.sysconf("SC_CLK_TCK")


SECONDS = float(os.environ.get("W3W_BENCH_SECONDS", "") or 3)
LEVELS = [int(x) for x in (os.environ.get("W3W_BENCH_LEVELS", "") or "1 8 32").split()]
READ_LEVELS = [int(x) for x in (os.environ.get("W3W_BENCH_READ_LEVELS", "") or "1 8").split()]
READ_IDS = 1000
CATCHUP = 5  # seconds a run waits for its relay thread to catch up before it reports (and leaves the rest)
BIG_CAPACITY = 1_000_000  # orders a pgbench shopper's supply can cover


class Log:
    def __init__(self, path):
        self.f = open(path, "w")
        self.t0 = time.time()

    def __call__(self, msg, echo=True):
        line = f"[{time.time() - self.t0:6.1f}s] {msg}"
        self.f.write(line + "\n")
        self.f.flush()
        if echo:
            print(line, flush=True)


# ---- CPU accounting from /proc ---------------------------------------------------------------

def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # fields from 3 (state) on


def _schedstat_ns(path):
    with open(path) as f:
        return int(f.read().split()[0])


def server_cpu_ns(postmaster):
    """CPU of the PostgreSQL server: postmaster, its living children (ns-exact), and the reaped ones."""
    rest = _stat_fields(postmaster)
    total = _schedstat_ns(f"/proc/{postmaster}/schedstat") + (int(rest[13]) + int(rest[14])) * 1_000_000_000 // HZ
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if int(_stat_fields(name)[1]) == postmaster:
                total += _schedstat_ns(f"/proc/{name}/schedstat")
        except (OSError, ValueError, IndexError):
            pass  # gone meanwhile: its time moves to the postmaster's reaped-children total
    return total


def process_cpu_ns(pid):
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                total += _schedstat_ns(f"/proc/{pid}/task/{tid}/schedstat")
            except OSError:
                pass
    except OSError:
        return None
    return total


class Sampler(threading.Thread):
    """(wall time, server CPU ns, client CPU ns) every 100 ms while a load generator runs."""

    def __init__(self, postmaster, pid):
        super().__init__(daemon=True)
        self.postmaster, self.pid = postmaster, pid
        self.samples, self.stopping = [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            t = time.time()
            client = process_cpu_ns(self.pid)
            if client is not None:
                self.samples.append((t, server_cpu_ns(self.postmaster), client))
            self.stopping.wait(0.1)

    def stop(self):
        self.stopping.set()
        self.join()

    def at(self, t, column):
        s = self.samples
        if len(s) < 2 or t < s[0][0] or t > s[-1][0]:
            return None
        for a, b in zip(s, s[1:]):
            if a[0] <= t <= b[0]:
                f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0
                return a[column] + f * (b[column] - a[column])
        return None

    def per_op(self, t0, t1, ops):
        """Server and client CPU (µs) per operation over [t0, t1], clipped to the sampled span."""
        if not self.samples or ops <= 0:
            return None, None
        lo, hi = max(t0, self.samples[0][0]), min(t1, self.samples[-1][0])
        if hi - lo < 0.2:
            return None, None
        share = ops * (hi - lo) / (t1 - t0)  # operations are spread evenly enough over the window
        srv = (self.at(hi, 1) - self.at(lo, 1)) / share / 1e3
        cli = (self.at(hi, 2) - self.at(lo, 2)) / share / 1e3
        return srv, cli


# ---- the machine's tools ------------------------------------------------------------------------

class Bench:
    def __init__(self, build, out):
        self.build, self.out = build, out
        self.work = tempfile.mkdtemp(prefix="w3w-bench.")
        self.log = Log(os.path.join(out, "bench.log"))
        self.results = []
        self.results_file = open(os.path.join(out, "results.jsonl"), "w")
        self.w3w = os.path.join(build, "bench", "w3w-bench")
        self.notes = []
        self.t_start = time.time()
        self.pg_url = os.environ.get("W3W_TEST_PG_URL", "")
        self.redis_url = os.environ.get("W3W_TEST_REDIS_URL", "")
        bindir = os.environ.get("W3W_PG_BINDIR", "/usr/lib/postgresql/15/bin")
        self.pgbench = os.path.join(bindir, "pgbench")
        self.psql_bin = os.path.join(bindir, "psql") if os.path.exists(os.path.join(bindir, "psql")) else "psql"
        self.postmaster = None
        data = os.environ.get("W3W_PG_DATA", "")
        if data and os.path.exists(os.path.join(data, "postmaster.pid")):
            with open(os.path.join(data, "postmaster.pid")) as f:
                self.postmaster = int(f.readline())

    def record(self, d):
        self.results.append(d)
        self.results_file.write(json.dumps(d) + "\n")
        self.results_file.flush()

    def run(self, cmd, timeout, env=None, quiet=False):
        self.log(" ".join(str(c) for c in cmd), echo=False)
        p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, env=env)
        if p.stderr.strip():
            self.log("  stderr: " + p.stderr.strip()[-2000:], echo=not quiet)
        if p.returncode != 0:
            raise RuntimeError(f"{os.path.basename(str(cmd[0]))} exited {p.returncode}: {p.stderr.strip()[-500:]}")
        return p.stdout

    def psql(self, url, sql=None, file=None, variables=None, timeout=120):
        cmd = [self.psql_bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
        for k, v in (variables or {}).items():
            cmd += ["-v", f"{k}={v}"]
        if file:
            cmd += ["-f", file]
        for c in ([sql] if isinstance(sql, str) else sql or []):
            cmd += ["-c", c]  # one -c each: psql cannot mix SQL and a backslash command in one
        return self.run(cmd, timeout)

    def sampled(self, cmd, timeout):
        """Run a load generator with the CPU sampler beside it; (stdout, sampler)."""
        self.log(" ".join(str(c) for c in cmd), echo=False)
        p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        s = Sampler(self.postmaster, p.pid) if self.postmaster else None
        if s:
            s.start()
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            raise RuntimeError(f"{os.path.basename(str(cmd[0]))}: no result within {timeout} s")
        finally:
            if s:
                s.stop()
        if err.strip():
            self.log("  stderr: " + err.strip()[-2000:], echo=False)
        if p.returncode != 0:
            raise RuntimeError(f"{os.path.basename(str(cmd[0]))} exited {p.returncode}: {err.strip()[-800:]}")
        return out, s

    def elapsed(self):
        return time.time() - self.t_start


def last_json(out):
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("no result line")
    return json.loads(lines[-1])


class V7:
    """UUIDv7 as the library makes them (w3w_id_new): time-ordered, so pgbench's inserts land where
    the library's would, at the right end of each index."""

    def __init__(self):
        self.last_ms, self.seq = 0, 0

    def __call__(self):
        ms = int(time.time() * 1000)
        if ms > self.last_ms:
            self.last_ms, self.seq = ms, random.getrandbits(2)
        else:
            self.seq += 1
            if self.seq > 0xFFF:
                self.last_ms, self.seq = self.last_ms + 1, 0
        v = (self.last_ms << 80) | (7 << 76) | (self.seq << 64) | (2 << 62) | random.getrandbits(62)
        h = f"{v:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def percentile(sorted_v, p):
    if not sorted_v:
        return 0.0
    i = max(1, min(len(sorted_v), int(p * len(sorted_v) + 0.999999)))
    return sorted_v[i - 1]


# ---- PostgreSQL ---------------------------------------------------------------------------------

class Postgres:
    DB = "w3w_bench"

    def __init__(self, b):
        self.b = b
        u = urllib.parse.urlsplit(b.pg_url)
        self.url = urllib.parse.urlunsplit(u._replace(path="/" + self.DB))
        a = urllib.parse.urlsplit(os.environ["W3W_TEST_PG_ADMIN_URL"])
        self.admin = os.environ["W3W_TEST_PG_ADMIN_URL"]
        self.admin_bench = urllib.parse.urlunsplit(a._replace(path="/" + self.DB))
        self.orders_file = os.path.join(b.work, "orders.txt")
        self.shoppers_file = os.path.join(b.work, "shoppers.txt")
        self.next_order = 0
        self.v7 = V7()
        self.hash = "\\x" + os.urandom(32).hex()

    def fresh_database(self):
        b = self.b
        role = urllib.parse.urlsplit(b.pg_url).username
        b.psql(self.admin, f"DROP DATABASE IF EXISTS {self.DB} WITH (FORCE)")
        b.psql(self.admin, f"CREATE DATABASE {self.DB} OWNER {role}")
        # Server time per function call for the report (same overhead for the library and pgbench).
        b.psql(self.admin, f"ALTER DATABASE {self.DB} SET track_functions = 'pl'")
        # The ids of an earlier part's orders died with its database.
        for path in (self.orders_file, self.shoppers_file):
            if os.path.exists(path):
                os.remove(path)
        self.next_order = 0

    def prefill(self, orders, threads, shoppers=0):
        args = ["prefill", "--storage", self.url, "--orders", orders, "--threads", threads, "--out",
                self.orders_file + ".new"]
        if shoppers:
            args += ["--shoppers", shoppers, "--capacity", BIG_CAPACITY, "--shoppers-out", self.shoppers_file]
        d = last_json(self.b.run([self.b.w3w] + args, timeout=900))
        with open(self.orders_file, "a") as f, open(self.orders_file + ".new") as g:
            f.write(g.read())
        return d

    def take_orders(self, n):
        """The next n unused order ids: (skip, count) into the orders file."""
        skip = self.next_order
        self.next_order += n
        return skip, n

    def orders(self, skip, n):
        with open(self.orders_file) as f:
            ids = [l.strip() for l in f if l.strip()]
        return ids[skip:skip + n]

    def stats_reset(self):
        self.b.psql(self.admin_bench, "SELECT pg_stat_reset()")

    def function_stats(self):
        out = self.b.psql(self.admin_bench, "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions")
        return {f: {"calls": int(c), "total_ms": float(t), "self_ms": float(s)}
                for f, c, t, s in (l.split("|") for l in out.splitlines() if l)}

    def load_claims(self, ids, clients):
        """bench_claims: client c gets rows c*per+1.., its shopper, and ids made in claiming order."""
        with open(self.shoppers_file) as f:
            shoppers = [l.strip() for l in f if l.strip()]
        per = len(ids) // clients
        rows = {}
        for i in range(per):  # ids in the order the clients will use them: time-ordered like the library's
            for c in range(clients):
                n = c * per + i + 1
                oid, sh = ids[c * per + i], shoppers[c]
                cid, eid, aid = self.v7(), self.v7(), self.v7()
                payload = json.dumps({"order_id": oid, "claim_id": cid, "user_id": sh}, separators=(",", ":"))
                rows[n] = (oid, cid, eid, aid, sh, payload)
        path = os.path.join(self.b.work, "bench_claims.csv")
        with open(path, "w") as f:
            for n in sorted(rows):
                oid, cid, eid, aid, sh, payload = rows[n]
                f.write(f'{n},{oid},{cid},{eid},{aid},{sh},"{payload.replace(chr(34), chr(34) * 2)}"\n')
        self.b.psql(self.url, ["TRUNCATE bench_claims", f"\\copy bench_claims FROM '{path}' WITH (FORMAT csv)",
                              "ANALYZE bench_claims"])
        return per

    def pgbench(self, script, clients, variables, label, transactions=None, seconds=None):
        b = self.b
        prefix = os.path.join(b.work, f"pgb-{label}-{clients}")
        for old in os.listdir(b.work):
            if old.startswith(os.path.basename(prefix) + "."):
                os.remove(os.path.join(b.work, old))
        # -j 1: one pgbench thread drives all connections (it keeps up easily), and its CPU is then
        # exactly the main task's, which lives as long as the process.
        cmd = [b.pgbench, "-n", "-M", "prepared", "-c", clients, "-j", 1,
               "-f", os.path.join(HERE, "pgbench", script), "-l", "--log-prefix", prefix]
        cmd += ["-t", transactions] if transactions else ["-T", max(1, int(round(seconds)))]
        for k, v in variables.items():
            cmd += ["-D", f"{k}={v}"]
        cmd.append(self.url)
        out, s = b.sampled(cmd, timeout=10 * SECONDS + 60)
        starts, ends, lat = [], [], []
        for name in os.listdir(b.work):
            if not name.startswith(os.path.basename(prefix) + "."):
                continue
            with open(os.path.join(b.work, name)) as f:
                for line in f:
                    p = line.split()
                    if len(p) < 6:
                        continue
                    us, end = float(p[2]), int(p[4]) + int(p[5]) / 1e6
                    lat.append(us)
                    ends.append(end)
                    starts.append(end - us / 1e6)
        if not lat:
            raise RuntimeError(f"pgbench {script}: no transactions logged")
        lat.sort()
        t0, t1 = min(starts), max(ends)
        m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
        failed = re.search(r"number of failed transactions: (\d+)", out)
        d = {"bench": "pgbench", "label": label, "script": script, "threads": clients, "n": len(lat),
             "failed": int(failed.group(1)) if failed else 0, "seconds": t1 - t0, "per_s": len(lat) / (t1 - t0),
             "pgbench_tps": float(m.group(1)) if m else None, "mean_us": sum(lat) / len(lat),
             "p50_us": percentile(lat, .5), "p90_us": percentile(lat, .9), "p99_us": percentile(lat, .99),
             "p999_us": percentile(lat, .999), "max_us": lat[-1]}
        if s:
            d["server_cpu_us_per_op"], d["client_cpu_us_per_op"] = s.per_op(t0, t1, len(lat))
        return d

    def lib(self, sub, args, timeout=None):
        out, s = self.b.sampled([self.b.w3w, sub, "--storage", self.url] + args,
                                timeout=timeout or 10 * SECONDS + 120)
        d = last_json(out)
        if s and "start_wall" in d:
            d["server_cpu_us_per_op"], _ = s.per_op(d["start_wall"], d["end_wall"], d["n"])
        # The client's own count is exact (threads that ended are in it; /proc no longer lists them).
        d["client_cpu_us_per_op"] = d.get("cpu_us_per_op")
        return d

    def drain(self, label, max_seconds=60):
        d = last_json(self.b.run([self.b.w3w, "drain", "--storage", self.url, "--max-seconds", max_seconds],
                                 timeout=max_seconds + 120))
        d["label"] = label
        return d

    def clean(self, label, record_as="clean"):
        """Every measured run starts alike: nothing left to relay or seal, statistics up to date.

        ANALYZE first: the outbox take's plan depends on how many unsent rows the statistics expect
        (see docs/benchmarks.md), and draining a backlog under stale ones can take minutes."""
        self.b.psql(self.admin_bench, "ANALYZE outbox")
        d = self.drain(label)
        if d.get("drain_events") or not d.get("drain_complete", 1):
            d["bench"] = record_as
            self.b.record(d)
            if not d.get("drain_complete", 1):
                self.b.log(f"clean ({label}): {d['drain_events']:.0f} events relayed in {d['drain_ms'] / 1e3:.0f} s, "
                           f"not all: {d.get('drain_error', 'time bound')}")
        self.b.psql(self.admin_bench, "ANALYZE outbox, audit_log")


def claims_on_postgres(b, pg):
    log = b.log
    log("postgres: fresh database, helper tables")
    pg.fresh_database()
    pg.prefill(400, 8)  # applies the migrations and warms up; these orders are not used
    b.psql(pg.url, file=os.path.join(HERE, "pgbench", "setup.sql"))
    d = pg.prefill(2000, 16)
    prefill_rate = d["per_s"]
    log(f"postgres: order creation through the library (relay thread off): {d['per_s']:.0f}/s (16 threads)")
    pg.next_order = 400
    pg.clean("calibration")
    skip, count = pg.take_orders(2000)
    d = pg.lib("claims", ["--threads", 8, "--orders", pg.orders_file, "--skip", skip, "--count", count,
                          "--duration", 1.5, "--label", "calibration"])
    rate = max(min(d["per_s"], prefill_rate), 50.0)
    log(f"postgres: a first measure of claims: {d['per_s']:.0f}/s at 8 threads")
    # Orders a run may use (a run that uses them up before its time ends just ends sooner).
    size = {lvl: int(min(60_000, max(300, rate * SECONDS * (0.3 if lvl == 1 else 0.9 if lvl <= 8 else 1.0))))
            for lvl in LEVELS}
    # Per level, ABBA: library, pgbench, pgbench, library (drift on this shared machine cancels out),
    # then the attribution runs.
    plan = []
    for lvl in LEVELS:
        plan += [("lib", lvl, 1), ("pgbench", lvl, 1), ("pgbench", lvl, 2), ("lib", lvl, 2), ("relay_off", lvl, 1)]
    total = sum(size[k[1]] for k in plan) + READ_IDS
    log(f"postgres: prefilling {total} orders for {len(plan)} runs of up to {SECONDS:g} s")
    d = pg.prefill(total, 16, shoppers=max(LEVELS))
    d["label"] = "prefill"
    b.record(d)
    pg.clean("prefill")
    pg.reads = pg.take_orders(READ_IDS)
    slices = {k: pg.take_orders(size[k[1]]) for k in plan}
    now = int(time.time() * 1e6)
    fixed = {"hash": pg.hash, "now": now, "expires": now + 86400 * 10**6}

    def library(lvl, rnd, label="library", extra=()):
        skip, count = slices[({"library": "lib", "relay off": "relay_off", "timer relay": "timer"}[label], lvl, rnd)]
        pg.clean(f"before {label} x{lvl}")
        pg.stats_reset()
        d = pg.lib("claims", list(extra) + ["--threads", lvl, "--orders", pg.orders_file, "--skip", skip,  # first wins
                                            "--count", count, "--duration", SECONDS, "--catchup", CATCHUP,
                                            "--label", label])
        d["functions"], d["round"] = pg.function_stats(), rnd
        b.record(d)
        catchup = f", relay {d['backlog_end']:.0f} behind, {d['relay_catchup_ms'] / 1e3:.1f} s to catch up" \
            if d.get("relay") else ""
        log(f"claims x{lvl}: {label} {d['per_s']:.0f}/s p50 {d['p50_us'] / 1e3:.2f} ms "
            f"p99 {d['p99_us'] / 1e3:.2f} ms ({d['n']} claims{catchup})")
        return d

    def raw(lvl, rnd, n):
        skip, _ = slices[("pgbench", lvl, rnd)]
        per = pg.load_claims(pg.orders(skip, n), lvl)
        pg.clean(f"before pgbench x{lvl}")
        pg.stats_reset()
        d = pg.pgbench("claim.sql", lvl, dict(fixed, per=per, i=0), "raw", transactions=per)
        d["functions"], d["round"] = pg.function_stats(), rnd
        b.record(d)
        log(f"claims x{lvl}: pgbench {d['per_s']:.0f}/s p50 {d['p50_us'] / 1e3:.2f} ms "
            f"p99 {d['p99_us'] / 1e3:.2f} ms ({d['n']} claims)")
        pg.clean(f"after pgbench x{lvl}", record_as="drain")  # relay and seal what pgbench's claims left, timed
        return d, per

    for lvl in LEVELS:
        a1 = library(lvl, 1)
        n = max(lvl, a1["n"] // lvl * lvl)  # pgbench makes as many claims as the library did
        b1, _ = raw(lvl, 1, n)
        b2, per = raw(lvl, 2, n)
        a2 = library(lvl, 2)
        log(f"claims x{lvl}: library/pgbench {(a1['per_s'] + a2['per_s']) / (b1['per_s'] + b2['per_s']):.2f}")
        library(lvl, 1, "relay off", ["--relay", 0, "--drain", 0])
        pg.clean(f"after relay off x{lvl}", record_as="drain")  # its events and audit records, timed
        noop = pg.pgbench("noop_claim.sql", lvl, dict(fixed, rows=per * lvl), "noop", seconds=max(2, SECONDS / 2))
        b.record(noop)
        log(f"claims x{lvl}: pgbench, no-op function {noop['per_s']:.0f}/s (the round-trip floor)")

    # What the row pick costs pgbench, server side.
    plans = explain(b, pg.url, "pick_cost.sql", {"rows": max(1, per * lvl)})
    if len(plans) == 2:
        pick = (plans[0]["Execution Time"] - plans[1]["Execution Time"]) * 1e3 / 20000
        b.record({"bench": "pick_cost", "us_per_pick": pick})
        log(f"pgbench's row pick: {pick:.2f} µs per claim, server side")
    # The relay's outbox take with a backlog, as written and rewritten (rolled back).
    pending = 5000
    plans = explain(b, pg.url, "outbox_take_plan.sql", {"pending": pending})
    if len(plans) == 2:
        top = (plans[0]["Plan"].get("Plans") or [{}])[0]
        d = {"bench": "take_plan", "pending": pending, "as_written_ms": plans[0]["Execution Time"],
             "as_written_plan": f"{top.get('Node Type', '?')} {top.get('Join Type', '')}".strip(),
             "rewritten_ms": plans[1]["Execution Time"]}
        b.record(d)
        log(f"outbox take with {pending} unsent rows: {d['as_written_ms']:.0f} ms as written "
            f"({d['as_written_plan']}), {d['rewritten_ms']:.1f} ms with = ANY (ARRAY(...))")


def explain(b, url, script, variables):
    """The EXPLAIN (FORMAT JSON) results a script prints, in order."""
    out = b.psql(url, file=os.path.join(HERE, "pgbench", script), variables=variables)
    return [json.loads(m)[0] for m in re.findall(r"^\[.*?^\]", out, re.S | re.M)]


def reads(b, pg):
    log = b.log
    pg.clean("before reads")
    skip, count = pg.reads
    ids = pg.orders(skip, count)
    with open(os.path.join(b.work, "bench_reads.csv"), "w") as f:
        for i, oid in enumerate(ids, 1):
            f.write(f"{i},{oid}\n")
    b.psql(pg.url, ["TRUNCATE bench_reads",
                    f"\\copy bench_reads FROM '{os.path.join(b.work, 'bench_reads.csv')}' WITH (FORMAT csv)",
                    "ANALYZE bench_reads"])
    rsec = 2.0
    common = ["--orders", pg.orders_file, "--skip", skip, "--count", count, "--duration", rsec]
    redis = urllib.parse.urlsplit(b.redis_url) if b.redis_url else None
    if redis:
        host, port = redis.hostname or "127.0.0.1", str(redis.port or 6379)
        db = (redis.path or "/0").strip("/") or "0"
        key = f"order:{ids[0]}"  # the cached order as the library stores it: redis-benchmark GETs that key

    def lib(lvl, rnd, label, cache, fill=0):
        d = pg.lib("reads", ["--threads", lvl, "--cache", cache, "--fill", fill, "--label", label] + common)
        d["round"] = rnd
        b.record(d)
        return d

    def sql(lvl, rnd):
        d = pg.pgbench("read_order.sql", lvl, {"rows": len(ids)}, "read", seconds=rsec)
        d["round"] = rnd
        b.record(d)
        return d

    def get(lvl, rnd, n):
        out = b.run(["redis-benchmark", "-h", host, "-p", port, "--dbnum", db, "-c", lvl, "-n", n, "-P", 1,
                     "--csv", "GET", key], timeout=10 * rsec + 60)
        row = [l for l in out.splitlines() if l.startswith('"GET')]
        if not row:
            raise RuntimeError("redis-benchmark gave no GET line")
        f = [x.strip('"') for x in row[-1].split(",")]
        d = {"bench": "redis-benchmark", "label": "GET", "threads": lvl, "n": n, "round": rnd, "per_s": float(f[1]),
             "mean_us": float(f[2]) * 1e3, "p50_us": float(f[4]) * 1e3, "p99_us": float(f[6]) * 1e3}
        b.record(d)
        return d

    for lvl in READ_LEVELS:
        a1, b1, b2, a2 = lib(lvl, 1, "no cache", "none:"), sql(lvl, 1), sql(lvl, 2), lib(lvl, 2, "no cache", "none:")
        log(f"reads x{lvl}: library, no cache {(a1['per_s'] + a2['per_s']) / 2:.0f}/s; pgbench SELECT "
            f"{(b1['per_s'] + b2['per_s']) / 2:.0f}/s -> {(a1['per_s'] + a2['per_s']) / (b1['per_s'] + b2['per_s']):.2f}")
        if not redis:
            continue
        a1 = lib(lvl, 1, "redis", b.redis_url, fill=1)
        if not _find_bench(b.results, "redis_value"):
            sizes = [int(b.run(["redis-cli", "-h", host, "-p", port, "-n", db, "STRLEN", k], timeout=30).strip() or 0)
                     for k in (key, key + ":items")]
            b.record({"bench": "redis_value", "key_bytes": sizes[0], "items_bytes": sizes[1]})
        n = int(min(2_000_000, max(5000, a1["per_s"] * 2 * 1.5)))  # about 1.5 s at twice the library's rate
        b1, b2 = get(lvl, 1, n), get(lvl, 2, n)
        a2 = lib(lvl, 2, "redis", b.redis_url)
        log(f"reads x{lvl}: library, Redis warm {(a1['per_s'] + a2['per_s']) / 2:.0f}/s (first pass "
            f"{a1.get('fill_per_s', 0):.0f}/s); redis-benchmark GET {(b1['per_s'] + b2['per_s']) / 2:.0f}/s -> "
            f"{(a1['per_s'] + a2['per_s']) / (b1['per_s'] + b2['per_s']):.2f}")


def _free_port():
    import socket
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


def replica_reads(b):
    """Reads by id through a replica vs the primary, and with a position, beside pgbench on the replica."""
    log = b.log
    script = os.path.join(os.path.dirname(HERE), "scripts", "services", "pg-replicas.sh")
    d = tempfile.mkdtemp(prefix="w3w-bench-replica-", dir="/tmp")  # the postgres user must reach it
    p_port, r_port = _free_port(), _free_port()
    primary, replica = (f"postgres://w3w:w3w@127.0.0.1:{p}/w3w" for p in (p_port, r_port))
    orders_file = os.path.join(b.work, "replica-orders.txt")
    rsec = 2.0
    try:
        b.run([script, d, "primary", p_port], timeout=120, quiet=True)
        b.run([script, d, "standby", "r1", r_port], timeout=120, quiet=True)
        b.run([b.w3w, "prefill", "--storage", primary, "--orders", READ_IDS, "--threads", 4, "--out", orders_file],
              timeout=600)
        with open(orders_file) as f:
            ids = [l.strip() for l in f if l.strip()]
        with open(os.path.join(b.work, "replica_reads.csv"), "w") as f:
            for i, oid in enumerate(ids, 1):
                f.write(f"{i},{oid}\n")
        b.psql(primary, file=os.path.join(HERE, "pgbench", "setup.sql"))
        b.psql(primary, ["TRUNCATE bench_reads",
                         f"\\copy bench_reads FROM '{os.path.join(b.work, 'replica_reads.csv')}' WITH (FORMAT csv)",
                         "ANALYZE bench_reads"])
        position = b.psql(primary, "SELECT pg_current_wal_insert_lsn()").strip()
        for _ in range(400):  # the replica has replayed everything above
            if b.psql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{position}'").strip() == "t":
                break
            time.sleep(0.05)
        common = ["--orders", orders_file, "--count", len(ids), "--duration", rsec, "--cache", "none:"]

        def lib(lvl, label, extra):
            d_ = last_json(b.run([b.w3w, "reads", "--storage", primary, "--threads", lvl, "--label", label] + common
                                 + extra, timeout=60 * rsec + 120))
            b.record(d_)
            return d_

        def pgb(lvl):
            out = b.run([b.pgbench, "-n", "-M", "prepared", "-c", lvl, "-j", 1, "-T", int(rsec), "-D",
                         f"rows={len(ids)}", "-f", os.path.join(HERE, "pgbench", "read_order.sql"), replica],
                        timeout=60 * rsec + 120)
            tps = re.search(r"tps = ([0-9.]+)", out)
            lat = re.search(r"latency average = ([0-9.]+) ms", out)
            d_ = {"bench": "pgbench", "label": "replica read", "threads": lvl,
                  "per_s": float(tps.group(1)) if tps else 0.0, "mean_us": float(lat.group(1)) * 1e3 if lat else None}
            b.record(d_)
            return d_

        for lvl in READ_LEVELS:
            prim = lib(lvl, "primary", [])
            rep = lib(lvl, "replica", ["--read-storage", replica])
            after = lib(lvl, "replica, read after", ["--read-storage", replica, "--read-after", position])
            raw = pgb(lvl)
            log(f"replica reads x{lvl}: primary {prim['per_s']:.0f}/s p99 {prim['p99_us'] / 1e3:.2f} ms; replica "
                f"{rep['per_s']:.0f}/s p99 {rep['p99_us'] / 1e3:.2f} ms; with a position {after['per_s']:.0f}/s "
                f"p99 {after['p99_us'] / 1e3:.2f} ms; pgbench SELECT on the replica {raw['per_s']:.0f}/s -> "
                f"{rep['per_s'] / raw['per_s']:.2f}" if raw["per_s"] else "")
    finally:
        subprocess.run([script, d, "stop-all"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def _find_bench(results, name):
    return any(r.get("bench") == name for r in results)


def sqlite_claims(b):
    for lvl in sorted(set(LEVELS) | {1}):
        db = os.path.join(b.work, f"sqlite-{lvl}.db")
        prefill = 9000 if lvl == 1 else 12000  # about 3 s of claims here
        prefill = int(min(prefill, max(500, prefill * SECONDS / 3)))
        out = b.run([b.w3w, "claims", "--storage", f"sqlite:{db}", "--threads", lvl, "--prefill", prefill,
                     "--duration", SECONDS, "--catchup", CATCHUP, "--label", "sqlite"],
                     timeout=20 * SECONDS + 180)
        d = last_json(out)
        b.record(d)
        b.log(f"sqlite claims x{lvl}: {d['per_s']:.0f}/s p50 {d['p50_us'] / 1e3:.2f} ms p99 {d['p99_us'] / 1e3:.2f} ms")


BATCH_SIZES = os.environ.get("W3W_BENCH_BATCH_SIZES", "") or "0,1,10,100,1000"
BATCH_CLAIMS = int(os.environ.get("W3W_BENCH_BATCH_CLAIMS", "") or 5000)
BATCH_ROUNDS = 3
_batch_csv_started = set()
BATCH_CSV = ("storage", "size", "rounds", "n", "seconds", "per_s", "speedup", "call_p50_us", "call_p99_us", "rt_per_op",
             "cpu_us_per_op", "pgbench_per_s", "vs_pgbench")


def batch_rows(b, storage, rows):
    """The speedup over size 0 of the same run; results.jsonl ("bench": "batch") and batch.csv."""
    single = next((r["per_s"] for r in rows if r["size"] == 0), None)
    path = os.path.join(b.out, "batch.csv")
    new = path not in _batch_csv_started  # a file of this run's figures only
    _batch_csv_started.add(path)
    with open(path, "w" if new else "a") as f:
        if new:
            f.write(",".join(BATCH_CSV) + "\n")
        for r in rows:
            r["speedup"] = r["per_s"] / single if single else None
            b.record(r)
            f.write(",".join("" if r.get(k) is None else str(r.get(k)) for k in BATCH_CSV) + "\n")
            b.log(f"{storage} batch {r['size']}: {r['per_s']:.0f} claims/s"
                  + (f" ({r['speedup']:.1f}x single)" if r["speedup"] else "")
                  + (f"; pgbench {r['pgbench_per_s']:.0f}/s, library/pgbench {r['vs_pgbench']:.2f}"
                     if r.get("vs_pgbench") else ""))


def batch_sizes(b, storage, url):
    """Claims/s against the batch size on one thread (w3w-bench batch; size 0 = single claims; per_s the
    median of 3 interleaved rounds)."""
    out = b.run([b.w3w, "batch", "--storage", url, "--sizes", BATCH_SIZES, "--claims", BATCH_CLAIMS,
                 "--duration", SECONDS, "--label", storage], timeout=60 * SECONDS + 600)
    load = open("/proc/loadavg").read().split()[:3]
    batch_rows(b, storage, [dict(json.loads(line), load=load) for line in out.splitlines() if line.startswith("{")])


def _median(v):
    v = sorted(v)
    return (v[len(v) // 2] + v[(len(v) - 1) // 2]) / 2 if v else None


def batches_on_postgres(b):
    """Claims/s against the batch size on one thread on PostgreSQL, the library beside pgbench running the
    library's batch statement (bench/pgbench/claim_batch.sql; size 0: claim.sql, the single statement) over as
    many claims of prefilled orders. Rounds outside, sizes inside, library then pgbench for each: the machine's
    load moving between runs hits both alike. Each side's figure is the median of its rounds."""
    pg = Postgres(b)
    pg.fresh_database()
    pg.prefill(400, 8)  # applies the migrations and warms up; these orders are not used
    b.psql(pg.url, file=os.path.join(HERE, "pgbench", "setup.sql"))
    pg.next_order = 400
    sizes = [int(x) for x in BATCH_SIZES.split(",")]
    claims = {k: max(k, BATCH_CLAIMS // k * k) if k else BATCH_CLAIMS for k in sizes}
    pg.prefill(sum(claims.values()) * BATCH_ROUNDS, 16, shoppers=1)
    pg.clean("batch prefill")
    now = int(time.time() * 1e6)
    fixed = {"hash": pg.hash, "now": now, "expires": now + 86400 * 10**6}
    lib = {k: [] for k in sizes}
    raw = {k: [] for k in sizes}
    for rnd in range(BATCH_ROUNDS):
        for k in sizes:
            out = b.run([b.w3w, "batch", "--storage", pg.url, "--sizes", k, "--claims", BATCH_CLAIMS, "--rounds", 1,
                         "--duration", 10 * SECONDS, "--label", "postgres"], timeout=60 * SECONDS + 600)
            lib[k].append(last_json(out))
            per = pg.load_claims(pg.orders(*pg.take_orders(claims[k])), 1)
            pg.clean(f"before pgbench batch {k}")
            # A lone element goes as the single statement (core/batch.c): so does pgbench's.
            d = pg.pgbench("claim_batch.sql" if k > 1 else "claim.sql", 1, dict(fixed, per=per, i=0, size=max(k, 1)),
                           f"batch {k}", transactions=per // max(k, 1))
            d.update(bench="pgbench_batch", size=k, round=rnd, per_s=d["per_s"] * max(k, 1))
            b.record(d)
            raw[k].append(d)
            b.log(f"postgres batch {k}, round {rnd + 1}: library {lib[k][-1]['per_s']:.0f} claims/s, "
                  f"pgbench {d['per_s']:.0f}/s")
    rows = []
    for k in sizes:
        r = dict(lib[k][0])
        r.update(rounds=BATCH_ROUNDS, n=sum(x["n"] for x in lib[k]), failed=sum(x["failed"] for x in lib[k]),
                 seconds=sum(x["seconds"] for x in lib[k]), per_s=_median([x["per_s"] for x in lib[k]]),
                 per_s_rounds=[round(x["per_s"], 1) for x in lib[k]],
                 call_p50_us=_median([x["call_p50_us"] for x in lib[k]]),
                 call_p99_us=_median([x["call_p99_us"] for x in lib[k]]),
                 cpu_us_per_op=_median([x.get("cpu_us_per_op") or 0 for x in lib[k]]),
                 pgbench_per_s=_median([x["per_s"] for x in raw[k]]),
                 pgbench_per_s_rounds=[round(x["per_s"], 1) for x in raw[k]],
                 load=open("/proc/loadavg").read().split()[:3])
        r["vs_pgbench"] = r["per_s"] / r["pgbench_per_s"] if r["pgbench_per_s"] else None
        rows.append(r)
    batch_rows(b, "postgres", rows)


def http(b):
    script = os.path.join(HERE, "http", "run.sh")
    if not os.access(script, os.X_OK) or os.environ.get("W3W_BENCH_HTTP", "1") == "0":
        b.notes.append("HTTP: bench/http/run.sh not run" + (" (W3W_BENCH_HTTP=0)" if os.access(script, os.X_OK) else
                                                         " (absent)"))
        return
    env = dict(os.environ)
    env.setdefault("W3W_BENCH_DURATION", "4")
    b.log(f"http: bench/http/run.sh ({env['W3W_BENCH_DURATION']} s per point)")
    t0 = time.time()
    p = subprocess.run([script, b.build, b.out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900, env=env)
    with open(os.path.join(b.out, "http.log"), "w") as f:
        f.write(p.stdout)
    b.record({"bench": "http", "exit": p.returncode, "seconds": time.time() - t0})
    if p.returncode != 0:
        b.notes.append(f"HTTP: bench/http/run.sh exited {p.returncode} (see http.log)")


def plot_python():
    """A Python with matplotlib: this one, or Debian's (python3-matplotlib) when python3 is another one."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.access(py, os.X_OK) and subprocess.run([py, "-c", "import matplotlib"],
                                                     capture_output=True).returncode == 0:
            return py
    return None


def plots(b, out):
    """PNG plots of this run (bench/plots.py) beside report.md; a missing matplotlib is a failure, not a skip."""
    p = subprocess.run([plot_python(), os.path.join(HERE, "plots.py"), out], capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        b.log(f"plots: FAILED: {p.stderr[-2000:]}")
        return 1
    b.log("plots: " + ", ".join(p.stdout.split()))
    return 0


def main():
    if len(sys.argv) != 3:
        print("usage: bench.py BUILD_DIR OUTDIR", file=sys.stderr)
        return 2
    build, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not plot_python():
        print("bench: matplotlib is required for the plots (scripts/install-deps.sh: python3-matplotlib)",
              file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    for stale in os.listdir(out):  # a part not run this time leaves nothing behind (batch*.csv is another bench's)
        if stale in ("http.md", "http.jsonl", "openloop.jsonl", "http-meta.json", "measure.jsonl") or stale.endswith(".png"):
            os.remove(os.path.join(out, stale))
    b = Bench(build, out)
    status = 0
    try:
        b.record({"bench": "machine", "cpus": os.cpu_count(), "load": open("/proc/loadavg").read().split()[:3],
                  "seconds_per_run": SECONDS, "levels": LEVELS, "catchup_seconds": CATCHUP, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")})
        steps = []
        if b.pg_url and b.postmaster:
            pg = Postgres(b)
            steps += [("pg-claims", "claims on PostgreSQL", lambda: claims_on_postgres(b, pg)),
                      ("reads", "reads", lambda: reads(b, pg)),
                      ("replica", "replica reads", lambda: replica_reads(b)),
                      ("pg-batches", "batches on PostgreSQL", lambda: batches_on_postgres(b))]
        else:
            b.notes.append("PostgreSQL: W3W_TEST_PG_URL/W3W_PG_DATA not set (run under scripts/services/with-services.sh)")
        steps += [("sqlite-claims", "SQLite claims", lambda: sqlite_claims(b)),
                  ("sqlite-batches", "batches on SQLite",
                   lambda: batch_sizes(b, "sqlite", "sqlite:" + os.path.join(b.work, "batch.db"))),
                  ("http", "HTTP", lambda: http(b))]
        parts = [p for p in os.environ.get("W3W_BENCH_PARTS", "").replace(",", " ").split()]
        unknown = set(parts) - {key for key, _, _ in steps}
        if unknown:
            raise SystemExit(f"bench: W3W_BENCH_PARTS: unknown part(s) {', '.join(sorted(unknown))}")
        for key, name, step in steps:
            if parts and key not in parts:
                b.notes.append(f"{name}: not run (W3W_BENCH_PARTS={' '.join(parts)})")
                continue
            try:
                step()
            except Exception as e:  # one failed part must not hide the others' figures
                status = 1
                b.notes.append(f"{name}: FAILED: {e}")
                b.log(f"{name}: FAILED: {e}")
        b.record({"bench": "done", "seconds": b.elapsed(), "load": open("/proc/loadavg").read().split()[:3],
                  "notes": b.notes})
    finally:
        b.results_file.close()
        shutil.rmtree(b.work, ignore_errors=True)
    status |= plots(b, out)
    import report  # bench/report.py
    text = report.render(b.results, os.path.join(out, "http.md"))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    print(text)
    return status


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    sys.exit(main())
