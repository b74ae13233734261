"""Sweeps over HTTP, on a real local Ethereum node (anvil): a server whose chain has a sweep policy moves a user's
tokens (after a gas top-up from the hot wallet) and native coin from the deposit address to the hot wallet on its
watch thread, leaves the ledger alone, lists the sweeps with their fees (GET /v1/sweeps), runs a round on demand
(POST /v1/sweeps/run, admin) and reports them in /readyz and /metrics. Anvil and the test token come from
tests/chain (W3W_ANVIL_BIN, W3W_TOKEN_HEX), as for test_chain.py: either missing is a failure."""
import os
import subprocess

import pytest
import requests

import openapi_doc
from helpers import Server, User, assert_error
from test_chain import WEI, Node, checked, wait_for

CONFIRMATIONS = 2
CHAIN_ID = 31340  # no other test's (test_chain 31337, test_signer 31338, test_custody_story 31339): on shared storage records stay apart
KEY = f"evm:{CHAIN_ID}"


@pytest.fixture(scope="module")
def node():
    n = Node(chain_id=CHAIN_ID)
    yield n
    n.stop()


@pytest.fixture(scope="module")
def token(node):
    hex_file = os.environ.get("W3W_TOKEN_HEX", "")
    if not hex_file or not os.path.exists(hex_file):
        pytest.fail("W3W_TOKEN_HEX names no compiled test token: run through tests/server/run.sh")
    return node.deploy(hex_file)


