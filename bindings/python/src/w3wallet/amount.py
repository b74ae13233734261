"""Exact amounts: ``decimal.Decimal`` in and out, never ``float``.

The library keeps amounts as int64 counts of 10^-8 units (DECIMAL(18,8)).
Going in, a value is written out as a plain decimal string and parsed by
the library itself (``w3w_amount_parse``), so Python accepts exactly what C
accepts: at most 8 decimals, no sign, at most 9999999999.99999999.
Coming out, units become a Decimal in its shortest exact form.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Union

from . import capi as _capi
from .errors import InvalidInputError

__all__ = ["AmountLike", "to_units", "from_units", "parse_amount", "format_amount", "SCALE", "MAX"]

#: What an amount argument may be: a Decimal, an int (whole coins) or a decimal string.
AmountLike = Union[Decimal, int, str]

SCALE: int = 100_000_000  # W3W_AMOUNT_SCALE
#: Largest amount: Decimal("9999999999.99999999").
MAX: Decimal = Decimal("9999999999.99999999")


def to_units(value: AmountLike, field: str = "amount") -> int:
    """Units (10^-8) of `value`, validated by the library.

    Raises:
        TypeError: `value` is a float (or a bool, or anything not listed in AmountLike).
        InvalidInputError: more than 8 decimals, negative, too large, NaN, junk.
    """
    if isinstance(value, float):
        raise TypeError(f"{field}: float is not accepted for money; use decimal.Decimal or str")
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"{field}: expected decimal.Decimal, int or str, got {type(value).__name__}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError(-1, f"{field}: must be a finite number")  # W3W_EINVAL
        text = format(value, "f")
    else:
        text = str(value)
    try:
        return _capi.w3w_amount_parse(text)
    except InvalidInputError as e:
        msg = e.message
        if field != "amount" and msg.startswith("amount:"):
            msg = field + msg[len("amount"):]
        raise InvalidInputError(e.code, msg) from None


def from_units(units: int) -> Decimal:
    """Decimal value of `units` (10^-8), in its shortest exact form (Decimal("12.5"))."""
    return Decimal(format_units(units))


def format_units(units: int) -> str:
    """Shortest exact decimal text of `units`, as ``w3w_amount_format`` prints it."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), SCALE)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:08d}".rstrip("0")


def parse_amount(text: str) -> Decimal:
    """Parse decimal text by the library's rules; raises InvalidInputError when refused."""
    if not isinstance(text, str):
        raise TypeError(f"amount: expected str, got {type(text).__name__}")
    return from_units(_capi.w3w_amount_parse(text))


def format_amount(value: AmountLike) -> str:
    """Shortest exact text of an amount ("12.5", "0.00000001"): never scientific notation."""
    return _capi.w3w_amount_format(to_units(value))
