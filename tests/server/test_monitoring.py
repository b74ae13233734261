"""Dashboards and alerts against a real server: every metric name that deploy/grafana/w3wallet.json and
deploy/prometheus/alerts.yml use is exported by /metrics after a small workload, and the background
checks turn to "broken" when the books are really broken (rows of the SQLite file changed by hand)."""
import json
import os
import re
import subprocess
import time

import pytest
import requests
import yaml

from helpers import MODE, SERVER_BIN, Books, Server, User, deposit, item, new_currency

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "w3wallet.json")
ALERTS = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
# Series Prometheus makes itself, not the server.
PROMETHEUS_MADE = {"up"}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
            "offset", "inf", "nan",
            # aggregations: "sum by (le) (...)" puts the clause between the name and its parenthesis
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile"}


def promql_names(expr):
    """The metric names of a PromQL expression (Grafana variables allowed): a small tokenizer."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', expr)                   # strings
    expr = re.sub(r"\{[^}]*\}", " ", expr)                                      # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)                                     # ranges, subqueries
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r" \1 ", expr)  # label lists
    expr = re.sub(r"\$\{?\w+\}?", " ", expr)                                    # Grafana variables
    names = set()
    for m in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", expr):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def test_tokenizer():
    e = ('histogram_quantile(0.99, sum by (le, route) (rate(w3w_x_bucket{job=~"$job",route!="/m"}[$__rate_interval])))'
         ' / on(instance) group_left(currency) w3w_y > bool 1e6 and time() - w3w:z:rate5m offset 5m')
    assert promql_names(e) == {"w3w_x_bucket", "w3w_y", "w3w:z:rate5m"}


def exported(text):
    """Names with at least one sample, and the TYPE of each family."""
    samples, types = set(), {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line and not line.startswith("#"):
            samples.add(re.match(r"[A-Za-z_:][\w:]*", line).group(0))
    return samples, types


def dashboard_exprs():
    d = json.load(open(DASHBOARD))
    exprs = []
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)) and d["uid"] == "w3wallet" and all(p["gridPos"]["w"] <= 24 for p in d["panels"])
    for p in d["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", p["title"]
            exprs.append(t["expr"])
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    m = re.fullmatch(r"label_values\((\w+), job\)", variables["job"]["query"]["query"])
    assert m, variables["job"]
    exprs.append(m.group(1))
    return exprs


def alert_rules():
    groups = yaml.safe_load(open(ALERTS))["groups"]
    rules = [r for g in groups for r in g["rules"]]
    return [r["expr"] for r in rules], {r["record"] for r in rules if "record" in r}


def metrics(server):
    r = requests.get(server.url + "/metrics", timeout=10)
    assert r.status_code == 200
    return r.text


def gauge(text, name, labels=""):
    """Value of one sample, None when absent."""
    for line in text.splitlines():
        if line.startswith(name + (("{" + labels + "}") if labels else "") + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def wait_for(server, predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        text = metrics(server)
        if predicate(text):
            return text
        assert time.monotonic() < deadline, "timed out; last /metrics:\n" + text[-3000:]
        time.sleep(0.2)


@pytest.fixture
def checked_server(secret):
    """A server of its own whose checks run every second, on a currency of its own."""
    cur = new_currency()
    # A chain whose node never answers (nothing listens on port 9): its watcher's and sweeps' metrics are exported too.
    s = Server(["--check-interval", "1", "--check-currencies", f"USDC,{cur}",
                "--chain", "nowhere=http://127.0.0.1:9 assets=ETH=native:18 chain_id=1 timeout_ms=200"
                " sweep_thresholds=ETH=1 sweep_interval_ms=1000"], secret=secret)
    s.currency = cur
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


def workload(server):
    service, buyer = User(server, ("service",)), User(server)
    shopper, rival, auditor = User(server), User(server), User(server, ("auditor",))
    cur = server.currency
    deposit(service, buyer, cur, "100")
    assert shopper.post("/v1/supplies", {"currency": cur, "amount": "50"}).status_code == 201
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("10", 1)]}).json()
    claim = shopper.post(f"/v1/orders/{order['id']}/claim")
    assert claim.status_code == 201, claim.text
    assert rival.post(f"/v1/orders/{order['id']}/claim").status_code == 409
    assert buyer.post(f"/v1/claims/{claim.json()['id']}/process").status_code == 200
    assert buyer.get(f"/v1/orders/{order['id']}").status_code == 200
    assert auditor.get("/v1/audit/verify").json()["ok"] is True
    return buyer


def test_every_name_in_the_dashboard_and_alerts_is_exported(checked_server):
    workload(checked_server)
    text = wait_for(checked_server, lambda t: gauge(t, "w3w_audit_verify_ok") is not None)
    samples, types = exported(text)
    alert_exprs, recorded = alert_rules()
    used = {}
    for where, exprs in (("dashboard", dashboard_exprs()), ("alerts", alert_exprs)):
        for e in exprs:
            for name in promql_names(e):
                used.setdefault(name, where)
    missing = []
    for name, where in sorted(used.items()):
        if name in recorded or name in PROMETHEUS_MADE:
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if base != name and types.get(base) == "histogram":
            ok = name in samples
        else:
            ok = name in samples and types.get(name) not in (None, "histogram")
        if not ok:
            missing.append(f"{name} ({where})")
    assert not missing, f"used but not exported: {missing}"
    # The check is not vacuous: both files use many names, the new gauges among them.
    assert len(used) >= 25 and {"w3w_ledger_conservation_ok", "w3w_audit_verify_ok", "w3w_replica_lag_seconds",
                                "w3w_http_request_duration_seconds_bucket", "w3w_backend_up"} <= set(used)
    # The latency histogram has the SLO's 100 ms bound as a bucket.
    assert 'le="0.1"' in text


def test_checks_see_tampered_ledger_and_audit_chain(checked_server):
    """Tamper with the storage under a running server: conservation and the audit chain turn to broken."""
    s, cur = checked_server, checked_server.currency
    buyer = workload(s)
    t0 = time.time()
    text = wait_for(s, lambda t: (gauge(t, "w3w_ledger_conservation_last_check_timestamp_seconds") or 0) > t0
                    and (gauge(t, "w3w_audit_verify_last_run_timestamp_seconds") or 0) > t0)
    assert gauge(text, "w3w_ledger_conservation_ok", f'currency="{cur}"') == 1
    assert gauge(text, "w3w_ledger_conservation_ok", 'currency="USDC"') == 1
    assert gauge(text, "w3w_audit_verify_ok") == 1 and gauge(text, "w3w_audit_verify_first_bad_position") == 0
    assert gauge(text, "w3w_audit_records") >= 1 and gauge(text, "w3w_check_errors_total") == 0

    books = Books(s)
    try:
        # More in the buyer's account, with no transfer behind it.
        books.run("UPDATE accounts SET balance = balance + 1 WHERE user_id = %s AND currency = %s", buyer.id, cur)
        text = wait_for(s, lambda t: gauge(t, "w3w_ledger_conservation_ok", f'currency="{cur}"') == 0)
        assert gauge(text, "w3w_ledger_conservation_ok", 'currency="USDC"') == 1  # other books untouched
        assert gauge(text, "w3w_audit_verify_ok") == 1
        # Rewrite the outcome of the newest sealed audit record.
        pos, outcome = books.run("SELECT chain_pos, outcome FROM audit_log WHERE chain_pos IS NOT NULL"
                                 " ORDER BY chain_pos DESC LIMIT 1")[0]
        books.run("UPDATE audit_log SET outcome = 'tampered' WHERE chain_pos = %s", pos)
        text = wait_for(s, lambda t: gauge(t, "w3w_audit_verify_ok") == 0)
        assert gauge(text, "w3w_audit_verify_first_bad_position") == int(pos)
        # Put everything back: the next checks say OK again (the gauges follow the data, they do not latch).
        books.run("UPDATE audit_log SET outcome = %s WHERE chain_pos = %s", outcome, pos)
        books.run("UPDATE accounts SET balance = balance - 1 WHERE user_id = %s AND currency = %s", buyer.id, cur)
        wait_for(s, lambda t: gauge(t, "w3w_ledger_conservation_ok", f'currency="{cur}"') == 1
                 and gauge(t, "w3w_audit_verify_ok") == 1)
    finally:
        books.close()
    # Logged once each, on the change to broken.
    msgs = [e["msg"] for e in s.logs]
    assert msgs.count("ledger conservation broken") == 1, msgs
    assert msgs.count("audit chain verification failed") == 1, msgs
    # /metrics answered throughout without waiting for a check.
    assert not [e for e in s.logs if e.get("route") == "/metrics" and e.get("status") != 200]


def test_checks_options(tmp_path):
    """Bad currencies are refused at start, before anything is written; --check-interval 0 turns the checks off."""
    data_dir = tmp_path / "never-made"
    r = subprocess.run([SERVER_BIN, "serve", "--listen", "127.0.0.1:0", "--check-currencies", "usd,"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "W3W_DATA_DIR": str(data_dir)})
    assert r.returncode != 0 and "--check-currencies" in r.stderr, r.stderr
    assert not data_dir.exists(), "a refused start made the data directory"
    s = Server(["--check-interval", "0"])
    try:
        text = metrics(s)
        assert gauge(text, "w3w_checks_interval_seconds") == 0
        assert gauge(text, "w3w_audit_verify_ok") is None
        assert gauge(text, "w3w_ledger_conservation_last_check_timestamp_seconds") == 0
    finally:
        assert s.stop() == 0
