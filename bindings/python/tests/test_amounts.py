"""Amounts are decimal.Decimal in and out; floats are refused; the shared vectors hold."""
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import InvalidInputError, format_amount, from_units, parse_amount, to_units

from conftest import load_vector

VEC = load_vector("amounts.json")


@pytest.mark.parametrize("case", VEC["parse"], ids=lambda c: repr(c["input"]))
def test_parse_vectors(case):
    if case["ok"]:
        units = int(case["units"])
        assert to_units(case["input"]) == units
        assert parse_amount(case["input"]) == from_units(units)
    else:
        with pytest.raises(InvalidInputError) as e:
            to_units(case["input"])
        assert e.value.status == "invalid" and e.value.message
        assert case["error_contains"].lower() in e.value.message.lower()


@pytest.mark.parametrize("case", VEC["format"], ids=lambda c: c["units"])
def test_format_vectors(case):
    units, text = int(case["units"]), case["text"]
    d = from_units(units)
    assert format(d, "f") == text  # the Decimal prints exactly the library's text
    assert Decimal(text) == d
    if 0 <= units <= int(VEC["max_units"]):
        assert format_amount(d) == text
        assert to_units(d) == units  # round trip through the library


def test_float_is_refused_everywhere(sqlite_url, actors, cur):
    with pytest.raises(TypeError, match="float"):
        to_units(1.5)
    with pytest.raises(TypeError):
        to_units(True)
    with pytest.raises(TypeError):
        to_units(None)
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        with pytest.raises(TypeError, match="float"):
            ctx.supply_create(actors(), cur, 1.0)
        with pytest.raises(TypeError, match="float"):
            ctx.order_create(actors(), cur, [(w3wallet.new_id(), "x", 0.1, 1)])
        with pytest.raises(TypeError, match="quantity"):
            ctx.order_create(actors(), cur, [(w3wallet.new_id(), "x", Decimal(1), 1.0)])


def test_decimal_forms():
    assert to_units(Decimal("1E+2")) == 100 * 10**8
    assert to_units(Decimal("1.10")) == 110000000
    assert to_units(7) == 7 * 10**8
    assert to_units("0.00000001") == 1
    with pytest.raises(InvalidInputError, match="8 decimals"):
        to_units(Decimal("1.000000001"))
    with pytest.raises(InvalidInputError):
        to_units(Decimal("-1"))
    with pytest.raises(InvalidInputError):
        to_units(Decimal("NaN"))
    with pytest.raises(InvalidInputError):
        to_units(Decimal("Infinity"))
    with pytest.raises(InvalidInputError, match="price"):
        to_units("1.5.5", "price")
    assert from_units(-150000000) == Decimal("-1.5")
    assert from_units(999999999999999999) == w3wallet.AMOUNT_MAX


def test_exact_sums_in_orders(sqlite_url, actors, cur):
    service = actors(w3wallet.Role.SERVICE)
    buyer = actors()
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        ctx.deposit(service, buyer.user_id, cur, Decimal("1000"), "r")
        o = ctx.order_create(buyer, cur, [(w3wallet.new_id(), "a", Decimal("0.1"), 3),
                                          (w3wallet.new_id(), "b", Decimal("0.00000001"), 7)])
        assert o.amount == Decimal("0.30000007")  # 0.1 * 3 is exactly 0.3 here
        assert isinstance(o.amount, Decimal) and isinstance(o.items[0].price, Decimal)


def test_scale_is_the_c_constant():
    assert w3wallet.amount.SCALE == w3wallet.capi.W3W_AMOUNT_SCALE
