#!/usr/bin/env python3
"""Where the time goes, per request, for one wrk point of bench/http/run.sh (standard library only).

measure.py OUT_JSONL TARGET ROUTE CONNS SERVER_PID -- CMD...

Runs CMD (wrk, or w3w-bench claims with SERVER_PID 0; its stdout is passed through) and, from just before to just after it, counts what every process
taking part spent: CPU (utime + stime) of the server under test (SERVER_PID: w3wallet-server or nginx, with its
children), of Redis, PostgreSQL (postmaster and backends), Kafka and CMD itself; the server's context switches
(voluntary, involuntary) and time spent runnable but waiting for a core (schedstat), summed over its threads;
Redis commands by name and the microseconds Redis spent in them (INFO commandstats); PostgreSQL transactions
committed (pg_stat_database). With perf usable, the server's system calls (perf stat raw_syscalls:sys_enter) and,
with W3W_BENCH_PERF_TOP=N, a flat CPU profile of the server (perf record, top N symbols).
Appends one JSON line to OUT_JSONL: totals and the number of requests CMD reported.
Services are found from the environment of scripts/services (W3W_TEST_REDIS_URL, W3W_PG_DATA, W3W_KAFKA_PIDFILE).
Bounded: it adds two snapshots and, with perf, one `perf stat` running as long as CMD.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse

TICK = os.sysconf("SC_CLK_TCK")


def children_of(pid):
    """Every descendant of pid (by /proc/*/stat parent links)."""
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                parents.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
            except (OSError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in parents.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def cpu_us(pids):
    """utime + stime of these processes (all their threads, dead children not counted), in microseconds."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                s = f.read()
            fields = s[s.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total * 1e6 / TICK


def threads_sched(pid):
    """(voluntary, involuntary context switches, ns runnable waiting for a core) summed over pid's threads."""
    vol = invol = wait = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0, 0, 0
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        vol += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches"):
                        invol += int(line.split()[1])
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                wait += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return vol, invol, wait


def redis_call(url, *args):
    """One command over a raw socket (RESP), the reply as text; None when Redis is not reachable."""
    u = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=2) as s:
            s.sendall(("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                m = re.match(rb"\$(\d+)\r\n", data)
                if m and len(data) >= m.end() + int(m.group(1)):
                    break
                if data[:1] in (b":", b"+", b"-") and data.endswith(b"\r\n"):
                    break
            return data.decode(errors="replace")
    except OSError:
        return None


def redis_stats(url):
    """({command: (calls, usec)}, redis-server pid) or ({}, None)."""
    text = redis_call(url, "INFO", "all") if url else None
    if not text:
        return {}, None
    stats, pid = {}, None
    for line in text.splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+),usec=(\d+)", line)
        if m:
            stats[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        elif line.startswith("process_id:"):
            pid = int(line.split(":")[1])
    return stats, pid


def pg_pids():
    data = os.environ.get("W3W_PG_DATA")
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            pm = int(f.readline())
    except (TypeError, OSError, ValueError):
        return []
    return [pm] + children_of(pm)


def reaped_us(pid):
    """CPU of pid's children that ended and were waited for (cutime + cstime): backends of a client gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return (int(fields[13]) + int(fields[14])) * 1e6 / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


def pg_commits():
    url = os.environ.get("W3W_TEST_PG_URL")
    if not url or not shutil.which("psql"):
        return None
    p = subprocess.run(["psql", "-Atq", url, "-c", "SELECT sum(xact_commit) FROM pg_stat_database"],
                       capture_output=True, text=True, timeout=10)
    try:
        return int(p.stdout.strip())
    except ValueError:
        return None


def kafka_pids():
    try:
        with open(os.environ["W3W_KAFKA_PIDFILE"]) as f:
            pid = int(f.read().split()[0])
        return [pid] + children_of(pid)
    except (KeyError, OSError, ValueError, IndexError):
        return []


def perf_usable():
    return shutil.which("perf") and subprocess.run(
        ["perf", "stat", "-e", "raw_syscalls:sys_enter", "-x,", "--", "true"], capture_output=True,
        timeout=10).returncode == 0


def snapshot(server_pid, redis_url):
    redis, redis_pid = redis_stats(redis_url)
    server = [server_pid] + children_of(server_pid) if server_pid else []
    return {
        "server_cpu_us": cpu_us(server),
        "sched": [sum(x) for x in zip(*[threads_sched(p) for p in server])],
        "redis_cpu_us": cpu_us([redis_pid]) if redis_pid else 0.0,
        "redis": redis,
        "pg_cpu_us": cpu_us(pg_pids()) + sum(reaped_us(p) for p in pg_pids()[:1]),
        "pg_commits": pg_commits(),
        "kafka_cpu_us": cpu_us(kafka_pids()),
    }


def perf_top(data, n):
    """Top n symbols of a flat perf profile: [[percent, dso, symbol], ...]."""
    p = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "--stdio",
                        "--percent-limit", "0.5"], capture_output=True, text=True, timeout=120)
    top = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[^\]]+\]\s+(.+)$", line)
        if m:
            top.append([float(m.group(1)), m.group(2), m.group(3).strip()[:80]])
        if len(top) >= n:
            break
    return top


def main():
    if "--" not in sys.argv or len(sys.argv) < 8:
        raise SystemExit(__doc__)
    sep = sys.argv.index("--")
    out_path, target, route, conns, server_pid = sys.argv[1:6]
    cmd = sys.argv[sep + 1:]
    server_pid = int(server_pid)
    redis_url = os.environ.get("W3W_TEST_REDIS_URL", "")
    top_n = int(os.environ.get("W3W_BENCH_PERF_TOP", "0") or 0)
    use_perf = perf_usable()
    tmp = tempfile.mkdtemp(prefix="w3w-measure.")
    perf_procs = []
    try:
        before = snapshot(server_pid, redis_url)
        pids = ",".join(str(p) for p in [server_pid] + children_of(server_pid)) if server_pid else ""
        if use_perf and pids:
            perf_procs.append(subprocess.Popen(
                ["perf", "stat", "-x,", "-o", f"{tmp}/stat", "-e", "raw_syscalls:sys_enter", "-p", pids],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if top_n:
                perf_procs.append(subprocess.Popen(
                    ["perf", "record", "-q", "-F", "499", "-o", f"{tmp}/perf.data", "-p", str(server_pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        text = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # its rusage: the load generator's CPU
        child.returncode = os.waitstatus_to_exitcode(status)
        for p in perf_procs:
            p.send_signal(signal.SIGINT)
        for p in perf_procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        after = snapshot(server_pid, redis_url)
        sys.stdout.write(text)
        line = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
        requests = (line[-1].get("requests") or line[-1].get("n") or 0) if line else 0  # wrk's, or w3w-bench's
        row = {"target": target, "route": route, "connections": int(conns), "requests": requests}
        for k in ("server_cpu_us", "redis_cpu_us", "pg_cpu_us", "kafka_cpu_us"):
            row[k] = after[k] - before[k]
        row["load_cpu_us"] = (usage.ru_utime + usage.ru_stime) * 1e6
        sb, sa = before["sched"] or [0, 0, 0], after["sched"] or [0, 0, 0]
        row["ctx_voluntary"], row["ctx_involuntary"] = sa[0] - sb[0], sa[1] - sb[1]
        row["runqueue_wait_us"] = (sa[2] - sb[2]) / 1000
        # INFO itself is counted once per snapshot: it is the measurement's, not the server's.
        calls = {c: after["redis"][c][0] - before["redis"].get(c, (0, 0))[0] - (c == "info")
                 for c in after["redis"]}
        row["redis_calls"] = {c: n for c, n in calls.items() if n > 0}
        row["redis_usec"] = sum(after["redis"][c][1] - before["redis"].get(c, (0, 0))[1] for c in after["redis"])
        if before["pg_commits"] is not None and after["pg_commits"] is not None:
            row["pg_commits"] = after["pg_commits"] - before["pg_commits"]
        if use_perf:
            try:
                with open(f"{tmp}/stat") as f:
                    for l in f:
                        parts = l.split(",")
                        if len(parts) > 2 and "raw_syscalls:sys_enter" in parts[2]:
                            row["syscalls"] = int(parts[0])
            except (OSError, ValueError):
                pass
            if top_n and os.path.exists(f"{tmp}/perf.data"):
                row["perf_top"] = perf_top(f"{tmp}/perf.data", top_n)
        with open(out_path, "a") as f:
            f.write(json.dumps(row) + "\n")
        return child.returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
