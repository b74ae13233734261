"""No leak across 100,000 calls: resident memory stays within a bound.

The calls go through every ownership path of the bindings: records filled
in place, objects the library allocates (orders with items, pages, account
lists), strings it allocates, and failures (exception with message)."""
import gc
import os
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import NotFoundError, Role, capi

CALLS = 100_000
BOUND_KB = 4096


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no /proc/self/status")


def test_no_leak_across_100k_calls(sqlite_url):
    service = w3wallet.Actor(w3wallet.new_id(), Role.SERVICE)
    buyer = w3wallet.Actor(w3wallet.new_id())
    shopper = w3wallet.Actor(w3wallet.new_id())
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        ctx.deposit(service, buyer.user_id, "LEAK", Decimal(100), "leak-ref")
        supply = ctx.supply_create(shopper, "LEAK", Decimal(10))
        order = ctx.order_create(buyer, "LEAK", [(w3wallet.new_id(), "n" * 200, Decimal("0.5"), 3)] * 5)
        missing = w3wallet.new_id()
        actor_c = buyer._c

        def batch(n):
            done = 0
            while done < n:
                ctx.supply_get(shopper, supply.id)                # record filled in place
                ctx.order_get(buyer, order.id)                    # allocated order + items
                ctx.order_list(buyer, user_id=buyer.user_id)      # allocated page
                ctx.accounts(buyer)                               # allocated list
                try:
                    ctx.order_get(buyer, missing)                 # failure: exception + message
                except NotFoundError:
                    pass
                s = capi.w3w_supply_get(ctx._h._ptr, shopper._c, supply.id)
                capi.w3w_supply_to_json(s)                        # string allocated by the library
                o = capi.w3w_order_get(ctx._h._ptr, actor_c, order.id)
                capi.w3w_order_to_json(o)
                w3wallet.to_units(Decimal("12.34567891"))
                try:
                    w3wallet.to_units("1.123456789")              # failure in a pure function
                except w3wallet.InvalidInputError:
                    pass
                done += 10
            return done

        batch(20_000)  # warm up: caches, SQLite page cache, allocator arenas
        gc.collect()
        before = rss_kb()
        done = batch(CALLS)
        gc.collect()
        after = rss_kb()
    grown = after - before
    print(f"\n{done} calls: RSS {before} kB -> {after} kB ({grown:+d} kB)")
    assert grown < BOUND_KB, f"RSS grew by {grown} kB over {done} calls"
