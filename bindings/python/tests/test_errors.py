"""Every status maps to its exception, with the library's message of *that* call."""
import threading
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import Actor, Role, capi
from w3wallet import (
    ConflictError, ForbiddenError, IdempotencyError, InsufficientFundsError, InvalidInputError,
    InvalidStateError, NotFoundError, UnauthenticatedError, UnavailableError, VersionError, W3WError,
)

from conftest import fund, item

ALL = {
    capi.W3W_EINVAL: (w3wallet.InvalidInputError, "invalid"),
    capi.W3W_ENOMEM: (w3wallet.OutOfMemoryError, "out_of_memory"),
    capi.W3W_ENOTFOUND: (w3wallet.NotFoundError, "not_found"),
    capi.W3W_ECONFLICT: (w3wallet.ConflictError, "conflict"),
    capi.W3W_EINSUFFICIENT: (w3wallet.InsufficientFundsError, "insufficient_funds"),
    capi.W3W_EFORBIDDEN: (w3wallet.ForbiddenError, "forbidden"),
    capi.W3W_ESTATE: (w3wallet.InvalidStateError, "invalid_state"),
    capi.W3W_EIDEMPOTENCY: (w3wallet.IdempotencyError, "idempotency_mismatch"),
    capi.W3W_EUNAVAILABLE: (w3wallet.UnavailableError, "unavailable"),
    capi.W3W_EVERSION: (w3wallet.VersionError, "version_mismatch"),
    capi.W3W_EUNAUTHENTICATED: (w3wallet.UnauthenticatedError, "unauthenticated"),
    capi.W3W_ERATELIMIT: (w3wallet.RateLimitedError, "rate_limited"),
    capi.W3W_ECRYPTO: (w3wallet.CryptoError, "crypto"),
    capi.W3W_EINTERNAL: (w3wallet.InternalError, "internal"),
    capi.W3W_EUNKNOWN: (w3wallet.OutcomeUnknownError, "outcome_unknown"),
    capi.W3W_ELIMIT: (w3wallet.LimitExceededError, "limit_exceeded"),
}


@pytest.mark.parametrize("code", sorted(ALL))
def test_every_status_has_its_class(code):
    cls, name = ALL[code]
    assert w3wallet.error_class(code) is cls
    assert issubclass(cls, W3WError)
    e = cls(code, "msg")
    assert (e.code, e.status, e.message, str(e)) == (code, name, "msg", "msg")


def test_unknown_status_is_the_base_class():
    assert w3wallet.error_class(-999) is W3WError


def test_python_base_classes():
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(NotFoundError, LookupError)
    assert issubclass(w3wallet.OutOfMemoryError, MemoryError)


def test_raised_from_real_calls(ctx, actors, service, admin, cur):
    buyer, shopper, stranger = actors(), actors(), actors()

    with pytest.raises(InvalidInputError, match="currency") as e:
        ctx.deposit(service, buyer.user_id, "not a currency", Decimal(1), "r1")
    assert e.value.code == capi.W3W_EINVAL and e.value.status == "invalid"

    with pytest.raises(ForbiddenError):
        ctx.deposit(buyer, buyer.user_id, cur, Decimal(1), "r2")  # users may not deposit

    with pytest.raises(InsufficientFundsError):
        ctx.order_create(buyer, cur, [item("5")])

    fund(ctx, service, buyer, cur, "100")
    order = ctx.order_create(buyer, cur, [item("10")])
    with pytest.raises(ForbiddenError):
        ctx.claim_order(buyer, order.id)  # own order

    with pytest.raises(InsufficientFundsError):
        ctx.claim_order(shopper, order.id)  # no supply

    ctx.supply_create(shopper, cur, "50")
    ctx.supply_create(stranger, cur, "50")
    claim = ctx.claim_order(shopper, order.id)
    with pytest.raises(ConflictError) as e:
        ctx.claim_order(stranger, order.id)
    assert order.id in e.value.message

    with pytest.raises(NotFoundError):
        ctx.order_get(buyer, w3wallet.new_id())
    with pytest.raises(NotFoundError):
        ctx.claim_get(stranger, claim.id)  # not visible to a stranger

    ctx.claim_process(buyer, claim.id)
    with pytest.raises(InvalidStateError):
        ctx.claim_process(buyer, claim.id)

    ctx.deposit(service, buyer.user_id, cur, Decimal(1), "same-key-ref", idempotency_key="k1")
    with pytest.raises(IdempotencyError):
        ctx.deposit(service, buyer.user_id, cur, Decimal(2), "same-key-ref", idempotency_key="k1")
    with pytest.raises(ConflictError):
        ctx.deposit(service, buyer.user_id, cur, Decimal(1), "same-key-ref")  # reference reused


def test_bad_input_is_refused_before_the_library(ctx, actors, service, cur):
    with pytest.raises(InvalidInputError, match="NUL"):
        ctx.supply_get(actors(), "abc\0def")
    with pytest.raises(TypeError, match="expected str"):
        ctx.supply_get(actors(), 42)
    with pytest.raises(InvalidInputError, match="product_name"):
        ctx.order_create(actors(), cur, [w3wallet.OrderItem(w3wallet.new_id(), "x" * 300, Decimal(1))])
    with pytest.raises(InvalidInputError, match=r"items\[1\].price"):
        ctx.order_create(actors(), cur, [item("1"), w3wallet.OrderItem(w3wallet.new_id(), "y", Decimal("0.000000001"))])
    with pytest.raises(InvalidInputError, match="actor"):
        Actor("not-a-uuid")
    with pytest.raises(InvalidInputError, match="roles"):
        Actor(w3wallet.new_id(), Role(0))
    with pytest.raises(InvalidInputError, match="storage_url"):
        w3wallet.Context(storage_url="sqlite:" + "x" * 2000)


