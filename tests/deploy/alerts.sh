#!/usr/bin/env bash
# deploy/prometheus: `promtool check rules` on alerts.yml, `promtool test rules` on its unit tests
# (Debian's prometheus package), then that every alert is tested both firing and not firing and
# has its runbook line in docs/operations.md. Fails when promtool is missing.
# Usage: tests/deploy/alerts.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROM=$ROOT/deploy/prometheus

command -v promtool >/dev/null || { echo "alerts: promtool is missing (scripts/install-deps.sh test: prometheus)" >&2; exit 1; }
promtool check rules "$PROM/alerts.yml"
promtool test rules "$PROM"/tests/*.yml

/usr/bin/python3 - "$PROM" "$ROOT/docs/operations.md" <<'PY'
import glob, sys, yaml

prom, runbook = sys.argv[1], open(sys.argv[2]).read()
alerts = [r["alert"] for g in yaml.safe_load(open(f"{prom}/alerts.yml"))["groups"] for r in g["rules"] if "alert" in r]
firing, quiet = set(), set()
for path in glob.glob(f"{prom}/tests/*.yml"):
    for test in yaml.safe_load(open(path))["tests"]:
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
problems = []
for a in alerts:
    if a not in firing:
        problems.append(f"{a}: no test where it fires")
    if a not in quiet:
        problems.append(f"{a}: no test where it stays quiet")
    if f"`{a}`" not in runbook:
        problems.append(f"{a}: no runbook line in docs/operations.md")
unknown = (firing | quiet) - set(alerts)
problems += [f"{a}: tested but not in alerts.yml" for a in sorted(unknown)]
if problems:
    sys.exit("alerts: " + "\n  ".join(["problems:"] + problems))
print(f"alerts: {len(alerts)} alerts, each tested firing and quiet, each with a runbook line")
PY
