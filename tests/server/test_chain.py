"""On-chain money over HTTP, on a real local Ethereum node (anvil): a server with --chain credits native and
ERC-20 deposits at the confirmation depth, pays withdrawals from its hot wallet (once per Idempotency-Key) and
settles them, refuses the zero address, its own addresses and "0X", reports the watcher in /readyz and
/metrics, and holds nothing while the node is down. Anvil comes from tests/chain/anvil.sh (W3W_ANVIL_BIN), the
test token from tests/chain/token.sh (W3W_TOKEN_HEX): either missing is a failure."""
import os
import socket
import subprocess
import time
import uuid
from decimal import Decimal

import pytest
import requests

import openapi_doc
from helpers import Server, User, assert_error, item

FUNDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"    # anvil's account 0 (unlocked, 10000 ETH)
EXTERNAL = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's account 9: a destination outside custody
CONFIRMATIONS = 2
WEI = 10 ** 18


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One anvil process and a JSON-RPC client for it."""

    def __init__(self, chain_id=31337):
        binary = os.environ.get("W3W_ANVIL_BIN", "")
        if not binary or not os.access(binary, os.X_OK):
            pytest.fail("W3W_ANVIL_BIN is not an executable anvil: run through tests/server/run.sh "
                        "(it installs anvil with tests/chain/anvil.sh)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(self.port), "--chain-id", str(chain_id)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.rpc("eth_chainId")
                return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        pytest.fail("anvil did not start")

    def rpc(self, method, *params):
        r = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                          timeout=10)
        body = r.json()
        assert "error" not in body, body
        return body["result"]

    def receipt(self, tx):
        """The receipt of `tx`, waiting for anvil to mine it (automine answers before the block exists)."""
        for _ in range(100):
            r = self.rpc("eth_getTransactionReceipt", tx)
            if r:
                return r
            time.sleep(0.05)
        pytest.fail(f"{tx} not mined after 5 s")

    def mine(self, blocks):
        for _ in range(blocks):
            self.rpc("evm_mine")

    def send(self, to, wei):
        tx = self.rpc("eth_sendTransaction", {"from": FUNDER, "to": to, "value": hex(wei)})
        assert self.receipt(tx)["status"] == "0x1"
        return tx

    def balance(self, address):
        return int(self.rpc("eth_getBalance", address, "latest"), 16)

    def nonce(self, address):
        return int(self.rpc("eth_getTransactionCount", address, "pending"), 16)

    def deploy(self, hex_file):
        """Deploy the creation code in `hex_file` from FUNDER; the contract's address."""
        with open(hex_file) as f:
            code = f.read().strip()
        tx = self.rpc("eth_sendTransaction", {"from": FUNDER, "data": "0x" + code, "gas": hex(3_000_000)})
        return self.receipt(tx)["contractAddress"]

    def token_send(self, token, to, units):
        data = "0xa9059cbb" + to[2:].lower().rjust(64, "0") + hex(units)[2:].rjust(64, "0")  # transfer(to, units)
        tx = self.rpc("eth_sendTransaction", {"from": FUNDER, "to": token, "data": data})
        assert self.receipt(tx)["status"] == "0x1"

    def token_balance(self, token, address):
        data = "0x70a08231" + address[2:].lower().rjust(64, "0")  # balanceOf(address)
        return int(self.rpc("eth_call", {"to": token, "data": data}, "latest"), 16)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def node():
    n = Node()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def token(node):
    hex_file = os.environ.get("W3W_TOKEN_HEX", "")
    if not hex_file or not os.path.exists(hex_file):
        pytest.fail("W3W_TOKEN_HEX names no compiled test token: run through tests/server/run.sh "
                    "(it compiles tests/chain/Token.sol with tests/chain/token.sh)")
    return node.deploy(hex_file)