@pytest.fixture(scope="module")
def server(node, token, secret):
    spec = (f"anvil={node.url} confirmations={CONFIRMATIONS} assets=ETH=native:18,TKN={token}:6 chain_id={CHAIN_ID}"
            " sweep_thresholds=ETH=0.5,TKN=1 sweep_interval_ms=200 sweep_max_per_round=20"
            " sweep_topup_max_wei=5000000000000000")
    s = Server(["--rate-limit", "off", "--chain", spec, "--chain-poll-interval", "100"], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


@pytest.fixture(scope="module")
def hot(server, node):
    started = [e for e in server.logs if e.get("msg") == "chain watcher started"]
    assert started and started[0]["key"] == KEY and started[0]["sweep_interval_ms"] == 200, server.logs[-5:]
    node.send(started[0]["hot_address"], 10 * WEI)  # the gas of top-ups
    return started[0]["hot_address"]


def sweeps_of(admin, address):
    return [s for s in admin.get("/v1/sweeps?chain=anvil").json()["items"] if s["address"] == address]


def test_sweeps_move_custody_not_user_money(server, node, token, hot):
    doc = openapi_doc.load()
    user = User(server)
    admin = User(server, ("admin",))
    address = checked(doc, user.post("/v1/wallets", {"chain": "evm"})).json()["address"]
    hot_nonce, hot_tokens = node.nonce(hot), node.token_balance(token, hot)
    node.token_send(token, address, 2_500_000)  # 2.5 TKN: above 1, and no gas on the address
    node.mine(CONFIRMATIONS)
    wait_for("the token deposit credited", lambda: user.balance("TKN")["balance"] == "2.5")

    # The watch thread sweeps: the gas topped up from the hot wallet, then the tokens sent there.
    def confirmed(count):
        def check():
            node.mine(1)
            done = [s for s in sweeps_of(admin, address) if s["status"] == "confirmed"]
            return done if len(done) == count else None
        return check
    wait_for("the token sweep confirmed", confirmed(1), timeout=60)
    node.send(address, WEI)                      # then 1 ETH: above 0.5
    node.mine(CONFIRMATIONS)
    wait_for("the native deposit credited", lambda: user.balance("ETH")["balance"] == "1")
    done = wait_for("the native sweep confirmed", confirmed(2), timeout=60)
    r = checked(doc, admin.get("/v1/sweeps?chain=anvil"))
    tkn = next(s for s in done if s["currency"] == "TKN")
    eth = next(s for s in done if s["currency"] == "ETH")
    assert tkn["amount"] == "2500000" and tkn["to_address"] == hot and tkn["topup_tx_hash"] and tkn["chain"] == KEY
    assert int(tkn["topup_value"]) > 0 and int(tkn["topup_fee"]) > 0 and int(tkn["sweep_fee"]) > 0
    assert eth["topup_value"] == "0" and eth["topup_nonce"] == -1 and int(eth["sweep_fee"]) > 0
    assert node.token_balance(token, hot) == hot_tokens + 2_500_000 and node.token_balance(token, address) == 0
    assert node.nonce(hot) == hot_nonce + 1  # exactly one top-up
    # What is left on the address: the top-up and the deposit, less what was swept and both sweeps' fees.
    assert node.balance(address) == (int(tkn["topup_value"]) + WEI - int(eth["amount"]) - int(tkn["sweep_fee"])
                                     - int(eth["sweep_fee"]))

    # The ledger did not move (the top-up was not credited either).
    assert user.balance("TKN")["balance"] == "2.5" and user.balance("ETH")["balance"] == "1"

    # Fees: an operator cost per chain and currency, the same in the list, a round's answer and /metrics.
    total = int(tkn["topup_fee"]) + int(tkn["sweep_fee"]) + int(eth["sweep_fee"])
    assert r.json()["fees"] == [{"chain": KEY, "currency": "ETH", "total": str(total), "transactions": 3}]
    again = checked(doc, admin.post("/v1/sweeps/run", {"chain": "anvil"}))
    assert again.status_code == 200, again.text
    assert again.json()["stats"]["planned"] == 0 and again.json()["stats"]["sent"] == 0  # nothing left to do
    assert again.json()["key"] == KEY and again.json()["fees"] == r.json()["fees"]
    metrics = requests.get(server.url + "/metrics", timeout=10).text
    assert f'w3w_sweep_fees_total{{key="{KEY}",currency="ETH"}} {total}' in metrics
    assert f'w3w_chain_sweep_up{{chain="anvil",key="{KEY}"}} 1' in metrics
    assert f'w3w_chain_sweeps_confirmed_total{{chain="anvil",key="{KEY}"}} 2' in metrics
    ready = checked(doc, requests.get(server.url + "/readyz", timeout=10)).json()
    sweeps = ready["chains"]["anvil"]["sweeps"]
    assert sweeps["status"] == "ok" and sweeps["rounds"] > 0 and sweeps["confirmed"] == 2, sweeps


def test_sweep_routes_check_roles_and_input(server, hot):
    doc = openapi_doc.load()
    admin = User(server, ("admin",))
    assert_error(checked(doc, User(server).get("/v1/sweeps")), 403, "forbidden")
    assert checked(doc, User(server, ("auditor",)).get(f"/v1/sweeps?chain={KEY}&limit=5")).status_code == 200
    assert checked(doc, User(server, ("service",)).get("/v1/sweeps?chain=evm:1")).json() == {"items": [], "fees": []}
    assert_error(checked(doc, admin.get("/v1/sweeps?limit=0")), 400, "invalid")
    assert_error(checked(doc, admin.get("/v1/sweeps?chain=bitcoin")), 400, "invalid")
    assert_error(checked(doc, User(server, ("service",)).post("/v1/sweeps/run", {"chain": "anvil"})), 403, "forbidden")
    assert_error(checked(doc, admin.post("/v1/sweeps/run", {"chain": "mainnet"})), 404, "not_found")
    assert_error(checked(doc, admin.post("/v1/sweeps/run", {})), 400, "invalid")
    assert_error(checked(doc, admin.post("/v1/sweeps/run", {"chain": "anvil", "now": True})), 400, "invalid")


def test_a_chain_without_sweep_policy_refuses_a_round(secret, node, token):
    spec = f"plain={node.url} confirmations={CONFIRMATIONS} assets=ETH=native:18 chain_id={CHAIN_ID}"
    s = Server(["--rate-limit", "off", "--chain", spec], secret=secret)
    try:
        r = User(s, ("admin",)).post("/v1/sweeps/run", {"chain": "plain"})
        assert_error(r, 400, "invalid")
        assert "sweep_thresholds" in r.json()["error"]["message"]
        assert "sweeps" not in requests.get(s.url + "/readyz", timeout=10).json()["chains"]["plain"]
    finally:
        assert s.stop() == 0


@pytest.mark.parametrize("extra, words", [
    ("sweep_thresholds=DOGE=1", "DOGE is not a currency"),
    ("sweep_thresholds=ETH=-1", "positive decimal"),
    ("sweep_interval_ms=200", "names no asset"),
    ("sweep_thresholds=ETH=1 sweep_topup_max_wei=0x10", "decimal number"),
    ("sweep_thresholds=ETH=1 sweep_max_per_round=0", "sweep_max_per_round=0"),
])
def test_bad_sweep_policy_stops_the_start(tmp_path, extra, words):
    """A bad sweep key of --chain (or W3W_CHAINS): exit 2 (or 1 when the library refuses it) naming the problem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("W3W_") or k.startswith("W3W_TEST_")}
    env["W3W_CHAINS"] = f"anvil=http://127.0.0.1:1 assets=ETH=native:18 chain_id=1 {extra}"
    r = subprocess.run([os.environ["W3W_SERVER_BIN"], "serve", "--data-dir", str(tmp_path), "--listen",
                        "127.0.0.1:0"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode in (1, 2), r.stderr
    assert words in r.stderr, r.stderr