def test_open_errors(tmp_path):
    with pytest.raises(InvalidInputError):
        w3wallet.Context(storage_url="nosuchscheme://x")
    with pytest.raises(VersionError):
        w3wallet.capi.w3wb_options_init(999)
    if "postgres" in w3wallet.capi.w3w_version() or True:
        # a PostgreSQL server that is not there: unavailable (when the backend is built in)
        try:
            w3wallet.Context(storage_url="postgres://u:p@127.0.0.1:1/db", timeout_ms=500)
        except UnavailableError as e:
            assert e.status == "unavailable"
        except InvalidInputError as e:  # built without PostgreSQL
            assert "postgres" in e.message.lower()
        else:
            pytest.fail("opening an unreachable PostgreSQL succeeded")


def test_unauthenticated():
    secret = b"s" * 32
    v = w3wallet.JwtVerifier.hs256(secret)
    who = w3wallet.new_id()
    tok = w3wallet.sign_hs256(secret, who, Role.USER | Role.ADMIN, ttl_s=60)
    actor = v.verify(tok)
    assert actor.user_id == who and actor.roles == Role.USER | Role.ADMIN
    with pytest.raises(UnauthenticatedError):
        v.verify(tok[:-2] + "xx")
    with pytest.raises(UnauthenticatedError):
        w3wallet.JwtVerifier.hs256(b"other-secret" * 4).verify(tok)
    v.close()
    with pytest.raises(w3wallet.ClosedError):
        v.verify(tok)


def test_closed_context(sqlite_url, actors):
    ctx = w3wallet.Context(storage_url=sqlite_url)
    ctx.close()
    ctx.close()  # idempotent
    with pytest.raises(w3wallet.ClosedError):
        ctx.supply_list(actors())


def test_messages_belong_to_the_failing_call_under_threads(ctx, actors, cur):
    """Each thread fails in its own way at the same time; every exception carries
    its own message (read in the failing C call, on its thread)."""
    errors = []
    barrier = threading.Barrier(8)

    def worker(n):
        me = actors()
        barrier.wait()
        for i in range(200):
            bad = f"BAD{n}x{i}-"  # invalid currency naming this thread and iteration
            try:
                ctx.supply_create(me, bad, Decimal(1))
            except InvalidInputError as e:
                if "currency" not in e.message:
                    errors.append(e.message)
            missing = w3wallet.new_id()
            try:
                ctx.order_get(me, missing)
            except NotFoundError as e:
                if missing not in e.message:
                    errors.append(e.message)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_enum_values_are_the_c_constants():
    pairs = [
        (w3wallet.Role.USER, capi.W3W_ROLE_USER), (w3wallet.Role.ADMIN, capi.W3W_ROLE_ADMIN),
        (w3wallet.Role.AUDITOR, capi.W3W_ROLE_AUDITOR), (w3wallet.Role.SERVICE, capi.W3W_ROLE_SERVICE),
        (w3wallet.SupplyStatus.ACTIVE, capi.W3W_SUPPLY_ACTIVE), (w3wallet.SupplyStatus.PAUSED, capi.W3W_SUPPLY_PAUSED),
        (w3wallet.SupplyStatus.EXHAUSTED, capi.W3W_SUPPLY_EXHAUSTED), (w3wallet.SupplyStatus.DELETED, capi.W3W_SUPPLY_DELETED),
        (w3wallet.OrderStatus.OPEN, capi.W3W_ORDER_OPEN), (w3wallet.OrderStatus.CLAIMED, capi.W3W_ORDER_CLAIMED),
        (w3wallet.OrderStatus.COMPLETED, capi.W3W_ORDER_COMPLETED), (w3wallet.OrderStatus.CANCELLED, capi.W3W_ORDER_CANCELLED),
        (w3wallet.ClaimStatus.PENDING, capi.W3W_CLAIM_PENDING), (w3wallet.ClaimStatus.PROCESSED, capi.W3W_CLAIM_PROCESSED),
        (w3wallet.ClaimStatus.RELEASED, capi.W3W_CLAIM_RELEASED),
        (w3wallet.TransferKind.DEPOSIT, capi.W3W_TRANSFER_DEPOSIT), (w3wallet.TransferKind.WITHDRAWAL, capi.W3W_TRANSFER_WITHDRAWAL),
        (w3wallet.TransferKind.TRANSFER, capi.W3W_TRANSFER_TRANSFER), (w3wallet.TransferKind.SETTLEMENT, capi.W3W_TRANSFER_SETTLEMENT),
    ]
    for member, value in pairs:
        assert int(member) == value, member
    for member in (*w3wallet.SupplyStatus, *w3wallet.OrderStatus, *w3wallet.ClaimStatus):
        names = {w3wallet.SupplyStatus: capi.w3w_supply_status_name, w3wallet.OrderStatus: capi.w3w_order_status_name,
                 w3wallet.ClaimStatus: capi.w3w_claim_status_name}
        assert str(member) == names[type(member)](int(member))


def test_commit_positions_without_a_replica(tmp_path):
    """No read replica: writes leave no position; positions are checked for their form."""
    with w3wallet.Context(storage_url=f"sqlite:{tmp_path}/p.db") as ctx:
        service = w3wallet.Actor(w3wallet.new_id(), w3wallet.Role.SERVICE)
        ctx.deposit(service, w3wallet.new_id(), "USD", Decimal("1"), reference=w3wallet.new_id())
        assert w3wallet.commit_position() == ""
    with pytest.raises(w3wallet.InvalidInputError):
        w3wallet.read_after("yesterday")
    w3wallet.read_after("16/B374D848")
    w3wallet.read_after(None)
