"""The marketplace story of docs/design.md over real HTTP."""
from helpers import User, assert_error, deposit, item, new_currency


def test_marketplace_story(server, service, make_user):
    cur = new_currency()
    buyer, shopper, auditor = make_user(), make_user(), make_user(("auditor",))

    t = deposit(service, buyer, cur, "100")
    assert t["kind"] == "deposit" and t["amount"] == "100" and t["to_user_id"] == buyer.id

    r = shopper.post("/v1/supplies", {"currency": cur, "amount": "50"})
    assert r.status_code == 201, r.text
    supply = r.json()
    assert supply["status"] == "active" and supply["amount"] == "50" and supply["reserved"] == "0"

    r = buyer.post("/v1/orders", {"currency": cur, "items": [item("12.5", 2), item("0.25", 1, "Sticker")]})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "open" and order["amount"] == "25.25" and len(order["items"]) == 2
    assert buyer.balance(cur) == {"currency": cur, "balance": "100", "held": "25.25", "available": "74.75"}

    r = shopper.get(f"/v1/orders/{order['id']}")
    assert r.status_code == 200 and r.json()["items"][1]["product_name"] == "Sticker"
    r = shopper.get("/v1/orders", params={"status": "open", "user_id": buyer.id})
    assert r.status_code == 200 and [o["id"] for o in r.json()["items"]] == [order["id"]]

    r = shopper.post(f"/v1/orders/{order['id']}/claim")
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["status"] == "pending" and claim["order_id"] == order["id"] and claim["user_id"] == shopper.id
    assert claim["supply_id"] == supply["id"] and claim["processed_at"] is None
    assert shopper.get(f"/v1/supplies/{supply['id']}").json()["reserved"] == "25.25"
    assert buyer.get(f"/v1/orders/{order['id']}").json()["status"] == "claimed"
    assert buyer.get(f"/v1/claims/{claim['id']}").status_code == 200

    r = buyer.post(f"/v1/claims/{claim['id']}/process")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "processed" and r.json()["processed_at"]

    assert buyer.balance(cur) == {"currency": cur, "balance": "74.75", "held": "0", "available": "74.75"}
    assert shopper.balance(cur) == {"currency": cur, "balance": "25.25", "held": "0", "available": "25.25"}
    s = shopper.get(f"/v1/supplies/{supply['id']}").json()
    assert s["amount"] == "24.75" and s["reserved"] == "0"
    assert buyer.get(f"/v1/orders/{order['id']}").json()["status"] == "completed"

    r = auditor.get("/v1/audit/verify")
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["records"] >= 1


