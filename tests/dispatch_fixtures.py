"""Fixtures for the dispatcher, verification and dedup tests: real portal stores, both runners.

Each folder that needs them re-exports them from its ``conftest.py`` (``tests/dispatcher``,
``tests/verify``, ``tests/dedup``). ``redis_url`` and ``dead_url`` come from the root
``tests/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from b24botevents import Dispatcher, MemoryPortalStore, PortalStore, SQLitePortalStore
from b24botevents.stores import RedisPortalStore
from dispatch_helpers import RUNNERS, Runner

PORTAL_STORES = ["memory", "sqlite", "redis"]


@pytest.fixture
def unique_prefix() -> str:
    """A Redis key prefix no other test uses."""
    return f"test-dispatch:{uuid.uuid4().hex}:"


@pytest.fixture
def make_portal_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], PortalStore]]:
    """``make(kind)`` builds an empty, real portal store: memory, SQLite or Redis.

    Each call gives a fresh store (its own SQLite file or Redis prefix); all are closed at
    teardown.
    """
    opened: list[SQLitePortalStore | RedisPortalStore] = []

    def make(kind: str) -> PortalStore:
        if kind == "memory":
            return MemoryPortalStore()
        if kind == "sqlite":
            sqlite_store = SQLitePortalStore(tmp_path / f"tokens-{uuid.uuid4().hex}.db")
            opened.append(sqlite_store)
            return sqlite_store
        if kind == "redis":
            url: str = request.getfixturevalue("redis_url")
            redis_store = RedisPortalStore(url, prefix=f"test-dispatch:{uuid.uuid4().hex}:")
            opened.append(redis_store)
            return redis_store
        raise ValueError(kind)

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=PORTAL_STORES)
def portal_store(
    request: pytest.FixtureRequest, make_portal_store: Callable[[str], PortalStore]
) -> PortalStore:
    """One empty real portal store of each kind (the test runs once per kind)."""
    kind: str = request.param
    return make_portal_store(kind)


@pytest.fixture(params=sorted(RUNNERS))
def run(request: pytest.FixtureRequest) -> Runner:
    """Handle a body through ``Dispatcher.handle`` or ``await Dispatcher.ahandle``."""
    name: str = request.param
    return RUNNERS[name]


@pytest.fixture
def open_dp() -> Dispatcher:
    """A dispatcher without verification, for tests about everything but verification."""
    return Dispatcher(verify=False)
