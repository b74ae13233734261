"""JWT: forged, expired, alg:none, algorithm switching, malformed; EdDSA; roles and ownership."""
import base64
import json
import time
import uuid

import nacl.signing
import pytest
import requests

from helpers import Server, User, assert_error, b64url, deposit, item, make_token, new_currency


NIL_UUID = "00000000-0000-0000-0000-000000000000"


def raw_token(secret, payload, header='{"alg":"HS256","typ":"JWT"}'):
    """A correctly signed HS256 token whose JSON texts are taken as written (repeated names survive)."""
    import hashlib
    import hmac
    signing_input = b64url(header.encode()) + "." + b64url(payload.encode())
    key = secret.encode() if isinstance(secret, str) else secret
    return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def call(server, token):
    return requests.get(server.url + "/v1/accounts", headers={"Authorization": "Bearer " + token}, timeout=30)


def test_good_token(server):
    assert call(server, server.token()).status_code == 200


@pytest.mark.parametrize("name,make", [
    ("forged (other secret)", lambda s: make_token("x" * 48, str(uuid.uuid4()))),
    ("expired", lambda s: s.token(ttl=-120)),
    ("alg none", lambda s: make_token(None, str(uuid.uuid4()), alg="none")),
    ("alg none, signature kept", lambda s: make_token(None, str(uuid.uuid4()), alg="none") + "AAAA"),
    ("alg None capitalised", lambda s: make_token(s.secret, str(uuid.uuid4()), header={"alg": "None"})),
    ("HS384", lambda s: make_token(s.secret, str(uuid.uuid4()), alg="HS384")),
    ("EdDSA to an HS256 server", lambda s: make_token(None, str(uuid.uuid4()), alg="EdDSA",
                                                      signing_key=nacl.signing.SigningKey.generate())),
    ("no alg", lambda s: make_token(s.secret, str(uuid.uuid4()), header={"typ": "JWT"})),
    ("crit header", lambda s: make_token(s.secret, str(uuid.uuid4()), header={"alg": "HS256", "crit": ["exp"]})),
    ("not yet valid", lambda s: s.token(claims={"nbf": int(time.time()) + 600})),
    ("no exp", lambda s: s.token(claims={"exp": None})),
    ("exp as string", lambda s: s.token(claims={"exp": str(int(time.time()) + 600)})),
    ("sub not a UUID", lambda s: make_token(s.secret, "alice")),
    ("no sub", lambda s: s.token(claims={"sub": None})),
    ("unknown role", lambda s: s.token(roles=("superuser",))),
    ("roles as string", lambda s: s.token(claims={"roles": "admin"})),
    ("empty roles", lambda s: s.token(roles=())),
    ("garbage", lambda s: "garbage"),
    ("two parts", lambda s: ".".join(s.token().split(".")[:2])),
    ("four parts", lambda s: s.token() + ".x"),
    ("tampered payload", lambda s: (lambda t: t[0] + "." + b64url(json.dumps(
        {"sub": str(uuid.uuid4()), "roles": ["admin"], "exp": int(time.time()) + 600}).encode()) + "." + t[2])(
        s.token().split("."))),
    ("padded base64", lambda s: (lambda t: t[0] + "=." + t[1] + "." + t[2])(s.token().split("."))),
    ("header not JSON", lambda s: b64url(b"hello") + "." + s.token().split(".")[1] + "." + s.token().split(".")[2]),
    ("huge", lambda s: "a" * 9000 + "." + "b" + "." + "c"),
    ("nil UUID sub (the external account)", lambda s: s.token(sub=NIL_UUID, roles=("user", "admin", "service"))),
    ("comma inside one role", lambda s: s.token(roles=("user,admin",))),
    ("role with a trailing comma", lambda s: s.token(roles=("admin,",))),
    ("repeated role", lambda s: s.token(roles=("user", "user"))),
    ("repeated sub", lambda s: raw_token(s.secret, '{"sub":"%s","roles":["user"],"exp":%d,"sub":"%s"}'
                                         % (uuid.uuid4(), time.time() + 600, uuid.uuid4()))),
    ("repeated roles", lambda s: raw_token(s.secret, '{"sub":"%s","roles":["admin"],"exp":%d,"roles":["user"]}'
                                           % (uuid.uuid4(), time.time() + 600))),
    ("repeated exp", lambda s: raw_token(s.secret, '{"sub":"%s","roles":["user"],"exp":%d,"exp":%d}'
                                         % (uuid.uuid4(), time.time() + 600, time.time() - 600))),
    ("repeated header name", lambda s: raw_token(s.secret, '{"sub":"%s","roles":["user"],"exp":%d}'
                                                 % (uuid.uuid4(), time.time() + 600),
                                                 header='{"alg":"HS256","alg":"HS256"}')),
])
def test_bad_tokens_are_401(server, name, make):
    r = call(server, make(server))
    msg = assert_error(r, 401, "unauthenticated")
    assert msg.startswith("token") or msg.startswith("Authorization"), msg


