"""Stuck on-chain withdrawals over HTTP, on a real local Ethereum node (anvil): a withdrawal left out of the
blocks because the base fee was raised above its cap (anvil_setNextBlockBaseFeePerGas) is replaced
(POST /v1/withdrawals/{id}/replace) or cancelled (/cancel) by staff, or replaced by the server's own policy
(--chain ... replace_after_blocks=N replace_max_fee_per_gas=WEI); whichever transaction is mined settles it
exactly once, GET /v1/withdrawals/{id} shows every transaction and the fee paid, and refused requests change
nothing. Anvil runs with automine off: the test mines. Runs in both server modes."""
import time
import uuid
from decimal import Decimal

import pytest
import requests

import openapi_doc
from helpers import Server, User, assert_error, deposit
from test_chain import EXTERNAL, WEI, Node, wait_for

# A chain id of its own: on shared storage (services mode) the other anvil tests' watchers and records
# live under theirs (test_chain 31337, test_signer 31338, test_custody_story 31339, test_sweeps 31340).
CHAIN_ID = 31341
CONFIRMATIONS = 2
REPLACE_AFTER = 3   # blocks: the manual cases act within fewer
GWEI = 10 ** 9


@pytest.fixture(scope="module")
def node():
    n = Node(CHAIN_ID)
    n.rpc("evm_setAutomine", False)
    yield n
    n.stop()


