"""Withdrawal limits through the binding (include/w3wallet/limits.h): an admin sets them, users read
where they stand, and a withdrawal past a limit raises LimitExceededError naming what remains."""
from decimal import Decimal

import pytest

from w3wallet import ForbiddenError, LimitExceededError, NotFoundError

from conftest import fund

ADDRESS = "0x00000000000000000000000000000000000000aA"


def test_limits(ctx, actors, service, admin, cur):
    user = actors()
    fund(ctx, service, user, cur, "1000")
    assert ctx.withdrawal_limits(user, currency=cur) == []
    set_ = ctx.withdrawal_limit_set(admin, cur, "100", "250")
    assert (set_.user_id, set_.source, set_.per_withdrawal, set_.daily) == ("", "default", Decimal(100), Decimal(250))
    with pytest.raises(ForbiddenError):
        ctx.withdrawal_limit_set(user, cur, None, None)

    with pytest.raises(LimitExceededError, match="above the per-withdrawal maximum of 100 "):
        ctx.withdraw(user, cur, "100.5", "evm", ADDRESS)
    ctx.withdraw(user, cur, "100", "evm", ADDRESS)
    ctx.withdraw(user, cur, "100", "evm", ADDRESS)
    with pytest.raises(LimitExceededError, match="50 remaining now; 100 more frees up at "):
        ctx.withdraw(user, cur, "60", "evm", ADDRESS)

    [mine] = ctx.withdrawal_limits(user, currency=cur)
    assert (mine.user_id, mine.used, mine.remaining, mine.next_release_amount) == (
        user.user_id, Decimal(200), Decimal(50), Decimal(100))
    assert mine.next_release_at is not None

    # The user's own values replace the default; None is no limit; clearing brings the default back.
    ctx.withdrawal_limit_set(admin, cur, None, None, user_id=user.user_id)
    [mine] = ctx.withdrawal_limits(admin, user_id=user.user_id, currency=cur)
    assert (mine.source, mine.per_withdrawal, mine.daily, mine.remaining) == ("user", None, None, None)
    ctx.withdrawal_limit_clear(admin, cur, user_id=user.user_id)
    with pytest.raises(NotFoundError):
        ctx.withdrawal_limit_clear(admin, cur, user_id=user.user_id)
    assert ctx.withdrawal_limits(user, currency=cur)[0].source == "default"
