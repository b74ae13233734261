"""Custodial wallets: the master seed, deposit addresses, chains, on-chain
withdrawals and deposits (include/w3wallet/wallet.h, docs/wallets.md).

No private key, seed or mnemonic ever crosses this API except through
:meth:`Context.master_mnemonic_export`, the one audited way out.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from . import capi as _capi
from .amount import AmountLike, from_units, to_units
from .records import Actor, _NamedIntEnum, _time, _time_required

if TYPE_CHECKING:
    from .context import Context, _Handle

__all__ = [
    "MasterSeedInfo", "Wallet", "WithdrawalStatus", "Withdrawal", "ChainDeposit", "ChainPollStats",
    "ChainOptions", "Chain", "master_key_id", "address_normalize", "WithdrawalLimit", "LIMIT_NONE",
]


def master_key_id(key_hex: str) -> str:
    """The id (16 hex characters) naming a master key given as 64 hex characters."""
    return _capi.w3w_master_key_id(key_hex)


def address_normalize(chain: str, address: str) -> str:
    """Canonical form of an address of `chain` ("evm": EIP-55, "solana": base58);
    InvalidInputError names the problem (length, 0x, checksum, ...)."""
    return _capi.w3w_address_normalize(chain, address)


@dataclass(frozen=True)
class MasterSeedInfo:
    """What is known about the deployment's master seed, without opening it."""

    exists: bool
    origin: str                 # "generated" or "imported"
    created_at: Optional[datetime]
    key_ids: Tuple[str, ...]    # master keys the seed is sealed under
    context_key_id: str         # this context's key ("" without a master key)

    @classmethod
    def _from_c(cls, c: Any) -> "MasterSeedInfo":
        ids = tuple(k for k in c.key_ids.split(",") if k)
        return cls(bool(c.exists), c.origin, _time(c.created_at), ids, c.context_key_id)


@dataclass(frozen=True)
class Wallet:
    """A user's deposit address on one address family; never holds a key."""

    id: str
    user_id: str
    chain: str      # "evm" or "solana"
    address: str
    index: int      # i of the derivation path
    created_at: datetime

    @classmethod
    def _from_c(cls, c: Any) -> "Wallet":
        return cls(c.id, c.user_id, c.chain, c.address, c.index, _time_required(c.created_at))


LIMIT_NONE = -1  # W3W_LIMIT_NONE: a limit that is not set


def _limit_or_none(units: int) -> Optional[Decimal]:
    return None if units == LIMIT_NONE else from_units(units)


def limit_units(amount: Optional[AmountLike]) -> int:
    """A limit for the C API: None is no limit."""
    return LIMIT_NONE if amount is None else to_units(amount)


@dataclass(frozen=True)
class WithdrawalLimit:
    """Withdrawal limits of a user (or a currency's default) in one currency, and where the user stands
    (include/w3wallet/limits.h). None is no limit."""

    currency: str
    user_id: str                        # "" for a currency's default
    source: str                         # "user": the user's own values; "default": the currency's
    per_withdrawal: Optional[Decimal]   # largest single withdrawal
    daily: Optional[Decimal]            # most in any 24 hours (rolling)
    used: Decimal                       # withdrawn or held in the last 24 hours
    remaining: Optional[Decimal]        # the largest withdrawal allowed now; None: unlimited
    next_release_at: Optional[datetime] # when the oldest part of `used` leaves the window
    next_release_amount: Decimal
    updated_at: Optional[datetime]

    @classmethod
    def _from_c(cls, c: Any) -> "WithdrawalLimit":
        return cls(c.currency, c.user_id, c.source, _limit_or_none(c.per_withdrawal), _limit_or_none(c.daily),
                   from_units(c.used), _limit_or_none(c.remaining), _time(c.next_release_at),
                   from_units(c.next_release_amount), _time(c.updated_at))


def withdrawal_limits(lst: Any) -> List[WithdrawalLimit]:
    return [WithdrawalLimit._from_c(_capi.w3wb_withdrawal_limit_at(lst, i)) for i in range(lst.count)]


class WithdrawalStatus(_NamedIntEnum):
    HELD = 1        # W3W_WITHDRAWAL_HELD
    SIGNED = 2      # W3W_WITHDRAWAL_SIGNED
    BROADCAST = 3   # W3W_WITHDRAWAL_BROADCAST
    CONFIRMED = 4   # W3W_WITHDRAWAL_CONFIRMED
    FAILED = 5      # W3W_WITHDRAWAL_FAILED
    DROPPED = 6     # W3W_WITHDRAWAL_DROPPED


@dataclass(frozen=True)
class Withdrawal:
    """An on-chain withdrawal and where it stands."""

    id: str
    user_id: str
    chain: str              # "evm:31337"
    currency: str
    amount: Decimal
    to_address: str
    from_address: str       # the hot wallet
    nonce: int
    tx_hash: str            # "" until signed
    status: WithdrawalStatus
    error: str              # why it failed or was dropped
    transfer_id: str        # the ledger withdrawal, once confirmed
    created_at: datetime
    updated_at: datetime

    @classmethod
    def _from_c(cls, c: Any) -> "Withdrawal":
        return cls(c.id, c.user_id, c.chain, c.currency, from_units(c.amount), c.to_address, c.from_address,
                   c.nonce, c.tx_hash, WithdrawalStatus(c.status), c.error, c.transfer_id,
                   _time_required(c.created_at), _time_required(c.updated_at))


