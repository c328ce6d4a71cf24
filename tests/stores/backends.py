"""Store backends for the contract tests: fresh, empty stores of each kind, and their time.

``make_backend`` builds, for one backend name, a ``Backend`` whose ``make()`` gives a new
store: memory and SQLite take an injected ``FakeClock`` (their expiry is tested without
waiting); Redis keeps its own time, so ``wait`` really sleeps (keep the TTLs short) and
each store gets a prefix of its own on the shared server.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import pytest

BACKENDS = ["memory", "sqlite", "redis"]

S = TypeVar("S")


class FakeClock:
    """A clock that moves only when told to; starts far from zero like ``time.time``."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Backend(Generic[S]):
    """Builds fresh, empty stores of one backend; ``wait`` lets their time pass."""

    name: str
    factory: Callable[[], S]
    wait: Callable[[float], None]
    made: list[S] = field(default_factory=list)

    def make(self) -> S:
        store = self.factory()
        self.made.append(store)
        return store

    def close(self) -> None:
        for store in self.made:
            close = getattr(store, "close", None)
            if close is not None:
                close()


def make_backend(
    name: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FakeClock,
    *,
    memory: Callable[..., S],
    sqlite: Callable[..., S],
    redis: Callable[..., S],
    file_prefix: str,
) -> Backend[S]:
    """The ``name`` backend of one store kind, given its three classes."""
    if name == "memory":
        return Backend(name, lambda: memory(clock=clock), clock.advance)
    if name == "sqlite":
        return Backend(
            name,
            lambda: sqlite(tmp_path / f"{file_prefix}-{uuid.uuid4().hex}.db", clock=clock),
            clock.advance,
        )
    url: str = request.getfixturevalue("redis_url")
    # A unique prefix per store keeps tests apart on the shared server.
    return Backend(name, lambda: redis(url, prefix=f"test:{uuid.uuid4().hex}:"), time.sleep)