def test_release_reopens_and_cancel_releases_escrow(server, service, make_user):
    cur = new_currency()
    buyer, shopper = make_user(), make_user()
    deposit(service, buyer, cur, "10")
    assert shopper.post("/v1/supplies", {"currency": cur, "amount": "10"}).status_code == 201
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("3", 1)]}).json()
    claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
    r = shopper.post(f"/v1/claims/{claim['id']}/release")
    assert r.status_code == 200 and r.json()["status"] == "released" and r.json()["released_at"]
    assert buyer.get(f"/v1/orders/{order['id']}").json()["status"] == "open"
    assert buyer.balance(cur)["held"] == "3"
    r = buyer.delete(f"/v1/orders/{order['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert buyer.balance(cur) == {"currency": cur, "balance": "10", "held": "0", "available": "10"}
    assert_error(shopper.post(f"/v1/orders/{order['id']}/claim"), 422, "invalid_state")


def test_transfer_and_withdrawal(server, service, make_user):
    cur = new_currency()
    a, b = make_user(), make_user()
    deposit(service, a, cur, "5.5")
    r = a.post("/v1/transfers", {"to_user_id": b.id, "currency": cur, "amount": "2.25"})
    assert r.status_code == 201 and r.json()["kind"] == "transfer", r.text
    r = b.post("/v1/withdrawals", {"currency": cur, "amount": "1", "chain": "evm",
                                    "to_address": "0x52908400098527886E0F7030069857D2E4169EE7"})
    assert r.status_code == 201 and r.json()["kind"] == "withdrawal", r.text
    assert a.balance(cur)["balance"] == "3.25"
    assert b.balance(cur)["balance"] == "1.25"
    assert_error(b.post("/v1/withdrawals", {"currency": cur, "amount": "5", "chain": "evm", "to_address": "0xabc"}),
                 422, "insufficient_funds")


def test_supply_lifecycle(server, make_user):
    cur = new_currency()
    shopper = make_user()
    s = shopper.post("/v1/supplies", {"currency": cur, "amount": "7"}).json()
    r = shopper.patch(f"/v1/supplies/{s['id']}", {"status": "paused"})
    assert r.status_code == 200 and r.json()["status"] == "paused"
    r = shopper.patch(f"/v1/supplies/{s['id']}", {"amount": "9", "status": "active"})
    assert r.status_code == 200 and r.json()["amount"] == "9" and r.json()["status"] == "active"
    r = shopper.get("/v1/supplies", params={"status": "active"})
    assert r.status_code == 200 and s["id"] in [x["id"] for x in r.json()["items"]]
    r = shopper.delete(f"/v1/supplies/{s['id']}")
    assert r.status_code == 200 and r.json()["status"] == "deleted"
    assert_error(shopper.patch(f"/v1/supplies/{s['id']}", {"amount": "1"}), 422, "invalid_state")


def test_paging(server, service, make_user):
    cur = new_currency()
    shopper = make_user()
    ids = [shopper.post("/v1/supplies", {"currency": cur, "amount": str(i + 1)}).json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = shopper.get("/v1/supplies", params=params).json()
        assert len(page["items"]) <= 2
        seen += [x["id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_health_ready_metrics(server, service, make_user):
    import requests
    assert requests.get(server.url + "/healthz").json()["status"] == "ok"
    r = requests.get(server.url + "/readyz")
    assert r.status_code == 200 and r.json()["storage"] == "ok"
    cur = new_currency()
    buyer, s1, s2 = make_user(), make_user(), make_user()
    deposit(service, buyer, cur, "1")
    s1.post("/v1/supplies", {"currency": cur, "amount": "1"})
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json()
    assert s1.post(f"/v1/orders/{order['id']}/claim").status_code == 201
    assert s2.post(f"/v1/orders/{order['id']}/claim").status_code == 409
    text = requests.get(server.url + "/metrics").text
    for needle in ('w3w_http_requests_total{method="POST",route="/v1/orders/{id}/claim",status="201"}',
                   'w3w_http_request_duration_seconds_bucket{method="POST",route="/v1/orders/{id}/claim"',
                   'w3w_claims_total{outcome="won"}', 'w3w_claims_total{outcome="lost"}',
                   "w3w_insufficient_funds_total", "w3w_rate_limited_total", "w3w_outbox_pending",
                   "w3w_outbox_relay_lag_seconds", "w3w_library_call_duration_seconds_bucket",
                   'w3w_cache_reads_total{outcome="hit"}', "w3w_cache_hit_ratio",
                   'w3w_commands_total{outcome="refused"}', "w3w_storage_command_seconds_total"):
        assert needle in text, needle
    # The lost claim is a refused command the library counted.
    refused = [l for l in text.splitlines() if l.startswith('w3w_commands_total{outcome="refused"}')]
    assert refused and float(refused[0].split()[-1]) >= 1
    # The access log: one JSON line per request with id, user, route, status, latency; never a token.
    lines = [e for e in server.logs if e.get("msg") == "request"]
    assert lines and all({"time", "level", "trace_id", "request_id", "route", "status", "duration_ms"} <= set(e) for e in lines)
    assert any(e.get("user_id") == buyer.id and e["route"] == "/v1/orders" for e in lines)
    assert not any(buyer.token in line or server.secret in line for line in server.raw_stderr)
