#!/usr/bin/env python3
"""Set up a running w3wallet-server for the HTTP benchmark (standard library only).

prepare.py users  BIN DATA_DIR URL WORK   tokens, deposits, supplies, and orders to read
prepare.py ids    URL WORK N_CHUNKS        list the open orders of the bench buyers into WORK/claim_ids.N
"""
import http.client
import json
import subprocess
import sys
import urllib.parse
import uuid

CURRENCY = "BENCH"
BUYERS = 50
SHOPPERS = 100
READ_ORDERS = 1000


def token(binary, data_dir, sub, roles):
    return subprocess.run([binary, "token", "--data-dir", data_dir, "--sub", sub, "--roles", roles, "--ttl", "86400"],
                          check=True, capture_output=True, text=True).stdout.strip()


class Api:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(self, method, path, tok, body=None, expect=(200, 201)):
        headers = {"Authorization": "Bearer " + tok}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status not in expect:
            raise SystemExit(f"prepare: {method} {path} -> {r.status} {raw[:300]!r}")
        return json.loads(raw), raw


def write_lines(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def users(binary, data_dir, url, work):
    api = Api(url)
    service = token(binary, data_dir, str(uuid.uuid4()), "service")
    buyers = [(str(uuid.uuid4()),) for _ in range(BUYERS)]
    buyer_tokens = [token(binary, data_dir, b[0], "user") for b in buyers]
    shopper_ids = [str(uuid.uuid4()) for _ in range(SHOPPERS)]
    shopper_tokens = [token(binary, data_dir, s, "user") for s in shopper_ids]
    for (buyer_id,), _ in zip(buyers, buyer_tokens):
        api.call("POST", "/v1/deposits", service, {"user_id": buyer_id, "currency": CURRENCY, "amount": "1000",
                                                   "reference": "bench-" + str(uuid.uuid4())})
    for tok in shopper_tokens:
        api.call("POST", "/v1/supplies", tok, {"currency": CURRENCY, "amount": "1000000"})
    item = {"product_id": str(uuid.uuid4()), "product_name": "Bench item", "price": "0.00000001", "quantity": 1}
    ids = []
    for i in range(READ_ORDERS):
        order, raw = api.call("POST", "/v1/orders", buyer_tokens[i % BUYERS], {"currency": CURRENCY, "items": [item]})
        ids.append(order["id"])
    _, order_body = api.call("GET", "/v1/orders/" + ids[0], shopper_tokens[0])
    claim, claim_body = api.call("POST", f"/v1/orders/{ids[0]}/claim", shopper_tokens[0], expect=(201,))
    write_lines(f"{work}/buyers.tok", buyer_tokens)
    write_lines(f"{work}/buyer_ids", [b[0] for b in buyers])
    write_lines(f"{work}/shoppers.tok", shopper_tokens)
    write_lines(f"{work}/reader.tok", [shopper_tokens[-1]])
    write_lines(f"{work}/read_ids", ids[1:])
    with open(f"{work}/order_body.json", "wb") as f:
        f.write(order_body)
    with open(f"{work}/claim_body.json", "wb") as f:
        f.write(claim_body)


def ids(url, work, chunks):
    api = Api(url)
    tok = open(f"{work}/reader.tok").read().strip()
    found = []
    for buyer_id in open(f"{work}/buyer_ids").read().split():
        cursor = ""
        while True:
            q = {"status": "open", "user_id": buyer_id, "limit": "500"}
            if cursor:
                q["cursor"] = cursor
            page, _ = api.call("GET", "/v1/orders?" + urllib.parse.urlencode(q), tok)
            found += [o["id"] for o in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
    read = set(open(f"{work}/read_ids").read().split())
    found = [i for i in found if i not in read]
    size = len(found) // chunks
    for c in range(chunks):
        write_lines(f"{work}/claim_ids.{c}", found[c * size:(c + 1) * size])
    print(len(found))


if __name__ == "__main__":
    if sys.argv[1] == "users":
        users(*sys.argv[2:6])
    elif sys.argv[1] == "ids":
        ids(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
