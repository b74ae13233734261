#!/usr/bin/env python3
"""The marketplace story of docs/design.md through the Python binding, on the
embedded default (a SQLite file, in-process cache and events):

  a service deposits funds for a buyer; a shopper declares supply; the
  buyer orders items (escrow held); the shopper claims the order; the
  buyer confirms (processes the claim); escrow settles to the shopper.

Exits non-zero if any result differs from the story.
Usage: marketplace.py [STORAGE_URL]   (default sqlite:marketplace.db)
"""
import sys
from decimal import Decimal

import w3wallet
from w3wallet import Actor, OrderItem, Role


def expect(what: str, got, want) -> None:
    if got != want:
        raise SystemExit(f"MISMATCH {what}: got {got!r}, want {want!r}")


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:marketplace.db"
    print(f"libw3wallet {w3wallet.version()} (Python binding)")
    # background_relay=False: this program pumps events itself, to print them in order
    with w3wallet.Context(storage_url=url, background_relay=False) as ctx, ctx.subscribe() as events:
        service = Actor(w3wallet.new_id(), Role.SERVICE)
        buyer, shopper = Actor(w3wallet.new_id()), Actor(w3wallet.new_id())
        auditor = Actor(w3wallet.new_id(), Role.AUDITOR)

        print("1. deposit 100 USDC for the buyer")
        ctx.deposit(service, buyer.user_id, "USDC", Decimal("100"), f"bank-transfer-{buyer.user_id}")

        print("2. the shopper declares 50 USDC of supply")
        supply = ctx.supply_create(shopper, "USDC", Decimal("50"))

        print("3. the buyer orders 2 x 12.5 + 1 x 0.25 USDC")
        order = ctx.order_create(buyer, "USDC", [
            OrderItem(w3wallet.new_id(), "Hardware wallet", Decimal("12.5"), 2),
            OrderItem(w3wallet.new_id(), "Sticker", Decimal("0.25"), 1),
        ], idempotency_key=f"order-{buyer.user_id}")
        expect("order amount", order.amount, Decimal("25.25"))
        expect("buyer held", ctx.account(buyer, "USDC").held, Decimal("25.25"))

        print("4. the shopper claims the order")
        claim = ctx.claim_order(shopper, order.id)
        try:
            ctx.claim_order(Actor(w3wallet.new_id()), order.id)
            raise SystemExit("MISMATCH: a second claim succeeded")
        except (w3wallet.ConflictError, w3wallet.InsufficientFundsError) as e:
            print(f"   a second claimer is refused: {e.status}")

        print("5. the buyer confirms delivery: the claim is processed")
        claim = ctx.claim_process(buyer, claim.id)
        expect("claim status", str(claim.status), "processed")

        print("balances:")
        for name, who in (("buyer", buyer), ("shopper", shopper)):
            for acc in ctx.accounts(who):
                print(f"  {name:8} {acc.currency} balance={acc.balance} held={acc.held} available={acc.available}")
        b, s = ctx.account(buyer, "USDC"), ctx.account(shopper, "USDC")
        expect("buyer balance", (b.balance, b.held), (Decimal("74.75"), Decimal(0)))
        expect("shopper balance", (s.balance, s.available), (Decimal("25.25"), Decimal("25.25")))
        supply = ctx.supply_get(shopper, supply.id)
        print(f"  supply   amount={supply.amount} reserved={supply.reserved} status={supply.status}")
        expect("supply", (supply.amount, supply.reserved), (Decimal("24.75"), Decimal(0)))

        print("events:")
        ctx.events_pump()
        seen = events.drain()
        for ev in seen:
            print(f"  event {ev.type:18} {ev.topic:14} key={ev.aggregate_id} at {ev.created_at.isoformat()}")
        expect("events", [ev.type for ev in seen],
               ["wallet.deposited", "supply.created", "order.created", "order.claimed", "claim.processed"])

        report = ctx.audit_verify(auditor)
        expect("audit chain ok", report.ok, True)
        print(f"audit chain: {report.records} records, ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
