"""Records returned by the library, as frozen dataclasses.

Amounts are ``decimal.Decimal``, times are timezone-aware ``datetime`` in
UTC (exact to the microsecond), statuses are enums whose ``str()`` is the
library's name ("open", "claimed", ...).
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Generic, List, Optional, Tuple, TypeVar

from . import capi as _capi
from .amount import from_units

__all__ = [
    "Role", "SupplyStatus", "OrderStatus", "ClaimStatus", "TransferKind",
    "Actor", "Supply", "OrderItem", "Order", "Claim", "Transfer", "Account",
    "LedgerTotals", "OutboxStats", "AuditReport", "Event", "Page", "BatchResult",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _time(us: int) -> Optional[datetime]:
    """Microseconds since the epoch -> aware UTC datetime; 0 (never) -> None."""
    return _EPOCH + timedelta(microseconds=us) if us else None


def _time_required(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class _NamedIntEnum(enum.IntEnum):
    """An IntEnum of C constants whose str() is the library's name for it.

    Values are the C constants written out (so type checkers see them);
    tests/test_errors.py checks them against the extension's."""

    def __str__(self) -> str:  # "open", not "OrderStatus.OPEN"
        return self.name.lower()

    @classmethod
    def parse(cls, value: Any) -> "_NamedIntEnum":
        """From a member, its C value or its name ("paused")."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                from .errors import InvalidInputError
                raise InvalidInputError(_capi.W3W_EINVAL, f"{cls.__name__}: unknown name {value!r}") from None
        return cls(value)


class Role(enum.IntFlag):
    """Roles of an actor, combined with ``|``."""

    USER = 1  # W3W_ROLE_USER
    ADMIN = 2  # W3W_ROLE_ADMIN
    AUDITOR = 4  # W3W_ROLE_AUDITOR
    SERVICE = 8  # W3W_ROLE_SERVICE

    @classmethod
    def parse(cls, text: str) -> "Role":
        """From a comma-separated list ("user,admin"), by the library's rules."""
        return cls(_capi.w3w_roles_parse(text))


class SupplyStatus(_NamedIntEnum):
    ACTIVE = 1  # W3W_SUPPLY_ACTIVE
    PAUSED = 2  # W3W_SUPPLY_PAUSED
    EXHAUSTED = 3  # W3W_SUPPLY_EXHAUSTED
    DELETED = 4  # W3W_SUPPLY_DELETED


class OrderStatus(_NamedIntEnum):
    OPEN = 1  # W3W_ORDER_OPEN
    CLAIMED = 2  # W3W_ORDER_CLAIMED
    COMPLETED = 3  # W3W_ORDER_COMPLETED
    CANCELLED = 4  # W3W_ORDER_CANCELLED


class ClaimStatus(_NamedIntEnum):
    PENDING = 1  # W3W_CLAIM_PENDING
    PROCESSED = 2  # W3W_CLAIM_PROCESSED
    RELEASED = 3  # W3W_CLAIM_RELEASED


class TransferKind(_NamedIntEnum):
    DEPOSIT = 1  # W3W_TRANSFER_DEPOSIT
    WITHDRAWAL = 2  # W3W_TRANSFER_WITHDRAWAL
    TRANSFER = 3  # W3W_TRANSFER_TRANSFER
    SETTLEMENT = 4  # W3W_TRANSFER_SETTLEMENT


@dataclass(frozen=True)
class BatchResult:
    """One element's outcome of a batch (``Context.claim_batch`` ...), in request order.

    ``status`` is "ok" or the library's name of the refusal ("conflict",
    "not_found", ...); on success ``id`` is the claim, transfer or order
    made (or replayed), else ``message`` says why.
    """

    status: str
    code: int
    id: Optional[str]
    replayed: bool
    message: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def error(self) -> Optional[Exception]:
        """The exception the single command would have raised, or None on success."""
        from .errors import error_class
        return None if self.ok else error_class(self.code)(self.code, self.message)

    @classmethod
    def _from_c(cls, c: Any) -> "BatchResult":
        code = _capi.w3wb_batch_result_code(c)
        return cls(status=_capi.w3w_status_name(code), code=code, id=c.id or None,
                   replayed=bool(c.replayed), message=c.message)


@dataclass(frozen=True)
class Actor:
    """Who performs a command: a user id (UUID) and roles.

    The id and roles are checked when the Actor is made (InvalidInputError
    for a bad UUID or an empty/unknown role set), not at each command.
    """

    user_id: str
    roles: Role = Role.USER
    _c: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        c = _capi.w3wb_actor_init(self.user_id, int(self.roles))
        object.__setattr__(self, "user_id", c.user_id)  # normalized to lowercase
        object.__setattr__(self, "roles", Role(c.roles))
        object.__setattr__(self, "_c", c)

    def __reduce__(self):
        return (Actor, (self.user_id, self.roles))


@dataclass(frozen=True)
class Supply:
    """A shopper's declared capacity in one currency (``reserved <= amount``)."""

    id: str
    user_id: str
    currency: str
    amount: Decimal
    reserved: Decimal
    status: SupplyStatus
    created_at: datetime
    updated_at: datetime

    @property
    def unreserved(self) -> Decimal:
        return self.amount - self.reserved

    @classmethod
    def _from_c(cls, c: Any) -> "Supply":
        return cls(c.id, c.user_id, c.currency, from_units(c.amount), from_units(c.reserved),
                   SupplyStatus(c.status), _time_required(c.created_at), _time_required(c.updated_at))


