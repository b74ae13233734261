"""The marketplace story of docs/design.md, end to end, on each storage backend."""
from decimal import Decimal

import w3wallet
from w3wallet import ClaimStatus, OrderStatus, Role, SupplyStatus, TransferKind

from conftest import fund, item


def test_marketplace_story(storage_url, actors, cur):
    with w3wallet.Context(storage_url=storage_url, background_relay=False) as ctx:
        sub = ctx.subscribe()
        service, admin = actors(Role.SERVICE), actors(Role.ADMIN)
        buyer, shopper = actors(), actors()

        # 1. a service deposits 100 for the buyer
        t = ctx.deposit(service, buyer.user_id, cur, Decimal("100"), f"bank-{buyer.user_id}")
        assert t.kind is TransferKind.DEPOSIT and t.amount == Decimal("100") and t.to_user_id == buyer.user_id

        # 2. the shopper declares 50 of supply
        supply = ctx.supply_create(shopper, cur, Decimal("50"))
        assert (supply.amount, supply.reserved, supply.status) == (Decimal(50), Decimal(0), SupplyStatus.ACTIVE)

        # 3. the buyer orders 2 x 12.5 + 1 x 0.25: escrow of 25.25 is held
        order = ctx.order_create(buyer, cur, [item("12.5", 2, "Hardware wallet"), item("0.25", 1, "Sticker")])
        assert order.amount == Decimal("25.25") and order.status is OrderStatus.OPEN
        assert [i.product_name for i in order.items] == ["Hardware wallet", "Sticker"]
        assert all(i.id for i in order.items)
        acc = ctx.account(buyer, cur)
        assert (acc.balance, acc.held, acc.available) == (Decimal("100"), Decimal("25.25"), Decimal("74.75"))

        # 4. the shopper claims it: the supply reserves the amount
        claim = ctx.claim_order(shopper, order.id)
        assert claim.status is ClaimStatus.PENDING and claim.supply_id == supply.id and claim.processed_at is None
        assert ctx.order_get(admin, order.id).status is OrderStatus.CLAIMED
        assert ctx.supply_get(shopper, supply.id).reserved == Decimal("25.25")
        assert ctx.claim_get_by_order(buyer, order.id) == claim

        # 5. the buyer confirms: escrow settles to the shopper, supply capacity is used
        done = ctx.claim_process(buyer, claim.id)
        assert done.status is ClaimStatus.PROCESSED and done.processed_at is not None
        assert ctx.order_get(buyer, order.id).status is OrderStatus.COMPLETED
        b, s = ctx.account(buyer, cur), ctx.account(shopper, cur)
        assert (b.balance, b.held, b.available) == (Decimal("74.75"), Decimal(0), Decimal("74.75"))
        assert (s.balance, s.held, s.available) == (Decimal("25.25"), Decimal(0), Decimal("25.25"))
        sup = ctx.supply_get(shopper, supply.id)
        assert (sup.amount, sup.reserved) == (Decimal("24.75"), Decimal(0))

        totals = ctx.ledger_totals(admin, cur)
        assert totals.holds(), totals
        assert totals.deposits == Decimal(100) and totals.balances == Decimal(100)

        # events of this story, in commit order
        ctx.events_pump()
        mine = [e for e in sub.drain(0.2) if e.aggregate_id in (order.id, supply.id, claim.id, t.id)
                or (e.payload or {}).get("currency") == cur]
        types = [e.type for e in mine]
        assert types == ["wallet.deposited", "supply.created", "order.created", "order.claimed", "claim.processed"], types
        assert all(e.id and e.created_at for e in mine)
        assert sub.dropped == 0

        # the audit chain verifies end to end
        report = ctx.audit_verify(actors(Role.AUDITOR))
        assert report.ok and report.records > 0, report


def test_lists_page_through(ctx, actors, service, cur):
    buyer = actors()
    fund(ctx, service, buyer, cur, "100")
    ids = [ctx.order_create(buyer, cur, [item("1")]).id for _ in range(5)]
    seen, cursor = [], ""
    while True:
        page = ctx.order_list(buyer, user_id=buyer.user_id, limit=2, cursor=cursor)
        assert len(page) <= 2
        seen += [o.id for o in page]
        assert all(o.items == () for o in page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ids
    opened = ctx.order_list(buyer, user_id=buyer.user_id, status="open")
    assert [o.id for o in opened] == ids
    ctx.order_cancel(buyer, ids[0])
    cancelled = ctx.order_list(buyer, user_id=buyer.user_id, status=OrderStatus.CANCELLED)
    assert [o.id for o in cancelled] == ids[:1]


def test_supply_lifecycle(ctx, actors, cur):
    shopper = actors()
    s = ctx.supply_create(shopper, cur, "10")
    s = ctx.supply_update(shopper, s.id, status="paused")
    assert s.status is SupplyStatus.PAUSED
    s = ctx.supply_update(shopper, s.id, status=SupplyStatus.ACTIVE)
    assert s.status is SupplyStatus.ACTIVE
    s = ctx.supply_update(shopper, s.id, amount=Decimal("0"))
    assert s.status is SupplyStatus.EXHAUSTED
    s = ctx.supply_update(shopper, s.id, amount=Decimal("3.00000001"))
    assert s.status is SupplyStatus.ACTIVE and s.amount == Decimal("3.00000001")
    page = ctx.supply_list(shopper)
    assert [x.id for x in page] == [s.id] and page.next_cursor == ""
    d = ctx.supply_delete(shopper, s.id)
    assert d.status is SupplyStatus.DELETED
    assert str(d.status) == "deleted"


def test_transfers_and_withdrawals(ctx, actors, service, admin, cur):
    a, b = actors(), actors()
    fund(ctx, service, a, cur, "10")
    t = ctx.transfer_funds(a, b.user_id, cur, Decimal("2.5"))
    assert t.kind is TransferKind.TRANSFER and t.from_user_id == a.user_id and t.to_user_id == b.user_id
    w = ctx.withdraw(b, cur, "1", "evm", "0x000000000000000000000000000000000000dEaD")
    assert w.kind is TransferKind.WITHDRAWAL and "0x" in w.reference
    assert ctx.account(a, cur).balance == Decimal("7.5")
    assert ctx.account(b, cur).balance == Decimal("1.5")
    assert ctx.account(admin, cur, user_id=b.user_id).available == Decimal("1.5")
    totals = ctx.ledger_totals(admin, cur)
    assert totals.holds() and totals.withdrawals == Decimal(1)


def test_outbox_stats_and_context_options(sqlite_url, actors, service, cur):
    with w3wallet.Context(w3wallet.Options(storage_url=sqlite_url, background_relay=False, pool_size=2)) as ctx:
        fund(ctx, service, actors(), cur, "1")
        st = ctx.outbox_stats(service)
        assert st.total >= 1 and st.pending >= 1 and st.oldest_pending_at is not None and st.last_seq >= 1
        assert ctx.events_pump() >= 1
        assert ctx.outbox_stats(service).pending == 0
        assert ctx.audit_seal() >= 0
    assert ctx.closed
