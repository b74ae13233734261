"""Every error status of the contract, and strict input validation (400 naming the field, never a 500)."""
import json
import socket
import uuid

import pytest
import requests

from helpers import Server, User, assert_error, deposit, item, new_currency


def raw_post(user, path, data, content_type="application/json", headers=None):
    h = {"Content-Type": content_type} if content_type else {}
    h.update(headers or {})
    return user.call("POST", path, data=data, headers=h)


@pytest.mark.parametrize("body,field", [
    ({"currency": "USDC", "amount": 12.5}, "amount"),
    ({"currency": "USDC", "amount": 12}, "amount"),
    ({"currency": "USDC", "amount": "12.123456789"}, "amount"),
    ({"currency": "USDC", "amount": "-1"}, "amount"),
    ({"currency": "USDC", "amount": "1e3"}, "amount"),
    ({"currency": "USDC", "amount": " 1"}, "amount"),
    ({"currency": "USDC", "amount": "99999999999"}, "amount"),
    ({"currency": "USDC", "amount": ""}, "amount"),
    ({"currency": "USDC", "amount": None}, "amount"),
    ({"currency": "USDC"}, "amount"),
    ({"currency": 5, "amount": "1"}, "currency"),
    ({"currency": "usdc", "amount": "1"}, "currency"),
    ({"currency": "TOOLONGCURRENCY", "amount": "1"}, "currency"),
    ({"currency": "USDC", "amount": "1", "ammount": "1"}, "ammount"),
    ({"currency": ["USDC"], "amount": "1"}, "currency"),
])
def test_supply_fields(user, body, field):
    assert_error(user.post("/v1/supplies", body), 400, "invalid", field)


@pytest.mark.parametrize("items,field", [
    ([], "items"),
    ("x", "items"),
    ([5], "items[0]"),
    ([{"product_id": "x", "product_name": "a", "price": "1", "quantity": 1}], "items[0].product_id"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "", "price": "1", "quantity": 1}], "items[0].product_name"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a" * 256, "price": "1", "quantity": 1}], "items[0].product_name"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": 1, "quantity": 1}], "items[0].price"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "0", "quantity": 1}], "items[0].price"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 0}], "items[0].quantity"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 1.5}], "items[0].quantity"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": "2"}], "items[0].quantity"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 10**7}], "items[0].quantity"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1"}], "items[0].quantity"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 1, "x": 1}], "items[0].x"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 1}] * 101, "items"),
    ([{"product_id": str(uuid.uuid4()), "product_name": "a", "price": "1", "quantity": 1},
      {"product_id": str(uuid.uuid4()), "product_name": "a", "price": "9999999999", "quantity": 1000}], "items"),
])
def test_order_items(user, items, field):
    assert_error(user.post("/v1/orders", {"currency": "USDC", "items": items}), 400, "invalid", field)


@pytest.mark.parametrize("data,needle", [
    (b'{"currency":"USDC","amount":"1",}', "body"),
    (b'{"currency":"USDC"', "body"),
    (b'[1,2]', "body"),
    (b'"x"', "body"),
    (b'', "body"),
    (b'{"currency":"USDC","amount":"1"} x', "body"),
    (b'{"currency":"USDC","currency":"EUR","amount":"1"}', "body"),
    (b'{"currency":"US\\u0000DC","amount":"1"}', "body"),
    (b'{"currency":"\xff\xfe","amount":"1"}', "body"),
    (b'{"currency":"\xed\xa0\x80","amount":"1"}', "body"),
    (b'{"currency":"\xc0\xaf","amount":"1"}', "body"),
    (b'{"a":' * 40 + b'1' + b'}' * 40, "body"),
    (b'[' * 60000, "body"),
    (b'{"currency":"USDC","amount":"1","n":1e999}', "n"),
    (b'{"currency":"\\ud800","amount":"1"}', "body"),
    (b'{' + b','.join(b'"k%d":1' % i for i in range(200)) + b'}', "body"),
], ids=lambda v: v[:24].decode("latin-1") if isinstance(v, bytes) else v)
def test_malformed_bodies(user, data, needle):
    assert_error(raw_post(user, "/v1/supplies", data), 400, "invalid", needle)


