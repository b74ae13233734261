"""w3wallet-server --signer: the wallet keys stay in w3wallet-signer, a process of its own.

The server runs without any master key (it reads and makes none); deposit wallets made over HTTP
get their addresses from the signer (its log shows each derivation), and with the signer stopped
they are refused as unavailable, with nothing stored. On anvil (tests/chain/anvil.sh, W3W_ANVIL_BIN):
a deposit credited, a withdrawal signed by the signer, mined and settled, one above the signer's
maximum refused (403) with nothing held.
"""
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time

import pytest

from helpers import MASTER_KEY, SERVER_BIN, Server, User, assert_error, backend_env

SIGNER_BIN = os.environ.get("W3W_SIGNER_BIN") or os.path.join(
    os.path.dirname(SERVER_BIN), "..", "..", "signer", "w3wallet-signer")


class Signer:
    def __init__(self, storage, sock, key, max_native="1000000000000000000", chain_ids=(31337, 31338)):
        assert os.access(SIGNER_BIN, os.X_OK), f"{SIGNER_BIN} is not built (W3W_SIGNER_BIN)"
        self.log = tempfile.NamedTemporaryFile(prefix="w3w-signer-", suffix=".log", delete=False)
        env = {"PATH": "/usr/bin:/bin", "W3W_MASTER_KEY": MASTER_KEY, "W3W_SIGNER_KEY": key}
        self.proc = subprocess.Popen(
            [SIGNER_BIN, "--socket", sock, "--storage", storage, "--create-seed",
             *[a for c in chain_ids for a in ("--chain-id", str(c))], "--max", "native=" + max_native],
            env=env, stderr=self.log)
        for _ in range(500):
            if os.path.exists(sock) or self.proc.poll() is not None:
                break
            time.sleep(0.01)
        assert os.path.exists(sock), open(self.log.name).read()

    def lines(self):
        with open(self.log.name) as f:
            return [json.loads(line) for line in f if line.startswith("{")]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)


@pytest.fixture
def deployment():
    data_dir = tempfile.mkdtemp(prefix="w3w-signer-test-")
    storage = backend_env().get("W3W_STORAGE") or f"sqlite:{data_dir}/w3wallet.db"
    sock, key = os.path.join(data_dir, "signer.sock"), secrets.token_hex(32)
    signer = Signer(storage, sock, key)
    server = Server(["--signer", "unix:" + sock], secret=secrets.token_hex(24), data_dir=data_dir,
                    env={"W3W_MASTER_KEY": "", "W3W_SIGNER_KEY": key})
    yield server, signer, data_dir
    assert server.stop() == 0, "".join(server.raw_stderr[-20:])
    if signer.proc.poll() is None:
        assert signer.stop() == 0


def test_the_server_holds_no_master_key(deployment):
    server, signer, data_dir = deployment
    alice = User(server)
    r = alice.post("/v1/wallets", {"chain": "evm"})
    assert r.status_code == 201, r.text
    evm = r.json()
    sol = alice.post("/v1/wallets", {"chain": "solana"}).json()
    assert not os.path.exists(os.path.join(data_dir, "master-key")), "the server made a master key"
    derived = [e["family"] for e in signer.lines() if e.get("op") == "deposit_address" and e["event"] == "answered"]
    assert "evm" in derived and "solana" in derived, signer.lines()
    assert sol["address"] != evm["address"]

    # The signer stopped: no deposit wallet, and no index spent on the attempt.
    assert signer.stop() == 0
    bob = User(server)
    assert_error(bob.post("/v1/wallets", {"chain": "evm"}), 503, "unavailable")
    assert bob.get("/v1/wallets").json() == []


def test_a_master_key_beside_the_signer_is_refused():
    d = tempfile.mkdtemp()
    r = subprocess.run([SERVER_BIN, "serve", "--data-dir", d, "--listen", "127.0.0.1:0",
                        "--signer", "unix:/run/w3wallet-signer.sock"],
                       env={"PATH": "/usr/bin:/bin", "W3W_MASTER_KEY": "ab" * 32, "W3W_SIGNER_KEY": "cd" * 32},
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "holds no master key" in r.stderr, r.stderr


def test_custody_over_http_through_the_signer():
    from test_chain import EXTERNAL, WEI, Node, wait_for
    # A chain id of its own: on shared storage (services mode) test_chain's anvil left its cursor and
    # nonces under evm:31337, which a new anvil of that id would contradict.
    node = Node(chain_id=31338)
    data_dir = tempfile.mkdtemp(prefix="w3w-signer-chain-")
    storage = backend_env().get("W3W_STORAGE") or f"sqlite:{data_dir}/w3wallet.db"
    sock, key = os.path.join(data_dir, "signer.sock"), secrets.token_hex(32)
    signer = Signer(storage, sock, key, max_native=str(WEI // 2))
    server = None
    try:
        server = Server(["--rate-limit", "off", "--signer", "unix:" + sock, "--chain-poll-interval", "100",
                         "--chain", f"anvil={node.url} confirmations=1 assets=ETH=native:18 chain_id=31338"],
                        secret=secrets.token_hex(24), data_dir=data_dir,
                        env={"W3W_MASTER_KEY": "", "W3W_SIGNER_KEY": key})
        started = [e for e in server.logs if e.get("msg") == "chain watcher started"]
        listening = [e for e in signer.lines() if e["event"] == "listening"]
        assert started and listening and started[0]["hot_address"] == listening[0]["address"], (started, listening)
        hot = started[0]["hot_address"]
        node.send(hot, 10 * WEI)

        user = User(server)
        address = user.post("/v1/wallets", {"chain": "evm"}).json()["address"]
        node.send(address, WEI)
        node.mine(1)
        wait_for("the deposit credited", lambda: user.balance("ETH")["balance"] == "1")

        before = node.balance(EXTERNAL)
        r = user.post("/v1/withdrawals", {"currency": "ETH", "amount": "0.4", "chain": "anvil", "to_address": EXTERNAL})
        assert r.status_code == 201 and r.json()["status"] == "broadcast" and r.json()["from_address"] == hot, r.text
        node.receipt(r.json()["tx_hash"])
        assert node.balance(EXTERNAL) == before + 4 * WEI // 10
        node.mine(1)
        wait_for("the withdrawal settled",
                 lambda: user.get(f"/v1/withdrawals/{r.json()['id']}").json()["status"] == "confirmed")
        assert any(e["event"] == "signed" and e.get("tx_hash") == r.json()["tx_hash"] for e in signer.lines())

        # Above the signer's maximum (0.5 ETH): refused by its policy, the hold released.
        assert_error(user.post("/v1/withdrawals", {"currency": "ETH", "amount": "0.55", "chain": "anvil",
                                                   "to_address": EXTERNAL}), 403, "forbidden")
        assert user.balance("ETH") == {"currency": "ETH", "balance": "0.6", "held": "0", "available": "0.6"}
        assert any(e["event"] == "refused" and e.get("code") == "policy" for e in signer.lines())
    finally:
        if server:
            assert server.stop() == 0, "".join(server.raw_stderr[-20:])
        if signer.proc.poll() is None:
            assert signer.stop() == 0
        node.stop()
