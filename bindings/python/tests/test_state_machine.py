"""The shared state-machine scenarios (tests/vectors/state_machine.json),
run through the Python binding exactly as the C conformance suite runs them."""
from decimal import Decimal
from typing import Any, Dict

import pytest

import w3wallet
from w3wallet import Actor, Role, W3WError

from conftest import fresh_currency, load_vector

VEC = load_vector("state_machine.json")


class Scenario:
    def __init__(self, ctx: w3wallet.Context, spec: Dict[str, Any]) -> None:
        self.ctx = ctx
        self.cur = fresh_currency()
        self.alt = fresh_currency()
        roles = dict(VEC["implicit_actors"])
        roles.update(spec["actors"])
        self.actors = {name: Actor(w3wallet.new_id(), Role.parse(",".join(r))) for name, r in roles.items()}
        self.saved: Dict[str, str] = {}

    def id(self, name: str) -> str:
        if name == "$NEW_ID":
            return w3wallet.new_id()
        return self.saved[name]

    def user(self, name: str) -> str:
        return self.actors[name].user_id

    def currency(self, args) -> str:
        return {"$ALT": self.alt}.get(args.get("currency", "$CUR"), self.cur)

    def run(self, actor: Actor, command: str, a: Dict[str, Any]) -> Any:
        ctx, key = self.ctx, a.get("idempotency_key")
        amount = Decimal(a["amount"]) if "amount" in a else None
        if command == "deposit":
            return ctx.deposit(actor, self.user(a["user"]), self.cur, amount,
                               a.get("reference") or f"ref-{w3wallet.new_id()}", key)
        if command == "withdraw":
            return ctx.withdraw(actor, self.cur, amount, a.get("chain", "evm"),
                                a.get("to_address", "0x000000000000000000000000000000000000dead"), key)
        if command == "transfer":
            return ctx.transfer_funds(actor, self.user(a["to"]), self.cur, amount, key)
        if command == "supply_create":
            return ctx.supply_create(actor, self.currency(a), amount, key)
        if command == "supply_update":
            return ctx.supply_update(actor, self.id(a["supply"]), amount=amount, status=a.get("status"),
                                     idempotency_key=key)
        if command == "supply_delete":
            return ctx.supply_delete(actor, self.id(a["supply"]), key)
        if command == "supply_get":
            return ctx.supply_get(actor, self.id(a["supply"]))
        if command == "order_create":
            lines = a.get("items") or [{"price": a["amount"], "quantity": 1}]
            items = [(w3wallet.new_id(), f"item {i}", Decimal(x["price"]), x["quantity"]) for i, x in enumerate(lines)]
            return ctx.order_create(actor, self.cur, items, key)
        if command == "order_cancel":
            return ctx.order_cancel(actor, self.id(a["order"]), key)
        if command == "order_get":
            return ctx.order_get(actor, self.id(a["order"]))
        if command == "claim_order":
            return ctx.claim_order(actor, self.id(a["order"]), key)
        if command == "claim_process":
            return ctx.claim_process(actor, self.id(a["claim"]), key)
        if command == "claim_release":
            return ctx.claim_release(actor, self.id(a["claim"]), key)
        if command == "claim_get":
            return ctx.claim_get(actor, self.id(a["claim"]))
        if command.startswith("check_"):
            return self.check(actor, command, a)
        raise AssertionError(f"unknown command {command}")

    def check(self, actor: Actor, command: str, a: Dict[str, Any]) -> None:
        ctx = self.ctx
        if command == "check_account":
            acc = ctx.account(actor, self.cur, user_id=self.user(a["user"]))
            for f in ("balance", "held", "available"):
                if f in a:
                    assert getattr(acc, f) == Decimal(a[f]), f"{f}: {getattr(acc, f)} != {a[f]}"
        elif command == "check_supply":
            s = ctx.supply_get(actor, self.id(a["supply"]))
            for f in ("amount", "reserved"):
                if f in a:
                    assert getattr(s, f) == Decimal(a[f]), f"{f}: {getattr(s, f)} != {a[f]}"
            if "status" in a:
                assert str(s.status) == a["status"]
        elif command == "check_order":
            assert str(ctx.order_get(actor, self.id(a["order"])).status) == a["status"]
        elif command == "check_claim":
            c = ctx.claim_get(actor, self.id(a["claim"]))
            if "status" in a:
                assert str(c.status) == a["status"]
            if "supply" in a:
                assert c.supply_id == self.id(a["supply"])
        elif command == "check_live_claim":
            live = ctx.claim_get_by_order(actor, self.id(a["order"]))
            if a["claim"] is None:
                assert live is None, f"live claim {live}"
            else:
                assert live is not None and live.id == self.id(a["claim"])
        else:
            raise AssertionError(f"unknown check {command}")


@pytest.mark.parametrize("spec", VEC["scenarios"], ids=lambda s: s["name"])
def test_scenario(ctx, spec):
    sc = Scenario(ctx, spec)
    for n, step in enumerate(spec["steps"]):
        where = f"step {n} {step['command']} {step.get('args', {})}"
        try:
            result = sc.run(sc.actors[step["actor"]], step["command"], step.get("args", {}))
            status = "ok"
        except W3WError as e:
            status, result = e.status, None
        assert status == step["expect"], f"{where}: got {status}"
        if step.get("save") and result is not None:
            name = step["save"]
            if name in sc.saved:
                assert result.id == sc.saved[name], f"{where}: retry returned another record"
            sc.saved[name] = result.id
    admin = sc.actors["admin"]
    for cur in (sc.cur, sc.alt):
        totals = ctx.ledger_totals(admin, cur)
        assert totals.holds(), totals
