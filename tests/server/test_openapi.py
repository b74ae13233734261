"""The server and docs/openapi.yaml agree: every documented route answers with a documented status and a
body matching its schema, and every route of the server is documented."""
import os
import re
import uuid

import requests

import openapi_doc
from helpers import User, deposit, item, new_currency

ROUTER_C = os.path.join(openapi_doc.HERE, "..", "..", "examples", "server", "router.c")


def test_every_server_route_is_documented():
    doc = openapi_doc.load()
    documented = {(m, p) for m, p, _ in openapi_doc.operations(doc)}
    with open(ROUTER_C) as f:
        served = set(re.findall(r'\{ "(GET|POST|PATCH|DELETE|PUT)",\s+"([^"]+)"', f.read()))
    assert served, "route table not found in router.c"
    assert served == documented, {"undocumented": served - documented, "not served": documented - served}


def test_every_documented_route_answers_per_schema(server, service, make_user):
    doc = openapi_doc.load()
    cur = new_currency()
    buyer, shopper = make_user(), make_user()
    overseer = make_user(("admin", "auditor", "service"))
    anon = requests.Session()
    seen = {}

    def check(who, method, path, body=None, **kw):
        if who is None:
            r = anon.request(method, server.url + path, timeout=30)
        else:
            r = who.call(method, path, json_body=body, **kw)
        template = openapi_doc.check_response(doc, method, path, r)
        seen.setdefault((method, template), set()).add(r.status_code)
        return r

    check(None, "GET", "/healthz")
    check(None, "GET", "/readyz")
    check(None, "GET", "/metrics")
    check(service, "POST", "/v1/deposits", {"user_id": buyer.id, "currency": cur, "amount": "100",
                                            "reference": "doc-" + str(uuid.uuid4())})
    check(buyer, "POST", "/v1/transfers", {"to_user_id": shopper.id, "currency": cur, "amount": "1"})
    check(shopper, "POST", "/v1/withdrawals", {"currency": cur, "amount": "0.5", "chain": "evm", "to_address": "0x1"})
    check(overseer, "PUT", "/v1/limits", {"currency": cur, "user_id": shopper.id, "per_withdrawal": "0.1", "daily": None})
    check(shopper, "GET", "/v1/limits")
    check(overseer, "GET", f"/v1/limits?user_id={shopper.id}&currency={cur}")
    check(shopper, "POST", "/v1/withdrawals", {"currency": cur, "amount": "0.2", "chain": "evm", "to_address": "0x1"})
    check(overseer, "DELETE", f"/v1/limits?currency={cur}&user_id={shopper.id}")
    check(overseer, "DELETE", f"/v1/limits?currency={cur}&user_id={shopper.id}")
    check(service, "POST", "/v1/deposits", {"user_id": overseer.id, "currency": cur, "amount": "2",
                                            "reference": "doc-" + str(uuid.uuid4())})
    check(overseer, "POST", "/v1/ledger/withdrawals", {"currency": cur, "amount": "1", "chain": "evm", "to_address": "0x1"})
    check(shopper, "POST", "/v1/ledger/withdrawals", {"currency": cur, "amount": "1", "chain": "evm", "to_address": "0x1"})
    check(buyer, "GET", "/v1/deposits?limit=5")
    check(overseer, "GET", f"/v1/deposits?user_id={buyer.id}&chain=evm:1")
    check(overseer, "GET", "/v1/sweeps?limit=5")
    check(overseer, "POST", "/v1/sweeps/run", {"chain": "evm"})  # no chain served here: 404
    # Its 200 needs a chain: test_chain.py checks that answer against this document.
    check(buyer, "GET", f"/v1/withdrawals/{uuid.uuid4()}")
    # Theirs need a stuck withdrawal on anvil: test_stuck.py checks those answers.
    check(overseer, "POST", f"/v1/withdrawals/{uuid.uuid4()}/replace")
    check(overseer, "POST", f"/v1/withdrawals/{uuid.uuid4()}/cancel", {"max_fee_per_gas": "1"})
    check(buyer, "GET", "/v1/accounts")
    check(overseer, "GET", f"/v1/accounts?user_id={buyer.id}")
    check(buyer, "POST", "/v1/wallets", {"chain": "evm"})
    check(buyer, "POST", "/v1/wallets", {"chain": "evm"})
    check(buyer, "GET", "/v1/wallets")
    check(overseer, "GET", f"/v1/wallets?user_id={buyer.id}")
    supply = check(shopper, "POST", "/v1/supplies", {"currency": cur, "amount": "50"}).json()
    spare = check(shopper, "POST", "/v1/supplies", {"currency": cur, "amount": "1"}).json()
    check(shopper, "GET", "/v1/supplies?status=active&limit=1")
    check(shopper, "GET", f"/v1/supplies/{supply['id']}")
    check(shopper, "PATCH", f"/v1/supplies/{supply['id']}", {"amount": "60"})
    check(shopper, "DELETE", f"/v1/supplies/{spare['id']}")
    order = check(buyer, "POST", "/v1/orders", {"currency": cur, "items": [item("5", 2)]}).json()
    other = check(buyer, "POST", "/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json()
    check(shopper, "GET", "/v1/orders?status=open&limit=1")
    check(shopper, "GET", f"/v1/orders/{order['id']}")
    check(buyer, "DELETE", f"/v1/orders/{other['id']}")
    claim = check(shopper, "POST", f"/v1/orders/{order['id']}/claim").json()
    check(buyer, "GET", f"/v1/claims/{claim['id']}")
    check(shopper, "POST", f"/v1/claims/{claim['id']}/release")
    claim = check(shopper, "POST", f"/v1/orders/{order['id']}/claim").json()
    check(buyer, "POST", f"/v1/claims/{claim['id']}/process")
    batched = check(buyer, "POST", "/v1/batch/orders", {"elements": [{"currency": cur, "items": [item("1", 1)]}]})
    batched = check(shopper, "POST", "/v1/batch/claims", {"elements": [{"order_id": batched.json()["results"][0]["id"]}]})
    check(buyer, "POST", "/v1/batch/claims/process", {"elements": [{"claim_id": batched.json()["results"][0]["id"]}]})
    check(service, "POST", "/v1/batch/deposits", {"elements": [{"user_id": buyer.id, "currency": cur, "amount": "1",
                                                                "reference": "doc-" + str(uuid.uuid4())}]})
    check(buyer, "POST", "/v1/batch/transfers", {"elements": [{"to_user_id": shopper.id, "currency": cur,
                                                               "amount": "1000"}]})
    check(overseer, "GET", "/v1/audit/verify")
    check(overseer, "GET", "/v1/audit/records?after=0&limit=5")
    check(buyer, "GET", "/v1/audit/records")
    check(buyer, "GET", f"/v1/orders/{order['id']}/claim")
    check(overseer, "GET", f"/v1/orders/{order['id']}/events?limit=2")
    check(buyer, "GET", f"/v1/orders/{order['id']}/events")
    check(overseer, "GET", "/v1/claims?status=processed&limit=1")
    check(overseer, "GET", f"/v1/ledger/totals?currency={cur}")
    check(buyer, "GET", f"/v1/ledger/totals?currency={cur}")
    check(buyer, "GET", "/v1/claims")
    check(None, "GET", "/admin")
    check(None, "GET", "/admin/")
    check(None, "GET", "/admin/app.js")
    check(None, "GET", "/admin/style.css")
    check(None, "GET", "/admin/missing.js")
    # Error answers are documented too.
    check(None, "GET", "/v1/accounts")
    check(shopper, "POST", f"/v1/orders/{order['id']}/claim")
    check(buyer, "GET", f"/v1/orders/{uuid.uuid4()}")
    check(buyer, "POST", "/v1/supplies", {"currency": cur, "amount": 1})
    check(buyer, "POST", "/v1/orders", {"currency": cur, "items": [item("1000", 1)]})

    missing = {(m, p) for m, p, _ in openapi_doc.operations(doc)} - set(seen)
    assert not missing, f"documented but not exercised: {missing}"
    # On anvil: in test_chain.py, test_sweeps.py and test_stuck.py.
    answered_elsewhere = {("GET", "/v1/withdrawals/{id}"), ("POST", "/v1/sweeps/run"),
                          ("POST", "/v1/withdrawals/{id}/replace"), ("POST", "/v1/withdrawals/{id}/cancel")}
    for (method, template), codes in seen.items():
        op = doc["paths"][template][method.lower()]
        success = {int(c) for c in op["responses"] if c.startswith("2")}
        if success and (method, template) not in answered_elsewhere:
            assert codes & success, (method, template, codes)