def test_overlong_strings_name_the_field(service, user):
    r = service.post("/v1/deposits", {"user_id": user.id, "currency": "USDC", "amount": "1", "reference": "r" * 256})
    assert_error(r, 400, "invalid", "reference")
    r = user.post("/v1/withdrawals", {"currency": "USDC", "amount": "1", "chain": "c" * 33, "to_address": "x"})
    assert_error(r, 400, "invalid", "chain")
    r = user.post("/v1/withdrawals", {"currency": "USDC", "amount": "1", "chain": "evm", "to_address": "a" * 129})
    assert_error(r, 400, "invalid", "to_address")


def test_query_and_path_validation(user):
    assert_error(user.get("/v1/orders", params={"limit": "0"}), 400, "invalid", "limit")
    assert_error(user.get("/v1/orders", params={"limit": "501"}), 400, "invalid", "limit")
    assert_error(user.get("/v1/orders", params={"limit": "abc"}), 400, "invalid", "limit")
    assert_error(user.get("/v1/orders", params={"status": "nope"}), 400, "invalid", "status")
    assert_error(user.get("/v1/orders", params={"user_id": "nope"}), 400, "invalid", "user_id")
    assert_error(user.get("/v1/orders", params={"sort": "x"}), 400, "invalid", "sort")
    assert_error(user.get("/v1/orders?limit=1&limit=2"), 400, "invalid", "limit")
    assert_error(user.get("/v1/orders", params={"cursor": "x" * 100}), 400, "invalid", "cursor")
    r = user.get("/v1/orders", params={"cursor": "garbage"})
    assert r.status_code == 400, r.text
    for path in ("/v1/orders/not-a-uuid", "/v1/supplies/123", "/v1/claims/" + "z" * 36):
        r = user.get(path)
        assert r.status_code == 400, (path, r.text)
    assert_error(user.get("/v1/orders/" + "a" * 100), 404, "not_found")
    r = user.post("/v1/supplies", {"currency": "USDC", "amount": "1"}, headers={"Idempotency-Key": "k" * 256})
    assert_error(r, 400, "invalid", "Idempotency-Key")
    # The library's rule, whoever checks it: a space is refused here as the C API refuses it.
    before = len(user.get("/v1/supplies").json()["items"])
    r = user.post("/v1/supplies", {"currency": "USDC", "amount": "1"}, headers={"Idempotency-Key": "a b"})
    assert_error(r, 400, "invalid", "Idempotency-Key")
    assert len(user.get("/v1/supplies").json()["items"]) == before
    r = user.post("/v1/orders/" + str(uuid.uuid4()) + "/claim", {"x": 1})
    assert_error(r, 400, "invalid", "x")


def test_401_403_404_405(server, user, make_user):
    r = requests.get(server.url + "/v1/accounts")
    assert_error(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.get(server.url + "/v1/accounts", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(r, 401, "unauthenticated")
    assert_error(user.post("/v1/deposits", {"user_id": user.id, "currency": "USDC", "amount": "1", "reference": "x"}),
                 403, "forbidden")
    assert_error(user.get("/v1/audit/verify"), 403, "forbidden")
    assert_error(user.get("/v1/nope"), 404, "not_found")
    assert_error(user.get("/v1/orders/"), 404, "not_found")
    assert_error(user.get(f"/v1/orders/{uuid.uuid4()}"), 404, "not_found")
    assert_error(user.get(f"/v1/claims/{uuid.uuid4()}"), 404, "not_found")
    r = user.call("PUT", "/v1/supplies")
    assert_error(r, 405, "method_not_allowed")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_409_conflicts(server, service, make_user):
    cur = new_currency()
    buyer, s1, s2 = make_user(), make_user(), make_user()
    ref = "dup-" + str(uuid.uuid4())
    deposit(service, buyer, cur, "10", ref)
    r = service.post("/v1/deposits", {"user_id": buyer.id, "currency": cur, "amount": "10", "reference": ref})
    assert_error(r, 409, "conflict")
    sup = s1.post("/v1/supplies", {"currency": cur, "amount": "5"}).json()
    s2.post("/v1/supplies", {"currency": cur, "amount": "5"})
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("4", 1)]}).json()
    assert s1.post(f"/v1/orders/{order['id']}/claim").status_code == 201
    assert_error(s2.post(f"/v1/orders/{order['id']}/claim"), 409, "conflict")
    assert_error(buyer.delete(f"/v1/orders/{order['id']}"), 409, "conflict")
    assert_error(s1.delete(f"/v1/supplies/{sup['id']}"), 409, "conflict")
    assert_error(s1.patch(f"/v1/supplies/{sup['id']}", {"amount": "1"}), 409, "conflict")


