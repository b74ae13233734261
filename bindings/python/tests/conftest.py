"""Fixtures of the w3wallet suite.

Storage backends: SQLite always (a fresh file per test); PostgreSQL too when
W3W_TEST_PG_URL is set (make test sets it; scenarios use fresh users and
currencies, so a shared database is fine). Shared vectors are read from
W3W_VECTORS_DIR, else from the repository's tests/vectors.
"""
from __future__ import annotations

import json
import os
import pathlib
import random
import string
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import Actor, Role

HERE = pathlib.Path(__file__).resolve().parent


def vectors_dir() -> pathlib.Path:
    env = os.environ.get("W3W_VECTORS_DIR")
    return pathlib.Path(env) if env else HERE.parents[2] / "tests" / "vectors"


def load_vector(name: str):
    with open(vectors_dir() / name, encoding="utf-8") as f:
        return json.load(f)


def fresh_currency() -> str:
    """A currency no other test uses: 10 characters of [A-Z0-9]."""
    return "T" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9))


def _backends():
    out = ["sqlite"]
    if os.environ.get("W3W_TEST_PG_URL"):
        out.append("postgres")
    return out


@pytest.fixture(params=_backends())
def storage_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'w3w.db'}"
    return os.environ["W3W_TEST_PG_URL"]


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:{tmp_path / 'w3w.db'}"


@pytest.fixture
def ctx(storage_url):
    with w3wallet.Context(storage_url=storage_url) as c:
        yield c


@pytest.fixture
def actors():
    """Factory of fresh actors: actors(Role.USER) -> Actor."""
    def make(roles: Role = Role.USER) -> Actor:
        return Actor(w3wallet.new_id(), roles)
    return make


@pytest.fixture
def service(actors) -> Actor:
    return actors(Role.SERVICE)


@pytest.fixture
def admin(actors) -> Actor:
    return actors(Role.ADMIN)


@pytest.fixture
def cur() -> str:
    return fresh_currency()


def fund(ctx, service: Actor, user: Actor, currency: str, amount) -> None:
    ctx.deposit(service, user.user_id, currency, Decimal(amount), f"ref-{w3wallet.new_id()}")


def item(price, quantity: int = 1, name: str = "Thing"):
    return w3wallet.OrderItem(w3wallet.new_id(), name, Decimal(price), quantity)
