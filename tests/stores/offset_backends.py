"""Offset store backends for the tests: fresh, empty stores of each kind, and their time.

Memory and SQLite take an injected ``FakeClock``, so their leases expire without waiting;
Redis keeps its own time, so ``wait`` really sleeps (keep the TTLs there short).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b24botevents.stores import (
    MemoryOffsetStore,
    OffsetStore,
    RedisOffsetStore,
    SQLiteOffsetStore,
)
from stores.backends import BACKENDS, Backend, FakeClock, make_backend

__all__ = ["BACKENDS", "FakeClock", "OffsetBackend", "backend_fixture"]

OffsetBackend = Backend[OffsetStore]


def backend_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OffsetBackend]:
    """The body of a ``backend`` fixture parametrized over ``BACKENDS``."""
    made: OffsetBackend = make_backend(
        request.param,
        request,
        tmp_path,
        FakeClock(),
        memory=MemoryOffsetStore,
        sqlite=SQLiteOffsetStore,
        redis=RedisOffsetStore,
        file_prefix="offsets",
    )
    try:
        yield made
    finally:
        made.close()
