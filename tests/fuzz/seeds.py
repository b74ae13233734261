#!/usr/bin/env python3
"""Writes the hand-made seeds of every harness into corpus/<harness>/seed-*.

Run once when a harness or its input format changes; the fuzzer's own finds
are merged beside them by run.sh. Seeds are meaningful inputs: valid forms
of each format, its edge values and the refusals the parser must make.
"""
import base64, hashlib, hmac, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = b"fuzz-hs256-key-0123456789abcdef\0"  # fuzz_jwt.c's key (32 bytes, NUL included)
UUID = "6f1c2f0e-3b7a-4d8e-9c1a-2b3c4d5e6f70"
NOW = 1700000000


def write(harness, items):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for i, data in enumerate(items):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
            f.write(data)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def token(header, payload):
    signing = b64u(header.encode()) + b"." + b64u(payload.encode())
    return signing + b"." + b64u(hmac.new(KEY, signing, hashlib.sha256).digest())


def b58(b):
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = int.from_bytes(b, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = alphabet[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s


def b58check(b):
    return b58(b + hashlib.sha256(hashlib.sha256(b).digest()).digest()[:4])


def rlp(x):
    if isinstance(x, list):
        body = b"".join(rlp(i) for i in x)
        base = 0xC0
    else:
        if len(x) == 1 and x[0] < 0x80:
            return x
        body, base = x, 0x80
    if len(body) < 56:
        return bytes([base + len(body)]) + body
    ln = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([base + 55 + len(ln)]) + ln + body


def rpc(result, id=1):
    return json.dumps({"jsonrpc": "2.0", "id": id, "result": result})


H = "0x" + "ab" * 32
A = "0x" + "Cd" * 20


def main():
    write("fuzz_amount", ["0", "12.5", "0.00000001", "9999999999.99999999", "10000000000", "1.123456789",
                          "-5", "-0.5", "92233720368.54775807", "92233720368.54775808", "1e5", " 1", "1.", ".5",
                          "007.10", "1,5", "0x10", "\xd9\xa1"])
    write("fuzz_traceparent", ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",
                               "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                               "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", ""])
    write("fuzz_hex", ["", "0x", "0xdeadBEEF", "abc", "zz", "00ff", "0X00", "0x0x12"])
    xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
    write("fuzz_base58", ["1", "111", "3yZe7d", xprv, xprv[:-1] + "j", b58check(b"\0" * 21), b58(bytes(range(1, 33))),
                          "0OIl", "1" * 130, "z" * 180])
    ab = ["abandon"] * 11
    write("fuzz_bip39", [b"\0" + " ".join(ab + ["about"]).encode(),
                         b"\1" + "\t".join(ab + ["about"]).encode() + b"\n",
                         b"\0legal winner thank year wave sausage worth useful legal winner thank yellow",
                         b"\1letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
                         b"\0" + " ".join(["zoo"] * 11 + ["wrong"]).encode(),
                         b"\0" + " ".join(["abandon"] * 23 + ["art"]).encode(),
                         b"\0" + " ".join(["abandon"] * 12).encode(),
                         b"\0" + " ".join(ab).encode(),
                         b"\0" + " ".join(ab + ["abandonx"]).encode(),
                         b"\0" + " ".join(ab + ["About"]).encode()])
    tx = [b"\x01", b"\x05", b"\x3b\x9a\xca\x00", b"\x04\xa8\x17\xc8\x00", b"\x52\x08", bytes(20), b"\x0d\xe0\xb6\xb3\xa7\x64\x00\x00",
          b"", [], b"\x01", bytes(32), bytes(32)]
    write("fuzz_rlp", [b"\x80", b"\x00", b"\x7f", b"\xc0", rlp(b"dog"), rlp([b"cat", b"dog"]), rlp(b"x" * 56),
                       rlp([[], [[]], [[], [[]]]]), rlp(b"\x04\x00"), b"\x02" + rlp(tx), rlp([b"y" * 60, [b"z" * 70]]),
                       b"\x81\x05", b"\xb8\x05hello", b"\xc1", b"\x83do"])
    good = json.dumps({"sub": UUID, "roles": ["user"], "iat": NOW, "exp": NOW + 3600})
    std = '{"alg":"HS256","typ":"JWT"}'
    write("fuzz_jwt", [b"\0" + token(std, good),
                       b"\0" + token(std, json.dumps({"sub": UUID, "roles": ["admin", "service"], "exp": NOW + 60, "nbf": NOW - 5})),
                       b"\0" + token('{"alg":"none"}', good)[:-43],
                       b"\0" + token(std, good)[:-2] + b"AA",
                       b"\0a.b.c.d",
                       b"\1" + std.encode() + b"\n" + good.encode(),
                       b"\1" + b'{"alg":"HS256","crit":["exp"]}\n' + good.encode(),
                       b"\1" + b'{"alg":"HS256","alg":"HS256"}\n' + good.encode(),
                       b"\1" + b'{"alg":"EdDSA"}\n' + good.encode(),
                       b"\2" + good.encode(),
                       b"\2" + ('{"sub":"%s","roles":["user,admin"],"exp":%d}' % (UUID, NOW + 60)).encode(),
                       b"\2" + ('{"sub":"%s","roles":["user"],"exp":%d,"sub":"%s"}' % (UUID, NOW + 60, UUID)).encode(),
                       b"\2" + ('{"sub":"00000000-0000-0000-0000-000000000000","roles":["admin"],"exp":%d}' % (NOW + 60)).encode(),
                       b"\2" + ('{"sub":"%s","roles":["user","user"],"exp":%d}' % (UUID, NOW + 60)).encode(),
                       b"\2" + ('{"sub":"%s","roles":["user"],"exp":%d}' % (UUID, NOW - 60)).encode(),
                       b"\2" + ('{"sub":"%s","roles":["user"],"exp":"soon"}' % UUID).encode(),
                       b"\2" + ('{"sub":"%s","roles":["user"],"exp":1e400,"nbf":-1e400}' % UUID.upper()).encode(),
                       b"\2" + ('{"sub":"%s","roles":[],"exp":%d,"x":{"y":[1,{"z":null}]}}' % (UUID, NOW + 60)).encode()])
    item = {"product_id": UUID, "product_name": "apples", "price": "1.5", "quantity": 2}
    write("fuzz_json_body", [json.dumps({"currency": "USDC", "items": [item, dict(item, price="0.00000001")]}),
                             '{"user_id":"%s","currency":"USDC","amount":"100.5","reference":"bank-1"}' % UUID,
                             '{"currency":"USDC","currency":"EUR","items":[]}',
                             '{"a":' * 17 + "1" + "}" * 17, '{"a":' * 16 + "1" + "}" * 16,
                             '{"s":"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00"}', '{"s":"\xc0\xaf"}', '{"s":"\xed\xa0\x80"}',
                             '{"s":"a\\u0000b"}', '{"a":1} x', '{"a":1}\n\t ', '[1,2]', '"x"', '{"a":1}\0',
                             '{"currency":"USDC","items":[{"price":12.5,"quantity":1.5}]}',
                             '{"currency":"USDC","items":[{"product_id":"x","product_name":"y","price":"1","quantity":1e300}]}',
                             "{" + ",".join('"k%d":%d' % (i, i) for i in range(65)) + "}", ""])
    write("fuzz_url", [b"\0redis://:pw@localhost:6379/2?pool=4&timeout_ms=100&prefix=w3w%3A&lazy=1",
                       b"\0redis://user:p%40ss@[::1]:6380/0", b"\0redis://h:0", b"\0redis://h/x?pool=65&bogus=1",
                       b"\0redis://a@b@c:1?prefix=%zz", b"\0redis://[::1", b"\0redis://h:6379/99999999999",
                       b"\1kafka://h1:9092,[::1]:9093?lazy=1&client_id=w3w-1&linger_ms=5&log=0&topics=a.b,c_d",
                       b"\1kafka://h:9092/", b"\1kafka://u@h:1", b"\1kafka://h", b"\1kafka://h:1,,h:2",
                       b"\1kafka://h:1?topics=a,,b", b"\1kafka://h:1?client_id=", b"\1kafka://[::1]:99999",
                       b"\2postgres://w3w:secretpassword1@127.0.0.1:5432/w3w?sslmode=disable&connect_timeout=5",
                       b"\2postgresql://u@%2Fvar%2Frun%2Fpostgresql/db", b"\2postgres://u:pass%zzword@h/db",
                       b"\2host=localhost port=5432 dbname=w3w user=w3w password=secretpassword2",
                       b"\2host=localhost password='has space' bogus", b"\2postgres://[::1]:5432,h2:5433/db?target_session_attrs=any",
                       b"\2postgres://h/db?unknownopt=1", b"\2postgres://u:pw@h:notaport/db",
                       b"\3memory:", b"\3memory:?max=10", b"\3memory:?max=0", b"\3memory:?max=10x", b"\3none:",
                       b"\3redis://127.0.0.1:9",
                       b"\4file:events.jsonl", b"\4file://ev.jsonl?fsync=1", b"\4file:ev?fsync=2", b"\4file:",
                       b"\4file:/etc/passwd", b"\5sqlite::memory:", b"\5sqlite:w3w.db", b"\5sqlite://w3w.db",
                       b"\5sqlite:"])
    block = {"number": "0x7", "hash": H, "parentHash": H, "timestamp": "0x65",
             "baseFeePerGas": "0x3b9aca00",
             "transactions": [{"hash": H, "from": A, "to": A, "value": "0xde0b6b3a7640000"},
                              {"hash": H, "from": A, "to": None, "value": "0x0"}]}
    receipt = {"transactionHash": H, "blockHash": H, "blockNumber": "0x7", "gasUsed": "0x5208", "status": "0x1"}
    log = {"transactionHash": H, "logIndex": "0x0", "address": A, "data": "0x" + "00" * 31 + "05",
           "topics": [H, H, H], "removed": False}
    err = lambda msg, code=-32000: json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": msg}})
    S = "\n===\n"
    write("fuzz_evm_rpc", [b"\0" + rpc("0x1").encode(), b"\1" + rpc("0xffffffffffffffff").encode(),
                           b"\2" + rpc(dict(block, transactions=[H])).encode(), b"\3" + rpc(block).encode(),
                           b"\2" + rpc(None).encode(), b"\4" + rpc(receipt).encode(), b"\4" + rpc(None).encode(),
                           b"\5" + rpc("0x10").encode(),
                           ("\6" + rpc(block) + S + rpc("0x3b9aca00", 2)).encode(),
                           ("\6" + rpc(dict(block, baseFeePerGas=None)) + S + rpc("0x1", 2)).encode(),
                           ("\6" + rpc(block) + S + err("method not found", -32601).replace('"id": 1', '"id": 2')).encode(),
                           b"\7" + rpc("0x5208").encode(), b"\7" + err("execution reverted").encode(),
                           b"\x08" + rpc(H).encode(), b"\x08" + err("already known").encode(),
                           b"\x08" + err("nonce too low").encode(), b"\x08" + err("insufficient funds").encode(),
                           b"\x08!", b"\x08#502 <html>bad gateway</html>",
                           b"\x09" + rpc([log, dict(log, removed=True)]).encode(), b"\x09" + rpc({}).encode(),
                           b"\x0a" + rpc({"hash": H}).encode(), b"\x0a" + rpc(None).encode(),
                           b"\x0b" + rpc("0x" + "f" * 64).encode(), b"\x0b" + rpc("0x" + "f" * 65).encode(),
                           b"\x0c" + rpc("0x").encode(), b"\x0c" + rpc("0xabc").encode(),
                           b"\0" + rpc("0x1", 2).encode(), b"\0" + err("x", 1e300).encode(),
                           b"\0{\"id\":1e300,\"result\":\"0x1\"}", b"\0not json", b"\0"])
    session = "00112233445566778899aabbccddeeff"
    head = {"v": 1, "session": session, "seq": "1"}
    tx = {"type": 2, "chain_id": "31337", "nonce": "0", "max_fee_per_gas": "2000000000",
          "max_priority_fee_per_gas": "1000000000", "gas_limit": "21000",
          "to": "0xa0ee7a142d267c1f36714e4a8f75612f20a79720", "value": "1000000000000000000", "data": "0x"}
    token_tx = dict(tx, to="0x5fbdb2315678afecb367f032d93f642f64180aa3", value="0",
                    data="0xa9059cbb" + "00" * 12 + "a0" * 20 + "00" * 31 + "01")
    legacy = {k: v for k, v in tx.items() if not k.startswith("max_")}
    legacy.update(type=0, gas_price="1")
    S = json.dumps
    write("fuzz_signer", [b"\0" + S(dict(head, op="sign", tx=tx)).encode(),
                          b"\0" + S(dict(head, op="sign", tx=token_tx)).encode(),
                          b"\0" + S(dict(head, op="sign", tx=legacy)).encode(),
                          b"\0" + S(dict(head, op="address")).encode(),
                          b"\0" + S(dict(head, op="sign", tx=dict(tx, value=1))).encode(),
                          b"\0" + S(dict(head, op="sign", tx=dict(tx, extra="x"))).encode(),
                          b"\0" + S(dict(head, seq="18446744073709551616", op="address")).encode(),
                          b"\0" + S(dict(head, op="deposit_address", family="solana", index="7")).encode(),
                          b"\0" + S(dict(head, op="deposit_address", family="evm", index="2147483648")).encode(),
                          b"\0" + S(dict(head, op="address", family="evm")).encode(),
                          b"\1" + S(dict(head, ok=True, address="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                                          raw="0x02f8", hash="0x" + "ee" * 32)).encode(),
                          b"\1" + S(dict(head, ok=False, code="policy", error="to: the zero address")).encode(),
                          b"\2" + S({"v": 1, "session": session}).encode(),
                          b"\3" + bytes(32) + b"{}", b"\3" + bytes(8)])


if __name__ == "__main__":
    sys.exit(main())
