"""Wallets through the binding: master seed, deposit addresses, chains.

Runs offline: a chain is opened with its chain id given (no node needed),
and calls that need the node must fail cleanly (unavailable, nothing held).
"""
import os
from decimal import Decimal

import pytest

import w3wallet
from w3wallet import (
    Actor, ConflictError, ForbiddenError, InvalidInputError, NotFoundError, Role, UnavailableError,
)

from conftest import fund

MNEMONIC = " ".join(["abandon"] * 11 + ["about"])  # the BIP-39 test mnemonic
EVM_0 = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"   # its m/44'/60'/0'/0/0
SOL_0 = "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"  # its m/44'/501'/0'/0'
KEY = "11" * 32
DEAD_NODE = "http://127.0.0.1:1"


@pytest.fixture
def wctx(sqlite_url):
    with w3wallet.Context(storage_url=sqlite_url, master_key_hex=KEY) as c:
        yield c


def test_key_ids_and_addresses():
    kid = w3wallet.master_key_id(KEY)
    assert len(kid) == 16 and kid == w3wallet.master_key_id(KEY) != w3wallet.master_key_id("22" * 32)
    assert w3wallet.address_normalize("evm", EVM_0.lower()) == EVM_0
    with pytest.raises(InvalidInputError, match="(?i)checksum"):
        w3wallet.address_normalize("evm", EVM_0.replace("EfFD", "efFD"))  # mixed case that does not match
    with pytest.raises(InvalidInputError):
        w3wallet.address_normalize("evm", "0x1234")


def test_master_seed_and_wallets(wctx, actors):
    admin, auditor, user = actors(Role.ADMIN), actors(Role.AUDITOR), actors()
    info = wctx.master_seed_info(auditor)
    assert not info.exists and info.context_key_id == w3wallet.master_key_id(KEY)
    with pytest.raises(ForbiddenError):
        wctx.master_seed_import(user, MNEMONIC)
    with pytest.raises(InvalidInputError):
        wctx.master_seed_import(admin, "abandon " * 12)
    wctx.master_seed_import(admin, MNEMONIC)
    with pytest.raises(ConflictError):
        wctx.master_seed_import(admin, MNEMONIC)
    info = wctx.master_seed_info(admin)
    assert info.exists and info.origin == "imported" and info.created_at is not None
    assert info.key_ids == (info.context_key_id,)
    with pytest.raises(ForbiddenError):
        wctx.master_mnemonic_export(user)
    assert wctx.master_mnemonic_export(admin) == MNEMONIC

    evm = wctx.wallet_create(user, "evm")
    assert evm.user_id == user.user_id and evm.chain == "evm"
    assert w3wallet.address_normalize("evm", evm.address) == evm.address
    if evm.index == 0:
        assert evm.address == EVM_0
    with pytest.raises(ConflictError):
        wctx.wallet_create(user, "evm")
    sol = wctx.wallet_create(user, "solana")
    assert w3wallet.address_normalize("solana", sol.address) == sol.address
    if sol.index == 0:
        assert sol.address == SOL_0
    assert [w.chain for w in wctx.wallet_list(user)] == ["evm", "solana"]
    assert wctx.wallet_list(admin, user_id=user.user_id) == wctx.wallet_list(user)
    with pytest.raises(ForbiddenError):
        wctx.wallet_list(actors(), user_id=user.user_id)
    with pytest.raises(InvalidInputError):
        wctx.wallet_create(user, "dogecoin")


def test_wallets_need_a_master_key(sqlite_url, actors):
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        with pytest.raises(InvalidInputError):
            ctx.wallet_create(actors(), "evm")


def test_chain_with_a_signer_that_is_not_there(sqlite_url, actors, cur):
    """Through a signer the context needs no master key; an unreachable signer is unavailable, not a crash."""
    service = actors(Role.SERVICE)
    with w3wallet.Context(storage_url=sqlite_url) as ctx:
        with pytest.raises(InvalidInputError, match="unknown scheme 'nope'"):
            ctx.chain_open(url=DEAD_NODE, chain_id=31337, signer_url="nope:x", signer_key_hex="ab" * 32)
        with pytest.raises(InvalidInputError, match="64 hex"):
            ctx.chain_open(url=DEAD_NODE, chain_id=31337, signer_url="unix:/nonexistent/w3w.sock", signer_key_hex="ab")
        with ctx.chain_open(url=DEAD_NODE, chain_id=31337, assets=f"{cur}=native:18",
                            signer_url="unix:/nonexistent/w3w.sock", signer_key_hex="ab" * 32) as chain:
            with pytest.raises(UnavailableError, match="signer: not reachable"):
                chain.hot_address(service)


def test_chain_offline(wctx, actors, cur):
    service, admin, user = actors(Role.SERVICE), actors(Role.ADMIN), actors()
    with pytest.raises(UnavailableError):
        wctx.chain_open(url=DEAD_NODE, timeout_ms=300)  # chain id 0: the node is asked
    with pytest.raises(InvalidInputError, match="assets"):
        wctx.chain_open(url=DEAD_NODE, chain_id=31337, assets="ETH=nonsense")
    with wctx.chain_open(url=DEAD_NODE, chain_id=31337, timeout_ms=300, assets=f"{cur}=native:18") as chain:
        assert chain.key == "evm:31337"
        hot = chain.hot_address(service)
        assert w3wallet.address_normalize("evm", hot) == hot
        with pytest.raises(ForbiddenError):
            chain.hot_address(user)
        with pytest.raises(UnavailableError):
            chain.poll(service)
        fund(wctx, service, user, cur, "5")
        with pytest.raises(UnavailableError):
            chain.withdraw(user, cur, Decimal("1"), EVM_0)
        acc = wctx.account(user, cur)
        assert (acc.balance, acc.held) == (Decimal(5), Decimal(0))  # nothing held
        status, stats, message = chain.watch_last()
        assert status == "ok" and stats.blocks == 0
    with pytest.raises(w3wallet.ClosedError):
        chain.poll(service)
    with pytest.raises(NotFoundError):
        wctx.withdrawal_get(admin, w3wallet.new_id())
    with pytest.raises(NotFoundError):
        wctx.chain_deposit_get(admin, "evm:31337:0x" + "00" * 32 + ":0")


def test_context_close_closes_chains(sqlite_url):
    ctx = w3wallet.Context(storage_url=sqlite_url, master_key_hex=KEY)
    chain = ctx.chain_open(url=DEAD_NODE, chain_id=1)
    ctx.close()
    with pytest.raises(w3wallet.ClosedError):
        chain.hot_address(Actor(w3wallet.new_id(), Role.SERVICE))
