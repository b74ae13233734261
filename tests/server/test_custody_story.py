"""The whole custody story over HTTP, on a real node (anvil), with the keys in w3wallet-signer, a process of
its own, and a server that holds no master key: a deposit is credited at the confirmation depth and not
before, pays an order, the shopper withdraws on chain within the limits an admin set (past them: 422, nothing
held), and the withdrawal settles; the deposit address is swept to the hot wallet (the deposit key signs in the
signer), the ledger unmoved and the fee recorded; a withdrawal left out of the blocks by a base fee above its
cap is replaced at a bumped fee and settles exactly once. At every step the ledger and the chain agree. Runs
on SQLite (embedded) and PostgreSQL (services), like every server test."""
import os
import secrets
import tempfile
from decimal import Decimal

import requests

import openapi_doc
from helpers import Server, User, assert_error, backend_env, item
from test_chain import EXTERNAL, WEI, Node, checked, eth, wait_for
from test_signer import Signer

# A chain id of its own: on shared storage (services mode) other tests' anvils left cursors and nonces
# under theirs, which a new anvil of the same id would contradict.
CHAIN_ID = 31339
CONFIRMATIONS = 2
GWEI = 10 ** 9


def polls(server):
    return requests.get(server.url + "/readyz", timeout=10).json()["chains"]["anvil"]["polls"]


