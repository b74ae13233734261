"""Batches through the binding: one BatchResult per element, refusals per element, keys per element."""
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import ConflictError, InvalidInputError

from conftest import fund, item


def test_claim_and_process_batches(ctx, actors, service, admin, cur):
    buyer, shopper = actors(), actors()
    fund(ctx, service, buyer, cur, "10")
    ctx.supply_create(shopper, cur, "10")
    o1 = ctx.order_create(buyer, cur, [item("2")])
    o2 = ctx.order_create(buyer, cur, [item("3")])
    missing = w3wallet.new_id()

    got = ctx.claim_batch(shopper, [o1.id, missing, o2.id, o1.id], idempotency_keys=["k1", None, None, None])
    assert [r.status for r in got] == ["ok", "not_found", "ok", "conflict"]
    assert got[0].ok and not got[3].ok and missing in got[1].message
    assert isinstance(got[3].error(), ConflictError) and got[0].error() is None
    assert ctx.claim_get_by_order(buyer, o1.id).id == got[0].id

    again = ctx.claim_batch(shopper, [o1.id], idempotency_keys=["k1"])
    assert again[0].ok and again[0].replayed and again[0].id == got[0].id

    done = ctx.claim_process_batch(buyer, [got[0].id, got[2].id, got[0].id])
    assert [r.status for r in done] == ["ok", "ok", "invalid_state"]
    assert ctx.account(shopper, cur).balance == Decimal("5")
    assert ctx.ledger_totals(admin, cur).holds()


def test_deposit_transfer_order_batches(ctx, actors, service, admin, cur):
    a, b = actors(), actors()
    ref = f"bref-{w3wallet.new_id()}"  # deposit references are unique across the whole (shared) storage
    got = ctx.deposit_batch(service, [(a.user_id, cur, "6", ref), (b.user_id, cur, "1", ref),
                                      (a.user_id, cur, Decimal("4"), ref + "-2")])
    assert [r.status for r in got] == ["ok", "conflict", "ok"]
    got = ctx.transfer_batch(a, [(b.user_id, cur, "4")] * 3)
    assert [r.status for r in got] == ["ok", "ok", "insufficient_funds"]
    assert ctx.account(b, cur).balance == Decimal("8")
    got = ctx.order_create_batch(b, [(cur, [item("3", 2)]), (cur, [item("5")]), (cur, [])])
    assert [r.status for r in got] == ["ok", "insufficient_funds", "invalid"]
    assert ctx.order_get(b, got[0].id).amount == Decimal("6")
    assert ctx.ledger_totals(admin, cur).holds()


def test_limits(ctx, actors):
    user = actors()
    with pytest.raises(InvalidInputError):
        ctx.claim_batch(user, [])
    with pytest.raises(InvalidInputError):
        ctx.claim_batch(user, [w3wallet.new_id()] * 8191)
    with pytest.raises(ValueError):
        ctx.claim_batch(user, [w3wallet.new_id()], idempotency_keys=["a", "b"])
    with pytest.raises(InvalidInputError):  # text that does not fit is refused, never cut
        ctx.claim_batch(user, [w3wallet.new_id()], idempotency_keys=["k" * 300])
