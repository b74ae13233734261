"""Idempotency-Key: a retry returns the first response (status and body) and does nothing new."""
import uuid

from helpers import assert_error, deposit, item, new_currency


def retry(user, method, path, body=None, key=None):
    key = key or str(uuid.uuid4())
    first = user.call(method, path, json_body=body, headers={"Idempotency-Key": key})
    second = user.call(method, path, json_body=body, headers={"Idempotency-Key": key})
    assert (first.status_code, first.json()) == (second.status_code, second.json()), (first.text, second.text)
    return first


def test_idempotent_retries_do_nothing_new(server, service, make_user):
    cur = new_currency()
    buyer, shopper = make_user(), make_user()

    r = retry(service, "POST", "/v1/deposits",
              {"user_id": buyer.id, "currency": cur, "amount": "10", "reference": "idem-" + str(uuid.uuid4())})
    assert r.status_code == 201
    assert buyer.balance(cur)["balance"] == "10"

    r = retry(shopper, "POST", "/v1/supplies", {"currency": cur, "amount": "10"})
    assert r.status_code == 201
    assert len(shopper.get("/v1/supplies").json()["items"]) == 1

    r = retry(buyer, "POST", "/v1/orders", {"currency": cur, "items": [item("3", 1)]})
    assert r.status_code == 201
    order = r.json()
    assert buyer.balance(cur)["held"] == "3"
    assert len(buyer.get("/v1/orders", params={"user_id": buyer.id}).json()["items"]) == 1

    r = retry(shopper, "POST", f"/v1/orders/{order['id']}/claim")
    assert r.status_code == 201
    claim = r.json()

    r = retry(buyer, "POST", f"/v1/claims/{claim['id']}/process")
    assert r.status_code == 200 and r.json()["status"] == "processed"
    assert buyer.balance(cur) == {"currency": cur, "balance": "7", "held": "0", "available": "7"}
    assert shopper.balance(cur)["balance"] == "3"

    r = retry(buyer, "POST", "/v1/transfers", {"to_user_id": shopper.id, "currency": cur, "amount": "1"})
    assert r.status_code == 201
    assert buyer.balance(cur)["balance"] == "6"
    r = retry(shopper, "POST", "/v1/withdrawals", {"currency": cur, "amount": "1", "chain": "evm", "to_address": "0x1"})
    assert r.status_code == 201
    assert shopper.balance(cur)["balance"] == "3"


def test_same_key_other_request_is_refused(server, make_user):
    cur = new_currency()
    shopper = make_user()
    key = str(uuid.uuid4())
    assert shopper.post("/v1/supplies", {"currency": cur, "amount": "1"}, headers={"Idempotency-Key": key}).status_code == 201
    assert_error(shopper.post("/v1/supplies", {"currency": cur, "amount": "2"}, headers={"Idempotency-Key": key}),
                 422, "idempotency_mismatch")
    assert [s["amount"] for s in shopper.get("/v1/supplies").json()["items"]] == ["1"]


def test_keys_are_per_user(server, make_user):
    cur = new_currency()
    a, b = make_user(), make_user()
    key = "shared-key"
    ra = a.post("/v1/supplies", {"currency": cur, "amount": "1"}, headers={"Idempotency-Key": key})
    rb = b.post("/v1/supplies", {"currency": cur, "amount": "1"}, headers={"Idempotency-Key": key})
    assert ra.status_code == rb.status_code == 201 and ra.json()["id"] != rb.json()["id"]


def test_claim_retry_after_losing_is_still_409(server, service, make_user):
    cur = new_currency()
    buyer, s1, s2 = make_user(), make_user(), make_user()
    deposit(service, buyer, cur, "1")
    for s in (s1, s2):
        s.post("/v1/supplies", {"currency": cur, "amount": "1"})
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json()
    assert s1.post(f"/v1/orders/{order['id']}/claim").status_code == 201
    for _ in range(2):
        assert_error(s2.post(f"/v1/orders/{order['id']}/claim", headers={"Idempotency-Key": "k"}), 409, "conflict")