@pytest.fixture(scope="module")
def stuck_server(node, secret):
    spec = (f"stuck={node.url} confirmations={CONFIRMATIONS} assets=ETH=native:18 chain_id={CHAIN_ID}"
            f" replace_after_blocks={REPLACE_AFTER} replace_max_fee_per_gas={1000 * GWEI}")
    s = Server(["--rate-limit", "off", "--chain", spec, "--chain-poll-interval", "100"], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


@pytest.fixture(scope="module")
def hot(stuck_server, node):
    started = [e for e in stuck_server.logs if e.get("msg") == "chain watcher started"]
    assert started and started[0]["key"] == f"evm:{CHAIN_ID}", stuck_server.logs[-5:]
    address = started[0]["hot_address"]
    tx = node.rpc("eth_sendTransaction", {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "to": address,
                                          "value": hex(10 * WEI)})
    node.mine(1)
    assert node.receipt(tx)["status"] == "0x1"
    return address


@pytest.fixture(scope="module")
def doc():
    return openapi_doc.load()


def checked(doc, r):
    openapi_doc.check_response(doc, r.request.method, r.request.path_url, r)
    return r


def calm(node):
    """A block at 1 gwei base fee: the next withdrawal's cap is about 3 gwei."""
    node.rpc("anvil_setNextBlockBaseFeePerGas", hex(GWEI))
    node.mine(1)


def stick(node, tx_hash):
    """A block at 100 gwei base fee, which leaves the withdrawal's transaction out."""
    node.rpc("anvil_setNextBlockBaseFeePerGas", hex(100 * GWEI))
    node.mine(1)
    assert node.rpc("eth_getTransactionReceipt", tx_hash) is None


def eth(user):
    b = user.balance("ETH")
    return Decimal(b["balance"]), Decimal(b["held"])


def funded(server, amount="1"):
    user = User(server)
    deposit(User(server, ("service",)), user, "ETH", amount)
    return user


def withdrawal(user, wid):
    r = user.get(f"/v1/withdrawals/{wid}")
    assert r.status_code == 200, r.text
    return r.json()


def withdraw(doc, user, node, amount="0.1"):
    calm(node)
    r = checked(doc, user.post("/v1/withdrawals", {"currency": "ETH", "amount": amount, "chain": "stuck",
                                                   "to_address": EXTERNAL}))
    assert r.status_code == 201 and r.json()["status"] == "broadcast", r.text
    w = r.json()
    assert [a["kind"] for a in w["attempts"]] == ["original"] and w["attempts"][0]["tx_hash"] == w["tx_hash"]
    assert w["fee_paid"] == ""
    return w


def settled(user, wid, status):
    return wait_for(f"withdrawal {status}",
                    lambda: (lambda j: j if j["status"] == status else None)(withdrawal(user, wid)))


def test_replaced_withdrawal_settles_once(stuck_server, node, hot, doc):
    user, admin = funded(stuck_server), User(stuck_server, ("admin",))
    before = node.balance(EXTERNAL)
    w = withdraw(doc, user, node)
    stick(node, w["tx_hash"])
    assert eth(user) == (Decimal(1), Decimal("0.1"))
    # Operators see it: /readyz names the oldest open withdrawal, /metrics gives its age.
    ready = wait_for("the stuck withdrawal in /readyz", lambda: (lambda c: c if c.get("oldest_open_withdrawal") == w["id"]
                     else None)(requests.get(stuck_server.url + "/readyz", timeout=10).json()["chains"]["stuck"]))
    assert ready["open_withdrawals"] >= 1 and ready["oldest_open_withdrawal_age_s"] >= 0
    age = [line for line in requests.get(stuck_server.url + "/metrics", timeout=10).text.splitlines()
           if line.startswith('w3w_chain_oldest_open_withdrawal_age_seconds{chain="stuck"')]
    assert len(age) == 1 and float(age[0].rsplit(" ", 1)[1]) > 0, age

    # Refused, changing nothing: a user, an unknown id, a fee below the minimum, unknown or malformed fields.
    assert_error(checked(doc, user.post(f"/v1/withdrawals/{w['id']}/replace")), 403, "forbidden")
    assert_error(checked(doc, admin.post(f"/v1/withdrawals/{uuid.uuid4()}/replace")), 404, "not_found")
    assert_error(admin.post(f"/v1/withdrawals/not-an-id/replace"), 400, "invalid")
    msg = assert_error(checked(doc, admin.post(f"/v1/withdrawals/{w['id']}/replace", {"max_fee_per_gas": "1000"})),
                       400, "invalid", "max_fee_per_gas")
    assert "below the minimum" in msg
    assert_error(admin.post(f"/v1/withdrawals/{w['id']}/replace", {"gas_price": "1"}), 400, "invalid")
    assert_error(admin.post(f"/v1/withdrawals/{w['id']}/replace", {"max_fee_per_gas": 5}), 400, "invalid")
    assert_error(admin.post(f"/v1/withdrawals/{w['id']}/replace", {"max_fee_per_gas": "12x"}), 400, "invalid")
    assert len(withdrawal(user, w["id"])["attempts"]) == 1

    r = checked(doc, admin.post(f"/v1/withdrawals/{w['id']}/replace"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["nonce"] == w["nonce"] and got["tx_hash"] != w["tx_hash"] and got["status"] == "broadcast"
    first, second = got["attempts"]
    assert (first["kind"], second["kind"]) == ("original", "replacement") and second["tx_hash"] == got["tx_hash"]
    assert 8 * int(second["max_fee_per_gas"]) >= 9 * int(first["max_fee_per_gas"])
    assert 8 * int(second["max_priority_fee_per_gas"]) >= 9 * int(first["max_priority_fee_per_gas"])

    node.mine(1 + CONFIRMATIONS)
    done = settled(user, w["id"], "confirmed")
    assert done["tx_hash"] == second["tx_hash"] and done["transfer_id"]
    assert done["fee_paid"] and done["fee_paid"] == done["attempts"][1]["fee_paid"] and done["attempts"][0]["fee_paid"] == ""
    assert node.balance(EXTERNAL) == before + WEI // 10
    assert eth(user) == (Decimal("0.9"), Decimal(0))
    node.mine(2)
    time.sleep(0.5)  # five more polls: nothing more is settled
    assert eth(user) == (Decimal("0.9"), Decimal(0))
    assert requests.get(stuck_server.url + "/readyz", timeout=10).json()["chains"]["stuck"].get(
        "oldest_open_withdrawal") != w["id"]
    msg = assert_error(checked(doc, admin.post(f"/v1/withdrawals/{w['id']}/replace")), 422, "invalid_state")
    assert "confirmed" in msg


def test_cancelled_withdrawal_gives_the_money_back(stuck_server, node, hot, doc):
    user, service = funded(stuck_server), User(stuck_server, ("service",))
    before = node.balance(EXTERNAL)
    w = withdraw(doc, user, node)
    stick(node, w["tx_hash"])
    assert_error(checked(doc, user.post(f"/v1/withdrawals/{w['id']}/cancel")), 403, "forbidden")

    r = checked(doc, service.post(f"/v1/withdrawals/{w['id']}/cancel", {}))
    assert r.status_code == 200, r.text
    assert [a["kind"] for a in r.json()["attempts"]] == ["original", "cancellation"]
    msg = assert_error(service.post(f"/v1/withdrawals/{w['id']}/replace"), 422, "invalid_state")
    assert "cancellation was sent" in msg
    assert eth(user) == (Decimal(1), Decimal("0.1"))  # held until the cancellation is mined

    node.mine(1 + CONFIRMATIONS)
    done = settled(user, w["id"], "failed")
    assert done["error"].startswith("cancelled") and done["transfer_id"] == ""
    assert done["fee_paid"] and int(done["fee_paid"]) > 0
    assert node.balance(EXTERNAL) == before
    assert eth(user) == (Decimal(1), Decimal(0))
    assert_error(checked(doc, service.post(f"/v1/withdrawals/{w['id']}/cancel")), 422, "invalid_state")


def test_the_first_transaction_mined_after_a_replacement_settles_once(stuck_server, node, hot, doc):
    """The node refuses the replacement (a fee the hot wallet cannot pay): it is recorded, the first stands."""
    user, admin = funded(stuck_server), User(stuck_server, ("admin",))
    before = node.balance(EXTERNAL)
    w = withdraw(doc, user, node)
    r = checked(doc, admin.post(f"/v1/withdrawals/{w['id']}/replace",
                                {"max_fee_per_gas": str(1000 * WEI)}))
    assert_error(r, 503, "unavailable")
    assert len(withdrawal(user, w["id"])["attempts"]) == 2
    node.mine(1 + CONFIRMATIONS)
    done = settled(user, w["id"], "confirmed")
    assert done["tx_hash"] == w["tx_hash"] and done["fee_paid"] == done["attempts"][0]["fee_paid"] != ""
    assert node.balance(EXTERNAL) == before + WEI // 10
    assert eth(user) == (Decimal("0.9"), Decimal(0))


def test_the_server_replaces_a_stuck_withdrawal_itself(stuck_server, node, hot, doc):
    user = funded(stuck_server)
    w = withdraw(doc, user, node)
    stick(node, w["tx_hash"])
    node.mine(REPLACE_AFTER)  # the base fee stays far above the cap for these blocks
    replaced = wait_for("the automatic replacement",
                        lambda: (lambda j: j if len(j["attempts"]) == 2 else None)(withdrawal(user, w["id"])))
    assert replaced["attempts"][1]["kind"] == "replacement"
    assert int(replaced["attempts"][1]["max_fee_per_gas"]) <= 1000 * GWEI
    node.mine(1 + CONFIRMATIONS)
    done = settled(user, w["id"], "confirmed")
    assert done["tx_hash"] == replaced["attempts"][1]["tx_hash"]
    assert eth(user) == (Decimal("0.9"), Decimal(0))
