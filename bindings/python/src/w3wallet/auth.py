"""JWT verification (HS256, EdDSA) turning a bearer token into an Actor."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Union

from . import capi as _capi
from .context import _Handle
from .records import Actor, Role

__all__ = ["JwtVerifier", "sign_hs256", "now_us"]

BytesLike = Union[bytes, bytearray, memoryview]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def now_us() -> int:
    """The library's clock: microseconds since the epoch, UTC."""
    return _capi.w3w_time_now()


def _us(when: Union[datetime, int, None]) -> int:
    if when is None:
        return now_us()
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("time: use a timezone-aware datetime")
        return (when - _EPOCH) // timedelta(microseconds=1)
    return int(when)


class JwtVerifier:
    """Verifies tokens of one algorithm (pinned: a token naming another ``alg`` is refused)."""

    def __init__(self, ptr: Any) -> None:
        self._h = _Handle(ptr, _capi.w3w_jwt_verifier_free, "jwt verifier")

    @classmethod
    def hs256(cls, secret: BytesLike) -> "JwtVerifier":
        """HS256 with a shared secret of 32..1024 bytes."""
        return cls(_capi.w3w_jwt_verifier_hs256(secret))

    @classmethod
    def eddsa(cls, public_key: BytesLike) -> "JwtVerifier":
        """EdDSA with a 32-byte Ed25519 public key."""
        return cls(_capi.w3w_jwt_verifier_eddsa(public_key))

    def verify(self, token: str, now: Union[datetime, int, None] = None, leeway_s: int = 0) -> Actor:
        """The token's actor; UnauthenticatedError says what is wrong (never echoing the token)."""
        c = self._h.run(_capi.w3w_jwt_verify, token, _us(now), leeway_s)
        return Actor(c.user_id, Role(c.roles))

    def close(self) -> None:
        self._h.close()

    def __enter__(self) -> "JwtVerifier":
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


def sign_hs256(secret: BytesLike, sub: str, roles: Role, ttl_s: int,
               issued_at: Union[datetime, int, None] = None) -> str:
    """Issue an HS256 token (for tools and tests)."""
    return _capi.w3w_jwt_sign_hs256(secret, sub, int(roles), _us(issued_at), ttl_s)
