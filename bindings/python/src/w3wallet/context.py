"""The Context: one per process (or configuration), shared by threads."""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union

from . import capi as _capi
from .amount import AmountLike, to_units
from .errors import ClosedError, NotFoundError
from .records import (
    Account, Actor, AuditReport, BatchResult, Claim, Event, LedgerTotals, Order, OrderItem, OrderStatus,
    OutboxStats, Page, Supply, SupplyStatus, Transfer,
)
from .wallet import (
    Chain, ChainDeposit, ChainOptions, MasterSeedInfo, Wallet, Withdrawal, WithdrawalLimit, chain_wallets, limit_units,
    withdrawal_limits,
)

__all__ = ["Options", "Context", "Subscription"]

R = TypeVar("R")

_TEXT_OPTIONS = ("storage_url", "cache_url", "events_url", "master_key_hex", "region", "read_storage_url",
                 "signer_url", "signer_key_hex")


@dataclass
class Options:
    """Options of :class:`Context`; a field left None keeps the library default
    (``w3w_options_init``): SQLite file ``w3wallet.db``, in-process cache,
    in-process events, background relay on.
    """

    storage_url: Optional[str] = None
    """"sqlite:PATH", "sqlite::memory:", "postgres://user:pass@host:port/db" or a libpq conninfo."""
    cache_url: Optional[str] = None
    """"memory:" (default), "memory:?max=N", "none:", "redis://host:port/db"."""
    events_url: Optional[str] = None
    """"" (in-process only), "file:PATH" (JSON lines), "kafka://host:port[,host:port]"."""
    master_key_hex: Optional[str] = field(default=None, repr=False)
    """64 hex characters sealing wallet keys at rest; empty disables wallet keys."""
    region: Optional[str] = None
    idempotency_ttl_s: Optional[int] = None
    pool_size: Optional[int] = None
    timeout_ms: Optional[int] = None
    background_relay: Optional[bool] = None
    """False: the host drives the relay with Context.events_pump() and audit_seal()."""
    read_storage_url: Optional[str] = None
    """A PostgreSQL read replica for reads by id and lists (docs/api.md, "Read replicas")."""
    max_replica_lag_ms: Optional[int] = None
    """Reads without a position use the replica while it lags less than this (default 1000)."""
    signer_url: Optional[str] = None
    """"unix:/path/sock": wallet keys stay in w3wallet-signer (docs/signer.md); no master key needed."""
    signer_key_hex: Optional[str] = field(default=None, repr=False)
    """The signer's shared key, 64 hex characters (with signer_url)."""

    def _to_c(self) -> Any:
        c = _capi.w3wb_options_init(_capi.W3W_OPTIONS_VERSION)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in _TEXT_OPTIONS:
                if not isinstance(value, str):
                    raise TypeError(f"{f.name}: expected str, got {type(value).__name__}")
                _capi.w3wb_options_set_text(c, f.name, value)
            else:
                if isinstance(value, float) or not isinstance(value, int):
                    raise TypeError(f"{f.name}: expected int, got {type(value).__name__}")
                setattr(c, f.name, int(value))
        return c


class _Handle:
    """A C handle shared by threads: calls count themselves in and out, and
    close() refuses new calls, waits for running ones, then frees the handle
    once (so no call ever runs on freed memory)."""

    __slots__ = ("_cond", "_busy", "_ptr", "_closer", "_what")

    def __init__(self, ptr: Any, closer: Callable[[Any], None], what: str) -> None:
        self._cond = threading.Condition()
        self._busy = 0
        self._ptr = ptr
        self._closer = closer
        self._what = what

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def run(self, fn: Callable[..., R], *args: Any) -> R:
        with self._cond:
            ptr = self._ptr
            if ptr is None:
                raise ClosedError(message=f"{self._what}: used after close()")
            self._busy += 1
        try:
            return fn(ptr, *args)
        finally:
            with self._cond:
                self._busy -= 1
                if self._busy == 0:
                    self._cond.notify_all()

    def close(self, before: Optional[Callable[[], None]] = None) -> None:
        with self._cond:
            ptr, self._ptr = self._ptr, None
            if ptr is None:
                return
            while self._busy:
                self._cond.wait()
        if before is not None:
            before()
        self._closer(ptr)


