"""Batch routes (POST /v1/batch/...): one result per element, a refused element leaves the others applied,
idempotency per element, limits refused whole, and racing batches still make one winner per order."""
import threading
import uuid

import openapi_doc
from helpers import assert_error, deposit, item, new_currency


def batch(user, kind, elements, **kw):
    return user.post(f"/v1/batch/{kind}", {"elements": elements}, **kw)


def results(r, doc=None):
    assert r.status_code == 200, r.text
    if doc is not None:
        openapi_doc.check_response(doc, "POST", r.request.path_url, r)
    return r.json()["results"]


def test_claims_one_failing_element_amid_good_ones(server, service, make_user):
    doc = openapi_doc.load()
    cur = new_currency()
    buyer, shopper = make_user(), make_user()
    deposit(service, buyer, cur, "10")
    shopper.post("/v1/supplies", {"currency": cur, "amount": "10"})
    o1 = buyer.post("/v1/orders", {"currency": cur, "items": [item("2", 1)]}).json()
    o2 = buyer.post("/v1/orders", {"currency": cur, "items": [item("3", 1)]}).json()
    missing = str(uuid.uuid4())

    got = results(batch(shopper, "claims", [{"order_id": o1["id"]}, {"order_id": missing},
                                            {"order_id": o2["id"]}, {"order_id": o1["id"]}]), doc)
    assert [e["status"] for e in got] == [201, 404, 201, 409], got
    assert got[1]["error"]["code"] == "not_found" and missing in got[1]["error"]["message"]
    assert got[3]["error"]["code"] == "conflict"
    assert buyer.get(f"/v1/orders/{o1['id']}/claim").json()["id"] == got[0]["id"]
    assert buyer.get(f"/v1/orders/{o2['id']}").json()["status"] == "claimed"
    assert buyer.balance(cur)["held"] == "5"

    # The buyer settles both in one batch; settling twice is that element's 422.
    got = results(batch(buyer, "claims/process", [{"claim_id": got[0]["id"]}, {"claim_id": got[2]["id"]},
                                                  {"claim_id": got[0]["id"]}]), doc)
    assert [e["status"] for e in got] == [200, 200, 422], got
    assert got[2]["error"]["code"] == "invalid_state"
    assert shopper.balance(cur)["balance"] == "5"
    assert buyer.balance(cur) == {"currency": cur, "balance": "5", "held": "0", "available": "5"}


def test_deposits_transfers_and_orders(server, service, make_user):
    doc = openapi_doc.load()
    cur = new_currency()
    a, b = make_user(), make_user()
    ref = "batch-" + str(uuid.uuid4())
    got = results(batch(service, "deposits", [
        {"user_id": a.id, "currency": cur, "amount": "6", "reference": ref},
        {"user_id": b.id, "currency": cur, "amount": "1", "reference": ref},
        {"user_id": a.id, "currency": cur, "amount": "4", "reference": ref + "-2"}]), doc)
    assert [e["status"] for e in got] == [201, 409, 201], got
    assert a.balance(cur)["balance"] == "10"
    got = results(batch(a, "deposits", [{"user_id": a.id, "currency": cur, "amount": "1", "reference": ref + "-3"}]))
    assert got[0]["status"] == 403 and got[0]["error"]["code"] == "forbidden"

    got = results(batch(a, "transfers", [{"to_user_id": b.id, "currency": cur, "amount": "4"}] * 3), doc)
    assert [e["status"] for e in got] == [201, 201, 422], got
    assert got[2]["error"]["code"] == "insufficient_funds"
    assert a.balance(cur)["balance"] == "2" and b.balance(cur)["balance"] == "8"

    r = batch(b, "orders", [{"currency": cur, "items": [item("3", 2)]}, {"currency": cur, "items": [item("5", 1)]}])
    got = results(r, doc)
    assert [e["status"] for e in got] == [201, 422], got
    order = b.get(f"/v1/orders/{got[0]['id']}").json()
    assert order["amount"] == "6" and order["status"] == "open"
    assert r.json()["ok"] == 1


