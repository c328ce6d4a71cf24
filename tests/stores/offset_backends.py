"""Offset store backends for the tests: fresh, empty stores of each kind, and their time.

Memory and SQLite take an injected ``FakeClock``, so their leases expire without waiting;
Redis keeps its own time, so ``wait`` really sleeps (keep the TTLs there short).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from b24botevents.stores import (
    MemoryOffsetStore,
    OffsetStore,
    RedisOffsetStore,
    SQLiteOffsetStore,
)

BACKENDS = ["memory", "sqlite", "redis"]


class FakeClock:
    """A clock that moves only when told to; starts far from zero like ``time.time``."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class OffsetBackend:
    """Builds fresh, empty stores of one backend; ``wait`` lets their time pass."""

    name: str
    factory: Callable[[], OffsetStore]
    wait: Callable[[float], None]
    made: list[OffsetStore] = field(default_factory=list)

    def make(self) -> OffsetStore:
        store = self.factory()
        self.made.append(store)
        return store

    def close(self) -> None:
        for store in self.made:
            close = getattr(store, "close", None)
            if close is not None:
                close()


def make_backend(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> OffsetBackend:
    if name == "memory":
        return OffsetBackend(name, lambda: MemoryOffsetStore(clock=clock), clock.advance)
    if name == "sqlite":

        def sqlite_store() -> OffsetStore:
            return SQLiteOffsetStore(tmp_path / f"offsets-{uuid.uuid4().hex}.db", clock=clock)

        return OffsetBackend(name, sqlite_store, clock.advance)
    url: str = request.getfixturevalue("redis_url")

    def redis_store() -> OffsetStore:
        # A unique prefix per store keeps tests apart on the shared server.
        return RedisOffsetStore(url, prefix=f"test:{uuid.uuid4().hex}:")

    return OffsetBackend(name, redis_store, time.sleep)


def backend_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OffsetBackend]:
    """The body of a ``backend`` fixture parametrized over ``BACKENDS``."""
    made = make_backend(request.param, request, tmp_path, FakeClock())
    try:
        yield made
    finally:
        made.close()