class Context:
    """An open libw3wallet context: storage, cache and event backends chosen by URL.

    Safe to share between threads; every command releases the GIL while the
    library works, so threads run commands in parallel. Use it as a context
    manager, or call :meth:`close` (it waits for commands still running in
    other threads, then refuses new ones with :class:`ClosedError`)::

        with w3wallet.Context(storage_url="sqlite:shop.db") as ctx:
            ctx.deposit(service, buyer_id, "USDC", Decimal("100"), "bank-ref-1")
    """

    def __init__(self, options: Optional[Options] = None, **kwargs: Any) -> None:
        """Open a context from `options`, or from keyword arguments of :class:`Options`."""
        if options is not None and kwargs:
            raise TypeError("pass either an Options or keyword arguments, not both")
        opts = options if options is not None else Options(**kwargs)
        self._subscriptions: "weakref.WeakSet[Subscription]" = weakref.WeakSet()
        self._chains: "weakref.WeakSet[Chain]" = weakref.WeakSet()
        self._h = _Handle(_capi.w3w_ctx_open(opts._to_c()), _capi.w3w_ctx_close, "context")
        self._run = self._h.run

    # ---- lifetime --------------------------------------------------------

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:  # a safety net only: close() explicitly
        h = getattr(self, "_h", None)
        if h is not None:
            try:
                h.close()
            except Exception:
                pass

    @property
    def closed(self) -> bool:
        return self._h.closed

    def close(self) -> None:
        """Refuse new calls, wait for running ones, close subscriptions, stop the relay, free the context."""
        self._h.close(before=self._close_subscriptions)

    def _close_subscriptions(self) -> None:
        for sub in list(self._subscriptions):
            sub.close()
        for chain in list(self._chains):
            chain.close()

    # ---- ledger ----------------------------------------------------------

    def deposit(self, actor: Actor, user_id: str, currency: str, amount: AmountLike,
                reference: str, idempotency_key: Optional[str] = None) -> Transfer:
        """Credit `amount` to `user_id` from outside (roles: service or admin).

        `reference` is unique among deposits (ConflictError on reuse).
        """
        c = self._run(_capi.w3w_deposit, actor._c, user_id, currency, to_units(amount), reference,
                      idempotency_key)
        return Transfer._from_c(c)

    def withdraw(self, actor: Actor, currency: str, amount: AmountLike, chain: str, to_address: str,
                 idempotency_key: Optional[str] = None) -> Transfer:
        """Debit the actor's available funds to an external address (InsufficientFundsError when short)."""
        c = self._run(_capi.w3w_withdraw, actor._c, currency, to_units(amount), chain, to_address,
                      idempotency_key)
        return Transfer._from_c(c)

    def transfer_funds(self, actor: Actor, to_user_id: str, currency: str, amount: AmountLike,
                       idempotency_key: Optional[str] = None) -> Transfer:
        """Move the actor's available funds to another user."""
        c = self._run(_capi.w3w_transfer_funds, actor._c, to_user_id, currency, to_units(amount),
                      idempotency_key)
        return Transfer._from_c(c)

    def accounts(self, actor: Actor, user_id: Optional[str] = None) -> List[Account]:
        """Accounts of `user_id` (None: the actor's own; another's needs admin, service or auditor)."""
        lst = self._run(_capi.w3w_accounts, actor._c, user_id)
        return [Account._from_c(_capi.w3wb_account_at(lst, i)) for i in range(lst.count)]

    def account(self, actor: Actor, currency: str, user_id: Optional[str] = None) -> Account:
        """One account; an account never credited counts as all zeros."""
        for acc in self.accounts(actor, user_id):
            if acc.currency == currency:
                return acc
        zero = Decimal(0)
        return Account(user_id or actor.user_id, currency, zero, zero, zero)

    def ledger_totals(self, actor: Actor, currency: str) -> LedgerTotals:
        """Reconciliation totals of `currency` (roles: admin, auditor or service)."""
        return LedgerTotals._from_c(self._run(_capi.w3w_ledger_totals_get, actor._c, currency))

    # ---- supplies --------------------------------------------------------

    def supply_create(self, actor: Actor, currency: str, amount: AmountLike,
                      idempotency_key: Optional[str] = None) -> Supply:
        """Declare the actor's capacity in `currency` (amount > 0)."""
        c = self._run(_capi.w3w_supply_create, actor._c, currency, to_units(amount), idempotency_key)
        return Supply._from_c(c)

    def supply_get(self, actor: Actor, supply_id: str) -> Supply:
        """One supply: its owner or an admin (others get NotFoundError)."""
        return Supply._from_c(self._run(_capi.w3w_supply_get, actor._c, supply_id))

    def supply_list(self, actor: Actor, *, user_id: Optional[str] = None,
                    status: Union[SupplyStatus, str, None] = None, limit: int = 0,
                    cursor: str = "") -> Page[Supply]:
        """A page of supplies of the actor (or of `user_id`: admin only), oldest first."""
        q = _query(user_id, SupplyStatus.parse(status) if status is not None else 0, limit, cursor)
        page = self._run(_capi.w3w_supply_list, actor._c, q)
        items = [Supply._from_c(_capi.w3wb_supply_page_at(page, i)) for i in range(page.count)]
        return Page(items, page.next_cursor)

    def supply_update(self, actor: Actor, supply_id: str, *, amount: Optional[AmountLike] = None,
                      status: Union[SupplyStatus, str, None] = None,
                      idempotency_key: Optional[str] = None) -> Supply:
        """Change amount and/or status (ACTIVE or PAUSED). Below reserved: ConflictError."""
        patch = _capi.w3w_supply_patch()
        if amount is not None:
            patch.set_amount = 1
            patch.amount = to_units(amount)
        if status is not None:
            patch.status = int(SupplyStatus.parse(status))
        c = self._run(_capi.w3w_supply_update, actor._c, supply_id, patch, idempotency_key)
        return Supply._from_c(c)

    def supply_delete(self, actor: Actor, supply_id: str, idempotency_key: Optional[str] = None) -> Supply:
        """Mark deleted (owner). ConflictError while claims hold reservations."""
        return Supply._from_c(self._run(_capi.w3w_supply_delete, actor._c, supply_id, idempotency_key))

    # ---- orders ----------------------------------------------------------

    def order_create(self, actor: Actor, currency: str,
                     items: Iterable[Union[OrderItem, Tuple[str, str, AmountLike, int]]],
                     idempotency_key: Optional[str] = None) -> Order:
        """Place an order and hold its amount as escrow (InsufficientFundsError when short).

        `items` are OrderItem or (product_id, product_name, price, quantity) tuples.
        """
        lines = [it if isinstance(it, OrderItem) else OrderItem(it[0], it[1], it[2], it[3])  # type: ignore[arg-type]
                 for it in items]
        prepared = []
        for i, it in enumerate(lines):
            if isinstance(it.quantity, bool) or not isinstance(it.quantity, int):
                raise TypeError(f"items[{i}].quantity: expected int, got {type(it.quantity).__name__}")
            prepared.append((it.product_id, it.product_name, to_units(it.price, f"items[{i}].price"), it.quantity))
        arr = _capi.w3wb_order_items_new(len(prepared))
        if arr is None:
            raise MemoryError("items")
        try:
            for i, (pid, name, price, qty) in enumerate(prepared):
                _capi.w3wb_order_items_set(arr, i, pid, name, price, qty)
            c = self._run(_capi.w3w_order_create, actor._c, currency, arr, len(prepared), idempotency_key)
        finally:
            _capi.w3wb_order_items_free(arr)
        return Order._from_c(c)

    def order_get(self, actor: Actor, order_id: str) -> Order:
        """One order with its items (any user may read orders)."""
        return Order._from_c(self._run(_capi.w3w_order_get, actor._c, order_id))

    def order_list(self, actor: Actor, *, user_id: Optional[str] = None,
                   status: Union[OrderStatus, str, None] = None, limit: int = 0,
                   cursor: str = "") -> Page[Order]:
        """A page of orders (without items), oldest first, filtered by owner and status."""
        q = _query(user_id, OrderStatus.parse(status) if status is not None else 0, limit, cursor)
        page = self._run(_capi.w3w_order_list, actor._c, q)
        items = [Order._from_c(_capi.w3wb_order_page_at(page, i)) for i in range(page.count)]
        return Page(items, page.next_cursor)

    def order_cancel(self, actor: Actor, order_id: str, idempotency_key: Optional[str] = None) -> Order:
        """Cancel an open order (owner or admin) and release its escrow."""
        return Order._from_c(self._run(_capi.w3w_order_cancel, actor._c, order_id, idempotency_key))

    # ---- claims ----------------------------------------------------------

    def claim_order(self, actor: Actor, order_id: str, idempotency_key: Optional[str] = None) -> Claim:
        """Claim an open order of someone else; exactly one racer wins, the others get ConflictError."""
        return Claim._from_c(self._run(_capi.w3w_claim_order, actor._c, order_id, idempotency_key))

    def claim_get(self, actor: Actor, claim_id: str) -> Claim:
        return Claim._from_c(self._run(_capi.w3w_claim_get, actor._c, claim_id))

    def claim_get_by_order(self, actor: Actor, order_id: str) -> Optional[Claim]:
        """The live (pending or processed) claim of an order, or None."""
        try:
            return Claim._from_c(self._run(_capi.w3w_claim_get_by_order, actor._c, order_id))
        except NotFoundError:
            return None

    def claim_process(self, actor: Actor, claim_id: str, idempotency_key: Optional[str] = None) -> Claim:
        """Settle a pending claim: escrow moves to the shopper, the order completes."""
        return Claim._from_c(self._run(_capi.w3w_claim_process, actor._c, claim_id, idempotency_key))

    def claim_release(self, actor: Actor, claim_id: str, idempotency_key: Optional[str] = None) -> Claim:
        """Release a pending claim: the order is open again with its escrow still held."""
        return Claim._from_c(self._run(_capi.w3w_claim_release, actor._c, claim_id, idempotency_key))

    # ---- batches (w3wallet/batch.h) ---------------------------------------
    #
    # Many commands of one actor in one storage transaction and commit. Each
    # element is its single command with its own outcome (a BatchResult, in
    # request order): a refused element changes nothing and does not fail the
    # others. 1..8190 elements (else InvalidInputError, nothing run); a failure
    # of the whole transaction raises (UnavailableError: nothing applied).
    # `idempotency_keys`: None, or one key (or None) per element.

    def _batch(self, new: Callable[[int], Any], set_: Callable[..., Any], run: Callable[..., Any],
               actor: Actor, rows: List[Tuple[Any, ...]], keys: Optional[Iterable[Optional[str]]]) -> List[BatchResult]:
        keys_list = list(keys) if keys is not None else [None] * len(rows)
        if len(keys_list) != len(rows):
            raise ValueError(f"idempotency_keys: {len(keys_list)} keys for {len(rows)} elements")
        arr = new(len(rows))
        if arr is None:
            raise MemoryError("requests")
        try:
            for i, (row, key) in enumerate(zip(rows, keys_list)):
                set_(arr, i, *row, key)
            res = self._run(run, actor._c, arr, len(rows))
        finally:
            _capi.w3wb_requests_free(arr)
        return [BatchResult._from_c(_capi.w3wb_batch_result_at(res, i)) for i in range(res.count)]

    def claim_batch(self, actor: Actor, order_ids: Iterable[str],
                    idempotency_keys: Optional[Iterable[Optional[str]]] = None) -> List[BatchResult]:
        """Claim many orders at once; one winner per order still (ConflictError's status for the losers)."""
        return self._batch(_capi.w3wb_claim_requests_new, _capi.w3wb_claim_request_set, _capi.w3w_claim_batch,
                           actor, [(o,) for o in order_ids], idempotency_keys)

    def claim_process_batch(self, actor: Actor, claim_ids: Iterable[str],
                            idempotency_keys: Optional[Iterable[Optional[str]]] = None) -> List[BatchResult]:
        """Settle many pending claims at once."""
        return self._batch(_capi.w3wb_process_requests_new, _capi.w3wb_process_request_set,
                           _capi.w3w_claim_process_batch, actor, [(c,) for c in claim_ids], idempotency_keys)

    def deposit_batch(self, actor: Actor, deposits: Iterable[Tuple[str, str, AmountLike, str]],
                      idempotency_keys: Optional[Iterable[Optional[str]]] = None) -> List[BatchResult]:
        """Many deposits, each (user_id, currency, amount, reference) (roles: service or admin)."""
        rows = [(u, c, to_units(a, f"deposits[{i}].amount"), r) for i, (u, c, a, r) in enumerate(deposits)]
        return self._batch(_capi.w3wb_deposit_requests_new, _capi.w3wb_deposit_request_set, _capi.w3w_deposit_batch,
                           actor, rows, idempotency_keys)

    def transfer_batch(self, actor: Actor, transfers: Iterable[Tuple[str, str, AmountLike]],
                       idempotency_keys: Optional[Iterable[Optional[str]]] = None) -> List[BatchResult]:
        """Many transfers of the actor's funds, each (to_user_id, currency, amount)."""
        rows = [(t, c, to_units(a, f"transfers[{i}].amount")) for i, (t, c, a) in enumerate(transfers)]
        return self._batch(_capi.w3wb_transfer_requests_new, _capi.w3wb_transfer_request_set,
                           _capi.w3w_transfer_batch, actor, rows, idempotency_keys)

    def order_create_batch(self, actor: Actor,
                           orders: Iterable[Tuple[str, Iterable[Union[OrderItem, Tuple[str, str, AmountLike, int]]]]],
                           idempotency_keys: Optional[Iterable[Optional[str]]] = None) -> List[BatchResult]:
        """Place many orders, each (currency, items) with items as for :meth:`order_create`."""
        arrays = []
        try:
            rows = []
            for n, (currency, items) in enumerate(orders):
                lines = [it if isinstance(it, OrderItem) else OrderItem(it[0], it[1], it[2], it[3])  # type: ignore[arg-type]
                         for it in items]
                arr = _capi.w3wb_order_items_new(len(lines))
                if arr is None:
                    raise MemoryError("items")
                arrays.append(arr)
                for i, it in enumerate(lines):
                    if isinstance(it.quantity, bool) or not isinstance(it.quantity, int):
                        raise TypeError(f"orders[{n}].items[{i}].quantity: expected int, got {type(it.quantity).__name__}")
                    _capi.w3wb_order_items_set(arr, i, it.product_id, it.product_name,
                                               to_units(it.price, f"orders[{n}].items[{i}].price"), it.quantity)
                rows.append((currency, arr, len(lines)))
            return self._batch(_capi.w3wb_order_requests_new, _capi.w3wb_order_request_set,
                               _capi.w3w_order_create_batch, actor, rows, idempotency_keys)
        finally:
            for arr in arrays:
                _capi.w3wb_order_items_free(arr)

    # ---- wallets ---------------------------------------------------------

    def master_seed_import(self, actor: Actor, mnemonic: str, passphrase: Optional[str] = None) -> None:
        """Import the deployment's master seed from a BIP-39 mnemonic (admin; never replaces one)."""
        self._run(_capi.w3w_master_seed_import, actor._c, mnemonic, passphrase)

    def master_seed_info(self, actor: Actor) -> "MasterSeedInfo":
        """What is known about the master seed, without opening it (admin, auditor or service)."""
        return MasterSeedInfo._from_c(self._run(_capi.w3w_master_seed_info_get, actor._c))

    def master_mnemonic_export(self, actor: Actor) -> str:
        """The master seed's mnemonic for an offline backup (admin; every call is audited)."""
        return self._run(_capi.w3w_master_mnemonic_export, actor._c)

    def master_key_rotate(self, actor: Actor, new_key_hex: str) -> None:
        """Re-seal every stored secret under a new master key as well (admin)."""
        self._run(_capi.w3w_master_key_rotate, actor._c, new_key_hex)

    def master_key_retire(self, actor: Actor) -> int:
        """Delete secret copies not sealed under this context's key (admin); returns how many."""
        return self._run(_capi.w3w_master_key_retire, actor._c)

    def wallet_create(self, actor: Actor, chain: str) -> "Wallet":
        """The actor's deposit address on `chain` ("evm" or "solana"); one per user and chain."""
        return Wallet._from_c(self._run(_capi.w3w_wallet_create, actor._c, chain))

    def wallet_list(self, actor: Actor, user_id: Optional[str] = None) -> List["Wallet"]:
        """Wallets of `user_id` (None: the actor's own), chain ascending."""
        return chain_wallets(self._run(_capi.w3w_wallet_list, actor._c, user_id))

    def withdrawal_get(self, actor: Actor, withdrawal_id: str) -> "Withdrawal":
        return Withdrawal._from_c(self._run(_capi.w3w_withdrawal_get, actor._c, withdrawal_id))

    def withdrawal_limit_set(self, actor: Actor, currency: str, per_withdrawal: Optional[AmountLike],
                             daily: Optional[AmountLike], user_id: Optional[str] = None) -> "WithdrawalLimit":
        """Set a currency's default withdrawal limits (user_id None) or a user's own (admin, audited).
        None is no limit; 0 stops withdrawals."""
        return WithdrawalLimit._from_c(self._run(_capi.w3w_withdrawal_limit_set, actor._c, user_id, currency,
                                                 limit_units(per_withdrawal), limit_units(daily)))

    def withdrawal_limit_clear(self, actor: Actor, currency: str, user_id: Optional[str] = None) -> None:
        """Remove the values set for user_id (None: the default) in currency (admin; NotFoundError if none)."""
        self._run(_capi.w3w_withdrawal_limit_clear, actor._c, user_id, currency)

    def withdrawal_limits(self, actor: Actor, user_id: Optional[str] = None,
                          currency: Optional[str] = None) -> List["WithdrawalLimit"]:
        """The limits in force for user_id (None: the actor), what remains now and when more frees up."""
        return withdrawal_limits(self._run(_capi.w3w_withdrawal_limits_get, actor._c, user_id, currency))

    def chain_deposit_get(self, actor: Actor, reference: str) -> "ChainDeposit":
        return ChainDeposit._from_c(self._run(_capi.w3w_chain_deposit_get, actor._c, reference))

    def chain_open(self, options: Optional["ChainOptions"] = None, **kwargs: Any) -> "Chain":
        """Open a chain on this context (close it before the context)."""
        if options is not None and kwargs:
            raise TypeError("pass either a ChainOptions or keyword arguments, not both")
        opts = options if options is not None else ChainOptions(**kwargs)
        c_opts = opts._to_c()
        ptr = self._run(_capi.w3w_chain_open, c_opts)
        chain = Chain(self, _Handle(ptr, _capi.w3w_chain_close, "chain"))
        self._chains.add(chain)
        return chain

    # ---- events, audit, rate limits ----------------------------------------

    def subscribe(self, queue_capacity: int = 0) -> "Subscription":
        """Events committed from now on, queued (``queue_capacity`` 0 = 1024; the oldest drop when full)."""
        sub = Subscription(self, self._run(_capi.w3wb_subscribe, queue_capacity))
        self._subscriptions.add(sub)
        return sub

    def events_pump(self, max_events: int = 0) -> int:
        """Deliver up to `max_events` pending outbox events now (0 = a default batch); returns how many."""
        return self._run(_capi.w3w_events_pump, max_events)

    def outbox_stats(self, actor: Actor) -> OutboxStats:
        return OutboxStats._from_c(self._run(_capi.w3w_outbox_stats_get, actor._c))

    def audit_verify(self, actor: Actor) -> AuditReport:
        """Seal what is pending and walk the whole audit chain (auditor or admin)."""
        return AuditReport._from_c(self._run(_capi.w3w_audit_verify, actor._c))

    def audit_seal(self, max_records: int = 0) -> int:
        """Link up to `max_records` (0 = all) pending audit records; returns how many."""
        return self._run(_capi.w3w_audit_seal, max_records)

    def rate_limit_take(self, key: str, rate_per_s: float, burst: float) -> Tuple[bool, int]:
        """Take one token of bucket `key`: (allowed, retry_after_ms)."""
        allowed, retry_after_ms = self._run(_capi.w3w_rate_limit_take, key, float(rate_per_s), float(burst))
        return bool(allowed), retry_after_ms