@dataclass(frozen=True)
class ChainDeposit:
    """A deposit the watcher found: on-chain value (base units), what was credited, the dust."""

    reference: str
    chain: str
    user_id: str
    address: str
    currency: str
    tx_hash: str
    log_index: int          # -1 for a native transfer
    block_number: int
    block_hash: str
    value: int              # base units
    amount: Decimal         # credited
    dust: int               # base units not credited
    status: str             # "credited", "dust", "too_large"
    transfer_id: str
    created_at: datetime

    @classmethod
    def _from_c(cls, c: Any) -> "ChainDeposit":
        return cls(c.reference, c.chain, c.user_id, c.address, c.currency, c.tx_hash, c.log_index,
                   c.block_number, c.block_hash, int(c.value or 0), from_units(c.amount), int(c.dust or 0),
                   c.status, c.transfer_id, _time_required(c.created_at))


@dataclass(frozen=True)
class ChainPollStats:
    """What one poll of the chain follower did."""

    head: int
    cursor: int
    blocks: int
    deposits_credited: int
    deposits_known: int
    deposits_dust: int
    withdrawals_confirmed: int
    withdrawals_failed: int
    withdrawals_dropped: int
    withdrawals_pending: int

    @classmethod
    def _from_c(cls, c: Any) -> "ChainPollStats":
        return cls(*(getattr(c, f.name) for f in fields(cls)))


_CHAIN_TEXT = ("adapter", "url", "assets", "signer_url", "signer_key_hex")


@dataclass
class ChainOptions:
    """Options of :meth:`Context.chain_open`; None keeps the library default."""

    url: Optional[str] = None
    """Node URL given to the adapter: "http://127.0.0.1:8545"."""
    adapter: Optional[str] = None
    """Registered chain adapter ("evm", the default)."""
    chain_id: Optional[int] = None
    """Expected chain id; 0 or None: ask the node at open."""
    confirmations: Optional[int] = None
    timeout_ms: Optional[int] = None
    assets: Optional[str] = None
    """"ETH=native:18,USDC=0xA0b8...eB48:6"."""
    start_block: Optional[int] = None
    max_blocks_per_poll: Optional[int] = None
    signer_url: Optional[str] = None
    """"unix:/path/sock": withdrawals are signed by w3wallet-signer (docs/signer.md)."""
    signer_key_hex: Optional[str] = None
    """The signer's shared key, 64 hex characters (with signer_url)."""

    def _to_c(self) -> Any:
        c = _capi.w3wb_chain_options_init(_capi.W3W_CHAIN_OPTIONS_VERSION)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in _CHAIN_TEXT:
                if not isinstance(value, str):
                    raise TypeError(f"{f.name}: expected str, got {type(value).__name__}")
                _capi.w3wb_chain_options_set_text(c, f.name, value)
            else:
                if isinstance(value, (float, bool)) or not isinstance(value, int):
                    raise TypeError(f"{f.name}: expected int, got {type(value).__name__}")
                setattr(c, f.name, value)
        return c


class Chain:
    """A connection to one chain (through a chain adapter) on a Context.

    Made by :meth:`Context.chain_open`; safe to share between threads; close
    it (or leave its ``with`` block) before the context.
    """

    def __init__(self, ctx: "Context", handle: "_Handle") -> None:
        self._ctx = ctx
        self._h = handle
        self.key: str = handle.run(_capi.w3w_chain_key)
        """"evm:<chain id>": the chain of withdrawals and deposits."""

    def __enter__(self) -> "Chain":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        h = getattr(self, "_h", None)
        if h is not None:
            try:
                h.close()
            except Exception:
                pass

    def close(self) -> None:
        """Stop the watch thread if running and free the chain."""
        self._h.close()

    def _run(self, fn: Any, *args: Any) -> Any:
        return self._ctx._run(lambda _ctx: self._h.run(fn, *args))

    def hot_address(self, actor: Actor) -> str:
        """Address of the hot wallet that pays withdrawals (admin or service)."""
        return self._run(lambda p: _capi.w3w_chain_hot_address(p, actor._c))

    def poll(self, actor: Actor) -> ChainPollStats:
        """One round of the follower: credit deposits, follow withdrawals (service or admin)."""
        return ChainPollStats._from_c(self._run(lambda p: _capi.w3w_chain_poll(p, actor._c)))

    def watch_start(self, actor: Actor, interval_ms: int) -> None:
        """Poll every `interval_ms` on a background thread until watch_stop() or close()."""
        self._run(lambda p: _capi.w3w_chain_watch_start(p, actor._c, interval_ms))

    def watch_stop(self) -> None:
        self._run(_capi.w3w_chain_watch_stop)

    def watch_last(self) -> Tuple[str, ChainPollStats, str]:
        """The watch thread's last round: (status name, stats, message)."""
        st, stats, message = self._run(_capi.w3wb_chain_watch_last)
        return _capi.w3w_status_name(st), ChainPollStats._from_c(stats), message

    def withdraw(self, actor: Actor, currency: str, amount: AmountLike, to_address: str,
                 idempotency_key: Optional[str] = None) -> Withdrawal:
        """Hold, sign and broadcast a withdrawal of the actor's funds; poll() settles it."""
        units = to_units(amount)
        return Withdrawal._from_c(self._run(
            lambda p: _capi.w3w_wallet_withdraw(p, actor._c, currency, units, to_address, idempotency_key)))


def chain_wallets(lst: Any) -> List[Wallet]:
    return [Wallet._from_c(_capi.w3wb_wallet_at(lst, i)) for i in range(lst.count)]