def test_raw_token_control(server):
    """The hand-made tokens above are refused for what they repeat, not for how they are made."""
    ok = raw_token(server.secret, '{"sub":"%s","roles":["user"],"exp":%d}' % (uuid.uuid4(), time.time() + 600))
    assert call(server, ok).status_code == 200


def test_nil_uuid_caller_creates_no_money(server, service, make_user):
    """The external account's id as caller: no transfer, no withdrawal, books unchanged."""
    cur = new_currency()
    victim_gets = make_user()
    nil_token = make_token(server.secret, NIL_UUID, roles=("user", "admin", "service"))
    h = {"Authorization": "Bearer " + nil_token}
    r = requests.post(server.url + "/v1/transfers", headers=h, timeout=30,
                      json={"to_user_id": victim_gets.id, "currency": cur, "amount": "1000"})
    assert_error(r, 401, "unauthenticated")
    r = requests.post(server.url + "/v1/withdrawals", headers=h, timeout=30,
                      json={"currency": cur, "amount": "5", "chain": "evm", "to_address": "0xabc"})
    assert_error(r, 401, "unauthenticated")
    assert victim_gets.balance(cur)["balance"] == "0"


def test_token_command_refuses_reserved_sub(server):
    import subprocess
    from helpers import SERVER_BIN
    bad = subprocess.run([SERVER_BIN, "token", "--data-dir", server.data_dir, "--sub", NIL_UUID, "--roles", "admin"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "W3W_JWT_SECRET": server.secret})
    assert bad.returncode != 0
    assert "reserved" in bad.stderr, bad.stderr
    assert bad.stdout.strip() == ""


