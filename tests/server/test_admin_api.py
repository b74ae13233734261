"""The dashboard's static files (/admin/) and the operator reads added for it (docs/server.md)."""
import os
import socket
import uuid

import pytest
import requests

from helpers import Server, User, assert_error, deposit, item, new_currency, seed_withdrawal

ADMIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "server", "admin")


@pytest.fixture(scope="module")
def dash(secret):
    s = Server(["--rate-limit", "off", "--admin-dir", ADMIN_DIR], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


def raw_get(server, path):
    """GET with the path sent byte for byte (requests would normalize ../): (status, headers)."""
    host, port = server.listen.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    return int(head.split(" ")[1]), head.lower()


@pytest.mark.parametrize("path,ctype", [
    ("/admin/", "text/html; charset=utf-8"),
    ("/admin", "text/html; charset=utf-8"),
    ("/admin/index.html", "text/html; charset=utf-8"),
    ("/admin/app.js", "text/javascript; charset=utf-8"),
    ("/admin/style.css", "text/css; charset=utf-8"),
])
def test_files_with_type_and_strict_csp(dash, path, ctype):
    r = User(dash).session.get(dash.url + path, headers={"Authorization": ""})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == ctype
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    with open(os.path.join(ADMIN_DIR, "index.html" if path.endswith(("/", "admin")) else path.rsplit("/", 1)[1]),
              "rb") as f:
        assert r.content == f.read()


def test_pages_have_no_inline_script_or_style():
    with open(os.path.join(ADMIN_DIR, "index.html")) as f:
        html = f.read()
    assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
    assert html.count("<script") == 1 and '<script src="/admin/app.js" defer></script>' in html
    with open(os.path.join(ADMIN_DIR, "app.js")) as f:
        js = f.read()
    for storage in ("localStorage.", "sessionStorage.", "document.cookie", ".innerHTML", "outerHTML", "eval("):
        assert storage not in js, storage


@pytest.mark.parametrize("path", [
    "/admin/nope.js", "/admin/app.jsx", "/admin/.htaccess", "/admin/index", "/admin/../CMakeLists.txt",
    "/admin/..%2fCMakeLists.txt", "/admin/%2e%2e%2fh_admin.c", "/admin/..", "/admin/%2e%2e",
    "/admin/../../../../etc/passwd", "/admin//etc/passwd", "/admin/app.js/", "/admin/a.js%00.css",
])
def test_unknown_files_and_traversal_are_404(dash, path):
    status, head = raw_get(dash, path)
    assert status in (400, 404), (path, status)
    assert "h_admin" not in head


def test_symlink_is_not_followed(tmp_path, secret):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>")
    (tmp_path / "secret.js").symlink_to("/etc/passwd")
    s = Server(["--admin-dir", str(tmp_path)], secret=secret)
    try:
        assert raw_get(s, "/admin/")[0] == 200
        assert raw_get(s, "/admin/secret.js")[0] == 404
    finally:
        assert s.stop() == 0


def test_missing_admin_dir_is_404_not_a_crash(secret, tmp_path):
    s = Server(["--admin-dir", str(tmp_path / "absent")], secret=secret)
    try:
        assert raw_get(s, "/admin/")[0] == 404
    finally:
        assert s.stop() == 0


def test_api_responses_keep_their_headers(dash):
    r = User(dash).get("/v1/orders?limit=1")
    assert r.status_code == 200 and "Content-Security-Policy" not in r.headers


# ---- operator reads ----------------------------------------------------------------------------

@pytest.fixture
def claimed(dash):
    """A claimed order: (currency, buyer, shopper, order, claim)."""
    currency = new_currency()
    service, buyer, shopper = User(dash, ("service",)), User(dash), User(dash)
    deposit(service, buyer, currency, "100")
    r = shopper.post("/v1/supplies", {"currency": currency, "amount": "500"})
    assert r.status_code == 201, r.text
    order = buyer.post("/v1/orders", {"currency": currency, "items": [item("12.5", 2)]}).json()
    r = shopper.post(f"/v1/orders/{order['id']}/claim")
    assert r.status_code == 201, r.text
    return currency, buyer, shopper, order, r.json()


def test_ledger_totals_and_checks(dash, claimed):
    currency = claimed[0]
    for roles in (("admin",), ("auditor",), ("service",)):
        r = User(dash, roles).get("/v1/ledger/totals", params={"currency": currency})
        assert r.status_code == 200, r.text
        t = r.json()
        assert t["currency"] == currency
        assert (t["deposits"], t["withdrawals"], t["balances"], t["held"], t["escrow"]) == ("100", "0", "100", "25", "25")
        assert (t["reserved"], t["live_claims"]) == ("25", "25")
        assert t["checks"] == {"conservation": True, "escrow": True, "reservations": True, "entries_balanced": True}
        assert t["ok"] is True
    assert_error(User(dash).get("/v1/ledger/totals", params={"currency": currency}), 403, "forbidden")
    admin = User(dash, ("admin",))
    assert_error(admin.get("/v1/ledger/totals"), 400, "invalid", "currency")
    assert_error(admin.get("/v1/ledger/totals", params={"currency": currency, "x": "1"}), 400, "invalid")


def test_claims_by_status(dash, claimed):
    currency, buyer, shopper, order, claim = claimed
    admin = User(dash, ("admin",))
    pending, cursor = [], None
    while True:
        r = admin.get("/v1/claims", params={"status": "pending", "limit": 500, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"items", "next_cursor"}
        pending += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert claim in pending and all(c["status"] == "pending" for c in pending)
    r = admin.get("/v1/claims", params={"limit": 500})  # pending by default
    assert r.status_code == 200 and all(c["status"] == "pending" for c in r.json()["items"])
    assert User(dash, ("service",)).post(f"/v1/claims/{claim['id']}/process").status_code == 200
    processed = User(dash, ("service",)).get("/v1/claims", params={"status": "processed", "limit": 500}).json()
    assert any(c["id"] == claim["id"] and c["status"] == "processed" for c in processed["items"])
    for who in (buyer, shopper, User(dash, ("auditor",))):
        assert_error(who.get("/v1/claims"), 403, "forbidden")
    assert_error(admin.get("/v1/claims", params={"status": "released"}), 400, "invalid", "status")
    assert_error(admin.get("/v1/claims", params={"user_id": buyer.id}), 400, "invalid")


def test_order_claim_read(dash, claimed):
    currency, buyer, shopper, order, claim = claimed
    for who in (buyer, shopper, User(dash, ("admin",))):
        r = who.get(f"/v1/orders/{order['id']}/claim")
        assert r.status_code == 200 and r.json() == claim
    assert User(dash).get(f"/v1/orders/{order['id']}/claim").status_code in (403, 404)
    assert shopper.post(f"/v1/claims/{claim['id']}/release").status_code == 200
    assert_error(buyer.get(f"/v1/orders/{order['id']}/claim"), 404, "not_found")
    assert_error(buyer.get("/v1/orders/not-a-uuid/claim"), 400, "invalid")



def test_withdrawal_by_id(dash):
    """GET /v1/withdrawals/{id}: the owner and the operators see it, anyone else gets 404; bad ids are 400."""
    owner, other = User(dash), User(dash)
    wid = seed_withdrawal(dash, owner.id)
    r = owner.get(f"/v1/withdrawals/{wid}")
    assert r.status_code == 200, r.text
    w = r.json()
    assert (w["id"], w["user_id"], w["status"], w["amount"], w["nonce"]) == (wid, owner.id, "broadcast", "1.5", 7)
    assert w["chain"] == "evm:4242424" and w["tx_hash"] == "0x" + "ef" * 32 and w["transfer_id"] == ""
    for role in ("admin", "auditor", "service"):
        assert User(dash, (role,)).get(f"/v1/withdrawals/{wid}").json()["id"] == wid, role
    assert_error(other.get(f"/v1/withdrawals/{wid}"), 404, "not_found")
    assert_error(owner.get(f"/v1/withdrawals/{uuid.uuid4()}"), 404, "not_found")
    assert_error(owner.get("/v1/withdrawals/not-a-uuid"), 400, "invalid")
    assert requests.get(dash.url + f"/v1/withdrawals/{wid}", timeout=10).status_code == 401


def test_order_events(dash):
    """GET /v1/orders/{id}/events: the order's envelopes in order, paged; operators only."""
    cur = new_currency()
    service, buyer, shopper, admin = User(dash, ("service",)), User(dash), User(dash), User(dash, ("admin",))
    deposit(service, buyer, cur, "20")
    assert shopper.post("/v1/supplies", {"currency": cur, "amount": "20"}).status_code == 201
    order_id = buyer.post("/v1/orders", {"currency": cur, "items": [item("3", 1)]}).json()["id"]
    claim_id = shopper.post(f"/v1/orders/{order_id}/claim").json()["id"]
    assert shopper.post(f"/v1/claims/{claim_id}/release").status_code == 200

    r = admin.get(f"/v1/orders/{order_id}/events")
    assert r.status_code == 200, r.text
    events = r.json()["items"]
    assert [e["type"] for e in events] == ["order.created", "order.claimed", "claim.released"], events
    assert all(e["aggregate_id"] == order_id for e in events)
    assert events[1]["actor_id"] == shopper.id and events[1]["payload"]["claim_id"] == claim_id
    # Paged by position, one at a time.
    seen, after = [], 0
    while True:
        page = User(dash, ("auditor",)).get(f"/v1/orders/{order_id}/events?after={after}&limit=1").json()
        if not page["items"]:
            break
        assert len(page["items"]) == 1 and page["next_after"] > after
        seen.append(page["items"][0]["id"])
        after = page["next_after"]
    assert seen == [e["id"] for e in events]
    assert admin.get(f"/v1/orders/{uuid.uuid4()}/events").json() == {"items": [], "next_after": 0}
    assert_error(buyer.get(f"/v1/orders/{order_id}/events"), 403, "forbidden")
    assert_error(admin.get("/v1/orders/nope/events"), 400, "invalid")
    assert_error(admin.get(f"/v1/orders/{order_id}/events?after=-1"), 400, "invalid")
