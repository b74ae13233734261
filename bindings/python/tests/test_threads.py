"""Threads share one Context and really run in parallel (the GIL is released
in commands): racing claims have exactly one winner per order."""
import random
import threading
import time
from collections import Counter
from decimal import Decimal

import w3wallet
from w3wallet import ConflictError, OrderStatus, Role

from conftest import fund, item

THREADS = 8
ORDERS = 24


def test_threads_race_to_claim(ctx, actors, service, admin, cur):
    buyer = actors()
    fund(ctx, service, buyer, cur, "1000")
    orders = [ctx.order_create(buyer, cur, [item("1.5")]) for _ in range(ORDERS)]
    shoppers = [actors() for _ in range(THREADS)]
    supplies = {s.user_id: ctx.supply_create(s, cur, "1000") for s in shoppers}

    wins, conflicts, other = Counter(), Counter(), []
    winners = {}
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def race(shopper):
        mine = orders[:]
        random.shuffle(mine)
        barrier.wait()
        for o in mine:
            try:
                c = ctx.claim_order(shopper, o.id)
            except ConflictError:
                with lock:
                    conflicts[o.id] += 1
            except Exception as e:  # anything else is a failure
                with lock:
                    other.append(repr(e))
            else:
                with lock:
                    wins[o.id] += 1
                    winners[o.id] = (shopper.user_id, c.id)

    threads = [threading.Thread(target=race, args=(s,)) for s in shoppers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert other == []
    assert all(wins[o.id] == 1 for o in orders), wins
    assert all(conflicts[o.id] == THREADS - 1 for o in orders), conflicts
    for o in orders:
        live = ctx.claim_get_by_order(admin, o.id)
        assert (live.user_id, live.id) == winners[o.id]
        assert ctx.order_get(admin, o.id).status is OrderStatus.CLAIMED
    reserved = Counter(w for w, _ in winners.values())
    for uid, sup in supplies.items():
        assert ctx.supply_get(admin, sup.id).reserved == Decimal("1.5") * reserved[uid]
    assert ctx.ledger_totals(admin, cur).holds()


def test_gil_is_released_while_a_call_blocks(sqlite_url, actors, service, cur):
    """A thread waiting 2 s in subscription.next() must not stop the others."""
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        sub = ctx.subscribe()
        got = []
        waiter = threading.Thread(target=lambda: got.append(sub.next(timeout=2.0)))
        t0 = time.monotonic()
        waiter.start()
        time.sleep(0.05)
        for _ in range(20):
            w3wallet.new_id()
            ctx.supply_list(actors())
        busy = time.monotonic() - t0
        assert busy < 1.0, f"main thread was blocked for {busy:.2f} s"
        fund(ctx, service, actors(), cur, "1")  # wakes the waiter with an event
        waiter.join()
        assert got and got[0] is not None and got[0].type == "wallet.deposited"
        assert time.monotonic() - t0 < 2.0


def test_close_waits_for_running_calls(sqlite_url, actors):
    ctx = w3wallet.Context(storage_url=sqlite_url)
    sub = ctx.subscribe()
    result = []

    def wait():
        try:
            result.append(sub.next(timeout=0.5))
        except w3wallet.ClosedError as e:
            result.append(e)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.05)
    ctx.close()  # waits for next() to return, then closes the subscription and the context
    t.join()
    assert result == [None]
    assert sub.closed and ctx.closed


def test_forgotten_contexts_are_closed_by_gc(tmp_path):
    """A safety net only (programs close contexts), but it must work."""
    import gc
    import os

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    gc.collect()
    before = fds()
    for _ in range(20):
        ctx = w3wallet.Context(storage_url=f"sqlite:{tmp_path / 'gc.db'}")
        ctx.subscribe()
    del ctx
    gc.collect()
    assert fds() <= before + 4