def _query(user_id: Optional[str], status: int, limit: int, cursor: str) -> Any:
    q = _capi.w3wb_list_query_init(_capi.W3W_LIST_QUERY_VERSION)
    if user_id:
        _capi.w3wb_list_query_set_text(q, "user_id", user_id)
    if cursor:
        _capi.w3wb_list_query_set_text(q, "cursor", cursor)
    q.status = int(status)
    q.limit = int(limit)
    return q


class Subscription:
    """A queue of events committed after it was made. Iterate it, or call :meth:`next`.

    Made by :meth:`Context.subscribe`; closed with the context at the latest.
    """

    def __init__(self, ctx: Context, ptr: Any) -> None:
        self._ctx = ctx
        self._h = _Handle(ptr, _capi.w3w_unsubscribe, "subscription")

    def __enter__(self) -> "Subscription":
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
        """Stop and free the subscription (waits for a next() running in another thread)."""
        self._h.close()

    @property
    def closed(self) -> bool:
        return self._h.closed

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full."""
        return self._h.run(_capi.w3w_subscription_dropped)

    def next(self, timeout: float = 0.0) -> Optional[Event]:
        """The next event, waiting up to `timeout` seconds; None if none came."""
        ms = max(0, int(timeout * 1000))
        try:
            ev = self._ctx._run(lambda _ctx: self._h.run(_capi.w3w_subscription_next, ms))
        except NotFoundError:
            return None
        return Event._from_c(ev)

    def drain(self, timeout: float = 0.0) -> List[Event]:
        """Every event queued now, then those arriving until a wait of `timeout` seconds finds none."""
        out: List[Event] = []
        while True:
            ev = self.next(timeout)
            if ev is None:
                return out
            out.append(ev)

    def __iter__(self) -> Iterator[Event]:
        """Events as they come (waiting in 1 s slices) until the subscription is closed."""
        while not self._h.closed:
            try:
                ev = self.next(1.0)
            except ClosedError:
                return
            if ev is not None:
                yield ev
