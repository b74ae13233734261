"""Fixtures: one shared server per session (embedded or on the real services, see run.sh)."""
import os
import secrets

import pytest

from helpers import Server, User


# The dashboard's files from the source tree (an installed server finds them under share/w3wallet/admin).
ADMIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "server", "admin")


@pytest.fixture(scope="session")
def secret():
    return secrets.token_hex(24)


@pytest.fixture(scope="session")
def server(secret):
    s = Server(["--rate-limit", "2000:4000", "--threads", "32", "--admin-dir", ADMIN_DIR], secret=secret)
    yield s
    assert s.stop() == 0, "".join(s.raw_stderr[-20:])


@pytest.fixture
def user(server):
    return User(server)


@pytest.fixture
def make_user(server):
    def make(roles=("user",)):
        return User(server, roles)
    return make


@pytest.fixture
def service(server):
    return User(server, ("service",))


@pytest.fixture
def admin(server):
    return User(server, ("admin",))


# These start PostgreSQL clusters of their own: once per run (with the services) is enough.
collect_ignore = [] if __import__("helpers").MODE == "services" else [
    "test_outage.py", "test_replica.py", "test_failover_drill.py", "test_pitr.py",
    "test_rate_limit_shared.py"]