def test_422(server, service, make_user):
    cur = new_currency()
    buyer, shopper = make_user(), make_user()
    assert_error(buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}), 422, "insufficient_funds")
    deposit(service, buyer, cur, "2")
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("2", 1)]}).json()
    assert_error(shopper.post(f"/v1/orders/{order['id']}/claim"), 422, "insufficient_funds")
    shopper.post("/v1/supplies", {"currency": cur, "amount": "1"})
    assert_error(shopper.post(f"/v1/orders/{order['id']}/claim"), 422, "insufficient_funds")
    shopper.post("/v1/supplies", {"currency": cur, "amount": "2"})
    claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
    assert buyer.post(f"/v1/claims/{claim['id']}/process").status_code == 200
    assert_error(buyer.post(f"/v1/claims/{claim['id']}/process"), 422, "invalid_state")
    r = shopper.post("/v1/supplies", {"currency": cur, "amount": "1"}, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201
    r = shopper.post("/v1/supplies", {"currency": cur, "amount": "2"}, headers={"Idempotency-Key": "k1"})
    assert_error(r, 422, "idempotency_mismatch")


def test_413_too_large(server, user):
    big = b'{"currency":"USDC","amount":"1","x":"' + b"a" * (70 * 1024) + b'"}'
    assert_error(raw_post(user, "/v1/supplies", big), 413, "too_large")
    # Without Content-Length (chunked): cut off once past 64 KiB.
    def chunks():
        for _ in range(70):
            yield b"a" * 1024
    r = user.session.post(server.url + "/v1/supplies", data=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413, "too_large")
    # Just under the limit is read and judged on its content.
    ok = b'{"currency":"USDC","amount":"1","x":"' + b"a" * (60 * 1024) + b'"}'
    assert_error(raw_post(user, "/v1/supplies", ok), 400, "invalid", "x")


def test_413_is_sent_before_the_body(server, user):
    """A huge declared body is refused at once: the server does not wait for it."""
    host, port = server.listen.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /v1/supplies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + user.token.encode() +
                  b"\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
        head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head


def test_415(user):
    assert_error(raw_post(user, "/v1/supplies", b'{"currency":"USDC","amount":"1"}', "text/plain"),
                 415, "unsupported_media_type")
    r = raw_post(user, "/v1/supplies", b'{"currency":"USDC","amount":"1"}', "application/json; charset=utf-8")
    assert r.status_code == 201, r.text


def test_429_rate_limited(secret):
    s = Server(["--rate-limit", "2:3"], secret=secret)
    try:
        u, other = User(s), User(s)
        codes = [u.get("/v1/accounts").status_code for _ in range(8)]
        assert codes[:3] == [200, 200, 200] and 429 in codes, codes
        r = u.get("/v1/accounts")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
        assert other.get("/v1/accounts").status_code == 200  # per user
        assert "w3w_rate_limited_total" in requests.get(s.url + "/metrics").text
    finally:
        assert s.stop() == 0


def test_server_survives(server):
    assert requests.get(server.url + "/healthz").status_code == 200
    assert not any(e.get("level") == "error" for e in server.logs), [e for e in server.logs if e.get("level") == "error"]
