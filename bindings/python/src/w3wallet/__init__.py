"""libw3wallet for Python: the embeddable backend of a Web3 wallet marketplace.

    from decimal import Decimal
    import w3wallet
    from w3wallet import Actor, Role

    with w3wallet.Context(storage_url="sqlite:shop.db") as ctx:
        service = Actor(w3wallet.new_id(), Role.SERVICE)
        buyer = Actor(w3wallet.new_id())
        ctx.deposit(service, buyer.user_id, "USDC", Decimal("100"), reference="bank-1")

Amounts are ``decimal.Decimal`` (a float raises TypeError), records are
frozen dataclasses, every failure raises a subclass of :class:`W3WError`.
A Context is shared by threads; commands release the GIL.
"""
from __future__ import annotations

from . import capi as _capi
from .errors import (
    ClosedError, ConflictError, CryptoError, ForbiddenError, IdempotencyError, InsufficientFundsError,
    InternalError, InvalidInputError, InvalidStateError, NotFoundError, OutOfMemoryError, RateLimitedError,
    UnauthenticatedError, UnavailableError, OutcomeUnknownError, LimitExceededError, VersionError, W3WError,
    error_class,
)
from .amount import MAX as AMOUNT_MAX, AmountLike, format_amount, from_units, parse_amount, to_units
from .records import (
    Account, Actor, AuditReport, BatchResult, Claim, ClaimStatus, Event, LedgerTotals, Order, OrderItem, OrderStatus,
    OutboxStats, Page, Role, Supply, SupplyStatus, Transfer, TransferKind,
)
from .context import Context, Options, Subscription
from .auth import JwtVerifier, now_us, sign_hs256
from .wallet import (
    Chain, ChainDeposit, ChainOptions, ChainPollStats, MasterSeedInfo, Wallet, Withdrawal, WithdrawalStatus,
    WithdrawalLimit, LIMIT_NONE, address_normalize, master_key_id,
)

__version__: str = _capi.w3w_version()
"""Version of the libw3wallet the extension is running against."""


def version() -> str:
    """Runtime version of libw3wallet ("MAJOR.MINOR.PATCH")."""
    return _capi.w3w_version()


def new_id() -> str:
    """A new UUIDv7 (lowercase, sorts by creation time)."""
    return _capi.w3w_id_new()


def normalize_id(text: str) -> str:
    """`text` as a canonical lowercase UUID; InvalidInputError if it is not one."""
    return _capi.w3w_id_normalize(text)


def commit_position() -> str:
    """The commit position of this thread's last write through a context with a read replica
    ("" when there is none): hand it to :func:`read_after` wherever that write must be seen."""
    return _capi.w3w_commit_position()


def read_after(position: "str | None") -> None:
    """This thread's reads never see state older than `position` (a replica serves them only once it
    replayed it); None or "" removes the condition. InvalidInputError for a malformed position."""
    _capi.w3w_read_after(position or "")


def status_name(code: int) -> str:
    """Stable name of a status code ("ok", "conflict", ...)."""
    return _capi.w3w_status_name(code)


__all__ = [
    "Context", "Options", "Subscription", "Actor", "Role",
    "Supply", "SupplyStatus", "Order", "OrderItem", "OrderStatus", "Claim", "ClaimStatus",
    "Transfer", "TransferKind", "Account", "LedgerTotals", "OutboxStats", "AuditReport", "Event", "Page", "BatchResult",
    "W3WError", "InvalidInputError", "OutOfMemoryError", "NotFoundError", "ConflictError",
    "InsufficientFundsError", "ForbiddenError", "InvalidStateError", "IdempotencyError", "UnavailableError", "OutcomeUnknownError",
    "LimitExceededError",
    "VersionError", "UnauthenticatedError", "RateLimitedError", "CryptoError", "InternalError", "ClosedError",
    "error_class", "AmountLike", "AMOUNT_MAX", "to_units", "from_units", "parse_amount", "format_amount",
    "Chain", "ChainDeposit", "ChainOptions", "ChainPollStats", "MasterSeedInfo", "Wallet", "Withdrawal",
    "WithdrawalLimit", "LIMIT_NONE",
    "WithdrawalStatus", "address_normalize", "master_key_id",
    "JwtVerifier", "sign_hs256", "now_us", "version", "new_id", "normalize_id", "status_name",
    "commit_position", "read_after",
]