@dataclass(frozen=True)
class OrderItem:
    """One line of an order. ``id`` is set by the library (None on input)."""

    product_id: str
    product_name: str
    price: Decimal
    quantity: int = 1
    id: Optional[str] = None

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity

    @classmethod
    def _from_c(cls, c: Any) -> "OrderItem":
        return cls(c.product_id, c.product_name, from_units(c.price), c.quantity, c.id)


@dataclass(frozen=True)
class Order:
    """An order of items in one currency; ``amount`` = sum of price x quantity.

    ``items`` is empty in list pages (use ``Context.order_get`` for them).
    """

    id: str
    user_id: str
    currency: str
    amount: Decimal
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    items: Tuple[OrderItem, ...] = ()

    @classmethod
    def _from_c(cls, c: Any) -> "Order":
        items = tuple(OrderItem._from_c(_capi.w3wb_order_item_at(c, i)) for i in range(c.item_count))
        return cls(c.id, c.user_id, c.currency, from_units(c.amount), OrderStatus(c.status),
                   _time_required(c.created_at), _time_required(c.updated_at), items)


@dataclass(frozen=True)
class Claim:
    """A shopper's claim of an order; at most one live (pending/processed) per order."""

    id: str
    order_id: str
    user_id: str
    supply_id: str
    status: ClaimStatus
    claimed_at: datetime
    processed_at: Optional[datetime]
    released_at: Optional[datetime]

    @classmethod
    def _from_c(cls, c: Any) -> "Claim":
        return cls(c.id, c.order_id, c.user_id, c.supply_id, ClaimStatus(c.status),
                   _time_required(c.claimed_at), _time(c.processed_at), _time(c.released_at))


@dataclass(frozen=True)
class Transfer:
    """One committed double-entry transfer (the external side is the nil UUID)."""

    id: str
    kind: TransferKind
    from_user_id: str
    to_user_id: str
    currency: str
    amount: Decimal
    reference: str
    created_at: datetime

    @classmethod
    def _from_c(cls, c: Any) -> "Transfer":
        return cls(c.id, TransferKind(c.kind), c.from_user_id, c.to_user_id, c.currency,
                   from_units(c.amount), c.reference, _time_required(c.created_at))


@dataclass(frozen=True)
class Account:
    """A user's ledger account in one currency: ``available = balance - held``."""

    user_id: str
    currency: str
    balance: Decimal
    held: Decimal
    available: Decimal

    @classmethod
    def _from_c(cls, c: Any) -> "Account":
        return cls(c.user_id, c.currency, from_units(c.balance), from_units(c.held), from_units(c.available))


@dataclass(frozen=True)
class LedgerTotals:
    """Reconciliation sums of one currency (see :meth:`holds`)."""

    currency: str
    deposits: Decimal
    withdrawals: Decimal
    balances: Decimal
    held: Decimal
    escrow: Decimal
    reserved: Decimal
    live_claims: Decimal
    entries_sum_zero: bool

    def holds(self) -> bool:
        """True when every invariant holds: balances = deposits - withdrawals,
        held = escrow, reserved = live claims, ledger entries sum to 0."""
        return (self.balances == self.deposits - self.withdrawals and self.held == self.escrow
                and self.reserved == self.live_claims and self.entries_sum_zero)

    @classmethod
    def _from_c(cls, c: Any) -> "LedgerTotals":
        return cls(c.currency, from_units(c.deposits), from_units(c.withdrawals), from_units(c.balances),
                   from_units(c.held), from_units(c.escrow), from_units(c.reserved),
                   from_units(c.live_claims), bool(c.entries_sum_zero))


@dataclass(frozen=True)
class OutboxStats:
    """Outbox counters; relay lag = now - oldest_pending_at."""

    total: int
    pending: int
    oldest_pending_at: Optional[datetime]
    last_seq: int
    """Highest seq written (0 if none): where a new subscription starts."""

    @classmethod
    def _from_c(cls, c: Any) -> "OutboxStats":
        return cls(c.total, c.pending, _time(c.oldest_pending_at), c.last_seq)


@dataclass(frozen=True)
class AuditReport:
    """Result of walking the audit hash chain; ``ok`` False names the first bad record."""

    ok: bool
    records: int
    unsealed: int
    first_bad: int
    reason: str

    @classmethod
    def _from_c(cls, c: Any) -> "AuditReport":
        return cls(bool(c.ok), c.records, c.unsealed, c.first_bad, c.reason)


@dataclass(frozen=True)
class Event:
    """A committed event from the outbox (delivery is at-least-once: dedupe by ``id``)."""

    seq: int
    id: str
    type: str
    topic: str
    aggregate_id: str
    actor_id: str
    region: str
    created_at: datetime
    payload: Any  # the decoded JSON object

    @classmethod
    def _from_c(cls, c: Any) -> "Event":
        payload = c.payload
        return cls(c.seq, c.id, c.type, c.topic, c.aggregate_id, c.actor_id, c.region,
                   _time_required(c.created_at), json.loads(payload, parse_float=Decimal) if payload else None)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; pass ``next_cursor`` to get the next ("" on the last page)."""

    items: List[T]
    next_cursor: str

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
