"""Fixtures for the dispatcher tests: a real redis-server, a dead Redis URL, token stores.

``redis_server.py`` is the shared helper one directory up (the store tests use it too).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from b24botevents import Dispatcher, MemoryTokenStore, SQLiteTokenStore, TokenStore
from b24botevents.stores import RedisTokenStore

from .helpers import RUNNERS, Runner

# tests/redis_server.py is a top-level helper module one directory up; make it importable
# whatever pytest's import mode (importlib mode does not touch sys.path).
_TESTS_DIR = str(Path(__file__).resolve().parent.parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from redis_server import RedisServerError, dead_redis_url, start_redis_server  # noqa: E402

TOKEN_STORES = ["memory", "sqlite", "redis"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server started for this test session (fails if it cannot start)."""
    try:
        server = start_redis_server()
    except RedisServerError as exc:
        # Fail, never skip: CI installs redis-server and must not pass without it.
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def dead_url() -> Iterator[str]:
    """URL of a local port where nothing listens: connections are refused."""
    with dead_redis_url() as url:
        yield url


@pytest.fixture
def unique_prefix() -> str:
    """A Redis key prefix no other test uses."""
    return f"test-dispatch:{uuid.uuid4().hex}:"


@pytest.fixture
def make_token_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], TokenStore]]:
    """``make(kind)`` builds an empty, real token store: memory, SQLite or Redis.

    Each call gives a fresh store (its own SQLite file or Redis prefix); all are closed at
    teardown.
    """
    opened: list[SQLiteTokenStore | RedisTokenStore] = []

    def make(kind: str) -> TokenStore:
        if kind == "memory":
            return MemoryTokenStore()
        if kind == "sqlite":
            sqlite_store = SQLiteTokenStore(tmp_path / f"tokens-{uuid.uuid4().hex}.db")
            opened.append(sqlite_store)
            return sqlite_store
        if kind == "redis":
            url: str = request.getfixturevalue("redis_url")
            redis_store = RedisTokenStore(url, prefix=f"test-dispatch:{uuid.uuid4().hex}:")
            opened.append(redis_store)
            return redis_store
        raise ValueError(kind)

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=TOKEN_STORES)
def token_store(
    request: pytest.FixtureRequest, make_token_store: Callable[[str], TokenStore]
) -> TokenStore:
    """One empty real token store of each kind (the test runs once per kind)."""
    kind: str = request.param
    return make_token_store(kind)


@pytest.fixture(params=sorted(RUNNERS))
def run(request: pytest.FixtureRequest) -> Runner:
    """Handle a body through ``Dispatcher.handle`` or ``await Dispatcher.ahandle``."""
    name: str = request.param
    return RUNNERS[name]


@pytest.fixture
def open_dp() -> Dispatcher:
    """A dispatcher without verification, for tests about everything but verification."""
    return Dispatcher(verify=False)