def test_custody_story():
    doc = openapi_doc.load()
    node = Node(chain_id=CHAIN_ID)
    data_dir = tempfile.mkdtemp(prefix="w3w-custody-story-")
    storage = backend_env().get("W3W_STORAGE") or f"sqlite:{data_dir}/w3wallet.db"
    sock, key = os.path.join(data_dir, "signer.sock"), secrets.token_hex(32)
    signer = Signer(storage, sock, key, max_native=str(5 * WEI), chain_ids=(CHAIN_ID,))
    server = None
    try:
        server = Server(["--rate-limit", "off", "--signer", "unix:" + sock, "--chain-poll-interval", "100",
                         "--chain", f"anvil={node.url} confirmations={CONFIRMATIONS} assets=ETH=native:18"
                                    f" chain_id={CHAIN_ID} sweep_thresholds=ETH=1"],
                        secret=secrets.token_hex(24), data_dir=data_dir,
                        env={"W3W_MASTER_KEY": "", "W3W_SIGNER_KEY": key})
        hot = [e for e in server.logs if e.get("msg") == "chain watcher started"][0]["hot_address"]
        node.send(hot, 10 * WEI)
        admin = User(server, ("admin",))

        # 1. A deposit: seen at depth 1, credited only at the confirmation depth.
        buyer = User(server)
        address = checked(doc, buyer.post("/v1/wallets", {"chain": "evm"})).json()["address"]
        node.send(address, 2 * WEI)
        seen = polls(server)
        wait_for("two more watcher rounds", lambda: polls(server) >= seen + 2)
        assert eth(buyer) == (Decimal(0), Decimal(0))
        assert checked(doc, buyer.get("/v1/deposits?chain=anvil")).json()["items"] == []
        node.mine(CONFIRMATIONS - 1)
        wait_for("the deposit credited", lambda: eth(buyer)[0] == 2)
        [d] = checked(doc, buyer.get("/v1/deposits?chain=anvil")).json()["items"]
        assert (d["address"], d["amount"], d["status"]) == (address, "2", "credited")

        # 2. It pays an order: the shopper claims it and the buyer processes the claim.
        shopper = User(server)
        assert shopper.post("/v1/supplies", {"currency": "ETH", "amount": "5"}).status_code == 201
        order = buyer.post("/v1/orders", {"currency": "ETH", "items": [item("0.75", 2)]}).json()
        claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
        assert buyer.post(f"/v1/claims/{claim['id']}/process").status_code == 200
        assert eth(buyer) == (Decimal("0.5"), Decimal(0)) and eth(shopper) == (Decimal("1.5"), Decimal(0))

        # 3. Limits: an admin gives the shopper 1 ETH a day; past it, 422 and nothing held.
        r = admin.call("PUT", "/v1/limits", {"currency": "ETH", "user_id": shopper.id, "per_withdrawal": None,
                                            "daily": "1"})
        assert r.status_code == 200, r.text
        body = {"currency": "ETH", "chain": "anvil", "to_address": EXTERNAL}
        message = assert_error(shopper.post("/v1/withdrawals", {**body, "amount": "1.2"}), 422, "limit_exceeded")
        assert "24-hour limit of 1 ETH" in message, message
        assert eth(shopper) == (Decimal("1.5"), Decimal(0))

        # 4. A withdrawal within it: signed by the signer, mined, settled once at the depth.
        before, nonce = node.balance(EXTERNAL), node.nonce(hot)
        w = checked(doc, shopper.post("/v1/withdrawals", {**body, "amount": "0.8"})).json()
        assert w["status"] == "broadcast" and w["from_address"] == hot, w
        assert any(e["event"] == "signed" and e.get("tx_hash") == w["tx_hash"] for e in signer.lines())
        assert eth(shopper) == (Decimal("1.5"), Decimal("0.8"))
        node.receipt(w["tx_hash"])
        node.mine(CONFIRMATIONS)
        wait_for("the withdrawal settled",
                 lambda: shopper.get(f"/v1/withdrawals/{w['id']}").json()["status"] == "confirmed")
        assert node.balance(EXTERNAL) == before + 8 * WEI // 10 and node.nonce(hot) == nonce + 1
        assert eth(shopper) == (Decimal("0.7"), Decimal(0))
        [standing] = shopper.get("/v1/limits", params={"currency": "ETH"}).json()["items"]
        assert (standing["used"], standing["remaining"]) == ("0.8", "0.2"), standing
        assert_error(shopper.post("/v1/withdrawals", {**body, "amount": "0.3"}), 422, "limit_exceeded")
        assert eth(shopper) == (Decimal("0.7"), Decimal(0)) and node.nonce(hot) == nonce + 1

        # 5. A sweep (run by an admin): the 2 ETH on the deposit address move to the hot wallet, signed in the
        # signer by the deposit address's key; users' balances do not move; the chain's charge is the fee recorded.
        hot_before, address_before = node.balance(hot), node.balance(address)
        r = checked(doc, admin.post("/v1/sweeps/run", {"chain": "anvil"}))
        assert r.status_code == 200 and r.json()["stats"]["sent"] == 1, r.text
        [s] = [x for x in admin.get("/v1/sweeps?chain=anvil").json()["items"] if x["address"] == address]
        node.receipt(s["tx_hash"])
        node.mine(CONFIRMATIONS)
        assert checked(doc, admin.post("/v1/sweeps/run", {"chain": "anvil"})).json()["stats"]["confirmed"] == 1
        [s] = [x for x in checked(doc, admin.get("/v1/sweeps?chain=anvil")).json()["items"] if x["address"] == address]
        assert s["status"] == "confirmed" and s["to_address"] == hot and s["topup_value"] == "0", s
        assert node.balance(hot) == hot_before + int(s["amount"]) and node.nonce(hot) == nonce + 1
        assert node.balance(address) == address_before - int(s["amount"]) - int(s["sweep_fee"])
        assert any(e["event"] == "signed" and e.get("op") == "sweep" and e.get("tx_hash") == s["tx_hash"]
                   for e in signer.lines())
        assert eth(buyer) == (Decimal("0.5"), Decimal(0)) and eth(shopper) == (Decimal("0.7"), Decimal(0))

        # 6. A stuck withdrawal: mined blocks carry a base fee far above its cap; an admin replaces it at a bumped
        # fee (signed by the signer), the replacement is mined and the withdrawal settles once.
        node.rpc("evm_setAutomine", False)
        node.rpc("anvil_setNextBlockBaseFeePerGas", hex(GWEI))
        node.mine(1)
        before = node.balance(EXTERNAL)
        w = checked(doc, shopper.post("/v1/withdrawals", {**body, "amount": "0.1"})).json()
        assert w["status"] == "broadcast" and w["nonce"] == nonce + 1, w
        node.rpc("anvil_setNextBlockBaseFeePerGas", hex(100 * GWEI))
        node.mine(1)
        assert node.rpc("eth_getTransactionReceipt", w["tx_hash"]) is None
        assert eth(shopper) == (Decimal("0.7"), Decimal("0.1"))
        r = checked(doc, admin.post(f"/v1/withdrawals/{w['id']}/replace"))
        assert r.status_code == 200, r.text
        original, replacement = r.json()["attempts"]
        assert replacement["kind"] == "replacement" and replacement["tx_hash"] != original["tx_hash"]
        assert any(e["event"] == "signed" and e.get("tx_hash") == replacement["tx_hash"] for e in signer.lines())
        node.mine(1 + CONFIRMATIONS)
        done = wait_for("the replaced withdrawal settled",
                        lambda: (lambda j: j if j["status"] == "confirmed" else None)(
                            shopper.get(f"/v1/withdrawals/{w['id']}").json()))
        assert done["tx_hash"] == replacement["tx_hash"] and done["fee_paid"] == done["attempts"][1]["fee_paid"] != ""
        node.mine(2)
        seen = polls(server)
        wait_for("two more watcher rounds (nothing more to settle)", lambda: polls(server) >= seen + 2)
        assert node.balance(EXTERNAL) == before + WEI // 10 and node.nonce(hot) == nonce + 2
        assert eth(shopper) == (Decimal("0.6"), Decimal(0))
        [standing] = shopper.get("/v1/limits", params={"currency": "ETH"}).json()["items"]
        assert (standing["used"], standing["remaining"]) == ("0.9", "0.1"), standing
    finally:
        if server:
            assert server.stop() == 0, "".join(server.raw_stderr[-20:])
        if signer.proc.poll() is None:
            assert signer.stop() == 0
        node.stop()