def test_token_command_never_signs_with_a_new_secret(tmp_path):
    """Without the server's secret, `token` refuses instead of minting a token no server accepts."""
    import subprocess
    from helpers import SERVER_BIN
    r = subprocess.run([SERVER_BIN, "token", "--data-dir", str(tmp_path), "--sub", str(uuid.uuid4())],
                       capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode != 0 and r.stdout == ""
    assert "--data-dir" in r.stderr and "jwt-secret" in r.stderr, r.stderr
    assert not (tmp_path / "jwt-secret").exists() and not (tmp_path / "master-key").exists()


def test_alg_none_message_is_clear(server):
    msg = assert_error(call(server, make_token(None, str(uuid.uuid4()), alg="none")), 401, "unauthenticated")
    assert "algorithm" in msg or "unsigned" in msg


def test_expired_within_leeway_is_accepted(server):
    assert call(server, server.token(ttl=-5)).status_code == 200


def test_verified_token_is_refused_once_expired(server):
    """Workers keep tokens they verified (examples/server/auth_cache.c): a kept token still expires on time."""
    exp = int(time.time()) - 27  # with the 30 s leeway: good for about 3 s more
    token = server.token(claims={"exp": exp})
    ok = [call(server, token).status_code for _ in range(40)]  # new connections: spread over the workers
    if time.time() < exp + 30:
        assert ok == [200] * 40, ok
    time.sleep(max(0.0, exp + 30 - time.time()) + 0.5)
    assert [call(server, token).status_code for _ in range(40)] == [401] * 40
    assert call(server, server.token()).status_code == 200


def test_eddsa_server_and_algorithm_switching(secret):
    key = nacl.signing.SigningKey.generate()
    pub_hex = key.verify_key.encode().hex()
    s = Server(env={"W3W_JWT_ED25519_PUBLIC_KEY": pub_hex})
    try:
        sub = str(uuid.uuid4())
        good = make_token(None, sub, alg="EdDSA", signing_key=key)
        assert call(s, good).status_code == 200
        # The classic switch: HS256 "signed" with the public key as the HMAC secret.
        for hs_key in (pub_hex, key.verify_key.encode(), base64.b64encode(key.verify_key.encode()).decode()):
            assert_error(call(s, make_token(hs_key, sub)), 401, "unauthenticated")
        other = nacl.signing.SigningKey.generate()
        assert_error(call(s, make_token(None, sub, alg="EdDSA", signing_key=other)), 401, "unauthenticated")
        assert_error(call(s, make_token(None, sub, alg="none")), 401, "unauthenticated")
    finally:
        assert s.stop() == 0


def test_token_command_with_eddsa_private_key():
    import subprocess
    from helpers import SERVER_BIN
    import tempfile
    key = nacl.signing.SigningKey.generate()
    env = {"W3W_JWT_ED25519_PRIVATE_KEY": bytes(key).hex(), "PATH": "/usr/bin:/bin"}
    d = tempfile.mkdtemp()
    sub = str(uuid.uuid4())
    out = subprocess.run([SERVER_BIN, "token", "--data-dir", d, "--sub", sub, "--roles", "user,auditor"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    header, payload, sig = out.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)
    assert json.loads(base64.urlsafe_b64decode(pad(header)))["alg"] == "EdDSA"
    claims = json.loads(base64.urlsafe_b64decode(pad(payload)))
    assert claims["sub"] == sub and claims["roles"] == ["user", "auditor"]
    key.verify_key.verify((header + "." + payload).encode(), base64.urlsafe_b64decode(pad(sig)))


def test_token_command_hs256_roundtrip(server):
    """`w3wallet-server token` signs with the generated secret that `serve` uses."""
    import subprocess
    from helpers import SERVER_BIN
    s = Server()  # no W3W_JWT_SECRET: generates DATA_DIR/jwt-secret
    try:
        assert any("generated a new JWT secret" in line for line in s.raw_stderr)
        import os, stat
        mode = os.stat(os.path.join(s.data_dir, "jwt-secret")).st_mode
        assert stat.S_IMODE(mode) == 0o600
        secret = open(os.path.join(s.data_dir, "jwt-secret")).read().strip()
        assert not any(secret in line for line in s.raw_stderr + s.stdout_lines)
        sub = str(uuid.uuid4())
        tok = subprocess.run([SERVER_BIN, "token", "--data-dir", s.data_dir, "--sub", sub, "--roles", "user",
                              "--ttl", "60"], capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin"}).stdout.strip()
        r = call(s, tok)
        assert r.status_code == 200, r.text
        bad = subprocess.run([SERVER_BIN, "token", "--data-dir", s.data_dir, "--sub", "nope"],
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
        assert bad.returncode != 0 and "--sub" in bad.stderr
    finally:
        assert s.stop() == 0


def test_other_users_resources(server, service, make_user):
    cur = new_currency()
    buyer, shopper, stranger, admin = make_user(), make_user(), make_user(), make_user(("admin",))
    deposit(service, buyer, cur, "10")
    supply = shopper.post("/v1/supplies", {"currency": cur, "amount": "10"}).json()
    order = buyer.post("/v1/orders", {"currency": cur, "items": [item("2", 1)]}).json()

    # Supplies are private: another user sees 404 (existence not revealed), an admin sees it.
    assert_error(stranger.get(f"/v1/supplies/{supply['id']}"), 404, "not_found")
    r = stranger.patch(f"/v1/supplies/{supply['id']}", {"status": "paused"})
    assert r.status_code in (403, 404), r.text
    r = stranger.delete(f"/v1/supplies/{supply['id']}")
    assert r.status_code in (403, 404), r.text
    assert admin.get(f"/v1/supplies/{supply['id']}").status_code == 200
    assert shopper.get(f"/v1/supplies/{supply['id']}").json()["status"] == "active"
    assert_error(stranger.get("/v1/supplies", params={"user_id": shopper.id}), 403, "forbidden")

    # Orders are public to read, but only the owner cancels; nobody claims their own.
    assert stranger.get(f"/v1/orders/{order['id']}").status_code == 200
    r = stranger.delete(f"/v1/orders/{order['id']}")
    assert r.status_code in (403, 404), r.text
    assert_error(buyer.post(f"/v1/orders/{order['id']}/claim"), 403, "forbidden")

    claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
    r = stranger.get(f"/v1/claims/{claim['id']}")
    assert r.status_code in (403, 404), r.text
    r = stranger.post(f"/v1/claims/{claim['id']}/process")
    assert r.status_code in (403, 404), r.text
    r = shopper.post(f"/v1/claims/{claim['id']}/process")  # the claimer cannot settle to themselves
    assert r.status_code in (403, 404), r.text
    r = buyer.post(f"/v1/claims/{claim['id']}/release")    # only the claimer or an admin releases
    assert r.status_code in (403, 404), r.text
    assert buyer.get(f"/v1/claims/{claim['id']}").json()["status"] == "pending"

    # Balances: one's own; another's only for admin/service/auditor.
    assert_error(stranger.get("/v1/accounts", params={"user_id": buyer.id}), 403, "forbidden")
    r = admin.get("/v1/accounts", params={"user_id": buyer.id})
    assert r.status_code == 200 and any(a["currency"] == cur for a in r.json())
    # Nothing changed for the owners.
    assert buyer.balance(cur) == {"currency": cur, "balance": "10", "held": "2", "available": "8"}


def _secret_file(directory, name, content, mode=0o400):
    """A secret file as systemd's LoadCredential= lays it out: mode 0400, a line end."""
    import os
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(content + "\n")
    os.chmod(path, mode)
    return path


def test_secrets_from_files(tmp_path):
    """W3W_JWT_SECRET_FILE and W3W_MASTER_KEY_FILE: the keys come from those files; none is generated."""
    import os
    import secrets
    import subprocess
    from helpers import MASTER_KEY, SERVER_BIN
    creds = tmp_path / "credentials"
    creds.mkdir(mode=0o700)
    secret = secrets.token_hex(32)
    jwt_file = _secret_file(creds, "jwt-secret", secret)
    master_file = _secret_file(creds, "master-key", MASTER_KEY)
    s = Server(env={"W3W_JWT_SECRET_FILE": jwt_file, "W3W_MASTER_KEY": "", "W3W_MASTER_KEY_FILE": master_file})
    s.secret = secret
    try:
        assert not any("generated" in line for line in s.raw_stderr), s.raw_stderr
        for name in ("jwt-secret", "master-key"):
            assert not os.path.exists(os.path.join(s.data_dir, name)), name
        user = User(s)
        assert user.get("/v1/accounts").status_code == 200
        assert_error(call(s, make_token("x" * 64, str(uuid.uuid4()))), 401, "unauthenticated")
        # The master key from its file opens the wallet seed: a deposit address can be made.
        r = user.post("/v1/wallets", {"chain": "evm"})
        assert r.status_code == 201, r.text
        assert not any(secret in line or MASTER_KEY in line for line in s.raw_stderr + s.stdout_lines)
        # `token` signs with the same file, as an operator runs it next to the service.
        tok = subprocess.run([SERVER_BIN, "token", "--data-dir", str(tmp_path / "tok"), "--sub", str(uuid.uuid4())],
                             capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "W3W_JWT_SECRET_FILE": jwt_file}).stdout.strip()
        assert call(s, tok).status_code == 200
    finally:
        assert s.stop() == 0


def test_secret_files_refused(tmp_path):
    """A _FILE secret that is missing, readable by others, malformed, or given twice stops the server."""
    import subprocess
    from helpers import MASTER_KEY, SERVER_BIN
    good_jwt = _secret_file(tmp_path, "jwt", "j" * 40)
    good_master = _secret_file(tmp_path, "master", MASTER_KEY)
    shared = _secret_file(tmp_path, "shared", "s" * 40, mode=0o644)
    short = _secret_file(tmp_path, "short", "s" * 10)
    junk_master = _secret_file(tmp_path, "junk", "not hex")
    long_jwt = _secret_file(tmp_path, "long", "l" * 2000)
    for extra, needle in [
        ({"W3W_JWT_SECRET_FILE": str(tmp_path / "missing")}, "does not exist"),
        ({"W3W_JWT_SECRET_FILE": shared}, "chmod 600"),
        ({"W3W_JWT_SECRET_FILE": short}, "W3W_JWT_SECRET_FILE: must be"),
        ({"W3W_JWT_SECRET_FILE": long_jwt}, "too long"),
        ({"W3W_JWT_SECRET_FILE": good_jwt, "W3W_JWT_SECRET": "s" * 40}, "not both"),
        ({"W3W_JWT_SECRET_FILE": good_jwt, "W3W_JWT_ED25519_PUBLIC_KEY": "00" * 32}, "not both"),
        ({"W3W_JWT_SECRET_FILE": good_jwt, "W3W_MASTER_KEY_FILE": junk_master}, "W3W_MASTER_KEY_FILE: expected 64 hex"),
        ({"W3W_JWT_SECRET_FILE": good_jwt, "W3W_MASTER_KEY_FILE": good_master, "W3W_MASTER_KEY": MASTER_KEY},
         "not both"),
    ]:
        d = tmp_path / "data"
        r = subprocess.run([SERVER_BIN, "serve", "--data-dir", str(d), "--listen", "127.0.0.1:0"],
                           env={"PATH": "/usr/bin:/bin", **extra}, capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and needle in r.stderr, (extra, r.stderr)
        assert not (d / "jwt-secret").exists() and not (d / "master-key").exists(), extra
