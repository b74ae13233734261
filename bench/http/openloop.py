#!/usr/bin/env python3
"""Open-loop load for bench/http/run.sh (standard library only): vegeta sends at a fixed rate whatever the
answers take, so a slow server shows as latency, not as fewer requests (closed-loop wrk hides it).

openloop.py targets WORK BASE_URL RATE SECONDS CHUNK   vegeta JSON targets on stdout: 80 % GET /v1/orders/{id},
                                                       15 % claims (distinct open orders of WORK/claim_ids.CHUNK),
                                                       5 % order creation, interleaved, RATE*SECONDS of them
                                                       (CHUNK "warm": reads only, for the unrecorded warm-up)
openloop.py hold N HOST PORT SECONDS                   keep N keep-alive connections open (one request each, then
                                                       idle) for SECONDS or until killed: the many open users
openloop.py summary CSV TARGET RATE SECONDS CONNS      one JSON line: p50/p99/p99.9 ms, achieved rate, status counts
                                                       (CSV from `vegeta encode -to csv`)
"""
import base64
import json
import os
import signal
import socket
import sys
import time

CURRENCY = "BENCH"
# 20 slots: 16 reads, 3 claims, 1 creation.
PATTERN = "GGGGCGGGGGCGGGGNGGCG"


def lines(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


def targets(work, base, rate, seconds, chunk):
    n = int(float(rate) * float(seconds))
    reads = lines(f"{work}/read_ids")
    reader = lines(f"{work}/reader.tok")[0]
    claims = lines(f"{work}/claim_ids.{chunk}") if os.path.exists(f"{work}/claim_ids.{chunk}") else []
    shoppers = lines(f"{work}/shoppers.tok")
    buyers = lines(f"{work}/buyers.tok")
    body = json.dumps({"currency": CURRENCY, "items": [{"product_id": "0190c2a1-7b3c-7d10-8e2f-1234567890ab",
                       "product_name": "Bench item", "price": "0.00000001", "quantity": 1}]}).encode()
    body64 = base64.b64encode(body).decode()
    out = sys.stdout
    c = 0
    for i in range(n):
        kind = PATTERN[i % len(PATTERN)]
        if kind == "C" and claims:
            t = {"method": "POST", "url": f"{base}/v1/orders/{claims[c % len(claims)]}/claim",
                 "header": {"Authorization": ["Bearer " + shoppers[c % len(shoppers)]]}}
            c += 1
        elif kind == "N" and chunk != "warm":
            t = {"method": "POST", "url": f"{base}/v1/orders", "body": body64,
                 "header": {"Authorization": ["Bearer " + buyers[i % len(buyers)]],
                            "Content-Type": ["application/json"]}}
        else:
            t = {"method": "GET", "url": f"{base}/v1/orders/{reads[i % len(reads)]}",
                 "header": {"Authorization": ["Bearer " + reader]}}
        out.write(json.dumps(t, separators=(",", ":")) + "\n")


def hold(n, host, port, seconds):
    """Open n connections, one keep-alive request on each, then keep them idle; print how many are open."""
    socks, failed = [], 0
    req = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    deadline = time.time() + float(seconds)
    for _ in range(int(n)):
        try:
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(req)
            socks.append(s)
        except OSError:
            failed += 1
    for s in socks:  # read the answers so each connection is an idle keep-alive one
        try:
            s.recv(4096)
        except OSError:
            failed += 1
    print(json.dumps({"open": len(socks), "failed": failed}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while time.time() < deadline:
        time.sleep(0.2)


def percentile(v, p):
    if not v:
        return None
    k = min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def summary(csv_path, target, rate, seconds, conns):
    lat, codes, first, last = [], {}, None, None
    with open(csv_path) as f:
        for line in f:
            p = line.split(",", 6)
            if len(p) < 6:
                continue
            ts, code, ns = int(p[0]), p[1], int(p[2])
            lat.append(ns / 1e6)
            codes[code] = codes.get(code, 0) + 1
            first = ts if first is None else min(first, ts)
            last = ts if last is None else max(last, ts)
    lat.sort()
    span = (last - first) / 1e9 if first is not None and last > first else float(seconds)
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    print(json.dumps({"target": target, "rate": float(rate), "seconds": float(seconds), "open_connections": int(conns),
                      "requests": len(lat), "sent_per_s": len(lat) / span if span else None,
                      "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99), "p999_ms": percentile(lat, 99.9),
                      "max_ms": lat[-1] if lat else None, "ok": ok, "codes": codes}))


if __name__ == "__main__":
    cmd, args = sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:]
    if cmd == "targets" and len(args) == 5:
        targets(*args)
    elif cmd == "hold" and len(args) == 4:
        hold(*args)
    elif cmd == "summary" and len(args) == 5:
        summary(*args)
    else:
        raise SystemExit(__doc__)