@pytest.fixture(scope="module")
def chain_server(node, token, secret):
    spec = (f"anvil={node.url} confirmations={CONFIRMATIONS} assets=ETH=native:18,TKN={token}:6"
            " chain_id=31337")
    s = Server(["--rate-limit", "off", "--chain", spec, "--chain-poll-interval", "100"], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


@pytest.fixture(scope="module")
def hot(chain_server, node):
    started = [e for e in chain_server.logs if e.get("msg") == "chain watcher started"]
    assert started and started[0]["chain"] == "anvil" and started[0]["key"] == "evm:31337", chain_server.logs[-5:]
    address = started[0]["hot_address"]
    node.send(address, 10 * WEI)  # gas and what users withdraw
    return address


def wait_for(what, predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def checked(doc, r):
    openapi_doc.check_response(doc, r.request.method, r.request.path_url, r)
    return r


def eth(user):
    return Decimal(user.balance("ETH")["balance"]), Decimal(user.balance("ETH")["held"])


def funded_user(server, node, doc, amount_wei):
    """A user whose deposit address received `amount_wei`, credited at the confirmation depth."""
    user = User(server)
    address = checked(doc, user.post("/v1/wallets", {"chain": "evm"})).json()["address"]
    node.send(address, amount_wei)
    node.mine(CONFIRMATIONS)
    wait_for("the deposit credited", lambda: eth(user)[0] == Decimal(amount_wei) / WEI)
    return user, address


def test_deposit_withdraw_settle(chain_server, node, hot):
    doc = openapi_doc.load()
    user, address = funded_user(chain_server, node, doc, WEI)

    deposits = checked(doc, user.get("/v1/deposits?chain=anvil")).json()["items"]
    assert len(deposits) == 1 and deposits[0]["address"] == address and deposits[0]["amount"] == "1"
    assert deposits[0]["chain"] == "evm:31337" and deposits[0]["status"] == "credited"
    assert checked(doc, user.get("/v1/deposits?chain=evm:31337&limit=1")).json()["items"] == deposits
    assert user.get("/v1/deposits?chain=evm:1").json()["items"] == []
    assert_error(user.get("/v1/deposits?chain=bitcoin"), 400, "invalid")
    assert_error(User(chain_server).get(f"/v1/deposits?user_id={user.id}"), 403, "forbidden")

    before = node.balance(EXTERNAL)
    key = "withdraw-" + str(uuid.uuid4())
    body = {"currency": "ETH", "amount": "0.4", "chain": "anvil", "to_address": EXTERNAL}
    r = checked(doc, user.post("/v1/withdrawals", body, headers={"Idempotency-Key": key}))
    assert r.status_code == 201, r.text
    w = r.json()
    assert w["status"] == "broadcast" and w["chain"] == "evm:31337" and w["from_address"] == hot
    assert w["to_address"] == EXTERNAL and len(w["tx_hash"]) == 66
    assert w["confirmations_required"] == CONFIRMATIONS
    assert eth(user) == (Decimal(1), Decimal("0.4"))  # held while in flight
    node.receipt(w["tx_hash"])
    assert node.balance(EXTERNAL) == before + 4 * WEI // 10

    # A retry with the same key is the same withdrawal: no second transaction.
    nonce = node.nonce(hot)
    again = checked(doc, user.post("/v1/withdrawals", body, headers={"Idempotency-Key": key}))
    assert again.status_code == 201 and again.json()["id"] == w["id"] and again.json()["tx_hash"] == w["tx_hash"]
    assert node.nonce(hot) == nonce

    got = checked(doc, user.get(f"/v1/withdrawals/{w['id']}")).json()
    assert got["confirmations"] == 1 and got["status"] in ("broadcast", "confirmed")
    node.mine(CONFIRMATIONS)
    done = wait_for("the withdrawal settled",
                    lambda: (lambda j: j if j["status"] == "confirmed" else None)(user.get(f"/v1/withdrawals/{w['id']}").json()))
    assert done["confirmations"] >= CONFIRMATIONS + 1 and done["transfer_id"]
    assert eth(user) == (Decimal("0.6"), Decimal(0))
    # Owner or staff only; another user sees "not found".
    assert_error(User(chain_server).get(f"/v1/withdrawals/{w['id']}"), 404, "not_found")
    assert User(chain_server, ("auditor",)).get(f"/v1/withdrawals/{w['id']}").status_code == 200


def test_story_deposit_order_withdraw(chain_server, node, hot):
    """Money in on chain, through an order to the shopper, and out on chain again, the books right at each step."""
    doc = openapi_doc.load()
    buyer, _ = funded_user(chain_server, node, doc, 2 * WEI)
    shopper = User(chain_server)
    assert shopper.post("/v1/supplies", {"currency": "ETH", "amount": "5"}).status_code == 201
    order = buyer.post("/v1/orders", {"currency": "ETH", "items": [item("0.75", 2)]}).json()
    claim = shopper.post(f"/v1/orders/{order['id']}/claim").json()
    assert buyer.post(f"/v1/claims/{claim['id']}/process").status_code == 200
    assert eth(buyer) == (Decimal("0.5"), Decimal(0)) and eth(shopper) == (Decimal("1.5"), Decimal(0))

    before = node.balance(EXTERNAL)
    w = checked(doc, shopper.post("/v1/withdrawals", {"currency": "ETH", "amount": "1.25", "chain": "evm:31337",
                                                      "to_address": EXTERNAL.lower()})).json()
    assert w["status"] == "broadcast" and w["to_address"] == EXTERNAL  # stored in its EIP-55 form
    node.receipt(w["tx_hash"])
    node.mine(CONFIRMATIONS)
    wait_for("the withdrawal settled", lambda: shopper.get(f"/v1/withdrawals/{w['id']}").json()["status"] == "confirmed")
    assert node.balance(EXTERNAL) == before + 125 * WEI // 100
    assert eth(shopper) == (Decimal("0.25"), Decimal(0))


def test_token_deposit_and_withdrawal(chain_server, node, hot, token):
    doc = openapi_doc.load()
    user = User(chain_server)
    address = checked(doc, user.post("/v1/wallets", {"chain": "evm"})).json()["address"]
    node.token_send(token, hot, 100_000_000)       # 100 TKN for withdrawals
    node.token_send(token, address, 2_500_000)     # 2.5 TKN deposited
    node.mine(CONFIRMATIONS)
    wait_for("the token deposit credited", lambda: user.balance("TKN")["balance"] == "2.5")
    d = checked(doc, user.get("/v1/deposits?chain=anvil")).json()["items"]
    assert len(d) == 1 and d[0]["currency"] == "TKN" and d[0]["value"] == "2500000" and d[0]["log_index"] >= 0

    before = node.token_balance(token, EXTERNAL)
    r = checked(doc, user.post("/v1/withdrawals", {"currency": "TKN", "amount": "1.5", "chain": "anvil",
                                                   "to_address": EXTERNAL}))
    assert r.status_code == 201 and r.json()["status"] == "broadcast", r.text
    node.receipt(r.json()["tx_hash"])
    assert node.token_balance(token, EXTERNAL) == before + 1_500_000
    node.mine(CONFIRMATIONS)
    wait_for("the token withdrawal settled",
             lambda: user.get(f"/v1/withdrawals/{r.json()['id']}").json()["status"] == "confirmed")
    assert user.balance("TKN") == {"currency": "TKN", "balance": "1", "held": "0", "available": "1"}
    # More decimals than the token has: refused, nothing held.
    assert_error(user.post("/v1/withdrawals", {"currency": "TKN", "amount": "0.0000001", "chain": "anvil",
                                               "to_address": EXTERNAL}), 400, "invalid")
    assert user.balance("TKN")["held"] == "0"


def test_refused_destinations_hold_nothing(chain_server, node, hot):
    doc = openapi_doc.load()
    user, _ = funded_user(chain_server, node, doc, WEI // 2)
    _, other_address = funded_user(chain_server, node, doc, WEI // 10)
    nonce = node.nonce(hot)
    cases = [
        ("0x0000000000000000000000000000000000000000", "zero address"),
        (hot, "hot wallet"),
        (hot.lower(), "hot wallet"),
        (other_address, "deposit address"),
        ("0X" + EXTERNAL[2:], "lowercase 0x"),
        (EXTERNAL[:-1] + "1", "checksum"),
    ]
    for to, words in cases:
        r = checked(doc, user.post("/v1/withdrawals", {"currency": "ETH", "amount": "0.1", "chain": "anvil",
                                                       "to_address": to}))
        assert_error(r, 400, "invalid")
        assert words in r.json()["error"]["message"], (to, r.text)
    assert_error(user.post("/v1/withdrawals", {"currency": "ETH", "amount": "0.1", "chain": "ethereum",
                                               "to_address": EXTERNAL}), 400, "invalid")
    assert_error(user.post("/v1/withdrawals", {"currency": "ETH", "amount": "5", "chain": "anvil",
                                               "to_address": EXTERNAL}), 422, "insufficient_funds")
    assert node.nonce(hot) == nonce
    assert eth(user) == (Decimal("0.5"), Decimal(0))


def test_ledger_only_withdrawals_are_staff_only(chain_server, node):
    doc = openapi_doc.load()
    cur = "L" + uuid.uuid4().hex[:6].upper()
    service = User(chain_server, ("service",))
    user = User(chain_server)
    body = {"currency": cur, "amount": "1", "chain": "anvil", "to_address": EXTERNAL}
    assert_error(checked(doc, user.post("/v1/ledger/withdrawals", body)), 403, "forbidden")
    r = service.post("/v1/deposits", {"user_id": service.id, "currency": cur, "amount": "3", "reference": cur})
    assert r.status_code == 201, r.text
    r = checked(doc, service.post("/v1/ledger/withdrawals", body))
    assert r.status_code == 201 and r.json()["kind"] == "withdrawal", r.text
    assert service.balance(cur)["balance"] == "2"


def test_watcher_state_in_readyz_and_metrics_then_node_down(chain_server, node, hot):
    doc = openapi_doc.load()
    user, _ = funded_user(chain_server, node, doc, WEI // 4)
    head = int(node.rpc("eth_blockNumber"), 16)
    # A round may fail now and then (a busy node or database); the state must come back to ok.
    ready = wait_for("the watcher at the head and ok",
                     lambda: (lambda j: j if j["chains"]["anvil"]["head"] >= head and j["chains"]["anvil"]["status"] == "ok"
                              else None)(checked(doc, requests.get(chain_server.url + "/readyz", timeout=10)).json()))
    a = ready["chains"]["anvil"]
    assert a["chain"] == "evm:31337" and a["status"] == "ok" and a["confirmations"] == CONFIRMATIONS
    assert a["cursor"] >= head - CONFIRMATIONS and a["lag_blocks"] <= 1 and a["polls"] > 0
    text = requests.get(chain_server.url + "/metrics", timeout=10).text
    assert f'w3w_chain_up{{chain="anvil",key="evm:31337"}} 1' in text
    assert 'w3w_chain_head_block{chain="anvil",key="evm:31337"}' in text

    node.stop()
    down = wait_for("the watcher failing", lambda: (lambda j: j if j["chains"]["anvil"]["status"] == "error" else None)(
        requests.get(chain_server.url + "/readyz", timeout=10).json()))
    assert down["status"] == "ready"  # the rest of the server works on
    assert down["chains"]["anvil"]["last_error"] == "unavailable" and down["chains"]["anvil"]["errors"] >= 1
    text = requests.get(chain_server.url + "/metrics", timeout=10).text
    assert f'w3w_chain_up{{chain="anvil",key="evm:31337"}} 0' in text
    r = checked(doc, user.post("/v1/withdrawals", {"currency": "ETH", "amount": "0.1", "chain": "anvil",
                                                   "to_address": EXTERNAL}))
    assert_error(r, 503, "unavailable")
    assert eth(user) == (Decimal("0.25"), Decimal(0))


@pytest.mark.parametrize("spec, words", [
    ("anvil", "expected NAME=URL"),
    ("Anvil=http://127.0.0.1:1 assets=ETH=native:18", "expected NAME=URL"),
    ("anvil=ftp://node assets=ETH=native:18", "http:// or https://"),
    ("anvil=http://127.0.0.1:1", "assets="),
    ("anvil=http://127.0.0.1:1 assets=ETH=native:18 confirmations=0", "confirmations=0"),
    ("anvil=http://127.0.0.1:1 assets=ETH=native:18 colour=red", "unknown key"),
    ("anvil=http://127.0.0.1:1 assets=ETH=native:18 allow_zero_address=maybe", "yes or no"),
    ("anvil=http://127.0.0.1:1 assets=ETH=native:18 chain_id=1;anvil=http://127.0.0.1:2 assets=ETH=native:18",
     "configured twice"),
    ("anvil=http://127.0.0.1:1 assets=ETH=gold:18 chain_id=1", "assets"),
])
def test_bad_chain_configuration_stops_the_start(tmp_path, spec, words):
    """A bad --chain (or W3W_CHAINS) value: exit 2 (or 1 when the library refuses it) naming the problem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("W3W_") or k.startswith("W3W_TEST_")}
    env["W3W_CHAINS"] = spec
    r = subprocess.run([os.environ["W3W_SERVER_BIN"], "serve", "--data-dir", str(tmp_path), "--listen",
                        "127.0.0.1:0"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode in (1, 2), r.stderr
    assert words in r.stderr, r.stderr
