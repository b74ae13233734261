"""One exception hierarchy for every failure of libw3wallet.

Every C status code has its class; all derive from :class:`W3WError`. The
message is the library's own, read inside the C call that failed (on the
thread that made it), so it always belongs to this failure.
"""
from __future__ import annotations

from typing import Dict, Type

from . import capi as _capi

__all__ = [
    "W3WError",
    "InvalidInputError",
    "OutOfMemoryError",
    "NotFoundError",
    "ConflictError",
    "InsufficientFundsError",
    "ForbiddenError",
    "InvalidStateError",
    "IdempotencyError",
    "UnavailableError",
    "OutcomeUnknownError",
    "LimitExceededError",
    "VersionError",
    "UnauthenticatedError",
    "RateLimitedError",
    "CryptoError",
    "InternalError",
    "ClosedError",
    "error_class",
]


class W3WError(Exception):
    """A libw3wallet call failed.

    Attributes:
        code: the negative ``W3W_E*`` status code.
        status: its stable name (``"conflict"``, ``"not_found"``, ...), as
            ``w3w_status_name()`` and the shared test vectors name it.
        message: the library's message, naming the field or object at fault.
    """

    code: int
    status: str
    message: str

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status = _capi.w3w_status_name(code)
        self.message = message

    def __reduce__(self):  # picklable across processes
        return (type(self), (self.code, self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}: {self.message!r})"


class InvalidInputError(W3WError, ValueError):
    """Bad input (``W3W_EINVAL``); nothing was changed. The message names the field."""


class OutOfMemoryError(W3WError, MemoryError):
    """The library ran out of memory (``W3W_ENOMEM``)."""


class NotFoundError(W3WError, LookupError):
    """No such id, or not visible to the actor (``W3W_ENOTFOUND``)."""


class ConflictError(W3WError):
    """Lost a race or already exists, e.g. the order is already claimed (``W3W_ECONFLICT``)."""


class InsufficientFundsError(W3WError):
    """Not enough available funds or unreserved supply (``W3W_EINSUFFICIENT``)."""


class ForbiddenError(W3WError):
    """The actor may not do this (``W3W_EFORBIDDEN``)."""


class InvalidStateError(W3WError):
    """The object is not in a state that allows this (``W3W_ESTATE``)."""


class IdempotencyError(W3WError):
    """Idempotency key reused with a different request (``W3W_EIDEMPOTENCY``)."""


class UnavailableError(W3WError):
    """A backend is unreachable or timed out; nothing was applied (``W3W_EUNAVAILABLE``)."""


class OutcomeUnknownError(W3WError):
    """The answer was lost and it is unknown whether the command committed (``W3W_EUNKNOWN``).

    It may or may not have been applied: retry with the same idempotency key, which returns the
    first execution's result if it committed, or runs it once if not.
    """


class LimitExceededError(W3WError):
    """A withdrawal limit refuses the withdrawal; the message names the limit and what remains (``W3W_ELIMIT``)."""


class VersionError(W3WError):
    """Version mismatch of a struct, backend or schema (``W3W_EVERSION``)."""


class UnauthenticatedError(W3WError):
    """Token missing, malformed, forged or expired (``W3W_EUNAUTHENTICATED``)."""


class RateLimitedError(W3WError):
    """Too many requests; retry later (``W3W_ERATELIMIT``)."""


class CryptoError(W3WError):
    """A cryptographic check failed (``W3W_ECRYPTO``)."""


class InternalError(W3WError):
    """A bug or an unexpected backend answer (``W3W_EINTERNAL``)."""


class ClosedError(InvalidStateError):
    """A Context, Subscription or JwtVerifier was used after close(). Raised by the binding."""

    def __init__(self, code: int = -7, message: str = "used after close()") -> None:
        super().__init__(code, message)


# Status codes of include/w3wallet/common.h (a stable ABI; the tests check them against the extension).
_BY_CODE: Dict[int, Type[W3WError]] = {
    -1: InvalidInputError,
    -2: OutOfMemoryError,
    -3: NotFoundError,
    -4: ConflictError,
    -5: InsufficientFundsError,
    -6: ForbiddenError,
    -7: InvalidStateError,
    -8: IdempotencyError,
    -9: UnavailableError,
    -10: VersionError,
    -11: UnauthenticatedError,
    -12: RateLimitedError,
    -13: CryptoError,
    -14: InternalError,
    -15: OutcomeUnknownError,
    -16: LimitExceededError,
}


def error_class(code: int) -> Type[W3WError]:
    """The exception class raised for a status code (W3WError for an unknown one)."""
    return _BY_CODE.get(code, W3WError)


# The SWIG wrappers raise these classes directly, from the failing C call.
_capi.w3wb_set_error_classes(_BY_CODE, W3WError)
