"""A retried command with the same idempotency key returns the first result and does nothing."""
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import IdempotencyError

from conftest import fund, item


def test_deposit_retry(ctx, actors, service, admin, cur):
    user = actors()
    first = ctx.deposit(service, user.user_id, cur, Decimal("5"), "dep-ref", idempotency_key="dep-1")
    again = ctx.deposit(service, user.user_id, cur, Decimal("5"), "dep-ref", idempotency_key="dep-1")
    assert again == first
    assert ctx.account(user, cur).balance == Decimal("5")
    with pytest.raises(IdempotencyError):
        ctx.deposit(service, user.user_id, cur, Decimal("6"), "dep-ref", idempotency_key="dep-1")
    assert ctx.ledger_totals(admin, cur).holds()


def test_order_create_retry(ctx, actors, service, cur):
    buyer = actors()
    fund(ctx, service, buyer, cur, "10")
    items = [item("2.5", 2)]
    first = ctx.order_create(buyer, cur, items, idempotency_key="order-1")
    again = ctx.order_create(buyer, cur, items, idempotency_key="order-1")
    assert again.id == first.id and again.amount == first.amount == Decimal(5)
    acc = ctx.account(buyer, cur)
    assert acc.held == Decimal(5)  # held once, not twice
    with pytest.raises(IdempotencyError):
        ctx.order_create(buyer, cur, [item("1")], idempotency_key="order-1")


def test_claim_retry(ctx, actors, service, cur):
    buyer, shopper, other = actors(), actors(), actors()
    fund(ctx, service, buyer, cur, "10")
    ctx.supply_create(shopper, cur, "10")
    ctx.supply_create(other, cur, "10")
    order = ctx.order_create(buyer, cur, [item("3")])
    first = ctx.claim_order(shopper, order.id, idempotency_key="claim-1")
    again = ctx.claim_order(shopper, order.id, idempotency_key="claim-1")
    assert again.id == first.id
    with pytest.raises(w3wallet.ConflictError):
        ctx.claim_order(other, order.id, idempotency_key="claim-1")  # keys are scoped to the actor
    p1 = ctx.claim_process(buyer, first.id, idempotency_key="proc-1")
    p2 = ctx.claim_process(buyer, first.id, idempotency_key="proc-1")
    assert p1 == p2 and p1.status is w3wallet.ClaimStatus.PROCESSED


def test_keys_are_scoped_to_the_actor(ctx, actors, cur):
    a, b = actors(), actors()
    sa = ctx.supply_create(a, cur, "1", idempotency_key="same")
    sb = ctx.supply_create(b, cur, "1", idempotency_key="same")
    assert sa.id != sb.id