def test_idempotency_per_element(server, service, make_user):
    cur = new_currency()
    buyer, shopper = make_user(), make_user()
    deposit(service, buyer, cur, "10")
    shopper.post("/v1/supplies", {"currency": cur, "amount": "10"})
    orders = [buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json() for _ in range(2)]
    keys = [str(uuid.uuid4()), str(uuid.uuid4())]
    elements = [{"order_id": o["id"], "idempotency_key": k} for o, k in zip(orders, keys)]
    first = results(batch(shopper, "claims", elements))
    again = results(batch(shopper, "claims", elements))
    assert [e["status"] for e in first] == [201, 201]
    assert [e["id"] for e in again] == [e["id"] for e in first]
    assert [e["replayed"] for e in first] == [False, False] and [e["replayed"] for e in again] == [True, True]
    # The element's key is the single route's Idempotency-Key.
    single = shopper.post(f"/v1/orders/{orders[0]['id']}/claim", headers={"Idempotency-Key": keys[0]})
    assert single.status_code == 201 and single.json()["id"] == first[0]["id"]
    got = results(batch(shopper, "claims", [{"order_id": orders[1]["id"], "idempotency_key": keys[0]}]))
    assert got[0]["status"] == 422 and got[0]["error"]["code"] == "idempotency_mismatch"
    # A batch takes its keys per element, never from the header.
    assert_error(batch(shopper, "claims", elements[:1], headers={"Idempotency-Key": keys[0]}), 400, "invalid",
                 "Idempotency-Key")


def test_limits_and_malformed_elements(server, make_user):
    user = make_user()
    assert_error(batch(user, "claims", []), 400, "invalid", "elements")
    assert_error(user.post("/v1/batch/claims", {}), 400, "invalid", "elements")
    assert_error(user.post("/v1/batch/claims", {"elements": {}}), 400, "invalid", "elements")
    assert_error(batch(user, "claims", [{"order_id": str(uuid.uuid4()), "extra": 1}]), 400, "invalid",
                 "elements[0].extra")
    assert_error(batch(user, "claims", [{"order_id": str(uuid.uuid4())}, 3]), 400, "invalid", "elements[1]")
    assert_error(batch(user, "orders", [{"currency": "USD", "items": [item("1", 0)]}]), 400, "invalid",
                 "elements[0].items[0].quantity")
    # A batch route takes bodies up to 2 MiB (64 KiB elsewhere): the largest batch fits, each
    # element answered on its own; one more element is refused by count, a bigger body unread.
    missing = str(uuid.uuid4())
    r = batch(user, "claims", [{"order_id": missing, "idempotency_key": f"k-{i:058d}"} for i in range(8190)])
    assert r.status_code == 200, r.text[:300]
    results = r.json()["results"]
    assert len(results) == 8190 and r.json()["ok"] == 0
    assert {x["status"] for x in results} == {404}, {x["status"] for x in results}
    assert "1 to 8190 elements" in assert_error(batch(user, "claims", [{"order_id": missing}] * 8191), 400, "invalid",
                                               "elements")
    r = batch(user, "claims", [{"order_id": missing, "idempotency_key": "k" * 250}] * 8190)
    assert r.status_code == 413 and "2097152 bytes" in r.text, r.text
    r = user.post("/v1/supplies", {"currency": "USD", "amount": "1", "note": "x" * (65 * 1024)})
    assert r.status_code == 413 and "65536 bytes" in r.text, r.text


def test_racing_batches_one_winner_per_order(server, service, make_user):
    cur = new_currency()
    buyer = make_user()
    shoppers = [make_user() for _ in range(4)]
    deposit(service, buyer, cur, "40")
    for s in shoppers:
        s.post("/v1/supplies", {"currency": cur, "amount": "40"})
    orders = [buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json()["id"] for _ in range(40)]
    won = {}
    errors = []

    def run(i, shopper):
        ids = orders if i % 2 == 0 else orders[::-1]
        r = batch(shopper, "claims", [{"order_id": o} for o in ids])
        if r.status_code != 200:
            errors.append(r.text)
            return
        for o, e in zip(ids, r.json()["results"]):
            if e["status"] == 201:
                won.setdefault(o, []).append(i)
            elif e["status"] != 409:
                errors.append(e)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(shoppers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert sorted(won) == sorted(orders) and all(len(w) == 1 for w in won.values()), won
    totals = service.get("/v1/ledger/totals", params={"currency": cur}).json()
    assert totals["checks"] == {"conservation": True, "escrow": True, "reservations": True,
                                "entries_balanced": True}, totals
    assert totals["reserved"] == "40"
