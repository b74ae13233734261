"""Deposit wallets: one per user and chain, derived addresses, never a key; ownership; idempotent retries."""
import re

import requests

from helpers import Server, assert_error

EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")
SOLANA = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")


def test_wallets(server, make_user):
    alice, bob, auditor = make_user(), make_user(), make_user(("auditor",))
    r = alice.post("/v1/wallets", {"chain": "evm"})
    assert r.status_code == 201, r.text
    evm = r.json()
    assert evm["user_id"] == alice.id and evm["chain"] == "evm" and EVM.match(evm["address"])
    assert not set(evm) - {"id", "user_id", "chain", "address", "created_at"}  # never a key
    sol = alice.post("/v1/wallets", {"chain": "solana"}).json()
    assert SOLANA.match(sol["address"])
    assert_error(alice.post("/v1/wallets", {"chain": "evm"}), 409, "conflict")
    other = bob.post("/v1/wallets", {"chain": "evm"}).json()
    assert other["address"] != evm["address"]

    assert [w["chain"] for w in alice.get("/v1/wallets").json()] == ["evm", "solana"]
    assert [w["id"] for w in bob.get("/v1/wallets").json()] == [other["id"]]
    assert_error(bob.get("/v1/wallets", params={"user_id": alice.id}), 403, "forbidden")
    assert len(auditor.get("/v1/wallets", params={"user_id": alice.id}).json()) == 2

    assert_error(alice.post("/v1/wallets", {"chain": "bitcoin"}), 400, "invalid", "chain")
    assert_error(alice.post("/v1/wallets", {"chain": 1}), 400, "invalid", "chain")
    assert_error(alice.post("/v1/wallets", {}), 400, "invalid", "chain")
    assert_error(alice.post("/v1/wallets", {"chain": "evm", "private_key": "x"}), 400, "invalid", "private_key")


def test_wallet_create_retry_with_idempotency_key(server, make_user):
    carol = make_user()
    first = carol.post("/v1/wallets", {"chain": "evm"}, headers={"Idempotency-Key": "w-1"})
    again = carol.post("/v1/wallets", {"chain": "evm"}, headers={"Idempotency-Key": "w-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json(), (first.text, again.text)


def test_no_key_material_in_logs(server, make_user):
    dave = make_user()
    dave.post("/v1/wallets", {"chain": "evm"})
    from helpers import MASTER_KEY
    assert not any(MASTER_KEY in line for line in server.raw_stderr)
