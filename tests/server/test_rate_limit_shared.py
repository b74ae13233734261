"""The rate limiter across two servers sharing one Redis (services mode only; see conftest.py).

Each server admits from local token buckets synced with Redis in batches (src/core/rate_local.h):
for one user, two servers admit at most burst + rate * t + 2 * q requests, q = max(1, burst // 10),
and never fewer than one shared bucket would (burst, when the refill is negligible).
"""
from concurrent.futures import ThreadPoolExecutor

from helpers import MODE, Server, User

BURST = 50
Q = BURST // 10


def test_two_servers_share_one_budget(secret):
    assert MODE == "services", "needs the real Redis: run with W3W_SERVER_MODE=services"
    a = Server(["--rate-limit", f"0.001:{BURST}", "--threads", "8"], secret=secret)
    b = Server(["--rate-limit", f"0.001:{BURST}", "--threads", "8"], secret=secret)
    try:
        on_a = User(a)
        on_b = User(b, user_id=on_a.id)  # the same user, through the other server

        def calls(k):
            who = on_a if k % 2 else on_b
            return [who.get("/v1/accounts").status_code for _ in range(20)]

        with ThreadPoolExecutor(8) as pool:
            codes = [c for batch in pool.map(calls, range(8)) for c in batch]
        admitted = codes.count(200)
        assert codes.count(200) + codes.count(429) == len(codes), codes
        assert BURST <= admitted <= BURST + 2 * Q, f"{admitted} of {len(codes)} admitted (burst {BURST}, q {Q})"
        # the budget is spent for both servers, and stays spent
        for who in (on_a, on_b):
            r = who.get("/v1/accounts")
            assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1, r.text
        # another user has a budget of their own on either server
        assert User(b).get("/v1/accounts").status_code == 200
    finally:
        assert a.stop() == 0
        assert b.stop() == 0
